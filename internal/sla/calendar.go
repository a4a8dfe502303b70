package sla

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	day      = 24 * time.Hour
	week     = 7 * day
	daySecs  = 24 * 60 * 60
	weekSecs = 7 * daySecs
	// maxClockJump bounds how far clocks go back at once (two hours at most
	// in the tz database: "double summer time").
	maxClockJump = 3 * time.Hour
)

// Window is one opening on a weekday: from Start to End, both offsets from
// local midnight. End before Start means the window runs past midnight into
// the next day ("22:00-02:00"); End of 24h means "until midnight"
// ("00:00-24:00" is the whole day). A window belongs to the weekday it starts
// on.
type Window struct {
	Start time.Duration // 0 ≤ Start < 24h, whole seconds
	End   time.Duration // 0 ≤ End ≤ 24h, whole seconds, End ≠ Start
}

// ParseWindow parses "09:00-17:00". End may be "24:00"; an end earlier than
// the start ("22:00-02:00") runs past midnight. The window must be valid (see
// Window.Validate).
func ParseWindow(s string) (Window, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return Window{}, fmt.Errorf("%q is not a window like 09:00-17:00", s)
	}
	start, err1 := parseTimeOfDay(strings.TrimSpace(a))
	end, err2 := parseTimeOfDay(strings.TrimSpace(b))
	if err1 != nil || err2 != nil {
		return Window{}, fmt.Errorf("%q is not a window like 09:00-17:00", s)
	}
	w := Window{Start: start, End: end}
	if err := w.Validate(); err != nil {
		return Window{}, err
	}
	return w, nil
}

