package sla_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/sla"
)

func loadLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

// week builds a sla.Week from "mon=09:00-12:30,13:30-17:00 sat=22:00-02:00".
func week(t testing.TB, spec string) sla.Week {
	t.Helper()
	var w sla.Week
	for _, part := range strings.Fields(spec) {
		dayName, wins, _ := strings.Cut(part, "=")
		d := dayIndex(t, dayName)
		for _, s := range strings.Split(wins, ",") {
			win, err := sla.ParseWindow(s)
			if err != nil {
				t.Fatal(err)
			}
			w[d] = append(w[d], win)
		}
	}
	return w
}

func dayIndex(t testing.TB, name string) time.Weekday {
	t.Helper()
	for d := time.Sunday; d <= time.Saturday; d++ {
		if sla.DayName(d) == name {
			return d
		}
	}
	if name == "weekdays" {
		t.Fatal("use mon..fri")
	}
	t.Fatalf("no day %q", name)
	return 0
}

// weekdays expands "wk=09:00-17:00" into mon..fri.
func weekdays(wins string) string {
	var b strings.Builder
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri"} {
		b.WriteString(d + "=" + wins + " ")
	}
	return b.String()
}

func dates(t testing.TB, ss ...string) []sla.Date {
	t.Helper()
	var out []sla.Date
	for _, s := range ss {
		d, err := sla.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

func calendar(t testing.TB, zone, spec string, holidays ...string) *sla.Calendar {
	t.Helper()
	c, err := sla.NewCalendar("test", loadLoc(t, zone), week(t, spec), dates(t, holidays...))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// local parses "2006-01-02 15:04" in loc; only for wall times that exist
// exactly once.
func local(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func utc(t testing.TB, s string) time.Time { return local(t, time.UTC, s) }

func TestWindowsAcrossDSTChangesAreMeasuredInRealTime(t *testing.T) {
	// Each calendar has a single Sunday window; Between over the whole weekend
	// gives that Sunday's real open time.
	cases := []struct {
		name, zone, win string
		sunday          string // the Sunday, as a date
		want            time.Duration
	}{
		{"berlin ordinary sunday", "Europe/Berlin", "01:30-03:30", "2026-03-22", 2 * time.Hour},
		{"berlin spring forward over the gap", "Europe/Berlin", "01:30-03:30", "2026-03-29", time.Hour},
		{"berlin spring forward, window inside the gap", "Europe/Berlin", "02:00-02:30", "2026-03-29", 0},
		{"berlin spring forward, window ends in the gap", "Europe/Berlin", "01:00-02:30", "2026-03-29", time.Hour},
		{"berlin spring forward, window starts in the gap", "Europe/Berlin", "02:30-04:00", "2026-03-29", time.Hour},
		{"berlin spring forward, whole day", "Europe/Berlin", "00:00-24:00", "2026-03-29", 23 * time.Hour},
		{"berlin fall back over the repeated hour", "Europe/Berlin", "01:00-04:00", "2026-10-25", 4 * time.Hour},
		{"berlin fall back, the repeated hour itself", "Europe/Berlin", "02:00-03:00", "2026-10-25", 2 * time.Hour},
		{"berlin fall back, inside the repeated hour: first pass", "Europe/Berlin", "02:30-02:45", "2026-10-25", 15 * time.Minute},
		{"berlin fall back, whole day", "Europe/Berlin", "00:00-24:00", "2026-10-25", 25 * time.Hour},
		{"new york spring forward", "America/New_York", "01:30-03:30", "2026-03-08", time.Hour},
		{"new york spring forward, whole day", "America/New_York", "00:00-24:00", "2026-03-08", 23 * time.Hour},
		{"new york fall back", "America/New_York", "00:30-02:30", "2026-11-01", 3 * time.Hour},
		{"new york fall back, the repeated hour", "America/New_York", "01:00-02:00", "2026-11-01", 2 * time.Hour},
		{"new york fall back, whole day", "America/New_York", "00:00-24:00", "2026-11-01", 25 * time.Hour},
		{"kathmandu has no DST", "Asia/Kathmandu", "09:00-17:00", "2026-03-29", 8 * time.Hour},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cal := calendar(t, c.zone, "sun="+c.win)
			sun := utc(t, c.sunday+" 00:00")
			if got := cal.Between(sun.Add(-36*time.Hour), sun.Add(60*time.Hour)); got != c.want {
				t.Fatalf("open time %v, want %v", got, c.want)
			}
		})
	}
}

func TestAddAcrossDST(t *testing.T) {
	berlin := loadLoc(t, "Europe/Berlin")
	ny := loadLoc(t, "America/New_York")
	cases := []struct {
		name  string
		cal   *sla.Calendar
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		// Saturday and Sunday open all day: the spring weekend has 47 hours.
		{"berlin spring weekend", calendar(t, "Europe/Berlin", "sat=00:00-24:00 sun=00:00-24:00"),
			local(t, berlin, "2026-03-28 00:00"), 46 * time.Hour, local(t, berlin, "2026-03-29 23:00")},
		{"berlin spring weekend used up: next saturday", calendar(t, "Europe/Berlin", "sat=00:00-24:00 sun=00:00-24:00"),
			local(t, berlin, "2026-03-28 00:00"), 47 * time.Hour, local(t, berlin, "2026-04-04 00:00")},
		{"berlin fall weekend", calendar(t, "Europe/Berlin", "sat=00:00-24:00 sun=00:00-24:00"),
			local(t, berlin, "2026-10-24 00:00"), 48 * time.Hour, local(t, berlin, "2026-10-25 23:00")},
		// Saturday 22:00-04:00 runs into the spring-forward Sunday: 5 real hours.
		{"new york night shift into spring forward, before the jump", calendar(t, "America/New_York", "sat=22:00-04:00"),
			local(t, ny, "2026-03-07 22:00"), 3 * time.Hour, utc(t, "2026-03-08 06:00")},
		{"new york night shift into spring forward, after the jump", calendar(t, "America/New_York", "sat=22:00-04:00"),
			local(t, ny, "2026-03-07 22:00"), 4*time.Hour + 30*time.Minute, local(t, ny, "2026-03-08 03:30")},
		{"new york night shift into fall back: 7 real hours", calendar(t, "America/New_York", "sat=22:00-04:00"),
			local(t, ny, "2026-10-31 22:00"), 6*time.Hour + 59*time.Minute, local(t, ny, "2026-11-01 03:59")},
		{"business week unaffected by a night-time change", calendar(t, "Europe/Berlin", weekdays("09:00-17:00")),
			local(t, berlin, "2026-03-27 16:00"), 2 * time.Hour, local(t, berlin, "2026-03-30 10:00")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.cal.Add(c.start, c.d)
			if !got.Equal(c.want) {
				t.Fatalf("Add = %v, want %v", got.In(c.cal.Location()), c.want.In(c.cal.Location()))
			}
			if got.Location() != c.start.Location() {
				t.Errorf("result in %v, want start's location %v", got.Location(), c.start.Location())
			}
			if b := c.cal.Between(c.start, got); b != c.d {
				t.Errorf("Between(start, Add(start, d)) = %v, want %v", b, c.d)
			}
		})
	}
}

func TestCalendarBasics(t *testing.T) {
	berlin := loadLoc(t, "Europe/Berlin")
	ktm := loadLoc(t, "Asia/Kathmandu")
	lunch := calendar(t, "Europe/Berlin", weekdays("09:00-12:30,13:30-17:00"))
	plain := calendar(t, "Europe/Berlin", weekdays("09:00-17:00"), "2026-03-04") // Wednesday
	night := calendar(t, "Europe/Berlin", "sat=22:00-02:00")
	nightSatHoliday := calendar(t, "Europe/Berlin", "sat=22:00-02:00", "2026-03-07")
	nightSunHoliday := calendar(t, "Europe/Berlin", "sat=22:00-02:00", "2026-03-08")
	nepal := calendar(t, "Asia/Kathmandu", weekdays("09:00-17:00"))
	L := func(s string) time.Time { return local(t, berlin, s) }

	adds := []struct {
		name  string
		cal   *sla.Calendar
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"inside a window", plain, L("2026-03-02 10:00"), time.Hour, L("2026-03-02 11:00")},
		{"zero in open time is start", plain, L("2026-03-02 10:00"), 0, L("2026-03-02 10:00")},
		{"zero in closed time is the next opening", plain, L("2026-03-02 18:00"), 0, L("2026-03-03 09:00")},
		{"negative counts as zero", plain, L("2026-03-02 18:00"), -time.Hour, L("2026-03-03 09:00")},
		{"start on a saturday", plain, L("2026-03-07 10:00"), 30 * time.Minute, L("2026-03-09 09:30")},
		{"start before opening", plain, L("2026-03-02 07:00"), 30 * time.Minute, L("2026-03-02 09:30")},
		{"across the evening", plain, L("2026-03-02 16:30"), time.Hour, L("2026-03-03 09:30")},
		{"holiday in the middle of the span", plain, L("2026-03-02 09:00"), 23 * time.Hour, L("2026-03-05 16:00")},
		{"exact fit at closing: breach at the next opening", plain, L("2026-03-02 09:00"), 24 * time.Hour, L("2026-03-06 09:00")},
		{"start on the holiday", plain, L("2026-03-04 11:00"), time.Hour, L("2026-03-05 10:00")},
		{"lunch break skipped", lunch, L("2026-03-02 12:00"), time.Hour, L("2026-03-02 14:00")},
		{"start during lunch", lunch, L("2026-03-02 13:00"), 15 * time.Minute, L("2026-03-02 13:45")},
		{"midnight window into sunday", night, L("2026-03-07 23:00"), 2 * time.Hour, L("2026-03-08 01:00")},
		{"midnight window, whole", night, L("2026-03-07 21:00"), 3*time.Hour + 59*time.Minute, L("2026-03-08 01:59")},
		{"holiday saturday closes 22:00-24:00, sunday part stays", nightSatHoliday, L("2026-03-07 21:00"), time.Hour, L("2026-03-08 01:00")},
		{"holiday sunday closes 00:00-02:00 of saturday's window", nightSunHoliday, L("2026-03-07 23:00"), 90 * time.Minute, L("2026-03-14 22:30")},
		{"kathmandu +05:45", nepal, local(t, ktm, "2026-01-05 16:00"), 2 * time.Hour, utc(t, "2026-01-06 04:15")},
	}
	for _, c := range adds {
		t.Run("add/"+c.name, func(t *testing.T) {
			if got := c.cal.Add(c.start, c.d); !got.Equal(c.want) {
				t.Fatalf("Add(%v, %v) = %v, want %v", c.start, c.d, got, c.want)
			}
		})
	}

	betweens := []struct {
		name string
		cal  *sla.Calendar
		a, b time.Time
		want time.Duration
	}{
		{"lunch", lunch, L("2026-03-02 12:00"), L("2026-03-02 14:00"), time.Hour},
		{"a week with a holiday", plain, L("2026-03-02 00:00"), L("2026-03-09 00:00"), 32 * time.Hour},
		{"a week without", plain, L("2026-03-09 00:00"), L("2026-03-16 00:00"), 40 * time.Hour},
		{"empty range", plain, L("2026-03-02 12:00"), L("2026-03-02 12:00"), 0},
		{"reversed range", plain, L("2026-03-02 12:00"), L("2026-03-02 10:00"), 0},
		{"closed night", plain, L("2026-03-02 17:00"), L("2026-03-03 09:00"), 0},
		{"saturday holiday", nightSatHoliday, L("2026-03-07 00:00"), L("2026-03-09 00:00"), 2 * time.Hour},
		{"sunday holiday", nightSunHoliday, L("2026-03-07 00:00"), L("2026-03-09 00:00"), 2 * time.Hour},
		{"no holiday", night, L("2026-03-07 00:00"), L("2026-03-09 00:00"), 4 * time.Hour},
		{"a year", plain, L("2026-01-05 00:00"), L("2027-01-04 00:00"), 52*40*time.Hour - 8*time.Hour},
	}
	for _, c := range betweens {
		t.Run("between/"+c.name, func(t *testing.T) {
			if got := c.cal.Between(c.a, c.b); got != c.want {
				t.Fatalf("Between = %v, want %v", got, c.want)
			}
		})
	}

	opens := []struct {
		cal      *sla.Calendar
		at       time.Time
		open     bool
		nextOpen time.Time
	}{
		{plain, L("2026-03-02 09:00"), true, L("2026-03-02 09:00")},
		{plain, L("2026-03-02 17:00"), false, L("2026-03-03 09:00")},
		{plain, L("2026-03-04 10:00"), false, L("2026-03-05 09:00")},
		{lunch, L("2026-03-02 12:45"), false, L("2026-03-02 13:30")},
		{night, L("2026-03-08 01:59"), true, L("2026-03-08 01:59")},
		{night, L("2026-03-08 02:00"), false, L("2026-03-14 22:00")},
		{nightSunHoliday, L("2026-03-08 01:00"), false, L("2026-03-14 22:00")},
	}
	for _, c := range opens {
		if got := c.cal.IsOpen(c.at); got != c.open {
			t.Errorf("IsOpen(%v) = %v", c.at, got)
		}
		if got := c.cal.NextOpen(c.at); !got.Equal(c.nextOpen) {
			t.Errorf("NextOpen(%v) = %v, want %v", c.at, got, c.nextOpen)
		}
	}
}

