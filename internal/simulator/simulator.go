// Package simulator is a stand-in for a Chatwoot account, for tests, demos
// and local development. It keeps an account in memory (inboxes of several
// channels, agents, teams, labels, contacts, conversations, messages),
// serves the subset of Chatwoot's REST API that package chatwoot's Client
// uses, shaped as Chatwoot answers, and sends signed webhooks for every
// change, with Chatwoot's delivery flaws when asked (drops, duplicates,
// delays that reorder). Changes come from the REST API, from scripts
// (NewConversation, CustomerMessage, AgentReply, …) or from random traffic
// (Traffic, Step), all driven by an injected clock and a seeded random
// source, so a test that scripts the same steps sees the same account.
//
//	sim, _ := simulator.New(simulator.Options{Token: "t", Webhooks: []simulator.Webhook{{URL: u, Secret: "s"}}})
//	defer sim.Close()
//	srv := httptest.NewServer(sim.Handler())
//	id, _ := sim.NewConversation(sim.Inboxes()[0].ID, 0, "My invoice was charged twice")
//	_, _ = sim.AgentReply(id, 0, "Looking into it")
//	_ = sim.Flush(ctx) // every webhook delivered (or dropped on purpose)
package simulator

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/hotdash/hotdash/internal/chatwoot"
	"github.com/hotdash/hotdash/internal/clock"
)

// Options configures a Simulator. The zero value works: a system clock,
// seed 1, account 1, token "sim-token", no webhooks.
type Options struct {
	Clock       clock.Clock
	Seed        uint64
	Token       string
	AccountID   int64
	AccountName string
	// Version is what GET /api reports (default "4.11.2", the first
	// version that signs webhooks).
	Version  string
	Webhooks []Webhook
	Flaws    Flaws
	// HTTP delivers webhooks (default: a client with Chatwoot's 5 s
	// timeout). Each delivery is attempted once.
	HTTP *http.Client
	// Workers is how many deliveries run at once (default 2; Chatwoot's
	// Sidekiq runs several, which is one reason webhooks arrive out of
	// order).
	Workers int
	// Contacts is how many customers the account starts with (default 40).
	Contacts int
	Logger   *slog.Logger
	// OnDelivery, if set, is called after each delivery attempt or drop.
	OnDelivery func(DeliveryResult)
}

// Webhook is one account webhook.
type Webhook struct {
	URL string
	// Secret signs deliveries (X-Chatwoot-Timestamp, X-Chatwoot-Signature);
	// empty sends them unsigned.
	Secret string
	// Events is the subscription list; empty means every event.
	Events []string
	// Legacy sends no X-Chatwoot-* headers at all, as Chatwoot up to
	// v4.11.1 did.
	Legacy bool
}

// Flaws are Chatwoot's delivery faults, as fractions of deliveries (0–1).
type Flaws struct {
	// Drop: never sent (a timeout or 5xx Chatwoot does not retry).
	Drop float64
	// Duplicate: sent twice as two deliveries with different
	// X-Chatwoot-Delivery ids (the event fired twice, #11901, #7402).
	Duplicate float64
	// Redeliver: sent twice with the same X-Chatwoot-Delivery id.
	Redeliver float64
	// Delay: held back up to MaxDelay (default 2 s), so later events
	// overtake it.
	Delay    float64
	MaxDelay time.Duration
}

// DeliveryResult reports one webhook delivery.
type DeliveryResult struct {
	URL        string
	Event      string
	DeliveryID string
	Status     int   // 0 when no answer
	Err        error // transport error
	Dropped    bool  // not sent on purpose (Flaws.Drop)
}

// Stats counts webhook deliveries since New.
type Stats struct {
	Events     int // events that would be delivered (after subscriptions)
	Sent       int // HTTP requests made
	Succeeded  int // answered 2xx
	Failed     int // errors and non-2xx answers (not retried, like Chatwoot)
	Dropped    int
	Duplicated int // extra copies sent (Duplicate and Redeliver)
	Delayed    int
}

