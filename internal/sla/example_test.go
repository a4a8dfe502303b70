package sla_test

import (
	"fmt"
	"time"

	"github.com/hotdash/hotdash/internal/sla"
)

func Example() {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	var week sla.Week
	for d := time.Monday; d <= time.Friday; d++ {
		week[d] = []sla.Window{{Start: 9 * time.Hour, End: 12*time.Hour + 30*time.Minute}, {Start: 13*time.Hour + 30*time.Minute, End: 17 * time.Hour}}
	}
	cal, err := sla.NewCalendar("support-hours", berlin, week, []sla.Date{{Year: 2026, Month: time.December, Day: 24}})
	if err != nil {
		panic(err)
	}
	policies, err := sla.NewPolicies(
		sla.Policy{Name: "vip-email", Match: sla.Match{Channels: []string{"email"}, Labels: []string{"vip"}},
			Targets: sla.Targets{FirstResponse: 15 * time.Minute, NextResponse: 30 * time.Minute, Resolution: 8 * time.Hour}, Calendar: cal},
	)
	if err != nil {
		panic(err)
	}
	p := policies.Select(sla.NormalizeChannel("Channel::Email"), "high", []string{"vip"})

	// A VIP writes on the evening of 23 December; the next day is a holiday.
	created := time.Date(2026, 12, 23, 16, 55, 0, 0, berlin)
	now := time.Date(2026, 12, 23, 20, 0, 0, 0, berlin)
	s := sla.Evaluate(p, created, []sla.Event{sla.Customer(created)}, now)
	fr := s.FirstResponse
	fmt.Println(s.Policy, fr.Phase, fr.Elapsed, fr.Due.In(berlin).Format("Mon 2 Jan 15:04"))
	fmt.Println(s.Band(sla.DefaultBands(), now), s.NextClock)
	// Output:
	// vip-email running 5m0s Fri 25 Dec 09:10
	// ok first_response
}
