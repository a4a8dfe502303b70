package simulator

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Mix weighs the kinds of random change Step makes. Only ratios matter.
type Mix struct {
	NewConversation float64
	CustomerMessage float64
	AgentReply      float64
	PrivateNote     float64
	StatusChange    float64 // resolve, snooze, pend, reopen
	LabelChange     float64
	PriorityChange  float64
	AssigneeChange  float64 // agent or team
}

// DefaultMix resembles a support floor: mostly messages, some triage.
func DefaultMix() Mix {
	return Mix{NewConversation: 12, CustomerMessage: 28, AgentReply: 24, PrivateNote: 6,
		StatusChange: 12, LabelChange: 7, PriorityChange: 5, AssigneeChange: 6}
}

// TrafficOptions configures Traffic.
type TrafficOptions struct {
	// Rate is changes per second (default 1).
	Rate float64
	// Conversations is how many unresolved conversations the traffic keeps
	// going (default 20): below half of it, new conversations are started;
	// at it, none are.
	Conversations int
	Mix           Mix // zero: DefaultMix()
	// Wait sleeps between changes (default: a real timer). A test can pass
	// one that advances a manual clock instead.
	Wait func(ctx context.Context, d time.Duration) error
}

// Traffic makes random changes at opts.Rate until ctx ends, each one emitting
// its webhooks; snoozed conversations whose time has come reopen as it
// goes. It returns nil when ctx ends.
func (s *Simulator) Traffic(ctx context.Context, o TrafficOptions) error {
	if o.Rate <= 0 {
		o.Rate = 1
	}
	if o.Wait == nil {
		o.Wait = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	interval := time.Duration(float64(time.Second) / o.Rate)
	for i := 0; ; i++ {
		if err := o.Wait(ctx, interval); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if i%16 == 0 {
			s.Tick()
		}
		if _, err := s.Step(o.Mix, o.Conversations); err != nil {
			s.log.Warn("simulator: traffic step failed", "error", err)
		}
	}
}

// Step makes one random change drawn from mix (zero: DefaultMix()), keeping
// about target unresolved conversations (0: 20), and describes it.
func (s *Simulator) Step(mix Mix, target int) (string, error) {
	if mix == (Mix{}) {
		mix = DefaultMix()
	}
	if target <= 0 {
		target = 20
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var open, resolved []*conversation
	for _, id := range s.convOrder {
		if c := s.convs[id]; c.status == "resolved" {
			resolved = append(resolved, c)
		} else {
			open = append(open, c)
		}
	}
	weights := []float64{mix.NewConversation, mix.CustomerMessage, mix.AgentReply, mix.PrivateNote,
		mix.StatusChange, mix.LabelChange, mix.PriorityChange, mix.AssigneeChange}
	switch {
	case len(open) < target/2 || len(open) == 0:
		weights = []float64{1}
	case len(open) >= target:
		weights[0] = 0
	}
	switch s.pick(weights) {
	case 0:
		ib := s.inboxes[s.inboxOrder[s.rng.IntN(len(s.inboxOrder))]]
		var contactID int64
		if s.rng.IntN(4) == 0 { // a returning customer
			contactID = s.randomContactID()
		}
		topic := topics[s.rng.IntN(len(topics))]
		text := s.fill(topic.opening[s.rng.IntN(len(topic.opening))])
		id, err := s.newConversation(ib.id, contactID, text)
		return fmt.Sprintf("new conversation %d in %s", id, ib.name), err
	case 1:
		c := s.pickConv(open, resolved, 0.1)
		_, err := s.customerMessage(c.id, s.fill(followUps[s.rng.IntN(len(followUps))]))
		return fmt.Sprintf("customer message in %d", c.id), err
	case 2:
		c := s.pickWaiting(open)
		_, err := s.agentMessage(c.id, s.someAgent(c), s.fill(replies[s.rng.IntN(len(replies))]), false, nil)
		return fmt.Sprintf("agent reply in %d", c.id), err
	case 3:
		c := open[s.rng.IntN(len(open))]
		_, err := s.agentMessage(c.id, s.someAgent(c), s.note(), true, nil)
		return fmt.Sprintf("private note in %d", c.id), err
	case 4:
		c := s.pickConv(open, resolved, 0.15)
		status, until := "resolved", time.Time{}
		switch r := s.rng.IntN(20); {
		case c.status == "resolved" || c.status != "open" && r < 10:
			status = "open"
		case r < 3:
			status = "snoozed"
			if s.rng.IntN(2) == 0 {
				until = s.clock.Now().Add(time.Duration(15+s.rng.IntN(240)) * time.Minute)
			}
		case r < 5:
			status = "pending"
		}
		err := s.setStatus(c.id, s.someAgent(c), status, until)
		return fmt.Sprintf("conversation %d %s", c.id, status), err
	case 5:
		c := open[s.rng.IntN(len(open))]
		labels := append([]string(nil), c.labels...)
		if len(labels) > 0 && s.rng.IntN(3) == 0 {
			labels = append(labels[:0:0], labels[1:]...)
		} else {
			labels = append(labels, s.labels[s.rng.IntN(len(s.labels))])
		}
		_, err := s.setLabels(c.id, s.someAgent(c), labels)
		return fmt.Sprintf("labels of %d", c.id), err
	case 6:
		c := open[s.rng.IntN(len(open))]
		p := []string{"", "low", "medium", "high", "urgent"}[s.rng.IntN(5)]
		err := s.setPriority(c.id, s.someAgent(c), p)
		return fmt.Sprintf("priority of %d", c.id), err
	default:
		c := open[s.rng.IntN(len(open))]
		if s.rng.IntN(3) == 0 {
			t := s.teams[s.rng.IntN(len(s.teams))]
			return fmt.Sprintf("team of %d", c.id), s.assignTeam(c.id, s.profileID, t.id)
		}
		a := s.agents[s.rng.IntN(len(s.agents))]
		return fmt.Sprintf("assignee of %d", c.id), s.assignAgent(c.id, s.profileID, a.id)
	}
}

// pick returns an index drawn by weight. Caller holds mu.
func (s *Simulator) pick(weights []float64) int {
	var total float64
	for _, w := range weights {
		total += max(w, 0)
	}
	if total == 0 {
		return 0
	}
	r := s.rng.Float64() * total
	for i, w := range weights {
		if r -= max(w, 0); r < 0 {
			return i
		}
	}
	return len(weights) - 1
}

// pickConv picks an unresolved conversation, or with probability pResolved
// a resolved one.
func (s *Simulator) pickConv(open, resolved []*conversation, pResolved float64) *conversation {
	if len(resolved) > 0 && (len(open) == 0 || s.rng.Float64() < pResolved) {
		return resolved[s.rng.IntN(len(resolved))]
	}
	return open[s.rng.IntN(len(open))]
}

// pickWaiting prefers a conversation waiting for a reply.
func (s *Simulator) pickWaiting(open []*conversation) *conversation {
	var waiting []*conversation
	for _, c := range open {
		if !c.waitingSince.IsZero() {
			waiting = append(waiting, c)
		}
	}
	if len(waiting) > 0 && s.rng.IntN(5) > 0 {
		return waiting[s.rng.IntN(len(waiting))]
	}
	return open[s.rng.IntN(len(open))]
}

func (s *Simulator) someAgent(c *conversation) int64 {
	if c.assigneeID != 0 && s.rng.IntN(4) > 0 {
		return c.assigneeID
	}
	return s.agents[s.rng.IntN(len(s.agents))].id
}

func (s *Simulator) randomContactID() int64 {
	if s.nextCont <= 101 {
		return 0
	}
	return 101 + s.rng.Int64N(s.nextCont-101)
}

func (s *Simulator) note() string {
	a := s.agents[s.rng.IntN(len(s.agents))]
	text := notes[s.rng.IntN(len(notes))]
	if s.rng.IntN(2) == 0 {
		return fmt.Sprintf("[@%s](mention://user/%d/%s) %s", a.name, a.id, strings.ReplaceAll(a.name, " ", "%20"), text)
	}
	return text
}

// fill replaces {inv}, {order} and {n} placeholders. Caller holds mu.
func (s *Simulator) fill(text string) string {
	r := strings.NewReplacer(
		"{inv}", fmt.Sprintf("INV-%04d", 1000+s.rng.IntN(9000)),
		"{order}", fmt.Sprintf("#%06d", s.rng.IntN(1_000_000)),
		"{n}", fmt.Sprint(2+s.rng.IntN(5)),
	)
	return r.Replace(text)
}

func subjectFor(text string) string {
	for _, t := range topics {
		for _, o := range t.opening {
			if strings.HasPrefix(text, strings.SplitN(o, "{", 2)[0]) {
				return t.subject
			}
		}
	}
	if len(text) > 60 {
		text = text[:60]
	}
	return text
}

type topic struct {
	subject string
	opening []string
}

var topics = []topic{
	{"Charged twice", []string{"Hi, my invoice {inv} was charged twice. Can you refund one?", "I see two payments for {inv} on my card statement."}},
	{"Cannot log in", []string{"I can't log in since this morning, the password reset email never arrives.", "Login keeps saying my account is locked."}},
	{"Order not delivered", []string{"My order {order} was due {n} days ago and tracking hasn't moved.", "Where is my order {order}? It says delivered but nothing arrived."}},
	{"API errors", []string{"Your API has been returning 502 for {n} hours, our checkout is down.", "Webhooks stopped arriving at our endpoint around 08:00."}},
	{"Plan change", []string{"How do I move from the starter plan to pro without losing data?", "Can we get an invoice for the annual plan instead of monthly?"}},
	{"Feature request", []string{"Is there a way to export all our reports to CSV?", "Would love dark mode in the dashboard, any plans?"}},
	{"Refund request", []string{"I'd like a refund for order {order}, the item arrived broken.", "Please cancel my subscription and refund the last charge."}},
}

var followUps = []string{
	"Any update on this?",
	"Thanks! One more question: does this affect invoice {inv} as well?",
	"Still not working, I just tried again.",
	"Here is the screenshot you asked for.",
	"That worked, thank you so much!",
	"Hello? It's been {n} hours.",
	"Can I speak to a manager please?",
	"My order number is {order}.",
}

var replies = []string{
	"Thanks for reaching out! I'm looking into this now.",
	"I've issued the refund, you'll see it in 3-5 business days.",
	"Could you send me the email address on the account?",
	"Sorry about that. Our engineers are on it and I'll update you within the hour.",
	"I've reset your password, please check your inbox (and spam folder).",
	"Your order {order} is on its way, here is the new tracking link.",
	"Glad it's sorted! Anything else I can help with?",
}

var notes = []string{
	"please confirm the duplicate charge in Stripe before we refund.",
	"Customer is on the enterprise plan, treat as priority.",
	"Looks related to this morning's incident, linking.",
	"Second time this month for this customer.",
	"Waiting on the carrier, will chase tomorrow.",
}

var browsers = [][3]string{{"Firefox", "131.0", "Linux"}, {"Chrome", "129.0.0.0", "Windows"}, {"Safari", "18.0", "macOS"}, {"Chrome", "129.0.0.0", "Android"}}

var referers = []string{"/billing", "/help", "/pricing", "/account/orders", "/"}
