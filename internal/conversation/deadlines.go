package conversation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/sla"
	"github.com/hotdash/hotdash/internal/store"
)

// safetyPoll bounds how long the loop sleeps without looking at the table:
// another replica may have written a nearer deadline.
const safetyPoll = 30 * time.Second

// fireBatch is how many due conversations one transaction handles.
const fireBatch = 500

// BandChange is a conversation's SLA band moving, as recorded in sla_events.
type BandChange struct {
	ConversationID int64
	Clock          string
	From, To       string
	Due            time.Time
	At             time.Time
}

// Deadlines fires SLA band changes when they are due. Nothing polls the
// whole table: each conversation stores when its band next changes
// (sla_next_at, indexed), and the loop sleeps until the earliest of those,
// woken early when a nearer one is written. Every replica may run it:
// firing is a conditional update, so a change is recorded once.
type Deadlines struct {
	db       *store.DB
	bands    sla.Bands
	clock    clock.Clock
	logger   *slog.Logger
	fired    func([]BandChange)
	nearer   chan struct{}
	stmts    *store.Statements
	lateness prometheus.Histogram
	changes  *prometheus.CounterVec
}

// NewDeadlines returns the loop. fired, if set, is called with each
// committed batch of band changes.
func NewDeadlines(db *store.DB, bands sla.Bands, clk clock.Clock, reg prometheus.Registerer, logger *slog.Logger, fired func([]BandChange)) *Deadlines {
	d := &Deadlines{db: db, bands: bands, clock: clk, logger: logger, fired: fired, nearer: make(chan struct{}, 1),
		stmts: store.NewStatements(db),
		lateness: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "hotdash_sla_band_change_lateness_seconds",
			Help:    "How long after it was due an SLA band change was recorded.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 15, 60},
		}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hotdash_sla_band_changes_total",
			Help: "SLA band changes recorded, by the band entered.",
		}, []string{"band"}),
	}
	reg.MustRegister(d.lateness, d.changes)
	return d
}

// Nearer tells the loop a deadline may now be nearer than the one it sleeps
// for.
func (d *Deadlines) Nearer() {
	select {
	case d.nearer <- struct{}{}:
	default:
	}
}

// Run fires band changes as they fall due until ctx ends.
func (d *Deadlines) Run(ctx context.Context) {
	for ctx.Err() == nil {
		if _, err := d.FireDue(ctx); err != nil && ctx.Err() == nil {
			d.logger.Error("fire SLA band changes; retrying", "error", err)
		}
		wait := safetyPoll
		next, err := d.Next(ctx)
		if err != nil && ctx.Err() == nil {
			d.logger.Error("read the next SLA deadline", "error", err)
		}
		if !next.IsZero() {
			wait = min(wait, max(next.Sub(d.clock.Now()), 0))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-d.nearer:
			t.Stop()
		case <-t.C:
		}
	}
}

// Next returns the earliest instant a band changes (zero when none will).
func (d *Deadlines) Next(ctx context.Context) (time.Time, error) {
	var next sql.NullTime
	err := d.db.Read.QueryRowContext(ctx, `SELECT sla_next_at FROM conversations WHERE sla_next_at IS NOT NULL ORDER BY sla_next_at LIMIT 1`).Scan(&next)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read next deadline: %w", err)
	}
	return store.TimeOf(next), nil
}

const (
	qDue = `SELECT id, sla_clock, sla_band, sla_due_at, sla_next_at FROM conversations
		WHERE sla_next_at IS NOT NULL AND sla_next_at <= $1 ORDER BY sla_next_at LIMIT $2`
	qFire       = `UPDATE conversations SET sla_band = $2, sla_next_at = $3 WHERE id = $1 AND sla_next_at = $4`
	qBandChange = `INSERT INTO sla_events (conversation_id, clock, band_from, band_to, due_at, at) VALUES ($1, $2, $3, $4, $5, $6)`
)

// Close releases prepared statements.
func (d *Deadlines) Close() { d.stmts.Close() }