// Simulator is one simulated Chatwoot account. Its methods are safe for
// concurrent use.
type Simulator struct {
	mu          sync.Mutex
	clock       clock.Clock
	rng         *rand.Rand
	token       string
	accountID   int64
	accountName string
	version     string
	log         *slog.Logger

	inboxes    map[int64]*inbox
	inboxOrder []int64
	agents     []*agent
	teams      []*team
	labels     []string
	contacts   map[int64]*contact
	convs      map[int64]*conversation
	convOrder  []int64
	profileID  int64
	lastStamp  time.Time
	nextConv   int64
	nextMsg    int64
	nextCont   int64
	nextCI     int64

	faults faults
	hooks  []Webhook
	flaws  Flaws
	out    *dispatcher
}

type faults struct {
	failNext     int
	failStatus   int
	latency      time.Duration
	queueFailing bool
	down         bool
	requests     int
}

// New returns a simulator with a seeded account and starts its webhook
// workers. Call Close when done.
func New(o Options) (*Simulator, error) {
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Token == "" {
		o.Token = "sim-token"
	}
	if o.AccountID == 0 {
		o.AccountID = 1
	}
	if o.AccountID < 0 {
		return nil, errors.New("simulator: account id must be positive")
	}
	if o.AccountName == "" {
		o.AccountName = "Acme Support"
	}
	if o.Version == "" {
		o.Version = "4.11.2"
	}
	if o.Contacts <= 0 {
		o.Contacts = 40
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: 5 * time.Second}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if err := checkFlaws(o.Flaws); err != nil {
		return nil, err
	}
	for _, h := range o.Webhooks {
		if h.URL == "" {
			return nil, errors.New("simulator: webhook without a url")
		}
	}
	s := &Simulator{
		clock:       o.Clock,
		rng:         rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)),
		token:       o.Token,
		accountID:   o.AccountID,
		accountName: o.AccountName,
		version:     o.Version,
		log:         o.Logger,
		inboxes:     map[int64]*inbox{},
		contacts:    map[int64]*contact{},
		convs:       map[int64]*conversation{},
		hooks:       append([]Webhook(nil), o.Webhooks...),
		flaws:       o.Flaws,
		nextConv:    1,
		nextMsg:     1001,
		nextCont:    101,
		nextCI:      501,
	}
	s.seed(o.Contacts)
	s.out = newDispatcher(o.HTTP, o.Workers, o.Clock, o.Logger, o.OnDelivery)
	return s, nil
}

func checkFlaws(f Flaws) error {
	for _, v := range []float64{f.Drop, f.Duplicate, f.Redeliver, f.Delay} {
		if v < 0 || v > 1 {
			return errors.New("simulator: flaw fractions must be between 0 and 1")
		}
	}
	return nil
}

// Close stops the webhook workers after the deliveries already started;
// queued and delayed deliveries are abandoned.
func (s *Simulator) Close() { s.out.close() }

// Flush waits until every webhook emitted so far has been delivered,
// dropped or held back and then delivered.
func (s *Simulator) Flush(ctx context.Context) error { return s.out.flush(ctx) }

// Stats returns the delivery counts.
func (s *Simulator) Stats() Stats { return s.out.stats() }

// AddWebhook subscribes another receiver.
func (s *Simulator) AddWebhook(h Webhook) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks = append(s.hooks, h)
}

// SetFlaws changes the delivery faults for events emitted from now on.
func (s *Simulator) SetFlaws(f Flaws) error {
	if err := checkFlaws(f); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flaws = f
	return nil
}

// now returns the clock's time, strictly after the last time it returned
// (by a millisecond), so successive changes get distinct updated_at values
// even under a clock that does not move. Caller holds mu.
func (s *Simulator) now() time.Time {
	t := s.clock.Now().UTC().Truncate(time.Microsecond)
	if !t.After(s.lastStamp) {
		t = s.lastStamp.Add(time.Millisecond)
	}
	s.lastStamp = t
	return t
}

func (s *Simulator) agentByID(id int64) *agent {
	for _, a := range s.agents {
		if a.id == id {
			return a
		}
	}
	return nil
}

func (s *Simulator) teamByID(id int64) *team {
	for _, t := range s.teams {
		if t.id == id {
			return t
		}
	}
	return nil
}

// ---- read access for scripts and tests ----