func TestLeapDay(t *testing.T) {
	if _, err := sla.ParseDate("2026-02-29"); err == nil {
		t.Error("2026-02-29 accepted")
	}
	cal := calendar(t, "UTC", "mon=09:00-17:00 tue=09:00-17:00", "2028-02-29") // a Tuesday
	if got, want := cal.Add(utc(t, "2028-02-28 16:00"), 2*time.Hour), utc(t, "2028-03-06 10:00"); !got.Equal(want) {
		t.Fatalf("Add over the leap-day holiday = %v, want %v", got, want)
	}
	daily := calendar(t, "UTC", "mon=00:00-24:00 tue=00:00-24:00 wed=00:00-24:00")
	if got := daily.Between(utc(t, "2028-02-28 00:00"), utc(t, "2028-03-02 00:00")); got != 72*time.Hour {
		t.Fatalf("Feb 28 – Mar 1 2028 = %v, want 72h", got)
	}
}

func TestAlwaysOpen(t *testing.T) {
	allDay := ""
	for d := time.Sunday; d <= time.Saturday; d++ {
		allDay += sla.DayName(d) + "=00:00-24:00 "
	}
	var zero sla.Calendar
	for name, cal := range map[string]*sla.Calendar{
		"nil":     nil,
		"zero":    &zero,
		"all day": calendar(t, "Europe/Berlin", allDay),
	} {
		start := utc(t, "2026-03-29 00:30")
		if !cal.AlwaysOpen() || !cal.IsOpen(start) || !cal.NextOpen(start).Equal(start) {
			t.Errorf("%s: not open around the clock", name)
		}
		if got := cal.Add(start, 36*time.Hour); !got.Equal(start.Add(36 * time.Hour)) {
			t.Errorf("%s: Add = %v", name, got)
		}
		if got := cal.Between(start, start.Add(36*time.Hour)); got != 36*time.Hour {
			t.Errorf("%s: Between = %v", name, got)
		}
	}
	if c := calendar(t, "UTC", allDay, "2026-12-25"); c.AlwaysOpen() {
		t.Error("a calendar with a holiday is always open")
	}
}

