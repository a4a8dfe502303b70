// Package events tells live pages that something changed. A publisher names a
// topic ("decisions"); every subscriber to that topic is woken, and re-reads
// what it shows. Signals coalesce: a subscriber that is busy when ten appends
// land is woken once, so a burst of writes costs each open dashboard one
// refresh, not ten.
//
// With a Relay (PostgreSQL LISTEN/NOTIFY), topics also reach subscribers on
// the other replicas.
package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Relay carries topics between replicas.
type Relay interface {
	// Publish sends payload to every replica, this one included.
	Publish(ctx context.Context, payload string) error
	// Listen calls deliver with each payload until ctx ends.
	Listen(ctx context.Context, deliver func(payload string)) error
}

// Broker fans topics out to subscribers.
type Broker struct {
	origin string
	relay  Relay
	logger *slog.Logger

	mu       sync.Mutex
	subs     map[*Subscription]struct{}
	outgoing map[string]bool
	wake     chan struct{}
}

// New returns a Broker. relay may be nil (a single process).
func New(relay Relay, logger *slog.Logger) *Broker {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return &Broker{
		origin:   hex.EncodeToString(b),
		relay:    relay,
		logger:   logger,
		subs:     map[*Subscription]struct{}{},
		outgoing: map[string]bool{},
		wake:     make(chan struct{}, 1),
	}
}

// Publish wakes local subscribers of topic at once and queues the topic for
// the other replicas. It never blocks.
func (b *Broker) Publish(topic string) {
	b.deliver(topic)
	if b.relay == nil {
		return
	}
	b.mu.Lock()
	b.outgoing[topic] = true
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// PublishLocal wakes local subscribers of topic only: for what concerns
// this process alone.
func (b *Broker) PublishLocal(topic string) { b.deliver(topic) }

func (b *Broker) deliver(topic string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		if s.topics[topic] {
			s.pending[topic] = true
			select {
			case s.c <- struct{}{}:
			default:
			}
		}
	}
}

// Run relays topics to and from other replicas until ctx ends. Without a
// relay it returns at once.
func (b *Broker) Run(ctx context.Context) {
	if b.relay == nil {
		return
	}
	go b.listen(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.wake:
		}
		b.mu.Lock()
		topics := make([]string, 0, len(b.outgoing))
		for t := range b.outgoing {
			topics = append(topics, t)
		}
		clear(b.outgoing)
		b.mu.Unlock()
		for _, t := range topics {
			if err := b.relay.Publish(ctx, b.origin+":"+t); err != nil && ctx.Err() == nil {
				b.logger.Warn("relay live update to other replicas", "topic", t, "error", err)
			}
		}
	}
}

// listen delivers other replicas' topics, reconnecting after failures.
func (b *Broker) listen(ctx context.Context) {
	for ctx.Err() == nil {
		err := b.relay.Listen(ctx, func(payload string) {
			origin, topic, ok := strings.Cut(payload, ":")
			if ok && origin != b.origin {
				b.deliver(topic)
			}
		})
		if ctx.Err() != nil {
			return
		}
		b.logger.Warn("listen for other replicas' live updates; retrying in 2s", "error", err)
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
}

// Subscription receives the topics it was opened for.
type Subscription struct {
	b       *Broker
	c       chan struct{}
	topics  map[string]bool
	pending map[string]bool
}

// Subscribe opens a subscription to topics. Close it when done.
func (b *Broker) Subscribe(topics ...string) *Subscription {
	s := &Subscription{b: b, c: make(chan struct{}, 1), topics: map[string]bool{}, pending: map[string]bool{}}
	for _, t := range topics {
		s.topics[t] = true
	}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

// Ready is signalled when topics are pending; call Take to get them.
func (s *Subscription) Ready() <-chan struct{} { return s.c }

// Take returns and clears the topics published since the last Take.
func (s *Subscription) Take() []string {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	out := make([]string, 0, len(s.pending))
	for t := range s.pending {
		out = append(out, t)
	}
	clear(s.pending)
	return out
}

// Close ends the subscription.
func (s *Subscription) Close() {
	s.b.mu.Lock()
	delete(s.b.subs, s)
	s.b.mu.Unlock()
}
