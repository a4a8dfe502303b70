package sla_test

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/sla"
)

// clockWant is what a test checks of one clock; fields left zero are
// checked as zero.
type clockWant struct {
	applies  bool
	phase    sla.Phase
	start    time.Duration // offsets from T0; -1 means zero time
	elapsed  time.Duration
	due      time.Duration // -1: zero
	breached bool
	met      bool
	cycles   int
	breaches int
}

var (
	t0     = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) // a Monday
	notSet = time.Duration(-1)
)

func at(d time.Duration) time.Time { return t0.Add(d) }

func optAt(d time.Duration) time.Time {
	if d == notSet {
		return time.Time{}
	}
	return at(d)
}

const (
	m = time.Minute
	h = time.Hour
)

func checkClock(t *testing.T, got sla.ClockState, w clockWant) {
	t.Helper()
	if got.Applies != w.applies || got.Phase != w.phase || got.Elapsed != w.elapsed || got.Breached != w.breached || got.Met != w.met ||
		!got.Start.Equal(optAt(w.start)) || !got.Due.Equal(optAt(w.due)) || got.Cycles != w.cycles || got.Breaches != w.breaches {
		t.Errorf("%s:\n got applies=%v phase=%v start=%v elapsed=%v due=%v breached=%v met=%v cycles=%d breaches=%d\nwant applies=%v phase=%v start=%v elapsed=%v due=%v breached=%v met=%v cycles=%d breaches=%d",
			got.Name, got.Applies, got.Phase, got.Start, got.Elapsed, got.Due, got.Breached, got.Met, got.Cycles, got.Breaches,
			w.applies, w.phase, optAt(w.start), w.elapsed, optAt(w.due), w.breached, w.met, w.cycles, w.breaches)
	}
	if got.Applies && got.Left != got.Target-got.Elapsed {
		t.Errorf("%s: left %v, target %v, elapsed %v", got.Name, got.Left, got.Target, got.Elapsed)
	}
	if got.Met && got.MetAt.IsZero() || !got.Met && !got.MetAt.IsZero() {
		t.Errorf("%s: met %v at %v", got.Name, got.Met, got.MetAt)
	}
}

var (
	inactive   = clockWant{applies: true, start: notSet, due: notSet}
	notApplied = clockWant{start: notSet, due: notSet}
)

