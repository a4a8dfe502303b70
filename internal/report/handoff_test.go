package report_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/notify/center"
	"github.com/hotdash/hotdash/internal/report"
	"github.com/hotdash/hotdash/internal/store/storetest"
)

func TestHandoffIsDraftedFromLiveState(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db, at(19, 0), nil)
		f.seedDay()
		h, err := f.svc.Start(context.Background(), "olga")
		if err != nil {
			t.Fatal(err)
		}
		// 19:00 is in the default evening shift (16:00–00:00).
		if h.State != report.HandoffDraft || h.Shift != "evening" || !h.ShiftStart.Equal(at(16, 0)) || h.Author != "olga" {
			t.Fatalf("handoff = %+v", h)
		}
		s := h.Content.Snapshot
		if len(s.Incidents) != 2 || s.Incidents[0].Severity != "S1" || s.Incidents[0].Level != 3 ||
			s.Incidents[0].NextTimer != "s1_update_reminder" || !s.Incidents[0].NextDue.Equal(at(19, 20)) ||
			s.Incidents[1].NextTimer != "s2_to_l2" {
			t.Errorf("incidents = %+v", s.Incidents)
		}
		if len(s.AwaitingEvidence) != 1 || s.AwaitingEvidence[0].ID != f.ids["i1"] {
			t.Errorf("awaiting evidence = %+v", s.AwaitingEvidence)
		}
		if len(s.AtRisk) != 2 || s.AtRisk[0].ID != f.ids["w3"] || s.AtRisk[0].Band != "breached" || s.AtRisk[1].ID != f.ids["e2"] || s.AtRisk[1].Band != "urgent" {
			t.Errorf("at risk = %+v", s.AtRisk)
		}
		if !equalJSON(s.PendingDrafts, []report.Count{{Key: "high", N: 2}, {Key: "medium", N: 1}, {Key: "low", N: 0}}) {
			t.Errorf("pending drafts = %+v", s.PendingDrafts)
		}
		if len(s.Promises) != 1 || s.Promises[0].NextAction != "Call ACME back about the refund" ||
			len(s.NextActions) != 1 || s.NextActions[0].NextAction != "Rotate the Chatwoot token" {
			t.Errorf("promises = %+v, next actions = %+v", s.Promises, s.NextActions)
		}
		if s.Health == nil || s.Health.Streak != 2 || !s.Health.At.Equal(at(18, 5)) {
			t.Errorf("health = %+v", s.Health)
		}
		for _, want := range []string{"## Open incidents", "S1 Chatwoot down — open, L3, next: s1_update_reminder at 19:20 UTC",
			"## Customer promises\n- #1 Call ACME back about the refund (lia), due 2026-12-01 09:00 UTC", "Rotate the Chatwoot token (ops), due 2026-11-30 12:00 UTC, overdue",
			"high risk: 2", "(2 in a row, exit 2): platform check failed: 502"} {
			if !strings.Contains(h.Content.Summary, want) {
				t.Errorf("summary lacks %q:\n%s", want, h.Content.Summary)
			}
		}
		got, err := f.svc.Get(context.Background(), h.ID)
		if err != nil || got.Content.Summary != h.Content.Summary || len(got.Content.Snapshot.Incidents) != 2 {
			t.Fatalf("stored handoff = %+v, %v", got, err)
		}
	})
}

