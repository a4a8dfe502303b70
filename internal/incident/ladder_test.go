package incident_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/incident"
	"github.com/hotdash/hotdash/internal/jobs"
	"github.com/hotdash/hotdash/internal/store/storetest"
)

// t0 is when each test's first incident opens.
var t0 = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// ladder is a Service over a real store with a manual clock, and the job
// runner its decisions go through.
type ladder struct {
	*incident.Service
	clk *clock.Manual
	db  *storetest.DB
	log *decisionlog.Log
}

func newLadder(t *testing.T, db *storetest.DB, clk *clock.Manual, cfg config.EscalationConfig) *ladder {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	log := decisionlog.New(db.DB, clk, decisionlog.Options{})
	t.Cleanup(log.Close)
	runner := jobs.New(db.DB, logger)
	var svc *incident.Service
	runner.Handle(jobs.Handler{Kind: incident.JobDecision, Work: func(ctx context.Context, j jobs.Job) error { return svc.AppendDecision(ctx, j.Args) }})
	ctx, cancel := context.WithCancel(context.Background())
	if err := runner.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		stop, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		_ = runner.Stop(stop)
	})
	svc = incident.NewService(incident.Deps{DB: db.DB, Decisions: log, Clock: clk, Ladder: cfg, Jobs: runner, Logger: logger,
		PublicURL: func() string { return "https://hotdash.example.com" }})
	return &ladder{Service: svc, clk: clk, db: db, log: log}
}

// advance moves the clock and fires what fell due.
func (l *ladder) advance(t *testing.T, d time.Duration) {
	t.Helper()
	l.clk.Advance(d)
	if _, err := l.RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (l *ladder) level(t *testing.T, id int64) int {
	t.Helper()
	i, err := l.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return i.Level
}

func (l *ladder) open(t *testing.T, n incident.NewIncident) incident.Incident {
	t.Helper()
	if n.Summary == "" {
		n.Summary = "Email channel delayed"
	}
	if n.Actor == "" {
		n.Actor = "lead@example.com"
	}
	i, err := l.Open(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// triggers lists an incident's escalations as "L1 timer:30m".
func (l *ladder) triggers(t *testing.T, id int64) string {
	t.Helper()
	es, err := l.Escalations(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, incident.LevelName(e.Level)+" "+e.Trigger)
	}
	return strings.Join(out, ", ")
}

func withRenotify(every time.Duration) config.EscalationConfig {
	c := config.DefaultEscalation()
	c.Levels = map[string]config.LevelConfig{"L1": {Contacts: []config.Contact{{Name: "Lia"}}, RenotifyEvery: config.Duration(every)}}
	return c
}

func TestAnS2LeftAloneClimbsToL1ThenL2(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		l := newLadder(t, db, clock.NewManual(t0), config.DefaultEscalation())
		i := l.open(t, incident.NewIncident{Severity: incident.S2})
		l.advance(t, 29*time.Minute)
		if got := l.level(t, i.ID); got != 0 {
			t.Fatalf("at 29 min the incident is at L%d", got)
		}
		l.advance(t, time.Minute)
		if got := l.level(t, i.ID); got != 1 {
			t.Fatalf("at 30 min the incident is at L%d, want L1", got)
		}
		l.advance(t, 30*time.Minute)
		l.advance(t, 5*time.Hour)
		if got := l.triggers(t, i.ID); got != "L1 timer:30m, L2 timer:1h" {
			t.Fatalf("escalations: %s", got)
		}
		entries, _, err := l.log.List(context.Background(), decisionlog.Filter{IncidentRef: i.Ref()}, decisionlog.Page{})
		if err != nil || len(entries) != 3 || entries[0].Action != "incident.escalate" || entries[2].Action != "incident.open" {
			t.Fatalf("timeline %+v (%v)", entries, err)
		}
	})
}