func TestVeryLongSpans(t *testing.T) {
	cal := calendar(t, "Europe/Berlin", weekdays("09:00-12:30,13:30-17:00"),
		"2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14", "2026-05-25", "2026-12-24", "2026-12-25", "2026-12-31")
	start := utc(t, "2026-03-20 12:00")
	// 30 days of business time: 720 h at 35 h a week, across the spring DST
	// change, Easter and May holidays.
	d := 30 * 24 * time.Hour
	got := cal.Add(start, d)
	if b := cal.Between(start, got); b != d {
		t.Fatalf("Between(start, Add(start, 720h)) = %v", b)
	}
	if !cal.IsOpen(got) || cal.Between(start, got.Add(-time.Minute)) != d-time.Minute {
		t.Fatalf("Add ended at %v, which does not close the span", got)
	}
	// Very long spans are cheap: Add steps a week at a time and does not
	// allocate. (Stepping minute by minute, a millennium of business time
	// would take minutes; the benchmarks give the figures.)
	if allocs := testing.AllocsPerRun(10, func() { cal.Add(start, d) }); allocs > 0 {
		t.Errorf("Add allocates %v times", allocs)
	}
	millennium := 1000 * 52 * 35 * time.Hour
	end := cal.Add(start, millennium)
	if y := end.Year(); y < 3000 || y > 3030 {
		t.Errorf("a millennium of business time ends in %d", y)
	}
}