func TestHandoffSavedAndAcknowledgedThroughTheDecisionLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db, at(15, 50), nil)
		ctx := context.Background()
		h, err := f.svc.Start(ctx, "olga")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Save(ctx, report.Edit{ID: h.ID, Version: h.Version, Summary: " ", Actor: "olga"}); err == nil {
			t.Fatal("an empty summary was saved")
		}
		h, err = f.svc.Update(ctx, report.Edit{ID: h.ID, Version: h.Version, Summary: "Quiet shift.", Notes: "Printer jam", Actor: "olga"})
		if err != nil || h.Version != 2 || h.State != report.HandoffDraft {
			t.Fatalf("update: %+v %v", h, err)
		}
		if _, err := f.svc.Save(ctx, report.Edit{ID: h.ID, Version: 1, Summary: "x", Actor: "olga"}); !errors.Is(err, report.ErrStale) {
			t.Fatalf("save from an old version: %v", err)
		}
		h, err = f.svc.Save(ctx, report.Edit{ID: h.ID, Version: h.Version, Summary: "Quiet shift.", Blockers: "Email inbox down", Notes: "Printer jam", Actor: "olga"})
		if err != nil {
			t.Fatal(err)
		}
		if h.State != report.HandoffSaved || h.NextShift != "evening" || !h.AckDueAt.Equal(at(16, 30)) || h.DecisionID == 0 {
			t.Fatalf("saved = %+v", h)
		}
		e, _ := f.log.Get(ctx, h.DecisionID)
		if e.Action != report.HandoffAction || e.Actor != "olga" || e.Status != "blocked" || e.NextActionOwner != "evening" ||
			!e.NextActionDue.Equal(at(16, 30)) || !strings.Contains(e.Rationale, "Blockers:\nEmail inbox down") || e.Evidence[0] != h.Path() {
			t.Fatalf("entry = %+v", e)
		}
		if _, err := f.svc.Update(ctx, report.Edit{ID: h.ID, Version: h.Version, Summary: "late edit"}); !errors.Is(err, report.ErrWrongState) {
			t.Fatalf("edit after save: %v", err)
		}
		f.clk.Set(at(16, 5))
		h, err = f.svc.Acknowledge(ctx, h.ID, "erik")
		if err != nil || h.State != report.HandoffAcknowledged || h.AcknowledgedBy != "erik" || !h.AcknowledgedAt.Equal(at(16, 5)) {
			t.Fatalf("acknowledge: %+v %v", h, err)
		}
		if open, _ := f.log.Count(ctx, decisionlog.Filter{OpenNextActions: true}); open != 0 {
			t.Fatalf("%d open next actions after the acknowledgement", open)
		}
		if _, err := f.svc.Acknowledge(ctx, h.ID, "erik"); !errors.Is(err, report.ErrWrongState) {
			t.Fatalf("second acknowledgement: %v", err)
		}
	})
}

func TestUnacknowledgedHandoffNotifiesTheLeadsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		ctx := context.Background()
		f := newFixture(t, db, at(15, 40), nil)
		c := center.New(db.DB, f.clk, func([]int64) {}, f.svc.Logger)
		deps := f.svc.Deps
		deps.Notify = report.LeadNotifier{Center: c}
		f.svc = report.New(deps)
		a, err := auth.New(db.DB, f.clk, auth.Config{BcryptCost: bcrypt.MinCost})
		if err != nil {
			t.Fatal(err)
		}
		lead, _ := a.CreateUser(ctx, auth.NewUser{Email: "lia@example.com", Role: auth.Lead, Password: "long enough password"})
		op, _ := a.CreateUser(ctx, auth.NewUser{Email: "olga@example.com", Role: auth.Operator, Password: "long enough password"})
		late := mustSave(t, f, "olga")
		onTime := mustSave(t, f, "olga")
		f.clk.Set(at(16, 29))
		if _, err := f.svc.Acknowledge(ctx, onTime.ID, "erik"); err != nil {
			t.Fatal(err)
		}
		if n, err := f.svc.NotifyOverdue(ctx); err != nil || n != 0 {
			t.Fatalf("before the deadline: %d %v", n, err)
		}
		f.clk.Set(at(16, 30))
		for range 2 {
			if err := f.svc.Tick(ctx); err != nil {
				t.Fatal(err)
			}
		}
		items, _, err := c.List(ctx, lead.ID, center.Page{Limit: 10})
		if err != nil || len(items) != 1 {
			t.Fatalf("lead notifications = %+v %v", items, err)
		}
		n := items[0]
		if n.Kind != center.Handoff || n.Link != late.Path() || !strings.Contains(n.Title, "day shift not acknowledged") ||
			!strings.Contains(n.Body, "by 16:30 UTC") {
			t.Fatalf("notification = %+v", n)
		}
		if others, _, _ := c.List(ctx, op.ID, center.Page{Limit: 10}); len(others) != 0 {
			t.Fatalf("the operator was notified too: %+v", others)
		}
		got, _ := f.svc.Get(ctx, late.ID)
		if !got.LeadNotifiedAt.Equal(at(16, 30)) || !got.Overdue(at(16, 30)) {
			t.Fatalf("late handoff = %+v", got)
		}
		// It can still be acknowledged afterwards.
		if _, err := f.svc.Acknowledge(ctx, late.ID, "erik"); err != nil {
			t.Fatal(err)
		}
	})
}