func TestEvaluateClocks(t *testing.T) {
	def := sla.DefaultPolicy()
	open := func(at time.Duration) sla.Event { return sla.SetStatus(t0.Add(at), sla.StatusOpen) }
	status := func(at time.Duration, s sla.Status) sla.Event { return sla.SetStatus(t0.Add(at), s) }
	cust := func(d time.Duration) sla.Event { return sla.Customer(at(d)) }
	agent := func(d time.Duration) sla.Event { return sla.Agent(at(d)) }

	cases := []struct {
		name      string
		policy    sla.Policy
		history   []sla.Event
		now       time.Duration
		status    sla.Status
		frt       clockWant
		nrt       clockWant
		res       clockWant
		nextClock sla.ClockName
	}{
		{
			name: "no messages: only resolution runs; first response waits for the customer",
			now:  h, status: sla.StatusOpen,
			frt: inactive, nrt: inactive,
			res:       clockWant{applies: true, phase: sla.Running, elapsed: h, due: 24 * h, cycles: 1},
			nextClock: sla.Resolution,
		},
		{
			name:    "first response running",
			history: []sla.Event{cust(0)}, now: 20 * m, status: sla.StatusOpen,
			frt:       clockWant{applies: true, phase: sla.Running, elapsed: 20 * m, due: 30 * m, cycles: 1},
			nrt:       inactive,
			res:       clockWant{applies: true, phase: sla.Running, elapsed: 20 * m, due: 24 * h, cycles: 1},
			nextClock: sla.FirstResponse,
		},
		{
			name:    "first response met",
			history: []sla.Event{cust(0), agent(10 * m)}, now: h, status: sla.StatusOpen,
			frt:       clockWant{applies: true, phase: sla.Stopped, elapsed: 10 * m, due: notSet, met: true, cycles: 1},
			nrt:       inactive,
			res:       clockWant{applies: true, phase: sla.Running, elapsed: h, due: 24 * h, cycles: 1},
			nextClock: sla.Resolution,
		},
		{
			name:    "first response breached and still running: due is when it breached",
			history: []sla.Event{cust(0)}, now: 45 * m, status: sla.StatusOpen,
			frt:       clockWant{applies: true, phase: sla.Running, elapsed: 45 * m, due: 30 * m, breached: true, cycles: 1, breaches: 1},
			nrt:       inactive,
			res:       clockWant{applies: true, phase: sla.Running, elapsed: 45 * m, due: 24 * h, cycles: 1},
			nextClock: sla.FirstResponse,
		},
		{
			name:    "first response answered late: stopped, breached, not met",
			history: []sla.Event{cust(0), agent(40 * m)}, now: h, status: sla.StatusOpen,
			frt:       clockWant{applies: true, phase: sla.Stopped, elapsed: 40 * m, due: notSet, breached: true, cycles: 1, breaches: 1},
			nrt:       inactive,
			res:       clockWant{applies: true, phase: sla.Running, elapsed: h, due: 24 * h, cycles: 1},
			nextClock: sla.Resolution,
		},
		{
			name:    "time pending is excluded: no breach",
			history: []sla.Event{cust(0), status(10*m, sla.StatusPending), open(2 * h)}, now: 2*h + 15*m, status: sla.StatusOpen,
			frt:       clockWant{applies: true, phase: sla.Running, elapsed: 25 * m, due: 2*h + 20*m, cycles: 1},
			nrt:       inactive,
			res:       clockWant{applies: true, phase: sla.Running, elapsed: 25 * m, due: 24*h + 110*m, cycles: 1},
			nextClock: sla.FirstResponse,
		},
		{
			name:    "snoozed: every clock paused, no due",
			history: []sla.Event{cust(0), status(10*m, sla.StatusSnoozed)}, now: 5 * h, status: sla.StatusSnoozed,
			frt: clockWant{applies: true, phase: sla.Paused, elapsed: 10 * m, due: notSet, cycles: 1},
			nrt: inactive,
			res: clockWant{applies: true, phase: sla.Paused, elapsed: 10 * m, due: notSet, cycles: 1},
		},
		{
			name:    "snooze ends: clocks resume where they stopped",
			history: []sla.Event{cust(0), status(10*m, sla.StatusSnoozed), open(5 * h)}, now: 5*h + 25*m, status: sla.StatusOpen,
			frt:       clockWant{applies: true, phase: sla.Running, elapsed: 35 * m, due: 5*h + 20*m, breached: true, cycles: 1, breaches: 1},
			nrt:       inactive,
			res:       clockWant{applies: true, phase: sla.Running, elapsed: 35 * m, due: 24*h + 290*m, cycles: 1},
			nextClock: sla.FirstResponse,
		},
		{
			name:    "resolved: resolution met and stopped",
			history: []sla.Event{cust(0), agent(5 * m), status(2*h, sla.StatusResolved)}, now: 10 * h, status: sla.StatusResolved,
			frt: clockWant{applies: true, phase: sla.Stopped, elapsed: 5 * m, due: notSet, met: true, cycles: 1},
			nrt: inactive,
			res: clockWant{applies: true, phase: sla.Stopped, elapsed: 2 * h, due: notSet, met: true, cycles: 1},
		},
		{
			name: "reopen after resolve resumes resolution without the resolved time",
			history: []sla.Event{cust(0), agent(5 * m), status(2*h, sla.StatusResolved),
				cust(10 * h), open(10 * h)},
			now: 11 * h, status: sla.StatusOpen,
			frt:       clockWant{applies: true, phase: sla.Stopped, elapsed: 5 * m, due: notSet, met: true, cycles: 1},
			nrt:       clockWant{applies: true, phase: sla.Running, start: 10 * h, elapsed: h, due: 10*h + 30*m, breached: true, cycles: 1, breaches: 1},
			res:       clockWant{applies: true, phase: sla.Running, elapsed: 3 * h, due: 32 * h, cycles: 1},
			nextClock: sla.NextResponse,
		},
		{
			name:    "resolved with a customer message unanswered: the response clock is paused",
			history: []sla.Event{cust(0), status(10*m, sla.StatusResolved)}, now: 5 * h, status: sla.StatusResolved,
			frt: clockWant{applies: true, phase: sla.Paused, elapsed: 10 * m, due: notSet, cycles: 1},
			nrt: inactive,
			res: clockWant{applies: true, phase: sla.Stopped, elapsed: 10 * m, due: notSet, met: true, cycles: 1},
		},
		{
			name:    "several customer messages before the reply: measured from the first",
			history: []sla.Event{cust(0), cust(10 * m), cust(20 * m), agent(25 * m)}, now: h, status: sla.StatusOpen,
			frt:       clockWant{applies: true, phase: sla.Stopped, elapsed: 25 * m, due: notSet, met: true, cycles: 1},
			nrt:       inactive,
			res:       clockWant{applies: true, phase: sla.Running, elapsed: h, due: 24 * h, cycles: 1},
			nextClock: sla.Resolution,
		},
		{
			name:    "next response from the first customer message after a reply, not restarted by later ones",
			history: []sla.Event{cust(0), agent(5 * m), cust(h), cust(h + 10*m)}, now: h + 20*m, status: sla.StatusOpen,
			frt:       clockWant{applies: true, phase: sla.Stopped, elapsed: 5 * m, due: notSet, met: true, cycles: 1},
			nrt:       clockWant{applies: true, phase: sla.Running, start: h, elapsed: 20 * m, due: h + 30*m, cycles: 1},
			res:       clockWant{applies: true, phase: sla.Running, elapsed: h + 20*m, due: 24 * h, cycles: 1},
			nextClock: sla.NextResponse,
		},
		{
			name:    "next response cycles: one breached earlier, the current one met",
			history: []sla.Event{cust(0), agent(5 * m), cust(h), agent(2 * h), cust(3 * h), agent(3*h + 10*m)},
			now:     4 * h, status: sla.StatusOpen,
			frt:       clockWant{applies: true, phase: sla.Stopped, elapsed: 5 * m, due: notSet, met: true, cycles: 1},
			nrt:       clockWant{applies: true, phase: sla.Stopped, start: 3 * h, elapsed: 10 * m, due: notSet, met: true, cycles: 2, breaches: 1},
			res:       clockWant{applies: true, phase: sla.Running, elapsed: 4 * h, due: 24 * h, cycles: 1},
			nextClock: sla.Resolution,
		},
		{
			name:    "agent wrote first: no first response; the customer's answer starts next response",
			history: []sla.Event{agent(0), cust(h)}, now: h + 40*m, status: sla.StatusOpen,
			frt:       notApplied,
			nrt:       clockWant{applies: true, phase: sla.Running, start: h, elapsed: 40 * m, due: h + 30*m, breached: true, cycles: 1, breaches: 1},
			res:       clockWant{applies: true, phase: sla.Running, elapsed: h + 40*m, due: 24 * h, cycles: 1},
			nextClock: sla.NextResponse,
		},
		{
			name:    "agent wrote first and the customer never answered",
			history: []sla.Event{agent(0)}, now: h, status: sla.StatusOpen,
			frt:       notApplied,
			nrt:       inactive,
			res:       clockWant{applies: true, phase: sla.Running, elapsed: h, due: 24 * h, cycles: 1},
			nextClock: sla.Resolution,
		},
		{
			name:    "customer message and reply in the same second: the reply answers it",
			history: []sla.Event{agent(5 * m), cust(5 * m)}, now: h, status: sla.StatusOpen,
			frt:       clockWant{applies: true, phase: sla.Stopped, start: 5 * m, due: notSet, met: true, cycles: 1},
			nrt:       inactive,
			res:       clockWant{applies: true, phase: sla.Running, elapsed: h, due: 24 * h, cycles: 1},
			nextClock: sla.Resolution,
		},
		{
			name:    "events after now are not yet taken into account",
			history: []sla.Event{cust(0), agent(2 * h)}, now: 10 * m, status: sla.StatusOpen,
			frt:       clockWant{applies: true, phase: sla.Running, elapsed: 10 * m, due: 30 * m, cycles: 1},
			nrt:       inactive,
			res:       clockWant{applies: true, phase: sla.Running, elapsed: 10 * m, due: 24 * h, cycles: 1},
			nextClock: sla.FirstResponse,
		},
		{
			name:    "clocks with a zero target are not used",
			policy:  sla.Policy{Name: "res-only", Targets: sla.Targets{Resolution: 8 * h}},
			history: []sla.Event{cust(0), agent(h), cust(2 * h)}, now: 3 * h, status: sla.StatusOpen,
			frt:       notApplied,
			nrt:       notApplied,
			res:       clockWant{applies: true, phase: sla.Running, elapsed: 3 * h, due: 8 * h, cycles: 1},
			nextClock: sla.Resolution,
		},
		{
			name:    "created pending (a bot answers first): clocks wait for the handoff",
			history: []sla.Event{status(0, sla.StatusPending), cust(0), agent(2 * m), cust(5 * m), open(h)}, now: h + 10*m, status: sla.StatusOpen,
			frt:       clockWant{applies: true, phase: sla.Stopped, elapsed: 0, due: notSet, met: true, cycles: 1},
			nrt:       clockWant{applies: true, phase: sla.Running, start: 5 * m, elapsed: 10 * m, due: h + 30*m, cycles: 1},
			res:       clockWant{applies: true, phase: sla.Running, elapsed: 10 * m, due: 24*h + h, cycles: 1},
			nextClock: sla.NextResponse,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := def
			if c.policy.Name != "" {
				p = c.policy
			}
			s := sla.Evaluate(p, t0, c.history, at(c.now))
			if s.Status != c.status || s.Policy != p.Name {
				t.Errorf("status %q policy %q", s.Status, s.Policy)
			}
			checkClock(t, s.FirstResponse, c.frt)
			checkClock(t, s.NextResponse, c.nrt)
			checkClock(t, s.Resolution, c.res)
			if s.NextClock != c.nextClock {
				t.Errorf("next clock %q, want %q", s.NextClock, c.nextClock)
			}
			var want time.Time
			for _, cl := range s.Clocks() {
				if cl.Name == c.nextClock {
					want = cl.Due
				}
			}
			if !s.NextDue.Equal(want) {
				t.Errorf("next due %v, want %v", s.NextDue, want)
			}
		})
	}
}