// TestTheLadderSurvivesARestartAndTwoReplicas: a second Service (a
// restarted process, or another replica) picks up the timers; running
// both at once takes each step once.
func TestTheLadderSurvivesARestartAndTwoReplicas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		clk := clock.NewManual(t0)
		first := newLadder(t, db, clk, config.DefaultEscalation())
		i := first.open(t, incident.NewIncident{Severity: incident.S2})
		first.advance(t, 30*time.Minute)
		restarted := newLadder(t, db, clk, config.DefaultEscalation())
		other := newLadder(t, db, clk, config.DefaultEscalation())
		clk.Advance(30 * time.Minute)
		var wg sync.WaitGroup
		for _, l := range []*ladder{restarted, other} {
			wg.Go(func() {
				if _, err := l.RunDue(context.Background()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if got := restarted.triggers(t, i.ID); got != "L1 timer:30m, L2 timer:1h" {
			t.Fatalf("escalations after restart: %s", got)
		}
		timers, err := restarted.Timers(context.Background(), i.ID)
		if err != nil || len(timers) != 2 || timers[1].Outcome != "escalated to L2" {
			t.Fatalf("timers %+v (%v)", timers, err)
		}
	})
}

func TestSeverityRulesAndTheEvidenceFlag(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		l := newLadder(t, db, clock.NewManual(t0), config.DefaultEscalation())
		ctx := context.Background()
		s0 := l.open(t, incident.NewIncident{Severity: incident.S0, Summary: "Customer data exposed"})
		legal := l.open(t, incident.NewIncident{Severity: incident.S2, Summary: "Regulator letter", LegalRisk: true})
		s3 := l.open(t, incident.NewIncident{Severity: incident.S3, Summary: "Help typo"})
		if l.triggers(t, s0.ID) != "L4 severity:S0" || l.triggers(t, legal.ID) != "L4 legal_risk" || l.level(t, s3.ID) != 0 {
			t.Fatalf("S0 %q, legal %q, S3 L%d", l.triggers(t, s0.ID), l.triggers(t, legal.ID), l.level(t, s3.ID))
		}
		s0, _ = l.Get(ctx, s0.ID)
		if !s0.EvidenceMissing || len(s0.MissingEvidence()) != 2 {
			t.Fatalf("S0 escalated without evidence is not flagged: %+v", s0)
		}
		l.advance(t, 15*time.Minute) // the evidence reminder fires and re-arms
		s0, err := l.SupplyEvidence(ctx, s0.ID, incident.Evidence{ActionsTaken: "Revoked the leaked keys", Link: "https://status.example.com/1"}, "lead@example.com")
		if err != nil || s0.EvidenceMissing || s0.EvidenceDecision == 0 {
			t.Fatalf("after evidence: %+v (%v)", s0, err)
		}
		l.advance(t, 15*time.Minute)
		timers, _ := l.Timers(ctx, s0.ID)
		if len(timers) != 2 || timers[0].Outcome != "reminded the owner" || timers[1].Outcome != "stopped: evidence supplied" {
			t.Fatalf("evidence timers %+v", timers)
		}
	})
}

func TestASecondL3WithinTheWindowGoesToL4(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		l := newLadder(t, db, clock.NewManual(t0), config.DefaultEscalation())
		first := l.open(t, incident.NewIncident{Severity: incident.S1, Summary: "Chatwoot down"})
		l.clk.Advance(25 * time.Hour)
		second := l.open(t, incident.NewIncident{Severity: incident.S1, Summary: "Chatwoot down again"})
		third := l.open(t, incident.NewIncident{Severity: incident.S1, Summary: "Approvals blocked"})
		if l.triggers(t, first.ID) != "L3 severity:S1" || l.triggers(t, second.ID) != "L3 severity:S1" ||
			l.triggers(t, third.ID) != "L3 severity:S1, L4 repeat_l3" {
			t.Fatalf("first %q, second %q, third %q", l.triggers(t, first.ID), l.triggers(t, second.ID), l.triggers(t, third.ID))
		}
	})
}

