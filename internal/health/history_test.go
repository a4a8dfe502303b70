package health_test

import (
	"context"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/health"
	"github.com/hotdash/hotdash/internal/store/storetest"
)

func run(platformOK, authOK bool, platformMS int) health.Result {
	p := health.Check{Name: health.Platform, OK: platformOK, Status: 200, Latency: time.Duration(platformMS) * time.Millisecond}
	if !platformOK {
		p.Status, p.Reason = 503, "Chatwoot answered 503 Service Unavailable"
	}
	a := health.Check{Name: health.Authenticated, OK: authOK, Status: 200, Latency: 10 * time.Millisecond}
	return health.Result{Checks: []health.Check{p, a}, ExitCode: health.ExitCodeOf(platformOK, authOK)}
}

// TestSummaryUptimeAndLatency seeds a month of checks with known answers
// and reads back what the health page shows.
func TestSummaryUptimeAndLatency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		ctx := context.Background()
		h := health.NewHistory(db.DB)
		now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
		add := func(at time.Time, r health.Result) {
			t.Helper()
			if _, err := h.Add(ctx, r, at, health.SourceSchedule, ""); err != nil {
				t.Fatal(err)
			}
		}
		// 20 days ago: 10 checks, all failing (in 30d only).
		for i := range 10 {
			add(now.Add(-20*24*time.Hour+time.Duration(i)*time.Minute), run(false, true, 100))
		}
		// 3 days ago: 10 checks passing (in 7d and 30d).
		for i := range 10 {
			add(now.Add(-3*24*time.Hour+time.Duration(i)*time.Minute), run(true, true, 100))
		}
		// The last 24 h: 100 passing checks with platform latencies 1..100 ms,
		// then 2 failures of both, the newest at now.
		for i := range 100 {
			add(now.Add(-10*time.Hour+time.Duration(i)*time.Minute), run(true, true, i+1))
		}
		add(now.Add(-5*time.Minute), run(false, false, 1))
		add(now, run(false, true, 1))

		s, err := h.Summarize(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		if s.State != health.StateFailing || s.Failures != 2 || !s.FailingSince.Equal(now.Add(-5*time.Minute)) {
			t.Errorf("state %s, %d failures since %s", s.State, s.Failures, s.FailingSince)
		}
		if s.Latest == nil || s.Latest.ExitCode != health.ExitPlatform || s.Latest.Reason != "platform: Chatwoot answered 503 Service Unavailable" {
			t.Errorf("latest: %+v", s.Latest)
		}
		want := []struct {
			label          string
			checks, passed int
		}{{"24h", 102, 100}, {"7d", 112, 110}, {"30d", 122, 110}}
		for i, w := range want {
			u := s.Uptime[i]
			if u.Label != w.label || u.Checks != w.checks || u.Passed != w.passed || u.Percent != 100*float64(w.passed)/float64(w.checks) {
				t.Errorf("uptime %s: %+v, want %d of %d", w.label, u, w.passed, w.checks)
			}
		}
		// 102 latencies: 1, 1, 1..100 ms → p50 is the 51st (49 ms), p90
		// the 92nd (90 ms), p99 the 101st (99 ms).
		if p := s.Platform; p.Count != 102 || p.P50 != 49*time.Millisecond || p.P90 != 90*time.Millisecond || p.P99 != 99*time.Millisecond {
			t.Errorf("platform latency: %+v", p)
		}
		if len(s.Recent) != 102 || !s.Recent[0].At.Before(s.Recent[101].At) {
			t.Errorf("recent: %d checks, oldest first?", len(s.Recent))
		}

		add(now.Add(time.Minute), run(true, true, 5))
		s, err = h.Summarize(ctx, now.Add(time.Minute))
		if err != nil || s.State != health.StateOK || s.Failures != 0 {
			t.Errorf("after a pass: %s, %d failures (%v)", s.State, s.Failures, err)
		}
	})
}

func TestSummaryWithoutChecks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		s, err := health.NewHistory(db.DB).Summarize(context.Background(), time.Now())
		if err != nil || s.State != health.StateUnknown || s.Latest != nil || s.Uptime[0].Percent != -1 || s.Platform.Count != 0 {
			t.Fatalf("%+v (%v)", s, err)
		}
	})
}
