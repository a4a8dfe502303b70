package sla_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/sla"
)

func TestBandsAtTheBoundaries(t *testing.T) {
	b := sla.DefaultBands()
	due := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		left time.Duration // due - now
		want sla.Band
		next time.Time
	}{
		{time.Hour, sla.BandOK, due.Add(-15 * time.Minute)},
		{15*time.Minute + 1, sla.BandOK, due.Add(-15 * time.Minute)},
		{15 * time.Minute, sla.BandWarning, due.Add(-5*time.Minute + 1)},
		{10 * time.Minute, sla.BandWarning, due.Add(-5*time.Minute + 1)},
		{5 * time.Minute, sla.BandWarning, due.Add(-5*time.Minute + 1)},
		{5*time.Minute - 1, sla.BandUrgent, due.Add(1)},
		{time.Minute, sla.BandUrgent, due.Add(1)},
		{0, sla.BandUrgent, due.Add(1)},
		{-1, sla.BandBreached, time.Time{}},
		{-time.Hour, sla.BandBreached, time.Time{}},
	}
	for _, c := range cases {
		now := due.Add(-c.left)
		if got := b.Band(due, now); got != c.want {
			t.Errorf("%v left: band %v, want %v", c.left, got, c.want)
		}
		next := b.NextChange(due, now)
		if !next.Equal(c.next) {
			t.Errorf("%v left: next change %v, want %v", c.left, next, c.next)
		}
		if next.IsZero() {
			continue
		}
		// The band holds until the instant before next, and differs at next.
		if b.Band(due, next.Add(-1)) != c.want || b.Band(due, next) == c.want || !next.After(now) {
			t.Errorf("%v left: next change %v is not where the band changes", c.left, next)
		}
	}
	if b.Band(time.Time{}, due) != sla.BandOK || !b.NextChange(time.Time{}, due).IsZero() {
		t.Error("no deadline is not ok")
	}
}

func TestBandsWalkToBreach(t *testing.T) {
	// A deadline loop that sleeps until NextChange sees every band once.
	b := sla.Bands{Warning: 20 * time.Minute, Urgent: 3 * time.Minute}
	due := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	now := due.Add(-3 * time.Hour)
	var seen []sla.Band
	for range 10 {
		seen = append(seen, b.Band(due, now))
		next := b.NextChange(due, now)
		if next.IsZero() {
			break
		}
		now = next
	}
	want := []sla.Band{sla.BandOK, sla.BandWarning, sla.BandUrgent, sla.BandBreached}
	if len(seen) != len(want) {
		t.Fatalf("bands seen %v", seen)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("bands seen %v", seen)
		}
	}
}

func TestBandOrderAndText(t *testing.T) {
	if !(sla.BandOK < sla.BandWarning && sla.BandWarning < sla.BandUrgent && sla.BandUrgent < sla.BandBreached) {
		t.Fatal("bands do not order by severity")
	}
	for b := sla.BandOK; b <= sla.BandBreached; b++ {
		out, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		var back sla.Band
		if err := json.Unmarshal(out, &back); err != nil || back != b {
			t.Errorf("%v → %s → %v %v", b, out, back, err)
		}
	}
	if _, err := sla.ParseBand("red"); err == nil {
		t.Error("ParseBand accepted red")
	}
}

func TestBandsValidate(t *testing.T) {
	if err := sla.DefaultBands().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, b := range []sla.Bands{{Warning: 5 * time.Minute, Urgent: 5 * time.Minute}, {Warning: 5 * time.Minute, Urgent: 10 * time.Minute}, {Warning: time.Minute}, {}} {
		if b.Validate() == nil {
			t.Errorf("%+v accepted", b)
		}
	}
}
