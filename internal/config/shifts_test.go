package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/config"
)

func writePolicy(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestShiftsAndReportsAreReadAndChecked(t *testing.T) {
	p, err := config.LoadPolicy(writePolicy(t, `
shifts:
  time_zone: Europe/Berlin
  ack_within: 20m
  list:
    - {name: early, start: "06:00", end: "14:00", days: [mon, tue, wed, thu, fri]}
    - {name: night, start: "22:00", end: "06:00"}
reports:
  daily_at: "17:30"
`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Shifts.Location().String() != "Europe/Berlin" || p.Shifts.Ack() != 20*time.Minute || len(p.Shifts.List) != 2 || p.Reports.DailyAt != "17:30" {
		t.Fatalf("policy = %+v %+v", p.Shifts, p.Reports)
	}
	// Monday 30 November 2026, 07:00 in Berlin (06:00 UTC): early is on.
	mon := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	if s, ok := p.Shifts.At(mon); !ok || s.Name != "early" || !s.Start.Equal(time.Date(2026, 11, 30, 5, 0, 0, 0, time.UTC)) {
		t.Fatalf("at Monday 07:00 Berlin: %+v %v", s, ok)
	}
	// Between 14:00 and 22:00 Berlin nobody is on; the next start is night at 22:00 (21:00 UTC).
	gap := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	if _, ok := p.Shifts.At(gap); ok {
		t.Fatal("a shift is in effect in the gap")
	}
	if n, ok := p.Shifts.NextStart(gap); !ok || n.Name != "night" || !n.Start.Equal(time.Date(2026, 11, 30, 21, 0, 0, 0, time.UTC)) {
		t.Fatalf("next start = %+v %v", n, ok)
	}
	// Saturday 02:00 Berlin is still Friday's night shift.
	sat := time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)
	if s, ok := p.Shifts.At(sat); !ok || s.Name != "night" || !s.Start.Equal(time.Date(2026, 12, 4, 21, 0, 0, 0, time.UTC)) {
		t.Fatalf("at Saturday 02:00 Berlin: %+v %v", s, ok)
	}
	// After Saturday's night shift the next one is Saturday night, not early (weekdays only).
	if n, _ := p.Shifts.NextStart(time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC)); n.Name != "night" {
		t.Fatalf("next after Saturday morning = %+v", n)
	}
}

func TestShiftsDefaultCoverTheDay(t *testing.T) {
	p := config.DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	for h, want := range map[int]string{0: "night", 7: "night", 8: "day", 15: "day", 16: "evening", 23: "evening"} {
		if s, ok := p.Shifts.At(time.Date(2026, 11, 30, h, 30, 0, 0, time.UTC)); !ok || s.Name != want {
			t.Errorf("%02d:30 → %+v, want %s", h, s, want)
		}
	}
	if m, on := p.Reports.DailyMinutes(); m != 18*60 || !on || p.Shifts.Ack() != 30*time.Minute {
		t.Fatalf("defaults = %+v %+v", p.Reports, p.Shifts)
	}
}

func TestBadShiftsNameEveryProblem(t *testing.T) {
	_, err := config.LoadPolicy(writePolicy(t, `
shifts:
  time_zone: Mars/Olympus
  ack_within: 0s
  list:
    - {name: day, start: "8am", end: "16:00", days: [monday]}
    - {name: day, start: "16:00", end: "24:00"}
reports:
  daily_at: "6pm"
`))
	if err == nil {
		t.Fatal("bad shifts accepted")
	}
	for _, want := range []string{"shifts.time_zone", "shifts.ack_within", `start "8am"`, `day "monday"`, `"day" is used twice`, `end "24:00"`, "reports.daily_at"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %s: %v", want, err)
		}
	}
	off, err := config.LoadPolicy(writePolicy(t, "reports:\n  daily_at: \"off\"\n"))
	if _, on := off.Reports.DailyMinutes(); err != nil || on {
		t.Fatalf("daily_at off: %v %v", on, err)
	}
	if _, err := config.LoadPolicy(writePolicy(t, "shifts:\n  lst: []\n")); err == nil || !strings.Contains(err.Error(), "lst") {
		t.Fatalf("unknown key: %v", err)
	}
}
