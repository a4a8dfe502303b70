package health_test

import (
	"context"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/health"
	"github.com/hotdash/hotdash/internal/sla"
)

type alerts struct{ got []health.Freshness }

func (a *alerts) WebhooksQuiet(_ context.Context, f health.Freshness) error {
	a.got = append(a.got, f)
	return nil
}

// TestFreshnessCountsBusinessHours: quiet time is counted in business
// hours only, and only an open calendar can be stale.
func TestFreshnessCountsBusinessHours(t *testing.T) {
	nine, err := sla.ParseWindow("09:00-17:00")
	if err != nil {
		t.Fatal(err)
	}
	var week sla.Week
	for d := time.Monday; d <= time.Friday; d++ {
		week[d] = []sla.Window{nine}
	}
	cal, err := sla.NewCalendar("office", time.UTC, week, nil)
	if err != nil {
		t.Fatal(err)
	}
	friday := time.Date(2026, 11, 27, 16, 50, 0, 0, time.UTC)
	last := friday
	clk := clock.NewManual(friday)
	a := &alerts{}
	changes := 0
	w := health.NewFreshnessWatch(func(context.Context) (time.Time, error) { return last, nil }, cal, clk, a)
	w.OnChange = func() { changes++ }
	ctx := context.Background()
	step := func(at time.Time, stale bool, quiet time.Duration) {
		t.Helper()
		clk.Set(at)
		f, err := w.Watch(ctx)
		if err != nil || f.Stale != stale || f.Quiet != quiet {
			t.Fatalf("at %s: stale %v, quiet %s (%v); want %v, %s", at, f.Stale, f.Quiet, err, stale, quiet)
		}
	}
	step(friday.Add(5*time.Minute), false, 5*time.Minute)
	step(time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC), false, 10*time.Minute) // Saturday: closed
	step(time.Date(2026, 11, 30, 9, 19, 0, 0, time.UTC), false, 29*time.Minute) // Monday 09:19
	step(time.Date(2026, 11, 30, 9, 20, 0, 0, time.UTC), true, 30*time.Minute)  // 10 min Friday + 20 Monday
	step(time.Date(2026, 11, 30, 9, 25, 0, 0, time.UTC), true, 35*time.Minute)  // still stale: the alerter dedupes
	if len(a.got) != 2 || changes != 1 {
		t.Fatalf("%d alerts, %d changes", len(a.got), changes)
	}
	last = time.Date(2026, 11, 30, 9, 26, 0, 0, time.UTC)
	step(time.Date(2026, 11, 30, 9, 30, 0, 0, time.UTC), false, 4*time.Minute)
	if changes != 2 || len(a.got) != 2 {
		t.Fatalf("fresh again: %d changes, %d alerts", changes, len(a.got))
	}
}

// TestFreshnessWithoutAnyEvent counts from when the watch began.
func TestFreshnessWithoutAnyEvent(t *testing.T) {
	start := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	clk := clock.NewManual(start)
	w := health.NewFreshnessWatch(func(context.Context) (time.Time, error) { return time.Time{}, nil }, nil, clk, nil)
	clk.Set(start.Add(31 * time.Minute))
	f, err := w.Now(context.Background())
	if err != nil || !f.Stale || !f.LastEvent.IsZero() || f.Quiet != 31*time.Minute {
		t.Fatalf("%+v (%v)", f, err)
	}
}
