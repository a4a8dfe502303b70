package report_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/report"
	"github.com/hotdash/hotdash/internal/store/storetest"
	"github.com/hotdash/hotdash/internal/validation"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestDailySummaryCountsTheDay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db, at(19, 0), nil)
		f.seedDay()
		d, err := f.svc.Daily(context.Background(), "2026-11-30")
		if err != nil {
			t.Fatal(err)
		}
		want := []report.ChannelVolume{{Channel: "email", In: 2, Resolved: 1}, {Channel: "sms", In: 1}, {Channel: "web", In: 3, Resolved: 2}}
		if !equalJSON(d.Channels, want) {
			t.Errorf("channels = %+v, want %+v", d.Channels, want)
		}
		wantSLA := []report.SLACompliance{
			{Clock: "first_response", Channel: "email", Met: 1, Missed: 1},
			{Clock: "first_response", Channel: "web", Met: 2, Missed: 1},
			{Clock: "resolution", Channel: "sms", Met: 0, Missed: 1},
			{Clock: "resolution", Channel: "web", Met: 1, Missed: 0},
		}
		if !equalJSON(d.SLA, wantSLA) {
			t.Errorf("sla = %+v, want %+v", d.SLA, wantSLA)
		}
		if d.SLATotal.Met != 4 || d.SLATotal.Missed != 3 || d.SLATotal.PercentText() != "57 %" {
			t.Errorf("sla total = %+v", d.SLATotal)
		}
		g := d.Drafts
		if g.Reviewed != 4 || g.Graded != 3 || !near(g.Tone, 4) || !near(g.Accuracy, 13.0/3) || !near(g.Policy, 14.0/3) || !near(g.UneditedShare, 2.0/3) {
			t.Errorf("drafts = %+v", g)
		}
		if !equalJSON(d.Incidents, []report.Count{{Key: "S1", N: 1}, {Key: "S2", N: 1}, {Key: "S3", N: 1}}) ||
			!equalJSON(d.Escalations, []report.Count{{Key: "L1", N: 2}, {Key: "L3", N: 1}}) {
			t.Errorf("incidents = %+v, escalations = %+v", d.Incidents, d.Escalations)
		}
		if len(d.FollowUps) != 2 || d.FollowUps[0].NextAction != "Rotate the Chatwoot token" || !d.FollowUps[0].Overdue ||
			!d.FollowUps[1].CustomerPromise || d.FollowUps[1].Overdue {
			t.Errorf("follow-ups = %+v", d.FollowUps)
		}
	})
}

func TestDailySummaryIsSavedOncePerDayUnlessAskedAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db, at(19, 0), nil)
		f.seedDay()
		ctx := context.Background()
		d, created, err := f.svc.SaveDaily(ctx, "2026-11-30", "rita", false)
		if err != nil || !created || d.DecisionID == 0 {
			t.Fatalf("first save: %+v %v %v", d.DecisionID, created, err)
		}
		e, err := f.log.Get(ctx, d.DecisionID)
		if err != nil {
			t.Fatal(err)
		}
		if e.Scope != "build" || e.Actor != "support" || e.Action != report.DailyAction || e.RecordedBy != "rita" ||
			e.NextActionOwner != "ops" || !e.NextActionDue.Equal(at(12, 0)) ||
			!strings.Contains(e.NextAction, "Rotate the Chatwoot token") || !strings.Contains(e.NextAction, "[customer promise]") {
			t.Fatalf("entry = %+v", e)
		}
		if !strings.Contains(e.Rationale, "6 conversations in, 3 resolved; SLA 57 % met (3 breached)") {
			t.Errorf("rationale = %q", e.Rationale)
		}
		var saved report.Daily
		if err := json.Unmarshal(e.Payload, &saved); err != nil || saved.SLATotal.Met != 4 || saved.Date != "2026-11-30" {
			t.Errorf("payload = %s (%v)", e.Payload, err)
		}
		again, created, err := f.svc.SaveDaily(ctx, "2026-11-30", "rita", false)
		if err != nil || created || again.DecisionID != d.DecisionID {
			t.Fatalf("second save made a new entry: %d %v %v", again.DecisionID, created, err)
		}
		if n, _ := f.log.Count(ctx, decisionlog.Filter{Action: report.DailyAction}); n != 1 {
			t.Fatalf("%d daily summaries, want 1", n)
		}
		f.clk.Advance(3600e9)
		fresh, created, err := f.svc.SaveDaily(ctx, "2026-11-30", "rita", true)
		if err != nil || !created || fresh.DecisionID == d.DecisionID {
			t.Fatalf("asked again: %d %v %v", fresh.DecisionID, created, err)
		}
		if e, _ := f.log.Get(ctx, fresh.DecisionID); e.CorrectsID != d.DecisionID {
			t.Fatalf("the new summary corrects %d, want %d", e.CorrectsID, d.DecisionID)
		}
		if shown, _ := f.svc.Daily(ctx, "2026-11-30"); shown.DecisionID != fresh.DecisionID {
			t.Fatalf("the page links %d, want the newest %d", shown.DecisionID, fresh.DecisionID)
		}
	})
}

func TestDailySummaryRefusesBadDates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db, at(19, 0), nil)
		for _, d := range []string{"30/11/2026", "2026-12-01"} {
			_, err := f.svc.Daily(context.Background(), d)
			var v validation.Errors
			if !errors.As(err, &v) || v["date"] == "" {
				t.Errorf("%s: %v", d, err)
			}
		}
	})
}

func TestTickSavesTheDailySummaryAtTheConfiguredTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		f := newFixture(t, db, at(17, 59), nil)
		ctx := context.Background()
		if err := f.svc.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if n, _ := f.log.Count(ctx, decisionlog.Filter{Action: report.DailyAction}); n != 0 {
			t.Fatalf("saved before 18:00: %d", n)
		}
		f.clk.Set(at(18, 0))
		for range 3 {
			if err := f.svc.Tick(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if n, _ := f.log.Count(ctx, decisionlog.Filter{Action: report.DailyAction}); n != 1 {
			t.Fatalf("%d summaries after three ticks past 18:00, want 1", n)
		}
	})
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestMarkCustomerPromiseKeepsThePayload(t *testing.T) {
	cases := map[string]string{
		``:                            `{"customer_promise":true}`,
		`{"refund_eur": 40}`:          `{"customer_promise":true,"refund_eur":40}`,
		`{"customer_promise": false}`: `{"customer_promise":true}`,
		`[1, 2]`:                      `[1, 2]`,
	}
	for in, want := range cases {
		if got := string(report.MarkCustomerPromise(json.RawMessage(in))); got != want {
			t.Errorf("%q → %s, want %s", in, got, want)
		}
	}
}