func parseTimeOfDay(s string) (time.Duration, error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, errors.New("not HH:MM")
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || (hh == 24 && mm != 0) {
		return 0, errors.New("not HH:MM")
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}

// Validate reports why w is not a usable window: a start outside
// [00:00, 24:00), an end outside [00:00, 24:00], an end equal to the start,
// or offsets that are not whole seconds.
func (w Window) Validate() error {
	switch {
	case w.Start < 0 || w.Start >= day:
		return fmt.Errorf("window %s: the start must be from 00:00 to before 24:00", w)
	case w.End < 0 || w.End > day:
		return fmt.Errorf("window %s: the end must be from 00:00 to 24:00", w)
	case w.Start%time.Second != 0 || w.End%time.Second != 0:
		return fmt.Errorf("window %s: times must be whole seconds", w)
	case w.Start == w.End:
		return fmt.Errorf("window %s: the end equals the start (write 00:00-24:00 for a whole day)", w)
	}
	return nil
}

// SpansMidnight reports whether w runs past midnight into the next day.
func (w Window) SpansMidnight() bool { return w.End < w.Start }

// Length is the window's nominal length in wall time (a day with a DST
// change can make the real length an hour shorter or longer).
func (w Window) Length() time.Duration {
	if w.SpansMidnight() {
		return day - w.Start + w.End
	}
	return w.End - w.Start
}

// String formats w as "09:00-17:00".
func (w Window) String() string { return formatTimeOfDay(w.Start) + "-" + formatTimeOfDay(w.End) }

func formatTimeOfDay(d time.Duration) string {
	if d < 0 {
		return d.String()
	}
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	if s != 0 {
		return fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%02d:%02d", h, m)
}

// Week holds the open windows of each weekday, indexed by time.Weekday
// (Sunday = 0). A day with no windows is closed.
type Week [7][]Window

// DayName is the short lower-case name of a weekday as used in the policy
// file and in errors: "sun", "mon", … "sat".
func DayName(d time.Weekday) string {
	if d < time.Sunday || d > time.Saturday {
		return d.String()
	}
	return [...]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}[d]
}

// Calendar is a business-hours calendar: a time zone, open windows per
// weekday and holidays. It is immutable and safe for concurrent use. A nil
// *Calendar, or the zero Calendar, is open around the clock (24/7 wall time).
// Build one with NewCalendar.
type Calendar struct {
	name     string
	loc      *time.Location
	week     Week
	holidays []Date
	// limited is false for calendars that are open around the clock.
	limited bool
	// holidayDays holds the holidays as sorted day numbers.
	holidayDays []int
	// days holds, per weekday, the merged open segments of that civil day in
	// seconds after local midnight, including the part of the previous day's
	// midnight-spanning windows that falls on it.
	days [7][]segment
	// weekTotal is the open time of a week without holidays or DST changes.
	weekTotal time.Duration
	// maxClosedRun bounds how many consecutive days without open time a scan
	// may cross before it concludes the calendar never opens again.
	maxClosedRun int
}

// segment is [a, b) seconds after local midnight, 0 ≤ a < b ≤ 86400.
type segment struct{ a, b int32 }

// NewCalendar builds a calendar named name in zone loc (nil means UTC) with
// the given weekly windows and holidays. It reports every problem together:
// invalid windows, windows that overlap (within a day, or a midnight-spanning
// window running into the next day's windows), invalid holiday dates, and a
// week with no open time at all. Windows that merely touch are allowed.
// A week where every day is open 00:00-24:00 and no holiday is listed gives
// a calendar that is open around the clock.
func NewCalendar(name string, loc *time.Location, w Week, holidays []Date) (*Calendar, error) {
	if loc == nil {
		loc = time.UTC
	}
	c := &Calendar{name: name, loc: loc}
	var errs []error
	type span struct {
		start, length int // seconds from Sunday 00:00
		label         string
	}
	var spans []span
	for d := time.Sunday; d <= time.Saturday; d++ {
		c.week[d] = slices.Clone(w[d])
		for _, win := range w[d] {
			if err := win.Validate(); err != nil {
				errs = append(errs, fmt.Errorf("%s %w", DayName(d), err))
				continue
			}
			spans = append(spans, span{
				start:  int(d)*daySecs + int(win.Start/time.Second),
				length: int(win.Length() / time.Second),
				label:  DayName(d) + " " + win.String(),
			})
		}
	}
	slices.SortStableFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	for i := 1; i < len(spans); i++ {
		if p := spans[i-1]; p.start+p.length > spans[i].start {
			errs = append(errs, fmt.Errorf("%s overlaps %s", p.label, spans[i].label))
		}
	}
	if n := len(spans); n > 1 {
		if last, first := spans[n-1], spans[0]; last.start+last.length > weekSecs+first.start {
			errs = append(errs, fmt.Errorf("%s overlaps %s", last.label, first.label))
		}
	}
	if len(spans) == 0 && len(errs) == 0 {
		errs = append(errs, errors.New("no open hours in the week"))
	}
	for _, h := range holidays {
		if !h.Valid() {
			errs = append(errs, fmt.Errorf("holiday %s is not a valid date", h))
			continue
		}
		c.holidays = append(c.holidays, h)
		c.holidayDays = append(c.holidayDays, daysFromCivil(h.Year, h.Month, h.Day))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	slices.SortFunc(c.holidays, func(a, b Date) int {
		return cmp.Compare(daysFromCivil(a.Year, a.Month, a.Day), daysFromCivil(b.Year, b.Month, b.Day))
	})
	c.holidays = slices.Compact(c.holidays)
	slices.Sort(c.holidayDays)
	c.holidayDays = slices.Compact(c.holidayDays)

	// Cut the week into civil days: holidays close whole local days, so
	// each day's open time is what falls between its midnights.
	for _, s := range spans {
		d, a := s.start/daySecs, s.start%daySecs
		end := a + s.length
		if end <= daySecs {
			c.days[d] = append(c.days[d], segment{int32(a), int32(end)})
		} else {
			c.days[d] = append(c.days[d], segment{int32(a), daySecs})
			c.days[(d+1)%7] = append(c.days[(d+1)%7], segment{0, int32(end - daySecs)})
		}
	}
	always := len(c.holidayDays) == 0
	for d := range c.days {
		segs := c.days[d]
		slices.SortFunc(segs, func(x, y segment) int { return cmp.Compare(x.a, y.a) })
		merged := segs[:0]
		for _, s := range segs {
			if n := len(merged); n > 0 && merged[n-1].b == s.a {
				merged[n-1].b = s.b
				continue
			}
			merged = append(merged, s)
		}
		c.days[d] = merged
		for _, s := range merged {
			c.weekTotal += time.Duration(s.b-s.a) * time.Second
		}
		if len(merged) != 1 || merged[0] != (segment{0, daySecs}) {
			always = false
		}
	}
	c.limited = !always
	c.maxClosedRun = len(c.holidayDays) + 14
	return c, nil
}

// Name is the calendar's name ("" for nil).
func (c *Calendar) Name() string {
	if c == nil {
		return ""
	}
	return c.name
}

// Location is the calendar's time zone (UTC for nil or the zero Calendar).
func (c *Calendar) Location() *time.Location {
	if c == nil || c.loc == nil {
		return time.UTC
	}
	return c.loc
}

// Week returns a copy of the calendar's weekly windows.
func (c *Calendar) Week() Week {
	var w Week
	if c == nil {
		return w
	}
	for d := range c.week {
		w[d] = slices.Clone(c.week[d])
	}
	return w
}

// Holidays returns the calendar's holidays, sorted, without duplicates.
func (c *Calendar) Holidays() []Date {
	if c == nil {
		return nil
	}
	return slices.Clone(c.holidays)
}

// AlwaysOpen reports whether the calendar is open around the clock.
func (c *Calendar) AlwaysOpen() bool { return c == nil || !c.limited }

// IsOpen reports whether t falls in open time.
func (c *Calendar) IsOpen(t time.Time) bool {
	if c.AlwaysOpen() {
		return true
	}
	s, _, ok := c.firstInterval(t)
	return ok && !s.After(t)
}

// NextOpen returns t if t falls in open time, else the next instant the
// calendar opens (in t's location). It returns the zero Time only if the
// calendar never opens again, which a calendar built by NewCalendar cannot do.
func (c *Calendar) NextOpen(t time.Time) time.Time {
	if c.AlwaysOpen() {
		return t
	}
	s, _, ok := c.firstInterval(t)
	switch {
	case !ok:
		return time.Time{}
	case !s.After(t):
		return t
	}
	return s.In(t.Location())
}

// Add returns the instant at which d of open time has passed since start,
// in start's location. Counting begins at NextOpen(start). When d runs out
// exactly as a window closes, the result is the next opening: Add returns
// the instant after which more than d of open time has passed, which is the
// instant a clock with d left breaches. So Add(start, 0) is NextOpen(start),
// and Between(start, t) > d exactly when t is after Add(start, d). A negative
// d counts as zero.
//
// Add steps window by window, and a whole week at a time across weeks that
// have no holiday and no change of UTC offset.
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	d = max(d, 0)
	if c.AlwaysOpen() {
		return start.Add(d)
	}
	r := d
	closed := 0
	for dn := c.dayNumber(start); ; dn++ {
		base, zoneEnd := c.resolve(dn, 0)
		for r >= c.weekTotal && !base.Before(start) && c.cleanWeek(dn, base, zoneEnd) {
			r -= c.weekTotal
			dn += 7
			closed = 0
			base, zoneEnd = c.resolve(dn, 0)
		}
		open := false
		if !c.isHoliday(dn) {
			linear := zoneEnd.IsZero() || !zoneEnd.Before(base.Add(day))
			for _, sg := range c.days[weekdayOfDays(dn)] {
				s, e := c.span(dn, base, linear, sg)
				if !e.After(start) {
					continue
				}
				if s.Before(start) {
					s = start
				}
				if !s.Before(e) {
					continue
				}
				open = true
				if l := e.Sub(s); r < l {
					return s.Add(r).In(start.Location())
				}
				r -= e.Sub(s)
			}
		}
		if open {
			closed = 0
		} else if closed++; closed > c.maxClosedRun {
			return time.Time{}
		}
	}
}

// Between returns the open time in [a, b); zero when b is not after a.
// Like Add, it steps window by window and skips whole clean weeks.
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if !a.Before(b) {
		return 0
	}
	if c.AlwaysOpen() {
		return b.Sub(a)
	}
	var total time.Duration
	for dn := c.dayNumber(a); ; dn++ {
		base, zoneEnd := c.resolve(dn, 0)
		for !base.Before(a) && !base.Add(week).After(b) && c.cleanWeek(dn, base, zoneEnd) {
			total += c.weekTotal
			dn += 7
			base, zoneEnd = c.resolve(dn, 0)
		}
		if !base.Before(b) {
			return total
		}
		linear := zoneEnd.IsZero() || !zoneEnd.Before(base.Add(day))
		if !c.isHoliday(dn) {
			for _, sg := range c.days[weekdayOfDays(dn)] {
				s, e := c.span(dn, base, linear, sg)
				if s.Before(a) {
					s = a
				}
				if e.After(b) {
					e = b
				}
				if s.Before(e) {
					total += e.Sub(s)
				}
			}
		}
		if linear && !b.After(base.Add(day)) {
			return total // b falls on this day
		}
	}
}

