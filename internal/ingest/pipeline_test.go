package ingest_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/ingest"
	"github.com/hotdash/hotdash/internal/sla"
	"github.com/hotdash/hotdash/internal/store/storetest"
)

func newProjector(t *testing.T, db *storetest.DB, clk clock.Clock) (*ingest.Projector, *conversation.Queue) {
	t.Helper()
	ps, err := sla.NewPolicies(sla.DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	proj := conversation.NewProjection(db.DB, 1, conversation.Rules{Policies: ps, Bands: sla.DefaultBands()})
	t.Cleanup(proj.Close)
	p := ingest.NewProjector(db.DB, proj, clk, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	return p, conversation.NewQueue(db.DB)
}

func TestStoredEventsBecomeConversations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		e := serve(t, db, ingest.ReceiverConfig{Secret: secret})
		p, q := newProjector(t, db, clock.NewManual(t0.Add(time.Hour)))
		for i, name := range []string{
			"composed_message_created_incoming.json",
			"composed_message_created_private_note.json",
			"composed_conversation_updated_escalation.json",
			"composed_conversation_status_changed_resolved.json",
		} {
			body := fixture(t, name)
			if status, outcome := e.send(t, signed(body, name, t0)); status != 200 {
				t.Fatalf("%s: %d %s", name, status, outcome)
			}
			if i == 0 { // Chatwoot delivers twice sometimes
				if _, outcome := e.send(t, signed(body, name, t0)); outcome != "duplicate" {
					t.Fatalf("second delivery: %s", outcome)
				}
			}
		}
		if err := p.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		n, err := ingest.Pending(context.Background(), db.DB)
		if err != nil || n != 0 {
			t.Fatalf("pending after drain: %d %v", n, err)
		}
		all, err := q.Count(context.Background(), conversation.Filter{Statuses: conversation.Statuses()})
		if err != nil || all == 0 {
			t.Fatalf("no conversations projected (%d, %v)", all, err)
		}
		var problems int
		if err := db.Read.QueryRow(`SELECT count(*) FROM chatwoot_events WHERE error <> ''`).Scan(&problems); err != nil || problems != 0 {
			var msg string
			_ = db.Read.QueryRow(`SELECT error FROM chatwoot_events WHERE error <> '' LIMIT 1`).Scan(&msg)
			t.Fatalf("%d fixture events failed to project: %s", problems, msg)
		}
	})
}

// TestAnEventWhoseFieldsDoNotDecodeIsKeptAndSetAside covers a delivery that
// is a valid Chatwoot envelope but carries a field of the wrong type: it is
// acknowledged and stored (nothing is lost), and the projector sets it aside
// with the reason instead of failing the events after it.
func TestAnEventWhoseFieldsDoNotDecodeIsKeptAndSetAside(t *testing.T) {
	db := storetest.OpenSQLite(t)
	e := serve(t, db, ingest.ReceiverConfig{Secret: secret})
	p, q := newProjector(t, db, clock.NewManual(t0))
	odd := []byte(`{"event":"message_created","id":77,"message_type":"incoming","created_at":1790000000,"conversation":{"id":"not a number"}}`)
	if status, outcome := e.send(t, signed(odd, "odd", t0)); status != 200 || outcome != "stored" {
		t.Fatalf("%d %s", status, outcome)
	}
	good := fixture(t, "composed_message_created_incoming.json")
	if status, _ := e.send(t, signed(good, "good", t0)); status != 200 {
		t.Fatal(status)
	}
	if err := p.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	var reason string
	if err := db.Read.QueryRow(`SELECT error FROM chatwoot_events WHERE dedupe_key = 'delivery:odd'`).Scan(&reason); err != nil || reason == "" {
		t.Fatalf("the odd event was not set aside with a reason (%q, %v)", reason, err)
	}
	if n, err := q.Count(context.Background(), conversation.Filter{Statuses: conversation.Statuses()}); err != nil || n != 1 {
		t.Fatalf("the good event after it was not projected (%d, %v)", n, err)
	}
}
