package web

import (
	"testing"
	"time"
)

func TestDeadlinesAndDurationsReadLikeSpeech(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		due  time.Duration
		want string
	}{
		{12 * time.Minute, "in 12 min"},
		{20 * time.Second, "in under a minute"},
		{-10 * time.Second, "breached just now"},
		{-4 * time.Minute, "breached 4 min ago"},
		{-(90 * time.Minute), "breached 1 h 30 min ago"},
		{2 * time.Hour, "in 2 h"},
		{22*time.Hour + 50*time.Minute, "in 23 h"},
		{-3 * 24 * time.Hour, "breached 3 days ago"},
	} {
		if got := dueText(now.Add(c.due), now); got != c.want {
			t.Errorf("due %s: %q, want %q", c.due, got, c.want)
		}
	}
	for d, want := range map[time.Duration]string{
		45 * time.Second: "45 s", 30 * time.Minute: "30 min", 90 * time.Minute: "1 h 30 min",
		24 * time.Hour: "24 h", 3*24*time.Hour + 4*time.Hour: "3 d 4 h", -5 * time.Minute: "5 min",
	} {
		if got := durationText(d); got != want {
			t.Errorf("duration %s: %q, want %q", d, got, want)
		}
	}
	if clockName("first_response") != "first response" || clockState("not_applicable") != "not applicable" || senderLabel("contact") != "Customer" {
		t.Fatal("labels")
	}
}
