package ingest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotdash/hotdash/internal/chatwoot"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/store"
)

// projectorLock serialises projection across replicas.
const projectorLock = "hotdash.ingest.projector"

// projectBatch is how many events one projection transaction takes. It is
// small on purpose: on SQLite the projector and webhook intake share the
// one write connection, and intake (which a sender is waiting on) gets it
// between batches. Projection may fall behind in a burst and catch up.
const projectBatch = 32

// pollEvery is how often the projector looks for events stored by other
// replicas (its own wake it at once).
const pollEvery = time.Second

// maxYield bounds how long the projector gives way to busy intake: however
// heavy the traffic, it still projects a batch at least this often.
const maxYield = 100 * time.Millisecond

// Folder folds events into conversations and recomputes their SLA state.
type Folder interface {
	Prepare(ctx context.Context) error
	Apply(ctx context.Context, tx *sql.Tx, ev chatwoot.Event, now time.Time) (int64, error)
	Recompute(ctx context.Context, tx *sql.Tx, ids []int64, now time.Time) (int, error)
}

// Projector turns stored events into conversations, oldest first.
type Projector struct {
	db      *store.DB
	fold    Folder
	clock   clock.Clock
	logger  *slog.Logger
	changed func(ids []int64, bandChanges int)
	wake    chan struct{}
	// yield, when set, says intake is busy and projection should wait.
	yield func() bool
	// watchers follow what each batch touched, inside its transaction.
	watchers []Watcher

	projected *prometheus.CounterVec
	pending   prometheus.GaugeFunc
}

// NewProjector returns a Projector. changed, if set, is called after each
// committed batch with the conversations it touched.
func NewProjector(db *store.DB, fold Folder, clk clock.Clock, reg prometheus.Registerer, logger *slog.Logger, changed func([]int64, int)) *Projector {
	p := &Projector{db: db, fold: fold, clock: clk, logger: logger, changed: changed, wake: make(chan struct{}, 1),
		projected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hotdash_chatwoot_events_projected_total",
			Help: "Stored Chatwoot events folded into conversations, by result (ok, error).",
		}, []string{"result"}),
	}
	p.pending = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "hotdash_chatwoot_events_pending",
		Help: "Stored Chatwoot events not yet folded into conversations.",
	}, func() float64 {
		n, err := Pending(context.Background(), db)
		if err != nil {
			return -1
		}
		return float64(n)
	})
	reg.MustRegister(p.projected, p.pending)
	return p
}

// YieldTo makes the projector give way (up to maxYield at a time) while
// busy reports true: on SQLite projection and webhook intake share the one
// write connection, and intake is what senders wait on.
func (p *Projector) YieldTo(busy func() bool) { p.yield = busy }

// Watcher is told, inside the transaction that projected a batch, which
// conversations the batch touched (after their SLA state was recomputed).
// An error rolls the batch back, so what a watcher derives never disagrees
// with the conversations.
type Watcher func(ctx context.Context, tx *sql.Tx, conversations []int64, now time.Time) error

// Watch adds a Watcher. Call it before Run.
func (p *Projector) Watch(w Watcher) { p.watchers = append(p.watchers, w) }

// Wake asks the projector to look for new events now.
func (p *Projector) Wake() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Run projects events as they arrive until ctx ends.
func (p *Projector) Run(ctx context.Context) {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		if err := p.Drain(ctx); err != nil && ctx.Err() == nil {
			p.logger.Error("project chatwoot events; retrying", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		case <-tick.C:
		}
	}
}

// Drain projects until no stored event is left.
func (p *Projector) Drain(ctx context.Context) error {
	for ctx.Err() == nil {
		p.giveWay(ctx)
		n, err := p.batch(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
	}
	return ctx.Err()
}

// giveWay waits while intake is busy, for at most maxYield.
func (p *Projector) giveWay(ctx context.Context) {
	if p.yield == nil {
		return
	}
	deadline := time.Now().Add(maxYield)
	for p.yield() && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(time.Millisecond)
	}
}

// stored is a stored event awaiting projection.
type stored struct {
	id     int64
	origin string
	body   []byte
}

// batch projects up to projectBatch events in one transaction; if that
// fails as a whole, it projects them one by one so a poison event is marked
// and skipped instead of stalling the pipeline.
func (p *Projector) batch(ctx context.Context) (int, error) {
	if err := p.fold.Prepare(ctx); err != nil {
		return 0, err
	}
	var events []stored
	var touched []int64
	var bands int
	err := p.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if events, err = p.claim(ctx, tx, projectBatch); err != nil || len(events) == 0 {
			return err
		}
		touched, bands, err = p.project(ctx, tx, events)
		return err
	})
	if err != nil && len(events) > 1 {
		p.logger.Warn("a projection batch failed; projecting its events one by one", "error", err)
		for range events {
			if _, err := p.one(ctx); err != nil {
				return 0, err
			}
		}
		return len(events), nil
	}
	if err != nil {
		return 0, p.markFailed(ctx, events, err)
	}
	p.notify(touched, bands)
	return len(events), nil
}

