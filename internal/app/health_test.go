package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/apptest"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/incident"
	"github.com/hotdash/hotdash/internal/notify/center"
	"github.com/hotdash/hotdash/internal/simulator"
)

// TestRepeatedHealthFailuresPageL3AndRecoveryResolves drives scheduled
// checks with a manual clock: the third failure opens an S1 incident at
// L3 with the failing output as evidence; a pass resolves it; failing
// again within 24 h goes to L4.
func TestRepeatedHealthFailuresPageL3AndRecoveryResolves(t *testing.T) {
	sim, err := simulator.New(simulator.Options{Token: "sim-token", AccountID: 1, Contacts: 1, Seed: 6,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	clk := clock.NewManual(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	dry := true
	a := apptest.Start(t, apptest.Options{Clock: clk, Settings: func(s *config.Settings) {
		s.Chatwoot = config.Chatwoot{BaseURL: srv.URL, APIToken: "sim-token", AccountID: 1, ReconcileEvery: time.Hour, DryRun: &dry,
			HealthEvery: time.Hour}
	}})
	ctx := context.Background()
	check := func() {
		t.Helper()
		clk.Advance(5 * time.Minute)
		if _, err := a.Health.Check(ctx); err != nil {
			t.Fatal(err)
		}
	}
	open := func() []incident.Incident {
		t.Helper()
		list, err := a.Incidents.List(ctx, incident.Filter{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	check()
	sim.SetQueueFailing(true)
	check()
	check()
	if n := len(open()); n != 0 {
		t.Fatalf("%d incidents after two failures", n)
	}
	check()
	list := open()
	if len(list) != 1 || list[0].Severity != incident.S1 || list[0].Level != 3 || list[0].Cause != incident.CauseHealth || list[0].EvidenceDecision == 0 {
		t.Fatalf("after three failures: %+v", list)
	}
	for range 5 { // still failing for 25 minutes: the same incident, one "still failing" entry
		check()
	}
	if n := len(open()); n != 1 {
		t.Fatalf("%d incidents while still failing", n)
	}
	still, _, err := a.Decisions.List(ctx, decisionlog.Filter{IncidentRef: list[0].Ref(), Action: "incident.health_failing"}, decisionlog.Page{Limit: 10})
	if err != nil || len(still) != 1 {
		t.Fatalf("%d still-failing entries in 25 minutes (%v)", len(still), err)
	}
	sim.SetQueueFailing(false)
	check()
	if n := len(open()); n != 0 {
		t.Fatalf("recovery left %d incidents open", n)
	}
	sim.SetDown(true)
	check()
	check()
	check()
	list = open()
	if len(list) != 1 || list[0].Level != 4 {
		t.Fatalf("failing again within 24 h: %+v", list)
	}
}

// TestQuietWebhooksNotifyTheLeadOnce: with webhooks configured and no
// Chatwoot event for 30 minutes, the leads get one notification per quiet
// spell, and the health API reports the webhooks stale.
func TestQuietWebhooksNotifyTheLeadOnce(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
	a := apptest.Start(t, apptest.Options{Clock: clk, Settings: func(s *config.Settings) {
		s.Chatwoot = config.Chatwoot{WebhookSecret: "s3cret", ReconcileEvery: time.Hour}
	}})
	lead := a.CreateUser("lead@example.com", auth.Lead)
	operator := a.CreateUser("op@example.com", auth.Operator)
	ctx := context.Background()
	clk.Advance(29 * time.Minute)
	if f, err := a.Freshness.Watch(ctx); err != nil || f.Stale {
		t.Fatalf("after 29 min: %+v (%v)", f, err)
	}
	clk.Advance(2 * time.Minute)
	for range 2 {
		if f, err := a.Freshness.Watch(ctx); err != nil || !f.Stale {
			t.Fatalf("after 31 min: %+v (%v)", f, err)
		}
	}
	items, _, err := a.Notifications.List(ctx, lead.ID, center.Page{Limit: 10})
	if err != nil || len(items) != 1 || items[0].Kind != center.Health || items[0].Link != "/health" ||
		!strings.Contains(items[0].Title, "No Chatwoot event for 31m") {
		t.Fatalf("lead's notifications: %+v (%v)", items, err)
	}
	if items, _, _ := a.Notifications.List(ctx, operator.ID, center.Page{Limit: 10}); len(items) != 0 {
		t.Errorf("the operator was told too: %+v", items)
	}
	s, err := a.Client(auth.Operator).HealthSummary(ctx)
	if err != nil || s.Webhooks == nil || !s.Webhooks.Stale || s.Webhooks.QuietMinutes != 31 || s.Webhooks.LastEventAt != nil || s.State != "unknown" || s.Scheduled {
		t.Fatalf("summary: %+v (%v)", s, err)
	}
}
