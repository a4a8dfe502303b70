package notify

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/store"
)

// recordBatch bounds how many tries one recording transaction holds.
const recordBatch = 256

// lastErrorMax bounds last_error and an attempt's error, in bytes.
const lastErrorMax = 1000

// updateReleased gives back a claimed delivery that was not tried. It
// applies, like every result, only while the delivery is still leased to
// this try (state sending, attempts unchanged): a try that outlived its
// lease and was taken over records its attempt row only.
const updateReleased = `UPDATE deliveries SET state = 'pending', attempts = attempts - 1, next_attempt_at = $1
	WHERE id = $2 AND state = 'sending' AND attempts = $3`

// decision is what a try's result makes of its delivery.
type decision struct {
	state       string
	next        time.Time
	lastError   string
	deliveredAt time.Time
	// retryIn is the wait before the next try (state pending).
	retryIn time.Duration
}

// recordLinger is how long the recorder waits for more results to share
// a transaction while tries are still under way: on SQLite every
// transaction takes the only writer, so fewer and larger ones leave more
// room for everything else.
const recordLinger = 5 * time.Millisecond

// recordAll records finished tries as they come, many per transaction,
// until done is closed.
func (o *Outbox) recordAll(ctx context.Context, done <-chan finished) {
	for f := range done {
		batch := o.gather(done, []finished{f})
		if err := o.record(ctx, batch); err != nil {
			// The deliveries stay leased; another try follows the lease.
			o.logger.Error("record notification tries; they will be retried when their lease expires", "tries", len(batch), "error", err)
		}
		o.inflight.Add(-int64(len(batch)))
		select {
		case o.freed <- struct{}{}:
		default:
		}
	}
}

// gather adds to batch what else has finished, waiting up to
// recordLinger in all while more tries are under way.
func (o *Outbox) gather(done <-chan finished, batch []finished) []finished {
	linger := time.NewTimer(recordLinger)
	defer linger.Stop()
	for len(batch) < recordBatch {
		var f finished
		var ok bool
		select {
		case f, ok = <-done:
		default:
			if int(o.inflight.Load()) <= len(batch) {
				return batch // nothing else is being tried
			}
			select {
			case f, ok = <-done:
			case <-linger.C:
				return batch
			}
		}
		if !ok {
			return batch
		}
		batch = append(batch, f)
	}
	return batch
}

// record writes a batch of tries: each delivery's new state and an
// attempt row per try. Metrics and logs follow the commit.
func (o *Outbox) record(ctx context.Context, batch []finished) error {
	now := o.now()
	decisions := make([]decision, len(batch))
	var results, attempts [][]any
	var released []finished
	for i, f := range batch {
		if f.released {
			released = append(released, f)
			continue
		}
		decisions[i] = o.decide(f, now)
		d := decisions[i]
		results = append(results, []any{f.c.id, f.c.attempt, d.state, d.next, d.lastError, f.out.Status, store.NullTime(d.deliveredAt)})
		attempts = append(attempts, o.attemptRow(f))
	}
	err := o.inTx(ctx, func(tx *sql.Tx) error {
		for _, f := range released {
			if _, err := o.stmts.In(ctx, tx, updateReleased).ExecContext(ctx, now, f.c.id, f.c.attempt); err != nil {
				return err
			}
		}
		if err := o.applyResults(ctx, tx, results); err != nil {
			return err
		}
		return o.attempts.Exec(ctx, tx, attempts)
	})
	if err != nil {
		return fmt.Errorf("record notification tries: %w", err)
	}
	for i, f := range batch {
		if !f.released {
			o.observe(f, decisions[i])
		}
	}
	return nil
}

// resultsPerUpdate bounds the rows one UPDATE of results carries.
const resultsPerUpdate = 32