func TestEvaluateInBusinessHours(t *testing.T) {
	berlin := loadLoc(t, "Europe/Berlin")
	cal := calendar(t, "Europe/Berlin", weekdays("09:00-17:00"), "2026-03-09")
	p := sla.Policy{Name: "office", Targets: sla.Targets{FirstResponse: 30 * m, NextResponse: 30 * m, Resolution: 8 * h}, Calendar: cal}
	L := func(s string) time.Time { return local(t, berlin, s) }

	// A customer writes at 16:50 on Friday; it is 18:00. Ten minutes of
	// business time are gone; the deadline is Tuesday 09:20 (Monday is a
	// holiday), and the band tonight is ok.
	created := L("2026-03-06 16:50")
	s := sla.Evaluate(p, created, []sla.Event{sla.Customer(created)}, L("2026-03-06 18:00"))
	if s.FirstResponse.Elapsed != 10*m || !s.FirstResponse.Due.Equal(L("2026-03-10 09:20")) || s.FirstResponse.Phase != sla.Running {
		t.Fatalf("first response %+v", s.FirstResponse)
	}
	if !s.Resolution.Due.Equal(L("2026-03-10 16:50")) {
		t.Errorf("resolution due %v", s.Resolution.Due)
	}
	if b := s.Band(sla.DefaultBands(), L("2026-03-06 18:00")); b != sla.BandOK {
		t.Errorf("band tonight %v", b)
	}
	if b := s.Band(sla.DefaultBands(), L("2026-03-10 09:06")); b != sla.BandWarning {
		t.Errorf("band on Tuesday morning %v", b)
	}
	// The agent replies at 09:25 on Tuesday: 35 minutes of business time.
	s = sla.Evaluate(p, created, []sla.Event{sla.Customer(created), sla.Agent(L("2026-03-10 09:25"))}, L("2026-03-10 10:00"))
	if !s.FirstResponse.Breached || s.FirstResponse.Elapsed != 35*m || !s.FirstResponse.BreachedAt.Equal(L("2026-03-10 09:20")) {
		t.Fatalf("first response %+v", s.FirstResponse)
	}
	// An exact fit: the customer writes at 16:30 and it is 17:00 — thirty
	// minutes used, not yet breached; the breach comes at the next opening.
	start := L("2026-03-05 16:30")
	s = sla.Evaluate(p, start, []sla.Event{sla.Customer(start)}, L("2026-03-05 20:00"))
	if s.FirstResponse.Breached || !s.FirstResponse.Due.Equal(L("2026-03-06 09:00")) {
		t.Fatalf("exact fit: %+v", s.FirstResponse)
	}
	s = sla.Evaluate(p, start, []sla.Event{sla.Customer(start)}, L("2026-03-06 09:00").Add(time.Second))
	if !s.FirstResponse.Breached || !s.FirstResponse.BreachedAt.Equal(L("2026-03-06 09:00")) {
		t.Fatalf("a second after the opening: %+v", s.FirstResponse)
	}
}

