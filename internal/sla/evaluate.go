package sla

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Status is a conversation's status, named as Chatwoot names it.
type Status string

// The conversation statuses. Clocks run only while a conversation is open.
const (
	StatusOpen     Status = "open"
	StatusPending  Status = "pending"
	StatusSnoozed  Status = "snoozed"
	StatusResolved Status = "resolved"
)

// Valid reports whether s is one of the four statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusOpen, StatusPending, StatusSnoozed, StatusResolved:
		return true
	}
	return false
}

func (s Status) rank() int {
	switch s {
	case StatusOpen:
		return 0
	case StatusPending:
		return 1
	case StatusSnoozed:
		return 2
	}
	return 3
}

// EventKind is what happened in a conversation.
type EventKind int

// The kinds of event that move SLA clocks.
const (
	// CustomerMessage is an incoming, public message from the customer.
	CustomerMessage EventKind = iota + 1
	// AgentReply is an outgoing, public message from an agent (a human, a
	// bot, or HotDash sending an approved draft). Private notes and activity
	// messages are not events: the caller must not pass them.
	AgentReply
	// StatusChange is the conversation's status becoming Event.Status.
	StatusChange
)

// String returns "customer_message", "agent_reply" or "status_change".
func (k EventKind) String() string {
	switch k {
	case CustomerMessage:
		return "customer_message"
	case AgentReply:
		return "agent_reply"
	case StatusChange:
		return "status_change"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is one entry of a conversation's history.
type Event struct {
	// Kind is what happened.
	Kind EventKind
	// At is when it happened (Chatwoot's created_at for messages, the
	// conversation's updated_at for status changes).
	At time.Time
	// Status is the new status of a StatusChange.
	Status Status
	// Seq orders events of the same kind that share an instant (Chatwoot's
	// time stamps have one-second resolution); larger is later. Optional.
	Seq int64
}

// Customer returns a CustomerMessage event at at.
func Customer(at time.Time) Event { return Event{Kind: CustomerMessage, At: at} }

// Agent returns an AgentReply event at at.
func Agent(at time.Time) Event { return Event{Kind: AgentReply, At: at} }

// SetStatus returns a StatusChange event to s at at.
func SetStatus(at time.Time, s Status) Event { return Event{Kind: StatusChange, At: at, Status: s} }

func (e Event) valid() bool {
	switch {
	case e.At.IsZero():
		return false
	case e.Kind == CustomerMessage, e.Kind == AgentReply:
		return true
	case e.Kind == StatusChange:
		return e.Status.Valid()
	}
	return false
}

// eventKey is an event's place in the order Evaluate processes history in:
// by time; at the same instant, customer messages before agent replies
// before status changes, then by Seq, then by status (open, pending,
// snoozed, resolved), then by input position. Events that tie up to the
// input position are interchangeable, so the result does not depend on the
// order they were delivered in.
type eventKey struct {
	sec          int64
	seq          int64
	nsec         int32
	idx          int32
	kind, status int8
}

func compareKeys(a, b eventKey) int {
	switch {
	case a.sec != b.sec:
		return cmp.Compare(a.sec, b.sec)
	case a.nsec != b.nsec:
		return cmp.Compare(a.nsec, b.nsec)
	case a.kind != b.kind:
		return cmp.Compare(a.kind, b.kind)
	case a.seq != b.seq:
		return cmp.Compare(a.seq, b.seq)
	case a.status != b.status:
		return cmp.Compare(a.status, b.status)
	}
	return cmp.Compare(a.idx, b.idx)
}

// ClockName names one of a conversation's three clocks.
type ClockName string

// The clocks.
const (
	FirstResponse ClockName = "first_response"
	NextResponse  ClockName = "next_response"
	Resolution    ClockName = "resolution"
)

// Phase is where a clock stands.
type Phase int

// The phases of a clock.
const (
	// Inactive: the clock has not started, or never will (see
	// ClockState.Applies).
	Inactive Phase = iota
	// Running: started, not stopped, and the conversation is open. It
	// counts whenever the calendar is open.
	Running
	// Paused: started, not stopped, but the conversation is pending or
	// snoozed (or, for the response clocks, resolved). Nothing is counted.
	Paused
	// Stopped: the event that ends the clock happened (the agent replied,
	// or for resolution the conversation was resolved).
	Stopped
)

// String returns "inactive", "running", "paused" or "stopped".
func (p Phase) String() string {
	switch p {
	case Inactive:
		return "inactive"
	case Running:
		return "running"
	case Paused:
		return "paused"
	case Stopped:
		return "stopped"
	}
	return fmt.Sprintf("Phase(%d)", int(p))
}

// ClockState is one clock of a conversation as of the evaluation time. For
// the next-response clock it describes the latest customer turn (cycle).
type ClockState struct {
	// Name is which clock this is.
	Name ClockName
	// Target is the policy's target (zero: the policy does not use the clock).
	Target time.Duration
	// Applies is false when the policy does not use the clock, and for the
	// first-response clock of a conversation an agent opened.
	Applies bool
	// Phase is whether the clock is inactive, running, paused or stopped.
	Phase Phase
	// Start is when the current cycle started (zero while Inactive).
	Start time.Time
	// Elapsed is the business time counted in the current cycle.
	Elapsed time.Duration
	// Left is Target - Elapsed in business time, negative once breached.
	Left time.Duration
	// Due is set while Running: the instant the clock breaches if nothing
	// happens, in the past when it already has.
	Due time.Time
	// Breached is Elapsed > Target: for a running clock, the evaluation
	// time is past Due.
	Breached bool
	// BreachedAt is the instant Elapsed first exceeded Target.
	BreachedAt time.Time
	// Met is true when the clock stopped within its target; MetAt is when.
	Met   bool
	MetAt time.Time
	// StoppedAt is when the clock stopped, met or not (zero unless Stopped).
	StoppedAt time.Time
	// Cycles counts how many times the clock started (the next-response
	// clock starts once per customer turn; the others at most once).
	Cycles int
	// Breaches counts the cycles that breached, the current one included.
	Breaches int
}

// State is a conversation's SLA state, as of the evaluation time.
type State struct {
	// Policy is the name of the policy evaluated.
	Policy string
	// Status is the conversation's status.
	Status Status
	// WaitingSince is the first customer message not yet answered by an
	// agent reply (zero when the customer is not waiting).
	WaitingSince time.Time

	// The three clocks.
	FirstResponse ClockState
	NextResponse  ClockState
	Resolution    ClockState

	// NextDue is the earliest Due among running clocks (in the past if one
	// has breached), and NextClock the clock it belongs to; zero and "" when
	// no clock is running.
	NextDue   time.Time
	NextClock ClockName
}

// Clocks returns the three clocks: first response, next response, resolution.
func (s State) Clocks() []ClockState {
	return []ClockState{s.FirstResponse, s.NextResponse, s.Resolution}
}

// Breached reports whether any clock's current cycle has breached its
// target (a first response missed earlier stays breached).
func (s State) Breached() bool {
	return s.FirstResponse.Breached || s.NextResponse.Breached || s.Resolution.Breached
}

// Band is the band of the nearest deadline among running clocks
// (BandOK when none is running).
func (s State) Band(b Bands, now time.Time) Band { return b.Band(s.NextDue, now) }

// Evaluate computes a conversation's SLA state under policy p at now, from
// its creation time and history. It is a pure function of its arguments:
// history need not be sorted (it is sorted by time, ties broken by kind,
// Seq, status and then input order), so webhooks delivered late or out of
// order cannot corrupt the state. Events after now are not yet taken into
// account: Evaluate answers "what is the state at now". Events with a zero
// time, an unknown kind or an unknown status are ignored.
//
// The conversation starts open at created (moved back to the earliest event
// if one precedes it; a zero created means the earliest event, or now).
// The clocks:
//
//   - First response starts at the first customer message when no agent
//     message came before it, and stops at the first agent reply. A
//     conversation an agent opened (its first message is an agent's) has no
//     first response: the clock does not apply, and the customer's answer
//     starts a next-response clock instead.
//   - Next response starts at the first customer message after an agent
//     reply (further customer messages while waiting do not restart it) and
//     stops at the next agent reply. Each such turn is a new cycle.
//   - Resolution starts at created and stops when the conversation is
//     resolved; reopening resumes it with the time already counted.
//
// Clocks count business time in p.Calendar only while the conversation is
// open: pending and snoozed pause them all, and while resolved the response
// clocks are paused (a reopen resumes them) and resolution is stopped. A
// conversation with no messages has only its resolution clock running; its
// first-response clock applies but waits for the customer.
func Evaluate(p Policy, created time.Time, history []Event, now time.Time) State {
	// Sort compact keys rather than events (cheaper to compare and swap).
	keys := make([]eventKey, 0, len(history))
	for i, e := range history {
		if e.valid() && !e.At.After(now) {
			keys = append(keys, eventKey{sec: e.At.Unix(), nsec: int32(e.At.Nanosecond()), kind: int8(e.Kind), status: int8(e.Status.rank()), seq: e.Seq, idx: int32(i)})
		}
	}
	slices.SortFunc(keys, compareKeys)
	evs := func(yield func(Event) bool) {
		for _, k := range keys {
			if !yield(history[k.idx]) {
				return
			}
		}
	}
	if len(keys) > 0 && (created.IsZero() || history[keys[0].idx].At.Before(created)) {
		created = history[keys[0].idx].At
	}
	if created.IsZero() {
		created = now
	}

	ev := evaluator{cal: p.Calendar, status: StatusOpen, cursor: created}
	ev.clocks[0].target = p.Targets.FirstResponse
	ev.clocks[1].target = p.Targets.NextResponse
	ev.clocks[2].target = p.Targets.Resolution
	if !created.After(now) {
		ev.clocks[2].begin(created)
	}
	for e := range evs {
		ev.advance(e.At)
		ev.apply(e)
	}
	ev.advance(now)

	st := State{Policy: p.Name, Status: ev.status, WaitingSince: ev.waitingSince}
	out := [3]*ClockState{&st.FirstResponse, &st.NextResponse, &st.Resolution}
	for i, name := range [3]ClockName{FirstResponse, NextResponse, Resolution} {
		applies := ev.clocks[i].target > 0 && !(i == 0 && ev.agentFirst)
		*out[i] = ev.clocks[i].state(name, applies, ev.status, ev.cal, now)
		if c := out[i]; c.Phase == Running && (st.NextDue.IsZero() || c.Due.Before(st.NextDue)) {
			st.NextDue, st.NextClock = c.Due, c.Name
		}
	}
	return st
}

type evaluator struct {
	cal    *Calendar
	status Status
	cursor time.Time
	// clocks: first response, next response, resolution.
	clocks [3]clock
	// waitingSince is set from a customer message until an agent reply.
	waitingSince time.Time
	anyAgent     bool
	anyCustomer  bool
	agentFirst   bool
}

// advance counts open business time from the cursor to to.
func (ev *evaluator) advance(to time.Time) {
	if !to.After(ev.cursor) {
		return
	}
	if ev.status == StatusOpen {
		var d time.Duration
		counted := false
		for i := range ev.clocks {
			c := &ev.clocks[i]
			if !c.started || c.stopped {
				continue
			}
			if !counted {
				d, counted = ev.cal.Between(ev.cursor, to), true
			}
			if c.breachedAt.IsZero() && c.elapsed+d > c.target {
				c.breachedAt = ev.cal.Add(ev.cursor, c.target-c.elapsed)
				c.breaches++
			}
			c.elapsed += d
		}
	}
	ev.cursor = to
}

func (ev *evaluator) apply(e Event) {
	switch e.Kind {
	case CustomerMessage:
		if ev.waitingSince.IsZero() {
			ev.waitingSince = e.At
			switch {
			case !ev.anyAgent && ev.clocks[0].target > 0:
				ev.clocks[0].begin(e.At)
			case ev.anyAgent && ev.clocks[1].target > 0:
				ev.clocks[1].begin(e.At)
			}
		}
		ev.anyCustomer = true
	case AgentReply:
		if !ev.anyCustomer && !ev.anyAgent {
			ev.agentFirst = true
		}
		ev.anyAgent = true
		if !ev.waitingSince.IsZero() {
			ev.waitingSince = time.Time{}
			ev.clocks[0].stop(e.At)
			ev.clocks[1].stop(e.At)
		}
	case StatusChange:
		switch {
		case e.Status == StatusResolved && ev.status != StatusResolved:
			ev.clocks[2].stop(e.At)
		case e.Status != StatusResolved && ev.status == StatusResolved:
			ev.clocks[2].resume()
		}
		ev.status = e.Status
	}
}

type clock struct {
	target     time.Duration
	started    bool
	stopped    bool
	start      time.Time
	elapsed    time.Duration
	breachedAt time.Time
	stoppedAt  time.Time
	cycles     int
	breaches   int
}

func (c *clock) begin(at time.Time) {
	if c.target <= 0 {
		return
	}
	*c = clock{target: c.target, started: true, start: at, cycles: c.cycles + 1, breaches: c.breaches}
}

func (c *clock) stop(at time.Time) {
	if c.started && !c.stopped {
		c.stopped, c.stoppedAt = true, at
	}
}

func (c *clock) resume() {
	if c.started && c.stopped {
		c.stopped, c.stoppedAt = false, time.Time{}
	}
}

func (c *clock) state(name ClockName, applies bool, status Status, cal *Calendar, now time.Time) ClockState {
	s := ClockState{Name: name, Target: c.target, Applies: applies, Cycles: c.cycles, Breaches: c.breaches}
	if !applies {
		return s
	}
	s.Left = c.target
	if !c.started {
		return s
	}
	s.Start, s.Elapsed, s.Left = c.start, c.elapsed, c.target-c.elapsed
	s.Breached, s.BreachedAt = !c.breachedAt.IsZero(), c.breachedAt
	switch {
	case c.stopped:
		s.Phase, s.StoppedAt = Stopped, c.stoppedAt
		if !s.Breached {
			s.Met, s.MetAt = true, c.stoppedAt
		}
	case status == StatusOpen:
		s.Phase = Running
		if s.Breached {
			s.Due = c.breachedAt
		} else {
			s.Due = cal.Add(now, c.target-c.elapsed)
		}
	default:
		s.Phase = Paused
	}
	return s
}
