package config

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ShiftsConfig is the policy file's shifts section: the support floor's
// shifts, in one time zone. A handoff belongs to the shift in effect when
// it is started; the next shift must acknowledge it within AckWithin of
// its start, or the leads are notified.
//
//	shifts:
//	  time_zone: Europe/Berlin
//	  ack_within: 30m
//	  list:
//	    - {name: early, start: "06:00", end: "14:00", days: [mon, tue, wed, thu, fri]}
//	    - {name: late,  start: "14:00", end: "22:00", days: [mon, tue, wed, thu, fri]}
//
// An end at or before the start runs past midnight ("22:00"–"06:00").
type ShiftsConfig struct {
	// TimeZone is an IANA zone name (default UTC); the reports section's
	// daily_at is read in it too.
	TimeZone string `yaml:"time_zone"`
	// AckWithin is how long after the next shift starts a handoff may wait
	// for acknowledgement (default 30m).
	AckWithin Duration `yaml:"ack_within"`
	// List names the shifts.
	List []Shift `yaml:"list"`
}

// Shift is one named shift.
type Shift struct {
	Name string `yaml:"name"`
	// Start and End are "HH:MM" wall-clock times in the section's zone.
	Start string `yaml:"start"`
	End   string `yaml:"end"`
	// Days are mon … sun; empty means every day.
	Days []string `yaml:"days"`
}

// ReportsConfig is the policy file's reports section.
//
//	reports:
//	  daily_at: "18:00"   # in shifts.time_zone; "off": only on demand
type ReportsConfig struct {
	// DailyAt is when the daily summary is generated, "HH:MM" in the
	// shifts' time zone (default 18:00), or DailyOff.
	DailyAt string `yaml:"daily_at"`
}

// DailyOff as daily_at saves the daily summary only on demand.
const DailyOff = "off"

// weekdays are the day names the file uses, Sunday first as time.Weekday.
func weekdays() []string { return []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"} }

// DefaultShifts returns three eight-hour shifts covering every day, in UTC.
func DefaultShifts() ShiftsConfig {
	return ShiftsConfig{TimeZone: "UTC", AckWithin: Duration(30 * time.Minute), List: []Shift{
		{Name: "night", Start: "00:00", End: "08:00"},
		{Name: "day", Start: "08:00", End: "16:00"},
		{Name: "evening", Start: "16:00", End: "00:00"},
	}}
}

// DefaultReports returns the daily summary at 18:00.
func DefaultReports() ReportsConfig { return ReportsConfig{DailyAt: "18:00"} }

// Location is the shifts' time zone (UTC when it does not load).
func (s ShiftsConfig) Location() *time.Location {
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil || s.TimeZone == "" {
		return time.UTC
	}
	return loc
}

// Ack is AckWithin, 30 minutes when unset.
func (s ShiftsConfig) Ack() time.Duration {
	if s.AckWithin <= 0 {
		return 30 * time.Minute
	}
	return s.AckWithin.D()
}

// Validate reports every problem with the shifts.
func (s ShiftsConfig) Validate() error {
	var errs []error
	if _, err := time.LoadLocation(s.TimeZone); err != nil || s.TimeZone == "" {
		errs = append(errs, fmt.Errorf("shifts.time_zone %q is not a time zone such as UTC or Europe/Berlin", s.TimeZone))
	}
	if d := s.AckWithin.D(); d < time.Minute || d > 12*time.Hour {
		errs = append(errs, fmt.Errorf("shifts.ack_within must be from 1m to 12h, not %s", d))
	}
	if len(s.List) == 0 {
		errs = append(errs, errors.New("shifts.list needs at least one shift"))
	}
	seen := map[string]bool{}
	for i, sh := range s.List {
		where := fmt.Sprintf("shifts.list[%d]", i)
		name := strings.TrimSpace(sh.Name)
		switch {
		case name == "":
			errs = append(errs, fmt.Errorf("%s: name is required", where))
		case seen[name]:
			errs = append(errs, fmt.Errorf("%s: the name %q is used twice", where, name))
		}
		seen[name] = true
		if _, ok := ClockMinutes(sh.Start); !ok {
			errs = append(errs, fmt.Errorf("%s: start %q is not a time of day such as 08:00", where, sh.Start))
		}
		if _, ok := ClockMinutes(sh.End); !ok {
			errs = append(errs, fmt.Errorf("%s: end %q is not a time of day such as 16:00", where, sh.End))
		}
		for _, d := range sh.Days {
			if !slices.Contains(weekdays(), d) {
				errs = append(errs, fmt.Errorf("%s: day %q is not one of mon, tue, wed, thu, fri, sat, sun", where, d))
			}
		}
	}
	return errors.Join(errs...)
}

// Validate reports a daily_at that is not a time of day (or off).
func (r ReportsConfig) Validate() error {
	if _, ok := ClockMinutes(r.DailyAt); !ok && r.DailyAt != DailyOff {
		return fmt.Errorf("reports.daily_at %q is not a time of day such as 18:00 (or off)", r.DailyAt)
	}
	return nil
}

// DailyMinutes is DailyAt as minutes after midnight; ok is false when the
// summary is saved only on demand.
func (r ReportsConfig) DailyMinutes() (int, bool) {
	return ClockMinutes(r.DailyAt)
}

// ClockMinutes parses "HH:MM" (00:00–23:59) as minutes after midnight.
func ClockMinutes(s string) (int, bool) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, false
	}
	return hh*60 + mm, true
}