// Inboxes lists the account's inboxes.
func (s *Simulator) Inboxes() []chatwoot.Inbox {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]chatwoot.Inbox, 0, len(s.inboxOrder))
	for _, id := range s.inboxOrder {
		ib := s.inboxes[id]
		in := chatwoot.Inbox{ID: ib.id, Name: ib.name, ChannelType: ib.channelType, ChannelID: ib.channelID,
			Timezone: ib.timezone, WorkingHoursEnabled: ib.workingHoursEnabled}
		for _, h := range ib.workingHours {
			in.WorkingHours = append(in.WorkingHours, chatwoot.WorkingHours{DayOfWeek: h.day, ClosedAllDay: h.closedAllDay,
				OpenAllDay: h.openAllDay, OpenHour: h.openHour, OpenMinutes: h.openMin, CloseHour: h.closeHour, CloseMinutes: h.closeMin})
		}
		out = append(out, in)
	}
	return out
}

// InboxByChannel returns the first inbox of a channel type
// ("Channel::Email", …).
func (s *Simulator) InboxByChannel(channelType string) (chatwoot.Inbox, bool) {
	for _, ib := range s.Inboxes() {
		if ib.ChannelType == channelType {
			return ib, true
		}
	}
	return chatwoot.Inbox{}, false
}

// Agents lists the account's agents; the first is the token's user.
func (s *Simulator) Agents() []chatwoot.Agent {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]chatwoot.Agent, 0, len(s.agents))
	for _, a := range s.agents {
		out = append(out, chatwoot.Agent{ID: a.id, Name: a.name, AvailableName: a.name, Email: a.email, Role: a.role,
			AvailabilityStatus: a.availability, Confirmed: true})
	}
	return out
}

// ProfileID is the agent id of the token's user (REST changes are made by
// them).
func (s *Simulator) ProfileID() int64 { return s.profileID }

// Teams lists the account's teams.
func (s *Simulator) Teams() []chatwoot.TeamDetail {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]chatwoot.TeamDetail, 0, len(s.teams))
	for _, t := range s.teams {
		out = append(out, chatwoot.TeamDetail{ID: t.id, Name: t.name, Description: t.desc, AllowAutoAssign: t.allowAutoAssign})
	}
	return out
}

// Labels lists the account's label catalogue.
func (s *Simulator) Labels() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.labels...)
}

// Contacts lists the account's contacts, by id.
func (s *Simulator) Contacts() []chatwoot.Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]chatwoot.Contact, 0, len(s.contacts))
	for _, c := range s.contacts {
		out = append(out, chatwoot.Contact{ID: c.id, Name: c.name, Email: c.email, Phone: c.phone, Identifier: c.ident})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ConversationIDs lists every conversation's display id, oldest first.
func (s *Simulator) ConversationIDs() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int64(nil), s.convOrder...)
}

// Conversation returns a conversation as GET conversation would.
func (s *Simulator) Conversation(displayID int64) (chatwoot.Conversation, bool) {
	s.mu.Lock()
	c, ok := s.convs[displayID]
	if !ok {
		s.mu.Unlock()
		return chatwoot.Conversation{}, false
	}
	raw := mustJSON(s.conversationREST(c))
	s.mu.Unlock()
	conv, err := chatwoot.DecodeConversation(raw)
	if err != nil { // a bug in the simulator's rendering
		s.log.Error("simulator: a conversation does not decode", "conversation", displayID, "error", err)
		return chatwoot.Conversation{}, false
	}
	return conv, true
}

// Messages returns every message of a conversation (activity messages and
// private notes included), oldest first, as the REST API renders them.
func (s *Simulator) Messages(displayID int64) []chatwoot.Message {
	s.mu.Lock()
	c, ok := s.convs[displayID]
	if !ok {
		s.mu.Unlock()
		return nil
	}
	raws := make([][]byte, 0, len(c.messages))
	for _, m := range c.messages {
		raws = append(raws, mustJSON(s.messagePush(c, m)))
	}
	s.mu.Unlock()
	out := make([]chatwoot.Message, 0, len(raws))
	for _, raw := range raws {
		m, err := chatwoot.DecodeMessage(raw)
		if err != nil { // a bug in the simulator's rendering
			s.log.Error("simulator: a message does not decode", "conversation", displayID, "error", err)
			continue
		}
		out = append(out, m)
	}
	return out
}
