package ingest_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotdash/hotdash/internal/chatwoot"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/ingest"
	"github.com/hotdash/hotdash/internal/simulator"
	"github.com/hotdash/hotdash/internal/store/storetest"
)

// floor is HotDash's intake (receiver, projector, reconciler) wired to a
// simulated Chatwoot that loses webhooks.
type floor struct {
	t     *testing.T
	sim   *simulator.Simulator
	e     *endpoint
	proj  *ingest.Projector
	queue *conversation.Queue
	rec   *ingest.Reconciler
	db    *storetest.DB
}

func newFloor(t *testing.T, db *storetest.DB, drop float64) *floor {
	t.Helper()
	clk := clock.System{}
	e := serveWithClock(t, db, clk)
	sim, err := simulator.New(simulator.Options{Seed: 7, Contacts: 30,
		Webhooks: []simulator.Webhook{{URL: e.url, Secret: secret}}, Flaws: simulator.Flaws{Drop: drop},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	api := httptest.NewServer(sim.Handler())
	t.Cleanup(api.Close)
	client, err := chatwoot.NewClient(chatwoot.Config{BaseURL: api.URL, Token: "sim-token", AccountID: 1, Retries: 2,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	p, q := newProjector(t, db, clk)
	rec := ingest.NewReconciler(client, e.receiver, db.DB, clk, 1, time.Minute, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	return &floor{t: t, sim: sim, e: e, proj: p, queue: q, rec: rec, db: db}
}

// script makes some support traffic: new conversations across inboxes, a
// reply, a status change, labels.
func (f *floor) script(n int) []int64 {
	f.t.Helper()
	var ids []int64
	contacts := f.sim.Contacts()
	inboxes := f.sim.Inboxes()
	for i := range n {
		id, err := f.sim.NewConversation(inboxes[i%len(inboxes)].ID, contacts[i%len(contacts)].ID, fmt.Sprintf("Question %d", i))
		if err != nil {
			f.t.Fatal(err)
		}
		if _, err := f.sim.CustomerMessage(id, "Anyone there?"); err != nil {
			f.t.Fatal(err)
		}
		if i%2 == 0 {
			if _, err := f.sim.AgentReply(id, f.sim.Agents()[0].ID, "On it"); err != nil {
				f.t.Fatal(err)
			}
		}
		if i%3 == 0 {
			if err := f.sim.SetStatus(id, "pending", time.Time{}); err != nil {
				f.t.Fatal(err)
			}
		}
		if i%4 == 0 {
			if err := f.sim.AddLabels(id, "vip"); err != nil {
				f.t.Fatal(err)
			}
		}
		ids = append(ids, id)
	}
	if err := f.sim.Flush(context.Background()); err != nil {
		f.t.Fatal(err)
	}
	if err := f.proj.Drain(context.Background()); err != nil {
		f.t.Fatal(err)
	}
	return ids
}

// mismatches compares HotDash's view of each conversation with Chatwoot's.
func (f *floor) mismatches(ids []int64) []string {
	f.t.Helper()
	var out []string
	for _, id := range ids {
		want, ok := f.sim.Conversation(id)
		if !ok {
			f.t.Fatalf("the simulator lost conversation %d", id)
		}
		got, err := f.queue.ByDisplayID(context.Background(), 1, id)
		if err != nil {
			out = append(out, fmt.Sprintf("#%d missing", id))
			continue
		}
		msgs, err := f.queue.Messages(context.Background(), got.ID, 100)
		if err != nil {
			f.t.Fatal(err)
		}
		if got.Status != want.Status || !slices.Equal(sorted(got.Labels), sorted(want.Labels)) || len(msgs) < 2 {
			out = append(out, fmt.Sprintf("#%d: status %s/%s labels %v/%v messages %d", id, got.Status, want.Status, got.Labels, want.Labels, len(msgs)))
		}
	}
	return out
}

func sorted(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	if c == nil {
		c = []string{}
	}
	return c
}

func TestReconciliationRepairsWhatLostWebhooksLeftWrong(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFloor(t, db, 0.3)
		ids := f.script(20)
		before := f.mismatches(ids)
		if len(before) == 0 {
			t.Fatal("dropping 30% of webhooks left nothing wrong; the test proves nothing")
		}
		s, err := f.rec.Run(context.Background())
		if err != nil || !s.OK() || s.Repaired == 0 || s.Fetched < len(ids) {
			t.Fatalf("reconciliation %+v: %v", s, err)
		}
		if err := f.proj.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		if after := f.mismatches(ids); len(after) != 0 {
			t.Fatalf("after reconciling, still wrong:\n%v\n(before: %d wrong)", after, len(before))
		}
		again, err := f.rec.Run(context.Background())
		if err != nil || again.Repaired != 0 {
			t.Fatalf("a second run repaired %d (%v): nothing should be left", again.Repaired, err)
		}
		recent, err := ingest.RecentSyncs(context.Background(), db.DB, 5)
		if err != nil || len(recent) != 2 || !recent[1].OK() {
			t.Fatalf("recorded runs %+v %v", recent, err)
		}
	})
}

func TestReconciliationWhileChatwootFailsIsRecordedAndRetried(t *testing.T) {
	db := storetest.OpenSQLite(t)
	f := newFloor(t, db, 1) // every webhook lost
	ids := f.script(5)
	f.sim.SetDown(true)
	s, err := f.rec.Run(context.Background())
	if err == nil || s.OK() || s.Error == "" {
		t.Fatalf("a run against a Chatwoot that is down: %+v %v", s, err)
	}
	f.sim.SetDown(false)
	f.sim.FailNext(2, 500) // a flaky answer is retried by the client
	if s, err := f.rec.Run(context.Background()); err != nil || !s.OK() {
		t.Fatalf("the next run: %+v %v", s, err)
	}
	if err := f.proj.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if after := f.mismatches(ids); len(after) != 0 {
		t.Fatalf("after Chatwoot came back: %v", after)
	}
}
