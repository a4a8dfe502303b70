package sla_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/sla"
)

func benchCalendar(b *testing.B) *sla.Calendar {
	return calendar(b, "Europe/Berlin", weekdays("09:00-12:30,13:30-17:00")+"sat=22:00-02:00",
		"2026-12-24", "2026-12-25", "2026-12-31", "2027-01-01")
}

// BenchmarkCalendarAddWeekWithHolidays: 24 hours of business time from the
// Monday before Christmas, across the holiday week.
func BenchmarkCalendarAddWeekWithHolidays(b *testing.B) {
	cal := benchCalendar(b)
	start := time.Date(2026, 12, 21, 7, 0, 0, 0, time.UTC)
	for b.Loop() {
		cal.Add(start, 24*time.Hour)
	}
}

// BenchmarkCalendarAdd30Days: 30 days (720 h) of business time, about five
// months of office hours.
func BenchmarkCalendarAdd30Days(b *testing.B) {
	cal := benchCalendar(b)
	start := time.Date(2026, 9, 1, 7, 0, 0, 0, time.UTC)
	for b.Loop() {
		cal.Add(start, 30*24*time.Hour)
	}
}

// BenchmarkCalendarBetweenWeek: open time over one week with holidays.
func BenchmarkCalendarBetweenWeek(b *testing.B) {
	cal := benchCalendar(b)
	start := time.Date(2026, 12, 21, 7, 0, 0, 0, time.UTC)
	for b.Loop() {
		cal.Between(start, start.Add(7*24*time.Hour))
	}
}

// BenchmarkEvaluate200Events: a 200-event history over two weeks, in
// delivery (shuffled) order, on a business-hours policy.
func BenchmarkEvaluate200Events(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	p := sla.Policy{Name: "office", Targets: sla.DefaultTargets(), Calendar: benchCalendar(b)}
	created := time.Date(2026, 12, 14, 8, 0, 0, 0, time.UTC)
	var hist []sla.Event
	statuses := []sla.Status{sla.StatusOpen, sla.StatusPending, sla.StatusSnoozed, sla.StatusResolved, sla.StatusOpen}
	for i := range 200 {
		when := created.Add(time.Duration(i) * 100 * time.Minute)
		switch rng.IntN(5) {
		case 0, 1:
			hist = append(hist, sla.Customer(when))
		case 2, 3:
			hist = append(hist, sla.Agent(when))
		default:
			hist = append(hist, sla.SetStatus(when, statuses[rng.IntN(len(statuses))]))
		}
	}
	rng.Shuffle(len(hist), func(i, j int) { hist[i], hist[j] = hist[j], hist[i] })
	now := created.Add(350 * time.Hour)
	for b.Loop() {
		sla.Evaluate(p, created, hist, now)
	}
}

// BenchmarkEvaluateTypical: a short conversation on a business-hours policy.
func BenchmarkEvaluateTypical(b *testing.B) {
	created := time.Date(2026, 12, 14, 8, 0, 0, 0, time.UTC)
	hist := []sla.Event{
		sla.Customer(created), sla.Agent(created.Add(12 * time.Minute)),
		sla.Customer(created.Add(time.Hour)), sla.SetStatus(created.Add(70*time.Minute), sla.StatusPending),
		sla.SetStatus(created.Add(3*time.Hour), sla.StatusOpen), sla.Agent(created.Add(200 * time.Minute)),
	}
	p := sla.Policy{Name: "office", Targets: sla.DefaultTargets(), Calendar: benchCalendar(b)}
	for b.Loop() {
		sla.Evaluate(p, created, hist, created.Add(5*time.Hour))
	}
}