func TestEscalatingByHandNeedsEvidenceForS2AndS3(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		l := newLadder(t, db, clock.NewManual(t0), config.DefaultEscalation())
		ctx := context.Background()
		i := l.open(t, incident.NewIncident{Severity: incident.S2, CustomersAffected: true, Customers: "Acme"})
		_, err := l.Escalate(ctx, i.ID, i.Version, 0, incident.Evidence{}, "lead@example.com")
		var ev *incident.EvidenceError
		if !errors.As(err, &ev) || len(ev.Missing) != 3 {
			t.Fatalf("escalating without evidence: %v", err)
		}
		_, err = l.Escalate(ctx, i.ID, i.Version, 0, incident.Evidence{ActionsTaken: "Restarted the mail worker", Link: "https://runbooks.example.com/email"}, "lead@example.com")
		if !errors.As(err, &ev) || len(ev.Missing) != 1 || !strings.Contains(ev.Missing[0], "communication plan") {
			t.Fatalf("escalating without a comms plan: %v", err)
		}
		got, err := l.Escalate(ctx, i.ID, i.Version, 2, incident.Evidence{ActionsTaken: "Restarted the mail worker", Link: "https://runbooks.example.com/email",
			CommsPlan: "Status page update every 30 min"}, "lead@example.com")
		if err != nil || got.Level != 2 || got.EvidenceMissing || l.triggers(t, i.ID) != "L2 manual" {
			t.Fatalf("escalated: %+v (%v) %s", got, err, l.triggers(t, i.ID))
		}
		if _, err := l.Escalate(ctx, i.ID, i.Version, 3, incident.Evidence{}, "lead@example.com"); !errors.Is(err, incident.ErrStale) {
			t.Fatalf("escalating an old version: %v", err)
		}
		l.advance(t, time.Hour) // the S2 timers find it past L1 and L2
		if l.triggers(t, i.ID) != "L2 manual" {
			t.Fatalf("timers escalated again: %s", l.triggers(t, i.ID))
		}
	})
}

func TestAcknowledgingStopsRenotifyingAndResolvingStopsTheLadder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		l := newLadder(t, db, clock.NewManual(t0), withRenotify(10*time.Minute))
		ctx := context.Background()
		i := l.open(t, incident.NewIncident{Severity: incident.S2})
		l.advance(t, 30*time.Minute) // L1
		l.advance(t, 10*time.Minute) // renotified once
		if _, err := l.Acknowledge(ctx, i.ID, "lia@example.com"); err != nil {
			t.Fatal(err)
		}
		l.advance(t, 10*time.Minute) // no more
		es, _ := l.Escalations(ctx, i.ID)
		if len(es) != 1 || es[0].Notified != 2 || es[0].AckedBy != "lia@example.com" {
			t.Fatalf("escalations %+v", es)
		}
		quiet := l.open(t, incident.NewIncident{Severity: incident.S2, Summary: "Analytics delayed"})
		cur, _ := l.Get(ctx, quiet.ID)
		if _, err := l.Transition(ctx, quiet.ID, cur.Version, incident.StatusResolved, "lead@example.com", "caught up"); err != nil {
			t.Fatal(err)
		}
		l.advance(t, 2*time.Hour)
		if got := l.level(t, quiet.ID); got != 0 {
			t.Fatalf("a resolved incident climbed to L%d", got)
		}
	})
}

func TestAnS1OwnerIsRemindedBeforeTheCustomerUpdateIsDue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		l := newLadder(t, db, clock.NewManual(t0), config.DefaultEscalation())
		ctx := context.Background()
		i := l.open(t, incident.NewIncident{Severity: incident.S1, Summary: "Chatwoot down"})
		l.advance(t, 19*time.Minute)
		if _, err := l.CustomerUpdate(ctx, i.ID, "Posted on the status page", "lead@example.com"); err != nil {
			t.Fatal(err)
		}
		l.advance(t, time.Minute) // the reminder due at 20 min: customers were just updated
		l.advance(t, 19*time.Minute)
		timers, _ := l.Timers(ctx, i.ID)
		var outcomes []string
		for _, tm := range timers {
			if tm.Kind == "s1_update" {
				outcomes = append(outcomes, tm.Outcome)
			}
		}
		if strings.Join(outcomes, "|") != "skipped: customers were updated since|reminded the owner|" {
			t.Fatalf("reminders %q", outcomes)
		}
	})
}
