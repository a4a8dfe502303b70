package health

import (
	"context"
	"time"

	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/sla"
)

// DefaultQuietAfter is how long Chatwoot may send no event, counted in
// business hours, before its webhooks are called quiet.
const DefaultQuietAfter = 30 * time.Minute

// Freshness is how recently Chatwoot's webhooks delivered an event.
type Freshness struct {
	// Watched is false when webhooks are not configured: nothing to judge.
	Watched bool `json:"watched"`
	// LastEvent is the newest delivery (zero: none ever).
	LastEvent time.Time `json:"last_event_at,omitzero"`
	// Quiet is the business time since LastEvent (since the watch began
	// when there was none).
	Quiet time.Duration `json:"-"`
	// Stale is true during business hours once Quiet reaches the limit.
	Stale bool `json:"stale"`
	// Open reports whether business hours are open now.
	Open bool `json:"business_hours_open"`
	// Limit is the quiet time allowed.
	Limit time.Duration `json:"-"`
}

// Alerter tells the lead that webhooks went quiet, once per quiet spell.
type Alerter interface {
	WebhooksQuiet(ctx context.Context, f Freshness) error
}

// FreshnessWatch judges webhook freshness: no Chatwoot event for Limit
// of business time, while business hours are open, is stale.
type FreshnessWatch struct {
	last     func(ctx context.Context) (time.Time, error)
	calendar *sla.Calendar
	clock    clock.Clock
	alert    Alerter
	// Limit is the business time allowed without an event (30 min).
	Limit time.Duration
	// OnChange, when set, is called when a Watch finds freshness turned
	// stale or fresh again (the page's live tile listens).
	OnChange func()
	// started stands in for the last event when none was ever received.
	started time.Time
	// wasStale is what the previous Watch found.
	wasStale bool
}

// NewFreshnessWatch returns a watch reading the newest event's time with
// last, in the business hours of calendar (nil: around the clock),
// alerting through alert (nil: no one).
func NewFreshnessWatch(last func(ctx context.Context) (time.Time, error), calendar *sla.Calendar, clk clock.Clock, alert Alerter) *FreshnessWatch {
	return &FreshnessWatch{last: last, calendar: calendar, clock: clk, alert: alert, Limit: DefaultQuietAfter, started: clk.Now()}
}

// Now judges freshness at the watch's clock.
func (w *FreshnessWatch) Now(ctx context.Context) (Freshness, error) {
	now := w.clock.Now()
	last, err := w.last(ctx)
	if err != nil {
		return Freshness{}, err
	}
	f := Freshness{Watched: true, LastEvent: last, Limit: w.Limit, Open: w.calendar.IsOpen(now)}
	from := last
	if from.IsZero() {
		from = w.started
	}
	if now.After(from) {
		f.Quiet = w.calendar.Between(from, now)
	}
	f.Stale = f.Open && f.Quiet >= w.Limit
	return f, nil
}

// Watch judges freshness and alerts when it is stale (the alerter keeps
// it to once per quiet spell).
func (w *FreshnessWatch) Watch(ctx context.Context) (Freshness, error) {
	f, err := w.Now(ctx)
	if err != nil {
		return f, err
	}
	if f.Stale != w.wasStale && w.OnChange != nil {
		w.OnChange()
	}
	w.wasStale = f.Stale
	if !f.Stale || w.alert == nil {
		return f, nil
	}
	return f, w.alert.WebhooksQuiet(ctx, f)
}
