package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	// Embed the time zone database, so calendars load their zones on hosts
	// without one (distroless and scratch images, some Windows installs).
	_ "time/tzdata"

	"github.com/hotdash/hotdash/internal/sla"
)

// SLAConfig is the policy file's sla section: bands, business-hours
// calendars, and the policies that give conversations their targets.
//
//	sla:
//	  bands: {warning: 15m, urgent: 5m}
//	  calendars:
//	    support-hours:
//	      time_zone: Europe/Berlin
//	      hours:
//	        weekdays: ["09:00-12:30", "13:30-17:00"]
//	        fri: ["09:00-15:00"]        # a named day replaces weekdays/daily
//	        sat: ["22:00-02:00"]        # runs past midnight into Sunday
//	      holidays: ["2026-12-24", "2026-12-25"]
//	  policies:                         # first match wins
//	    - name: vip-email
//	      match: {channels: [email], priorities: [urgent, high], labels: [vip]}
//	      first_response: 15m
//	      next_response: 30m
//	      resolution: 8h
//	      calendar: support-hours
//	    - name: default                 # the last policy has no match: the default
//	      first_response: 30m
//	      next_response: 30m
//	      resolution: 24h
type SLAConfig struct {
	// Bands are the thresholds of wall time left before a deadline.
	Bands SLABands `yaml:"bands"`
	// Calendars are business-hours calendars by name.
	Calendars map[string]SLACalendar `yaml:"calendars"`
	// Policies are tried in order; the first whose match fits a
	// conversation applies. The last must have no match: it is the default.
	// An empty list means the built-in default (30m / 30m / 24h, 24/7).
	Policies []SLAPolicy `yaml:"policies"`
}

// SLABands are the band thresholds: warning from Warning left, urgent
// below Urgent left.
type SLABands struct {
	Warning Duration `yaml:"warning"`
	Urgent  Duration `yaml:"urgent"`
}

// SLACalendar is a business-hours calendar.
type SLACalendar struct {
	// TimeZone is an IANA zone name such as Europe/Berlin (required).
	TimeZone string `yaml:"time_zone"`
	// Hours are the open windows per weekday.
	Hours SLAHours `yaml:"hours"`
	// Holidays are dates (YYYY-MM-DD) closed all day, in TimeZone.
	Holidays []string `yaml:"holidays"`
}

// SLAHours lists open windows ("09:00-17:00"; "22:00-02:00" runs past
// midnight; "00:00-24:00" is the whole day) per weekday. Daily applies to
// every day and Weekdays to Monday–Friday; a day listed by name replaces
// both for that day, and an empty list ("sun: []") closes it.
type SLAHours struct {
	Daily    []string `yaml:"daily"`
	Weekdays []string `yaml:"weekdays"`
	Mon      []string `yaml:"mon"`
	Tue      []string `yaml:"tue"`
	Wed      []string `yaml:"wed"`
	Thu      []string `yaml:"thu"`
	Fri      []string `yaml:"fri"`
	Sat      []string `yaml:"sat"`
	Sun      []string `yaml:"sun"`
}

// SLAPolicy is one policy. An omitted target takes the built-in default
// (first response 30m, next response 30m, resolution 24h); a target of 0
// turns that clock off. An omitted calendar means around the clock.
type SLAPolicy struct {
	Name          string    `yaml:"name"`
	Match         SLAMatch  `yaml:"match"`
	FirstResponse *Duration `yaml:"first_response"`
	NextResponse  *Duration `yaml:"next_response"`
	Resolution    *Duration `yaml:"resolution"`
	Calendar      string    `yaml:"calendar"`
}

// SLAMatch selects conversations: each non-empty list must match (the
// channel is listed, the priority is listed, at least one label is listed).
type SLAMatch struct {
	// Channels: web, email, api, sms, whatsapp, facebook, instagram,
	// telegram, line, twitter, voice, tiktok.
	Channels []string `yaml:"channels"`
	// Priorities: low, medium, high, urgent.
	Priorities []string `yaml:"priorities"`
	// Labels are Chatwoot labels, compared without regard to case.
	Labels []string `yaml:"labels"`
}

