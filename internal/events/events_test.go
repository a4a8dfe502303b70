package events_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/events"
	"github.com/hotdash/hotdash/internal/store/postgres"
	"github.com/hotdash/hotdash/internal/store/storetest"
)

func TestSubscribersGetTheirTopicsCoalesced(t *testing.T) {
	b := events.New(nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	dash := b.Subscribe("decisions")
	defer dash.Close()
	other := b.Subscribe("incidents")
	defer other.Close()
	for range 10 {
		b.Publish("decisions")
	}
	select {
	case <-dash.Ready():
	default:
		t.Fatal("subscriber not woken")
	}
	if got := dash.Take(); !slices.Equal(got, []string{"decisions"}) {
		t.Fatalf("took %v, want one coalesced decisions", got)
	}
	select {
	case <-dash.Ready():
		t.Fatal("ten publishes woke the subscriber more than once")
	default:
	}
	select {
	case <-other.Ready():
		t.Fatal("a subscriber of another topic was woken")
	default:
	}
	dash.Close()
	b.Publish("decisions") // no panic, no delivery after Close
}

// TestTopicsReachOtherReplicasOverPostgres runs two brokers, as two replicas
// would, joined by LISTEN/NOTIFY on a real PostgreSQL server.
func TestTopicsReachOtherReplicasOverPostgres(t *testing.T) {
	db := storetest.OpenPostgres(t)
	pool, ok := postgres.ListenerPool(db.DB)
	if !ok {
		t.Fatal("no listener pool")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := events.New(postgres.NewRelay(pool), logger)
	b := events.New(postgres.NewRelay(pool), logger)
	go a.Run(ctx)
	go b.Run(ctx)
	sub := b.Subscribe("decisions")
	defer sub.Close()
	deadline := time.After(10 * time.Second)
	// The listener may not be up yet when the first publish goes out, so
	// publish until it arrives.
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-sub.Ready():
			if got := sub.Take(); !slices.Contains(got, "decisions") {
				t.Fatalf("took %v", got)
			}
			return
		case <-tick.C:
			a.Publish("decisions")
		case <-deadline:
			t.Fatal("a topic published on one replica never reached the other")
		}
	}
}