// FireDue records every band change due by now and returns how many.
func (d *Deadlines) FireDue(ctx context.Context) (int, error) {
	if err := d.stmts.Prepare(ctx, qDue, qFire, qBandChange); err != nil {
		return 0, err
	}
	total := 0
	for {
		now := d.clock.Now().UTC()
		var changes []BandChange
		err := d.db.InTx(ctx, func(tx *sql.Tx) error {
			var err error
			changes, err = d.fireBatch(ctx, tx, now)
			return err
		})
		if err != nil {
			return total, err
		}
		total += len(changes)
		if len(changes) > 0 && d.fired != nil {
			d.fired(changes)
		}
		if len(changes) < fireBatch {
			return total, nil
		}
	}
}

type dueRow struct {
	id     int64
	clock  string
	band   string
	due    time.Time
	nextAt time.Time
}

func (d *Deadlines) fireBatch(ctx context.Context, tx *sql.Tx, now time.Time) ([]BandChange, error) {
	rows, err := d.stmts.In(ctx, tx, qDue).QueryContext(ctx, now, fireBatch)
	if err != nil {
		return nil, fmt.Errorf("read due deadlines: %w", err)
	}
	var due []dueRow
	for rows.Next() {
		var r dueRow
		var dueAt sql.NullTime
		if err := rows.Scan(&r.id, &r.clock, &r.band, &dueAt, &r.nextAt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read due deadline: %w", err)
		}
		r.due = store.TimeOf(dueAt)
		due = append(due, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read due deadlines: %w", err)
	}
	var out []BandChange
	for _, r := range due {
		ch, ok, err := d.fire(ctx, tx, r, now)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, ch)
		}
	}
	return out, nil
}

// fire moves one conversation to its band at now. The update only applies
// if nobody fired it first (another replica, or a projection that just
// recomputed its deadline).
func (d *Deadlines) fire(ctx context.Context, tx *sql.Tx, r dueRow, now time.Time) (BandChange, bool, error) {
	band := d.bands.Band(r.due, now).String()
	next := roundUp(d.bands.NextChange(r.due, now))
	res, err := d.stmts.In(ctx, tx, qFire).ExecContext(ctx, r.id, band, store.NullTime(next), r.nextAt)
	if err != nil {
		return BandChange{}, false, fmt.Errorf("fire deadline of conversation %d: %w", r.id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 || band == r.band {
		return BandChange{}, false, nil
	}
	ch := BandChange{ConversationID: r.id, Clock: r.clock, From: r.band, To: band, Due: r.due, At: now}
	if err := recordBandChange(ctx, d.stmts.In(ctx, tx, qBandChange), ch); err != nil {
		return BandChange{}, false, err
	}
	d.lateness.Observe(now.Sub(r.nextAt).Seconds())
	d.changes.WithLabelValues(band).Inc()
	return ch, true, nil
}

// recordBandChange inserts ch with st, the prepared qBandChange.
func recordBandChange(ctx context.Context, st *sql.Stmt, ch BandChange) error {
	_, err := st.ExecContext(ctx, ch.ConversationID, ch.Clock, ch.From, ch.To, store.NullTime(ch.Due), ch.At.UTC().Truncate(time.Microsecond))
	if err != nil {
		return fmt.Errorf("record SLA band change: %w", err)
	}
	return nil
}

// roundUp truncates t to the microseconds both engines store, rounding up,
// so a stored instant is never before the one computed.
func roundUp(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	r := t.Truncate(time.Microsecond)
	if r.Before(t) {
		r = r.Add(time.Microsecond)
	}
	return r.UTC()
}

// BandChangesSince returns up to limit recorded band changes with id >
// after, oldest first, with their ids: what escalation and notifications
// read, each keeping its own cursor.
func BandChangesSince(ctx context.Context, db *store.DB, after int64, limit int) ([]int64, []BandChange, error) {
	rows, err := db.Read.QueryContext(ctx, `SELECT id, conversation_id, clock, band_from, band_to, due_at, at
		FROM sla_events WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("read SLA band changes: %w", err)
	}
	defer rows.Close()
	var ids []int64
	var out []BandChange
	for rows.Next() {
		var id int64
		var ch BandChange
		var due sql.NullTime
		if err := rows.Scan(&id, &ch.ConversationID, &ch.Clock, &ch.From, &ch.To, &due, &ch.At); err != nil {
			return nil, nil, fmt.Errorf("read SLA band change: %w", err)
		}
		ch.Due, ch.At = store.TimeOf(due), ch.At.UTC()
		ids = append(ids, id)
		out = append(out, ch)
	}
	return ids, out, rows.Err()
}
