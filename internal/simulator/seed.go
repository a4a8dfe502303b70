package simulator

import (
	"fmt"
	"strings"
	"time"
)

// seed fills the account: five inboxes on different channels with their own
// time zones and business hours, five agents (the first is the token's
// user, an administrator), three teams, a label catalogue and n contacts.
func (s *Simulator) seed(n int) {
	weekdays := func(open, close int) []workingHours {
		var wh []workingHours
		for d := 0; d < 7; d++ {
			if d == 0 || d == 6 {
				wh = append(wh, workingHours{day: d, closedAllDay: true})
				continue
			}
			wh = append(wh, workingHours{day: d, openHour: open, closeHour: close})
		}
		return wh
	}
	allDay := func() []workingHours {
		var wh []workingHours
		for d := 0; d < 7; d++ {
			wh = append(wh, workingHours{day: d, openAllDay: true})
		}
		return wh
	}
	sms := weekdays(8, 20)
	sms[6] = workingHours{day: 6, openHour: 10, closeHour: 14, closeMin: 30}
	for _, ib := range []*inbox{
		{id: 1, channelID: 1, name: "Website Chat", channelType: "Channel::WebWidget", timezone: "Europe/Lisbon",
			workingHoursEnabled: true, workingHours: weekdays(9, 18), websiteURL: "https://acme.example"},
		{id: 2, channelID: 1, name: "Support Email", channelType: "Channel::Email", timezone: "America/New_York",
			workingHoursEnabled: true, workingHours: weekdays(8, 17), email: "support@acme.example"},
		{id: 3, channelID: 1, name: "WhatsApp", channelType: "Channel::Whatsapp", timezone: "UTC",
			workingHoursEnabled: false, workingHours: allDay(), phoneNumber: "+15550100200"},
		{id: 4, channelID: 1, name: "SMS", channelType: "Channel::TwilioSms", timezone: "America/Chicago",
			workingHoursEnabled: true, workingHours: sms, phoneNumber: "+15550100300"},
		{id: 5, channelID: 1, name: "API", channelType: "Channel::Api", timezone: "Asia/Tokyo",
			workingHoursEnabled: false, workingHours: allDay()},
	} {
		s.inboxes[ib.id] = ib
		s.inboxOrder = append(s.inboxOrder, ib.id)
	}
	created := s.clock.Now().UTC().Add(-90 * 24 * time.Hour).Truncate(time.Second)
	for i, a := range []struct{ name, role, avail string }{
		{"Marco Reyes", "administrator", "online"},
		{"Priya Shah", "agent", "online"},
		{"Lee Tanaka", "agent", "busy"},
		{"Ana Costa", "agent", "online"},
		{"Sam Okafor", "agent", "offline"},
	} {
		first := strings.ToLower(strings.Fields(a.name)[0])
		s.agents = append(s.agents, &agent{id: int64(i + 1), name: a.name, email: first + "@acme.example", role: a.role,
			availability: a.avail, createdAt: created})
	}
	s.profileID = s.agents[0].id
	s.teams = []*team{
		{id: 1, name: "billing", desc: "Invoices, refunds and plans", allowAutoAssign: true},
		{id: 2, name: "tier2", desc: "Escalated technical issues", allowAutoAssign: false},
		{id: 3, name: "onboarding", desc: "", allowAutoAssign: true},
	}
	s.labels = []string{"billing", "refund", "bug", "outage", "escalation", "vip", "feature-request", "shipping", "login"}
	for range n {
		s.newContact(created)
	}
}

// newContact makes a random customer. Caller holds mu (or is seeding).
func (s *Simulator) newContact(at time.Time) *contact {
	first := firstNames[s.rng.IntN(len(firstNames))]
	last := lastNames[s.rng.IntN(len(lastNames))]
	place := places[s.rng.IntN(len(places))]
	id := s.nextCont
	s.nextCont++
	ct := &contact{
		id:        id,
		name:      first + " " + last,
		email:     fmt.Sprintf("%s.%s%d@%s", strings.ToLower(first), strings.ToLower(last), id, mailDomains[s.rng.IntN(len(mailDomains))]),
		phone:     fmt.Sprintf("+1555%07d", s.rng.IntN(10_000_000)),
		city:      place[0],
		country:   place[1],
		custom:    map[string]any{"plan": plans[s.rng.IntN(len(plans))]},
		createdAt: at,
	}
	if s.rng.IntN(3) > 0 {
		ct.ident = fmt.Sprintf("cust_%d", 8000+id)
	}
	s.contacts[id] = ct
	return ct
}

var firstNames = []string{"Dana", "Omar", "Mei", "Lucas", "Aisha", "Jonas", "Sofia", "Ravi", "Elena", "Kwame",
	"Hana", "Mateo", "Ingrid", "Tariq", "Yuki", "Chloe", "Diego", "Nadia", "Pieter", "Amara"}

var lastNames = []string{"Silva", "Haddad", "Lin", "Meyer", "Bello", "Larsen", "Rossi", "Iyer", "Popescu", "Mensah",
	"Kobayashi", "García", "Nilsen", "Aziz", "Sato", "Martin", "Ortega", "Khan", "de Vries", "Okoro"}

var places = [][2]string{{"Lisbon", "Portugal"}, {"Austin", "United States"}, {"Berlin", "Germany"}, {"Lagos", "Nigeria"},
	{"Osaka", "Japan"}, {"Toronto", "Canada"}, {"São Paulo", "Brazil"}, {"Pune", "India"}, {"Oslo", "Norway"}}

var mailDomains = []string{"example.com", "example.org", "mail.example", "customer.example"}

var plans = []string{"free", "starter", "pro", "enterprise"}
