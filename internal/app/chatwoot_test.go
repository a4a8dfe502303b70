package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/apptest"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/simulator"
)

// TestReconciliationRunsOnItsOwnAndShowsInTheStatus points a whole HotDash
// at a simulated Chatwoot that never delivers a webhook: the reconciliation
// job, started with the server, must still bring its conversations in, and
// GET /api/v1/chatwoot/status must show the run.
func TestReconciliationRunsOnItsOwnAndShowsInTheStatus(t *testing.T) {
	sim, err := simulator.New(simulator.Options{Token: "sim-token", AccountID: 1, Contacts: 5, Seed: 3,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	for i := range 3 {
		if _, err := sim.NewConversation(sim.Inboxes()[i].ID, 0, "Hello"); err != nil {
			t.Fatal(err)
		}
	}
	off := false
	a := apptest.Start(t, apptest.Options{Settings: func(s *config.Settings) {
		s.Chatwoot = config.Chatwoot{BaseURL: srv.URL, APIToken: "sim-token", AccountID: 1, WebhookSecret: "s3cret",
			ReconcileEvery: time.Minute, DryRun: &off}
	}})
	c := a.Client(auth.Lead)
	ctx := context.Background()
	var st client.ChatwootStatus
	deadline := time.Now().Add(30 * time.Second)
	for {
		if st, err = c.ChatwootStatus(ctx); err != nil {
			t.Fatal(err)
		}
		if st.LastGoodSyncAt != nil {
			page, err := c.Conversations(ctx, client.ConversationQuery{})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Conversations) == 3 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reconciliation brought the conversations in: %+v", st)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !st.Configured || st.DryRun || !st.WebhooksConfigured || len(st.Syncs) == 0 || st.Syncs[0].Fetched != 3 || st.Syncs[0].Error != "" {
		t.Fatalf("status %+v", st)
	}
}
