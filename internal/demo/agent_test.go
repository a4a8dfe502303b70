package demo

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/approval"
	"github.com/hotdash/hotdash/internal/apptest"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/incident"
	"github.com/hotdash/hotdash/internal/simulator"
)

func TestTheDemoAgentDraftsOncePerOpenConversation(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	sim, err := simulator.New(simulator.Options{Token: "t", AccountID: 1, Contacts: 3, Seed: 2, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	for range 2 {
		if _, err := sim.NewConversation(sim.Inboxes()[0].ID, 0, "Hello?"); err != nil {
			t.Fatal(err)
		}
	}
	dry := true
	a := apptest.Start(t, apptest.Options{Settings: func(s *config.Settings) {
		s.Chatwoot = config.Chatwoot{BaseURL: srv.URL, APIToken: "t", AccountID: 1, ReconcileEvery: time.Hour, DryRun: &dry}
	}})
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for { // the start-up reconciliation brings both conversations in
		convs, _, err := a.Conversations().List(ctx, conversation.Filter{}, conversation.Page{Limit: 10})
		if err == nil && len(convs) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("conversations never arrived (%v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	agent := NewAgent(a.Approvals, a.Conversations(), logger)
	for i := range 2 {
		if err := agent.draftOne(ctx); err != nil {
			t.Fatalf("draft %d: %v", i+1, err)
		}
	}
	if err := agent.draftOne(ctx); err == nil {
		t.Fatal("the agent drafted twice for one conversation")
	}
	items, _, err := a.Approvals.List(ctx, approval.Filter{}, 10, "")
	if err != nil || len(items) != 2 || items[0].ConversationID == items[1].ConversationID || items[0].Agent != "demo-assistant" {
		t.Fatalf("drafts %+v (%v)", items, err)
	}
}

func TestDemoIncidentsAreSeededOnce(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	ctx := context.Background()
	for range 2 {
		if err := SeedIncidents(ctx, a.App); err != nil {
			t.Fatal(err)
		}
	}
	list, err := a.Incidents.List(ctx, incident.Filter{Status: "all"}, 10)
	if err != nil || len(list) != 2 || list[0].Severity != incident.S2 || list[1].Level != 0 {
		t.Fatalf("demo incidents %+v (%v)", list, err)
	}
}