// firstInterval returns the first open interval [s, e) that ends after t.
func (c *Calendar) firstInterval(t time.Time) (s, e time.Time, ok bool) {
	closed := 0
	for dn := c.dayNumber(t); ; dn++ {
		if !c.isHoliday(dn) {
			base, zoneEnd := c.resolve(dn, 0)
			linear := zoneEnd.IsZero() || !zoneEnd.Before(base.Add(day))
			for _, sg := range c.days[weekdayOfDays(dn)] {
				s, e := c.span(dn, base, linear, sg)
				if e.After(t) && s.Before(e) {
					return s, e, true
				}
			}
		}
		if closed++; closed > c.maxClosedRun+1 {
			return time.Time{}, time.Time{}, false
		}
	}
}

// dayNumber is the civil day of t in the calendar's zone.
func (c *Calendar) dayNumber(t time.Time) int {
	y, m, d := t.In(c.loc).Date()
	return daysFromCivil(y, m, d)
}

func (c *Calendar) isHoliday(dn int) bool {
	_, found := slices.BinarySearch(c.holidayDays, dn)
	return found
}

// cleanWeek reports whether the seven days from day dn (whose midnight is
// base, in a zone that ends at zoneEnd) hold no holiday and no change of
// UTC offset, so that their open time is exactly weekTotal.
func (c *Calendar) cleanWeek(dn int, base, zoneEnd time.Time) bool {
	if !zoneEnd.IsZero() && zoneEnd.Before(base.Add(week)) {
		return false
	}
	i, _ := slices.BinarySearch(c.holidayDays, dn)
	return i == len(c.holidayDays) || c.holidayDays[i] >= dn+7
}