// one projects the oldest pending event alone.
func (p *Projector) one(ctx context.Context) (int, error) {
	var events []stored
	var touched []int64
	var bands int
	err := p.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if events, err = p.claim(ctx, tx, 1); err != nil || len(events) == 0 {
			return err
		}
		touched, bands, err = p.project(ctx, tx, events)
		return err
	})
	if err != nil {
		return 0, p.markFailed(ctx, events, err)
	}
	p.notify(touched, bands)
	return len(events), nil
}

func (p *Projector) claim(ctx context.Context, tx *sql.Tx, n int) ([]stored, error) {
	if err := p.db.LockTx(ctx, tx, projectorLock); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, origin, body FROM chatwoot_events WHERE projected = FALSE ORDER BY id LIMIT $1`, n)
	if err != nil {
		return nil, fmt.Errorf("read pending events: %w", err)
	}
	defer rows.Close()
	var out []stored
	for rows.Next() {
		var s stored
		var body string
		if err := rows.Scan(&s.id, &s.origin, &body); err != nil {
			return nil, fmt.Errorf("read pending event: %w", err)
		}
		s.body = []byte(body)
		out = append(out, s)
	}
	return out, rows.Err()
}

// project folds events in tx and marks them projected, recording per-event
// problems (an undecodable body, a message for an unknown conversation)
// without failing the batch.
func (p *Projector) project(ctx context.Context, tx *sql.Tx, events []stored) ([]int64, int, error) {
	now := p.clock.Now().UTC().Truncate(time.Microsecond)
	seen := map[int64]bool{}
	var touched []int64
	for _, s := range events {
		id, problem, err := p.apply(ctx, tx, s, now)
		if err != nil {
			return nil, 0, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE chatwoot_events SET projected = TRUE, error = $2 WHERE id = $1`, s.id, problem); err != nil {
			return nil, 0, fmt.Errorf("mark event projected: %w", err)
		}
		result := "ok"
		if problem != "" {
			result = "error"
		}
		p.projected.WithLabelValues(result).Inc()
		if id != 0 && !seen[id] {
			seen[id] = true
			touched = append(touched, id)
		}
	}
	bands, err := p.fold.Recompute(ctx, tx, touched, now)
	if err != nil || len(touched) == 0 {
		return touched, bands, err
	}
	for _, w := range p.watchers {
		if err := w(ctx, tx, touched, now); err != nil {
			return nil, 0, err
		}
	}
	return touched, bands, nil
}

// apply folds one event. A problem with the event itself is returned as
// text; an error means the transaction cannot go on.
func (p *Projector) apply(ctx context.Context, tx *sql.Tx, s stored, now time.Time) (int64, string, error) {
	ev, err := decodeStored(s)
	if err != nil {
		return 0, "decode: " + err.Error(), nil
	}
	id, err := p.fold.Apply(ctx, tx, ev, now)
	if errors.Is(err, conversation.ErrUnknownConversation) {
		return 0, err.Error(), nil
	}
	return id, "", err
}

// decodeStored reads a webhook body with Chatwoot's decoder, and what
// reconciliation stored (already decoded) as plain JSON.
func decodeStored(s stored) (chatwoot.Event, error) {
	if s.origin == OriginReconcile {
		var ev chatwoot.Event
		err := json.Unmarshal(s.body, &ev)
		return ev, err
	}
	return chatwoot.DecodeEvent(s.body)
}

// markFailed records err on events that could not be projected even alone,
// so the pipeline moves past them. They stay in the table for inspection.
func (p *Projector) markFailed(ctx context.Context, events []stored, cause error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	for _, s := range events {
		msg := "project: " + truncate(cause.Error(), 500)
		if _, err := p.db.Write.ExecContext(ctx, `UPDATE chatwoot_events SET projected = TRUE, error = $2 WHERE id = $1`, s.id, msg); err != nil {
			return fmt.Errorf("mark event %d failed: %w (after %v)", s.id, err, cause)
		}
		p.projected.WithLabelValues("error").Inc()
		p.logger.Error("a chatwoot event could not be projected and was set aside", "event_id", s.id, "error", cause)
	}
	return nil
}

func (p *Projector) notify(touched []int64, bands int) {
	if p.changed != nil && len(touched) > 0 {
		p.changed(touched, bands)
	}
}

// Pending returns how many stored events await projection.
func Pending(ctx context.Context, db *store.DB) (int, error) {
	var n int
	if err := db.Read.QueryRowContext(ctx, `SELECT count(*) FROM chatwoot_events WHERE projected = FALSE`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count pending events: %w", err)
	}
	return n, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