// applyResults writes tries' results, many rows per UPDATE. Each row is
// (id, attempt, state, next_attempt_at, last_error, last_status,
// delivered_at) and applies only while the delivery is still leased to
// that try.
func (o *Outbox) applyResults(ctx context.Context, tx *sql.Tx, rows [][]any) error {
	for len(rows) > 0 {
		n := min(len(rows), resultsPerUpdate)
		args := make([]any, 0, n*7)
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, o.resultsSQL(n), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// resultsSQL is an UPDATE of n results from a VALUES list (whose columns
// both engines name column1, column2, …). PostgreSQL needs the
// parameters' types spelled out.
func (o *Outbox) resultsSQL(n int) string {
	types := []string{"", "", "", "", "", "", ""}
	if o.db.Engine() == store.Postgres {
		types = []string{"::bigint", "::integer", "::text", "::timestamptz", "::text", "::integer", "::timestamptz"}
	}
	var sb strings.Builder
	sb.WriteString(`UPDATE deliveries SET state = v.column3, next_attempt_at = v.column4, last_error = v.column5,
		last_status = v.column6, delivered_at = v.column7 FROM (VALUES `)
	for r := range n {
		if r > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for c, t := range types {
			if c > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("$" + strconv.Itoa(r*len(types)+c+1) + t)
		}
		sb.WriteByte(')')
	}
	sb.WriteString(`) AS v WHERE deliveries.id = v.column1 AND deliveries.attempts = v.column2 AND deliveries.state = 'sending'`)
	return sb.String()
}

// decide turns a try's Outcome into the delivery's next state: delivered;
// pending again after a backoff (or the receiver's Retry-After) when the
// failure may pass and attempts remain; otherwise failed (or dead).
func (o *Outbox) decide(f finished, now time.Time) decision {
	switch {
	case f.released:
		return decision{state: StatePending, next: now}
	case f.out.Err == nil:
		return decision{state: StateDelivered, next: f.end.UTC().Truncate(time.Microsecond), deliveredAt: f.end.UTC().Truncate(time.Microsecond)}
	}
	msg := o.errorText(f)
	switch {
	case f.dead:
		return decision{state: StateDead, next: now, lastError: msg}
	case f.out.Retry && f.c.attempt < o.maxAttempts:
		wait := f.out.RetryAfter
		if wait <= 0 {
			wait = backoff(f.c.attempt, o.tuning.BaseBackoff, o.tuning.MaxBackoff, o.tuning.Jitter)
		}
		return decision{state: StatePending, next: f.end.UTC().Add(wait).Truncate(time.Microsecond), lastError: msg, retryIn: wait}
	case f.out.Retry:
		return decision{state: StateFailed, next: now, lastError: oneLine(fmt.Sprintf("gave up after %d attempts: %s", f.c.attempt, msg), lastErrorMax)}
	}
	return decision{state: StateFailed, next: now, lastError: msg}
}

// errorText is a try's error as stored: redacted once more with the
// endpoint's secrets, on one line, bounded.
func (o *Outbox) errorText(f finished) string {
	if f.out.Err == nil {
		return ""
	}
	msg := f.out.Err.Error()
	if e, ok := o.endpoints[f.c.endpoint]; ok {
		msg = e.redact.String(msg)
	}
	return oneLine(msg, lastErrorMax)
}

func (o *Outbox) attemptRow(f finished) []any {
	return []any{f.c.id, f.c.attempt, f.start.UTC().Truncate(time.Microsecond), f.out.Status, o.errorText(f), f.took.Microseconds()}
}

// observe counts and logs a recorded try.
func (o *Outbox) observe(f finished, d decision) {
	name := o.label(f.c.endpoint)
	args := []any{"delivery_id", f.c.id, "endpoint", f.c.endpoint, "attempt", f.c.attempt, "status", f.out.Status}
	switch d.state {
	case StateDelivered:
		o.metrics.outcome(name, StateDelivered)
		o.metrics.lag.WithLabelValues(name).Observe(d.deliveredAt.Sub(f.c.createdAt).Seconds())
	case StatePending:
		o.metrics.outcome(name, "retrying")
		o.logger.Warn("notification try failed; retrying", append(args, "retry_in", d.retryIn.String(), "error", d.lastError)...)
	default:
		o.metrics.outcome(name, d.state)
		o.logger.Error("notification not delivered", append(args, "state", d.state, "error", d.lastError)...)
	}
}