// span returns the instants of segment sg on day dn. On days with a single
// UTC offset (linear) they are plain offsets from midnight (base).
func (c *Calendar) span(dn int, base time.Time, linear bool, sg segment) (time.Time, time.Time) {
	if linear {
		return base.Add(time.Duration(sg.a) * time.Second), base.Add(time.Duration(sg.b) * time.Second)
	}
	s, _ := c.resolve(dn, sg.a)
	e, _ := c.resolve(dn, sg.b)
	return s, e
}

// resolve returns the first instant at which the local clock on day dn
// reads sec seconds after midnight or later, and the end of the zone period
// (a constant UTC offset) that instant lies in (zero if it never ends).
//
// A wall time that occurs twice (clocks went back) resolves to its first
// occurrence; a wall time that never occurs (clocks went forward over it)
// resolves to the instant of the jump.
func (c *Calendar) resolve(dn int, sec int32) (time.Time, time.Time) {
	if sec >= daySecs {
		dn, sec = dn+1, sec-daySecs
	}
	y, m, d := civilFromDays(dn)
	t := time.Date(y, m, d, 0, 0, int(sec), 0, c.loc)
	ty, tm, td := t.Date()
	hh, mm, ss := t.Clock()
	got := daysFromCivil(ty, tm, td)*daySecs + hh*3600 + mm*60 + ss
	want := dn*daySecs + int(sec)
	start, end := t.ZoneBounds()
	switch {
	case got > want && !start.IsZero():
		// t lies after a forward jump that skipped the wall time.
		_, e := start.ZoneBounds()
		return start, e
	case got < want && !end.IsZero():
		// t lies before a forward jump that skipped the wall time.
		_, e := end.ZoneBounds()
		return end, e
	case got == want && !start.IsZero() && t.Sub(start) < maxClockJump:
		_, off := t.Zone()
		_, prev := start.Add(-time.Second).Zone()
		if prev > off {
			// The clocks went back at start; the same wall time may have
			// occurred earlier, in the previous period.
			if alt := t.Add(-time.Duration(prev-off) * time.Second); alt.Before(start) {
				return alt, start
			}
		}
	}
	return t, end
}