// TestEvaluateIgnoresDeliveryOrder shuffles random histories and checks
// that the state does not change, and that a few invariants hold.
func TestEvaluateIgnoresDeliveryOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	office := calendar(t, "Europe/Berlin", weekdays("09:00-12:30,13:30-17:00")+"sat=22:00-02:00", "2026-03-04")
	policies := []sla.Policy{
		sla.DefaultPolicy(),
		{Name: "office", Targets: sla.Targets{FirstResponse: 20 * m, NextResponse: h, Resolution: 8 * h}, Calendar: office},
	}
	statuses := []sla.Status{sla.StatusOpen, sla.StatusPending, sla.StatusSnoozed, sla.StatusResolved}
	for iter := range 500 {
		p := policies[iter%len(policies)]
		var hist []sla.Event
		for range rng.IntN(30) {
			// A coarse grid makes ties common.
			when := at(time.Duration(rng.IntN(200)) * 5 * m)
			switch rng.IntN(3) {
			case 0:
				hist = append(hist, sla.Customer(when))
			case 1:
				hist = append(hist, sla.Agent(when))
			default:
				hist = append(hist, sla.SetStatus(when, statuses[rng.IntN(len(statuses))]))
			}
		}
		now := at(time.Duration(rng.IntN(220)) * 5 * m)
		want := sla.Evaluate(p, t0, hist, now)
		for range 5 {
			shuffled := append([]sla.Event(nil), hist...)
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			if got := sla.Evaluate(p, t0, shuffled, now); !reflect.DeepEqual(got, want) {
				t.Fatalf("history %v\nin order:  %+v\nshuffled: %+v", hist, want, got)
			}
		}
		for _, c := range want.Clocks() {
			if c.Elapsed < 0 || (c.Phase != sla.Inactive && c.Elapsed > p.Calendar.Between(c.Start, now)) {
				t.Fatalf("%s elapsed %v, more than the open time since it started", c.Name, c.Elapsed)
			}
			if c.Breached != (c.Elapsed > c.Target) && c.Applies {
				t.Fatalf("%s breached %v with elapsed %v of %v", c.Name, c.Breached, c.Elapsed, c.Target)
			}
			if c.Phase == sla.Running && c.Breached != now.After(c.Due) {
				t.Fatalf("%s running: breached %v, due %v, now %v", c.Name, c.Breached, c.Due, now)
			}
			if c.Phase == sla.Running && !c.Breached {
				// The due instant is exactly when the remaining target is used up.
				if left := p.Calendar.Between(now, c.Due); left != c.Left {
					t.Fatalf("%s: %v left, but %v of open time until due", c.Name, c.Left, left)
				}
			}
			if c.Phase != sla.Running && !c.Due.IsZero() {
				t.Fatalf("%s %v has a due time", c.Name, c.Phase)
			}
		}
	}
}

func TestEvaluateDoesNotModifyHistory(t *testing.T) {
	hist := []sla.Event{sla.Agent(at(h)), sla.Customer(at(0))}
	sla.Evaluate(sla.DefaultPolicy(), t0, hist, at(2*h))
	if hist[0].Kind != sla.AgentReply {
		t.Fatal("Evaluate sorted the caller's slice")
	}
}