func TestNewCalendarValidation(t *testing.T) {
	var w sla.Week
	w[time.Monday] = []sla.Window{{Start: 9 * time.Hour, End: 12 * time.Hour}, {Start: 11 * time.Hour, End: 17 * time.Hour}}
	w[time.Tuesday] = []sla.Window{{Start: 9 * time.Hour, End: 9 * time.Hour}}
	w[time.Saturday] = []sla.Window{{Start: 22 * time.Hour, End: 3 * time.Hour}}
	w[time.Sunday] = []sla.Window{{Start: 2 * time.Hour, End: 5 * time.Hour}}
	w[time.Wednesday] = []sla.Window{{Start: 25 * time.Hour, End: 26 * time.Hour}}
	_, err := sla.NewCalendar("bad", nil, w, []sla.Date{{2026, time.February, 30}, {2026, 13, 1}})
	if err == nil {
		t.Fatal("invalid calendar accepted")
	}
	for _, want := range []string{
		"mon 09:00-12:00 overlaps mon 11:00-17:00",
		"tue window 09:00-09:00: the end equals the start",
		"sat 22:00-03:00 overlaps sun 02:00-05:00",
		"wed window 25:00-26:00",
		"holiday 2026-02-30 is not a valid date",
		"holiday 2026-13-01 is not a valid date",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	if _, err := sla.NewCalendar("empty", time.UTC, sla.Week{}, nil); err == nil || !strings.Contains(err.Error(), "no open hours") {
		t.Errorf("a week with no open time: %v", err)
	}
	// Touching windows, including across midnight, are fine.
	if _, err := sla.NewCalendar("ok", time.UTC, week(t, "sat=20:00-24:00 sun=00:00-02:00,02:00-04:00"), nil); err != nil {
		t.Errorf("touching windows refused: %v", err)
	}
	// A saturday window into sunday must not collide with sunday's own.
	if _, err := sla.NewCalendar("ok", time.UTC, week(t, "sat=22:00-02:00 sun=02:00-03:00"), nil); err != nil {
		t.Errorf("touching across midnight refused: %v", err)
	}
}

func TestParseWindow(t *testing.T) {
	good := map[string]sla.Window{
		"09:00-17:00":   {Start: 9 * time.Hour, End: 17 * time.Hour},
		"22:00-02:00":   {Start: 22 * time.Hour, End: 2 * time.Hour},
		"00:00-24:00":   {Start: 0, End: 24 * time.Hour},
		"12:30 - 13:45": {Start: 12*time.Hour + 30*time.Minute, End: 13*time.Hour + 45*time.Minute},
		"18:00-00:00":   {Start: 18 * time.Hour, End: 0},
	}
	for s, want := range good {
		got, err := sla.ParseWindow(s)
		if err != nil || got != want {
			t.Errorf("ParseWindow(%q) = %v, %v", s, got, err)
		}
	}
	if w := good["22:00-02:00"]; !w.SpansMidnight() || w.Length() != 4*time.Hour || w.String() != "22:00-02:00" {
		t.Errorf("midnight window: spans %v, length %v, %s", w.SpansMidnight(), w.Length(), w)
	}
	for _, s := range []string{"", "9-17", "09:00", "09:00-17", "25:00-26:00", "24:00-01:00", "09:60-10:00", "09:00-09:00", "00:00-00:00", "24:30-01:00", "ab:cd-ef:gh"} {
		if w, err := sla.ParseWindow(s); err == nil {
			t.Errorf("ParseWindow(%q) = %v, want an error", s, w)
		}
	}
}

// naiveOpen is the reference definition for the cross-check: an instant is
// open when its local wall time lies in a window of its local date's weekday,
// or in the part after midnight of the previous weekday's spanning window,
// and its local date is not a holiday.
func naiveOpen(w sla.Week, loc *time.Location, holidays map[sla.Date]bool, t time.Time) bool {
	l := t.In(loc)
	if holidays[sla.DateOf(l)] {
		return false
	}
	wall := time.Duration(l.Hour())*time.Hour + time.Duration(l.Minute())*time.Minute + time.Duration(l.Second())*time.Second
	for _, win := range w[l.Weekday()] {
		if wall >= win.Start && (win.SpansMidnight() || wall < win.End) {
			return true
		}
	}
	for _, win := range w[(l.Weekday()+6)%7] {
		if win.SpansMidnight() && wall < win.End {
			return true
		}
	}
	return false
}

// TestCalendarAgainstNaiveReference compares Add, Between, IsOpen and
// NextOpen on random calendars with a minute-by-minute reference. Window
// edges avoid the hours clocks change at, where the definitions differ on
// purpose (see TestWindowsAcrossDSTChangesAreMeasuredInRealTime).
func TestCalendarAgainstNaiveReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	zones := []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe"}
	starts := []string{"2026-03-05 00:00", "2026-10-20 00:00", "2026-02-25 00:00", "2026-03-27 00:00", "2026-03-31 00:00"}
	tested := 0
	defer func() {
		if tested < 60 {
			t.Errorf("only %d random calendars were valid", tested)
		}
	}()
	for iter := range 600 {
		zone := zones[iter%len(zones)]
		loc := loadLoc(t, zone)
		w := randomWeek(rng)
		base := utc(t, starts[rng.IntN(len(starts))])
		var hol []sla.Date
		holSet := map[sla.Date]bool{}
		for range rng.IntN(4) {
			d := sla.DateOf(base.Add(time.Duration(rng.IntN(20)) * day).In(loc))
			hol = append(hol, d)
			holSet[d] = true
		}
		cal, err := sla.NewCalendar("random", loc, w, hol)
		if err != nil {
			continue // random windows overlapped
		}
		tested++
		const span = 21 * 24 * 60 // minutes
		open := make([]bool, span)
		for m := range open {
			open[m] = naiveOpen(w, loc, holSet, base.Add(time.Duration(m)*time.Minute))
		}
		for range 20 {
			a := rng.IntN(span / 2)
			b := a + rng.IntN(span/2)
			ta, tb := base.Add(time.Duration(a)*time.Minute), base.Add(time.Duration(b)*time.Minute)
			want := 0
			for m := a; m < b; m++ {
				if open[m] {
					want++
				}
			}
			if got := cal.Between(ta, tb); got != time.Duration(want)*time.Minute {
				t.Fatalf("%s %v: Between(%v, %v) = %v, want %dm", zone, w, ta, tb, got, want)
			}
			if got := cal.IsOpen(ta); got != open[a] {
				t.Fatalf("%s %v: IsOpen(%v) = %v", zone, w, ta, got)
			}
			next := a
			for next < span && !open[next] {
				next++
			}
			if next < span {
				if got := cal.NextOpen(ta); !got.Equal(base.Add(time.Duration(next) * time.Minute)) {
					t.Fatalf("%s %v: NextOpen(%v) = %v, want minute %d", zone, w, ta, got, next)
				}
			}
			// Add: the first minute at which the counted open time equals
			// d and the next minute is open.
			d := rng.IntN(want + 1)
			count, m := 0, a
			for ; m < span; m++ {
				if open[m] {
					if count == d {
						break
					}
					count++
				}
			}
			if m < span {
				if got := cal.Add(ta, time.Duration(d)*time.Minute); !got.Equal(base.Add(time.Duration(m) * time.Minute)) {
					t.Fatalf("%s %v: Add(%v, %dm) = %v, want %v", zone, w, ta, d, got, base.Add(time.Duration(m)*time.Minute))
				}
			}
		}
	}
}

func randomWeek(rng *rand.Rand) sla.Week {
	var w sla.Week
	// Edges on a 15-minute grid, avoiding 00:00-04:00 where the tested
	// zones change their clocks.
	edge := func() time.Duration { return 4*time.Hour + time.Duration(rng.IntN(80))*15*time.Minute }
	for d := range w {
		for range rng.IntN(3) {
			a, b := edge(), edge()
			if a == b {
				continue
			}
			w[d] = append(w[d], sla.Window{Start: a, End: b})
		}
	}
	return w
}

const day = 24 * time.Hour

func TestCalendarIsSafeForConcurrentUse(t *testing.T) {
	cal := calendar(t, "Europe/Berlin", weekdays("09:00-17:00"), "2026-03-04")
	start := utc(t, "2026-03-02 08:00")
	want := cal.Add(start, 50*time.Hour)
	done := make(chan time.Time)
	for range 4 {
		go func() {
			var got time.Time
			for range 100 {
				got = cal.Add(start, 50*time.Hour)
				cal.Between(start, got)
				cal.IsOpen(got)
			}
			done <- got
		}()
	}
	for range 4 {
		if got := <-done; !got.Equal(want) {
			t.Errorf("Add = %v, want %v", got, want)
		}
	}
}