// DefaultSLA is PRODUCT.md's SLA: bands 15m / 5m, one default policy of
// 30m first response, 30m next response and 24h resolution, around the clock.
func DefaultSLA() SLAConfig {
	b := sla.DefaultBands()
	t := sla.DefaultTargets()
	fr, nr, res := Duration(t.FirstResponse), Duration(t.NextResponse), Duration(t.Resolution)
	return SLAConfig{
		Bands:    SLABands{Warning: Duration(b.Warning), Urgent: Duration(b.Urgent)},
		Policies: []SLAPolicy{{Name: "default", FirstResponse: &fr, NextResponse: &nr, Resolution: &res}},
	}
}

// Validate reports every problem in the sla section, each with its path.
func (c SLAConfig) Validate() error {
	_, _, err := c.Build()
	return err
}

// Build turns the section into the policy set and bands that package sla
// evaluates. It reports every problem, each with its key path, such as
// `sla.policies[1].calendar: unknown calendar "suport-hours"`.
func (c SLAConfig) Build() (sla.Policies, sla.Bands, error) {
	var errs []error
	fail := func(path string, err error) {
		errs = append(errs, fmt.Errorf("%s: %w", path, err))
	}

	bands := sla.Bands{Warning: c.Bands.Warning.D(), Urgent: c.Bands.Urgent.D()}
	if bands.Urgent <= 0 {
		fail("sla.bands.urgent", errors.New("must be positive"))
	}
	if bands.Warning <= bands.Urgent {
		fail("sla.bands.warning", fmt.Errorf("%s must be greater than urgent (%s)", bands.Warning, bands.Urgent))
	}

	names := make([]string, 0, len(c.Calendars))
	for name := range c.Calendars {
		names = append(names, name)
	}
	slices.Sort(names)
	calendars := map[string]*sla.Calendar{}
	for _, name := range names {
		cal, calErrs := buildCalendar("sla.calendars."+name, name, c.Calendars[name])
		errs = append(errs, calErrs...)
		if name == "" {
			fail("sla.calendars", errors.New("a calendar needs a name"))
		}
		calendars[name] = cal
	}

	var list []sla.Policy
	seen := map[string]int{}
	for i, pc := range c.Policies {
		path := fmt.Sprintf("sla.policies[%d]", i)
		p := sla.Policy{Name: pc.Name, Match: sla.Match{Channels: pc.Match.Channels, Priorities: pc.Match.Priorities, Labels: pc.Match.Labels}}
		switch prev, dup := seen[pc.Name]; {
		case strings.TrimSpace(pc.Name) == "":
			fail(path+".name", errors.New("a policy needs a name"))
		case dup:
			fail(path+".name", fmt.Errorf("%q is already the name of sla.policies[%d]", pc.Name, prev))
		default:
			seen[pc.Name] = i
		}
		for j, ch := range pc.Match.Channels {
			switch n := sla.NormalizeChannel(ch); {
			case sla.KnownChannel(ch):
			case sla.KnownChannel(n):
				fail(fmt.Sprintf("%s.match.channels[%d]", path, j), fmt.Errorf("unknown channel %q (write %s)", ch, n))
			default:
				fail(fmt.Sprintf("%s.match.channels[%d]", path, j), fmt.Errorf("unknown channel %q (want one of %s)", ch, strings.Join(sla.ChannelNames(), ", ")))
			}
		}
		for j, pr := range pc.Match.Priorities {
			if !sla.KnownPriority(pr) {
				fail(fmt.Sprintf("%s.match.priorities[%d]", path, j), fmt.Errorf("unknown priority %q (want one of %s)", pr, strings.Join(sla.PriorityNames(), ", ")))
			}
		}
		for j, l := range pc.Match.Labels {
			if strings.TrimSpace(l) == "" {
				fail(fmt.Sprintf("%s.match.labels[%d]", path, j), errors.New("empty label"))
			}
		}
		last := i == len(c.Policies)-1
		switch {
		case last && !p.Match.IsZero():
			fail(path+".match", errors.New("the last policy is the default and must not have a match (add a policy without one at the end)"))
		case !last && p.Match.IsZero():
			fail(path+".match", errors.New("only the last policy may omit match: this one would catch every conversation and hide the policies after it"))
		}
		def := sla.DefaultTargets()
		p.Targets = sla.Targets{
			FirstResponse: target(fail, path+".first_response", pc.FirstResponse, def.FirstResponse),
			NextResponse:  target(fail, path+".next_response", pc.NextResponse, def.NextResponse),
			Resolution:    target(fail, path+".resolution", pc.Resolution, def.Resolution),
		}
		if pc.Calendar != "" {
			cal, ok := calendars[pc.Calendar]
			if !ok {
				fail(path+".calendar", fmt.Errorf("unknown calendar %q%s", pc.Calendar, known(names)))
			}
			p.Calendar = cal
		}
		list = append(list, p)
	}
	if err := errors.Join(errs...); err != nil {
		return sla.Policies{}, sla.Bands{}, err
	}
	policies, err := sla.NewPolicies(list...)
	if err != nil { // every rule NewPolicies checks was checked above
		return sla.Policies{}, sla.Bands{}, fmt.Errorf("sla.policies: %w", err)
	}
	return policies, bands, nil
}

