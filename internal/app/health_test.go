package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/apptest"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/incident"
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
	check() // still failing: the same incident
	if n := len(open()); n != 1 {
		t.Fatalf("%d incidents while still failing", n)
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