// OnDay reports whether the shift runs on weekday d (by its start).
func (s Shift) OnDay(d time.Weekday) bool {
	return len(s.Days) == 0 || slices.Contains(s.Days, weekdays()[d])
}

// ShiftSpan is one occurrence of a shift.
type ShiftSpan struct {
	Name       string
	Start, End time.Time
}

// occurrences lists the shift occurrences that start on the calendar days
// from the day before t to days after it (in the zone), in start order.
func (s ShiftsConfig) occurrences(t time.Time, days int) []ShiftSpan {
	loc := s.Location()
	lt := t.In(loc)
	var out []ShiftSpan
	for d := -1; d <= days; d++ {
		day := time.Date(lt.Year(), lt.Month(), lt.Day()+d, 0, 0, 0, 0, loc)
		for _, sh := range s.List {
			if !sh.OnDay(day.Weekday()) {
				continue
			}
			start, _ := ClockMinutes(sh.Start)
			end, _ := ClockMinutes(sh.End)
			from := time.Date(day.Year(), day.Month(), day.Day(), start/60, start%60, 0, 0, loc)
			to := time.Date(day.Year(), day.Month(), day.Day(), end/60, end%60, 0, 0, loc)
			if end <= start {
				to = time.Date(day.Year(), day.Month(), day.Day()+1, end/60, end%60, 0, 0, loc)
			}
			out = append(out, ShiftSpan{Name: sh.Name, Start: from.UTC(), End: to.UTC()})
		}
	}
	slices.SortStableFunc(out, func(a, b ShiftSpan) int { return a.Start.Compare(b.Start) })
	return out
}

// At returns the shift in effect at t (the latest started one when shifts
// overlap); ok is false between shifts.
func (s ShiftsConfig) At(t time.Time) (ShiftSpan, bool) {
	var found ShiftSpan
	ok := false
	for _, o := range s.occurrences(t, 0) {
		if !o.Start.After(t) && t.Before(o.End) {
			found, ok = o, true
		}
	}
	return found, ok
}

// NextStart returns the first shift occurrence that starts after t (within
// eight days); ok is false when no shift runs in that time.
func (s ShiftsConfig) NextStart(t time.Time) (ShiftSpan, bool) {
	for _, o := range s.occurrences(t, 8) {
		if o.Start.After(t) {
			return o, true
		}
	}
	return ShiftSpan{}, false
}