func target(fail func(string, error), path string, d *Duration, def time.Duration) time.Duration {
	if d == nil {
		return def
	}
	if d.D() < 0 {
		fail(path, fmt.Errorf("%s is negative (0 turns the clock off)", d.D()))
	}
	return d.D()
}

func known(names []string) string {
	if len(names) == 0 {
		return " (no calendars are defined under sla.calendars)"
	}
	return " (defined: " + strings.Join(names, ", ") + ")"
}

// buildCalendar validates and builds one calendar; it returns nil and the
// problems, each with its path, when there are any.
func buildCalendar(path, name string, cc SLACalendar) (*sla.Calendar, []error) {
	var errs []error
	fail := func(p string, err error) { errs = append(errs, fmt.Errorf("%s: %w", p, err)) }

	var loc *time.Location
	switch tz := strings.TrimSpace(cc.TimeZone); tz {
	case "":
		fail(path+".time_zone", errors.New("a time zone is required, such as Europe/Berlin or UTC"))
	case "Local":
		fail(path+".time_zone", errors.New("name the zone (such as Europe/Berlin) rather than the server's Local one"))
	default:
		l, err := time.LoadLocation(tz)
		if err != nil {
			fail(path+".time_zone", fmt.Errorf("unknown time zone %q (want an IANA name such as Europe/Berlin)", cc.TimeZone))
		}
		loc = l
	}

	parse := func(key string, list []string) []sla.Window {
		var out []sla.Window
		for i, s := range list {
			w, err := sla.ParseWindow(s)
			if err != nil {
				fail(fmt.Sprintf("%s.hours.%s[%d]", path, key, i), err)
				continue
			}
			out = append(out, w)
		}
		return out
	}
	h := cc.Hours
	daily, weekdays := parse("daily", h.Daily), parse("weekdays", h.Weekdays)
	var week sla.Week
	for d := time.Sunday; d <= time.Saturday; d++ {
		named := [...][]string{h.Sun, h.Mon, h.Tue, h.Wed, h.Thu, h.Fri, h.Sat}[d]
		switch {
		case named != nil:
			week[d] = parse(sla.DayName(d), named)
		case h.Weekdays != nil && d >= time.Monday && d <= time.Friday:
			week[d] = weekdays
		default:
			week[d] = daily
		}
	}

	var holidays []sla.Date
	for i, s := range cc.Holidays {
		d, err := sla.ParseDate(strings.TrimSpace(s))
		if err != nil {
			fail(fmt.Sprintf("%s.holidays[%d]", path, i), err)
			continue
		}
		holidays = append(holidays, d)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	cal, err := sla.NewCalendar(name, loc, week, holidays)
	if err != nil {
		// Overlapping windows, or no open time at all: one line each.
		for _, line := range strings.Split(err.Error(), "\n") {
			fail(path+".hours", errors.New(line))
		}
		return nil, errs
	}
	return cal, nil
}