func mustSave(t *testing.T, f *fixture, author string) report.Handoff {
	t.Helper()
	ctx := context.Background()
	h, err := f.svc.Start(ctx, author)
	if err != nil {
		t.Fatal(err)
	}
	h, err = f.svc.Save(ctx, report.Edit{ID: h.ID, Version: h.Version, Summary: h.Content.Summary, Actor: author})
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 30, 16, 30, 0, 0, time.UTC); !h.AckDueAt.Equal(want) {
		t.Fatalf("ack due %s, want %s", h.AckDueAt, want)
	}
	return h
}

func TestTickLogsASavedHandoffWhoseEntryWasLost(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db, at(10, 0), nil)
		ctx := context.Background()
		h := mustSaveAt(t, f, "olga")
		// As if the append had failed after the save committed.
		f.exec(`UPDATE handoffs SET decision_id = NULL WHERE id = $1`, h.ID)
		if err := f.svc.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		got, _ := f.svc.Get(ctx, h.ID)
		if got.DecisionID != h.DecisionID {
			t.Fatalf("relinked to %d, want the same entry %d (no second entry)", got.DecisionID, h.DecisionID)
		}
		if n, _ := f.log.Count(ctx, decisionlog.Filter{Action: report.HandoffAction}); n != 1 {
			t.Fatalf("%d handoff entries, want 1", n)
		}
	})
}

func mustSaveAt(t *testing.T, f *fixture, author string) report.Handoff {
	t.Helper()
	ctx := context.Background()
	h, err := f.svc.Start(ctx, author)
	if err == nil {
		h, err = f.svc.Save(ctx, report.Edit{ID: h.ID, Version: h.Version, Summary: "Quiet.", Actor: author})
	}
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// An acknowledgement whose Decision Log entry was lost (the process died
// between the commit and the append) is recorded by the next tick, once.
func TestALostAcknowledgementEntryIsRecordedByTheNextTick(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db, at(15, 50), nil)
		ctx := context.Background()
		h, err := f.svc.Start(ctx, "olga")
		if err != nil {
			t.Fatal(err)
		}
		h, err = f.svc.Save(ctx, report.Edit{ID: h.ID, Version: h.Version, Summary: "Quiet shift.", Actor: "olga"})
		if err != nil {
			t.Fatal(err)
		}
		// What Acknowledge commits before it appends.
		if _, err := db.Write.Exec(`UPDATE handoffs SET state = 'acknowledged', acknowledged_by = 'erik', acknowledged_at = $1, version = version + 1
			WHERE id = $2`, at(16, 5), h.ID); err != nil {
			t.Fatal(err)
		}
		acks := func() int {
			t.Helper()
			n, err := f.log.Count(ctx, decisionlog.Filter{Action: report.AckAction})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := acks(); n != 0 {
			t.Fatalf("%d acknowledgement entries before the tick", n)
		}
		f.clk.Set(at(16, 6))
		for range 2 {
			if err := f.svc.Tick(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if n := acks(); n != 1 {
			t.Fatalf("%d acknowledgement entries after two ticks, want 1", n)
		}
		if open, _ := f.log.Count(ctx, decisionlog.Filter{OpenNextActions: true}); open != 0 {
			t.Fatalf("%d open next actions: the acknowledgement did not close the handoff's entry", open)
		}
	})
}
