package notify

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/hotdash/hotdash/internal/store"
)

// claimed is a delivery a sender holds the lease of.
type claimed struct {
	id       int64
	endpoint string
	// body is the stored Message; the sender decodes it.
	body string
	// attempt is this try's number (attempts after the claim).
	attempt   int
	createdAt time.Time
}

// finished is a try's result, waiting to be recorded.
type finished struct {
	c   claimed
	out Outcome
	// dead: the endpoint is no longer configured.
	dead bool
	// released: not tried (shutting down); give the lease back.
	released bool
	// start and end are the clock's readings around the try; took is
	// the try's measured duration.
	start, end time.Time
	took       time.Duration
}

// capacity is how many deliveries may be claimed and not yet recorded.
func (o *Outbox) capacity() int { return 4 * o.tuning.Senders }

// Run sends due deliveries until ctx ends: it claims them in batches,
// hands them to a pool of Senders, and records each try. Wake makes it
// look at once; otherwise it looks every PollEvery. When ctx ends it stops
// claiming, lets tries under way finish (each bounded by SendTimeout),
// gives back what it claimed but did not start, records everything, and
// returns. Several replicas may run it on one PostgreSQL database.
func (o *Outbox) Run(ctx context.Context) {
	work := make(chan claimed, o.capacity())
	done := make(chan finished, o.capacity())
	var senders sync.WaitGroup
	for range o.tuning.Senders {
		senders.Go(func() {
			for c := range work {
				done <- o.deliver(ctx, c)
			}
		})
	}
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		o.recordAll(context.WithoutCancel(ctx), done)
	}()
	o.dispatch(ctx, work)
	close(work)
	senders.Wait()
	close(done)
	<-recorded
}

// dispatch claims due deliveries while there is room, until ctx ends.
func (o *Outbox) dispatch(ctx context.Context, work chan<- claimed) {
	tick := time.NewTicker(o.tuning.PollEvery)
	defer tick.Stop()
	for ctx.Err() == nil {
		if want := o.room(); want > 0 {
			batch, err := o.claim(ctx, want)
			if err != nil && ctx.Err() == nil {
				o.logger.Error("claim due notifications", "error", err)
			}
			o.inflight.Add(int64(len(batch)))
			for _, c := range batch {
				work <- c // never blocks: work holds capacity()
			}
			if len(batch) == want && o.room() > 0 {
				continue // more may be due
			}
		}
		select {
		case <-ctx.Done():
		case <-o.wake:
		case <-o.freed:
		case <-tick.C:
		}
	}
}

// room is how many deliveries to claim now: none while the senders are
// busy and only a few slots are free, so that claims (each a write
// transaction) stay large; otherwise as many as are free, up to Batch.
func (o *Outbox) room() int {
	inflight := int(o.inflight.Load())
	free := min(o.capacity()-inflight, o.tuning.Batch)
	if inflight > 0 && free < max(min(o.capacity(), o.tuning.Batch)/4, 1) {
		return 0
	}
	return free
}

// DeliverDue sends every delivery due now and records the tries before it
// returns how many it tried. Tests (and tools) use it instead of Run.
func (o *Outbox) DeliverDue(ctx context.Context) (int, error) {
	total := 0
	for {
		batch, err := o.claim(ctx, o.tuning.Batch)
		if err != nil || len(batch) == 0 {
			return total, err
		}
		results := make([]finished, len(batch))
		var wg sync.WaitGroup
		for i, c := range batch {
			wg.Go(func() { results[i] = o.deliver(ctx, c) })
		}
		wg.Wait()
		if err := o.record(context.WithoutCancel(ctx), results); err != nil {
			return total, err
		}
		total += len(batch)
	}
}

// claimSQL leases up to $3 pending deliveries due by $2 until $1 and
// counts their attempt, in one statement: oldest due first, through the
// deliveries_due index. On PostgreSQL rows another replica is claiming
// are skipped. SQLite is told the index: without statistics it prefers
// (state, id) and sorts every pending row, milliseconds a claim with a
// backlog instead of microseconds.
func (o *Outbox) claimSQL() string {
	from, lock := "deliveries INDEXED BY deliveries_due", ""
	if o.db.Engine() == store.Postgres {
		from, lock = "deliveries", " FOR UPDATE SKIP LOCKED"
	}
	return `UPDATE deliveries SET state = 'sending', attempts = attempts + 1, next_attempt_at = $1
		WHERE id IN (SELECT id FROM ` + from + ` WHERE state = 'pending' AND next_attempt_at <= $2
			ORDER BY next_attempt_at, id LIMIT $3` + lock + `)
		RETURNING id, endpoint, message, attempts, created_at`
}

// reclaimSQL hands back deliveries whose lease ended before their try was
// recorded (HotDash stopped mid-try): they are due again at once.
const reclaimSQL = `UPDATE deliveries SET state = 'pending', next_attempt_at = $1
	WHERE state = 'sending' AND next_attempt_at <= $1 RETURNING id, endpoint, attempts`

// claim leases up to n due deliveries to this process, after reclaiming
// expired leases.
func (o *Outbox) claim(ctx context.Context, n int) ([]claimed, error) {
	// A read first: an idle outbox polls often, and a write transaction
	// would take SQLite's one writer from webhook intake each time.
	var due int
	err := o.db.Read.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE state IN ('pending', 'sending')
		AND next_attempt_at <= $1 LIMIT 1) due`, o.now()).Scan(&due)
	if err != nil {
		return nil, fmt.Errorf("look for due deliveries: %w", err)
	}
	if due == 0 {
		return nil, nil
	}
	var out []claimed
	err = o.inTx(ctx, func(tx *sql.Tx) error {
		now := o.now()
		if err := o.reclaim(ctx, tx, now); err != nil {
			return err
		}
		var err error
		out, err = o.lease(ctx, tx, now, n)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	slices.SortFunc(out, func(a, b claimed) int { return cmp.Compare(a.id, b.id) })
	return out, nil
}

// inTx runs the outbox's own bookkeeping (claims, results) in a
// transaction. On PostgreSQL its commit does not wait for the WAL flush:
// a crash may lose the last fraction of a second of it, which costs at
// most a repeated try (the lease expires, the delivery is sent again), as
// at-least-once delivery allows. Enqueues are the caller's transactions
// and stay fully durable.
func (o *Outbox) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return o.db.InTx(ctx, func(tx *sql.Tx) error {
		if o.db.Engine() == store.Postgres {
			if _, err := tx.ExecContext(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
				return err
			}
		}
		return fn(tx)
	})
}

// lease runs claimSQL.
func (o *Outbox) lease(ctx context.Context, tx *sql.Tx, now time.Time, n int) ([]claimed, error) {
	rows, err := o.stmts.In(ctx, tx, o.claimSQL()).QueryContext(ctx, now.Add(o.tuning.Lease), now, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []claimed
	for rows.Next() {
		var c claimed
		if err := rows.Scan(&c.id, &c.endpoint, &c.body, &c.attempt, &c.createdAt); err != nil {
			return nil, err
		}
		c.createdAt = c.createdAt.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// errLeaseExpired is recorded for a try that never reported back.
const errLeaseExpired = "no result recorded before the try's lease expired (HotDash stopped or lost the database mid-try); it may have arrived"

// reclaim makes deliveries whose lease expired due again, recording the
// lost try; one that has used all its attempts that way is given up on.
func (o *Outbox) reclaim(ctx context.Context, tx *sql.Tx, now time.Time) error {
	rows, err := o.stmts.In(ctx, tx, reclaimSQL).QueryContext(ctx, now)
	if err != nil {
		return err
	}
	var lost []claimed
	for rows.Next() {
		var c claimed
		if err := rows.Scan(&c.id, &c.endpoint, &c.attempt); err != nil {
			_ = rows.Close()
			return err
		}
		lost = append(lost, c)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil || len(lost) == 0 {
		return err
	}
	attempts := make([][]any, len(lost))
	for i, c := range lost {
		attempts[i] = []any{c.id, c.attempt, now, 0, errLeaseExpired, int64(0)}
	}
	if err := o.attempts.Exec(ctx, tx, attempts); err != nil {
		return err
	}
	return o.giveUp(ctx, tx, lost)
}

// updateGivenUp fails a delivery whose last try's lease expired.
const updateGivenUp = `UPDATE deliveries SET state = 'failed', last_error = $1 WHERE id = $2`

// giveUp fails the lost tries that were their delivery's last.
func (o *Outbox) giveUp(ctx context.Context, tx *sql.Tx, lost []claimed) error {
	for _, c := range lost {
		if c.attempt < o.maxAttempts {
			continue
		}
		msg := fmt.Sprintf("gave up after %d attempts: %s", c.attempt, errLeaseExpired)
		if _, err := o.stmts.In(ctx, tx, updateGivenUp).ExecContext(ctx, msg, c.id); err != nil {
			return err
		}
		o.metrics.outcome(o.label(c.endpoint), StateFailed)
		o.logger.Error("notification not delivered", "delivery_id", c.id, "endpoint", c.endpoint, "attempt", c.attempt, "error", msg)
	}
	return nil
}

// deliver makes one try of c, unless ctx has ended (then it gives c back).
func (o *Outbox) deliver(ctx context.Context, c claimed) finished {
	f := finished{c: c, start: o.clock.Now()}
	if ctx.Err() != nil {
		f.released = true
		return f
	}
	t0 := time.Now()
	var m Message
	e, ok := o.endpoints[c.endpoint]
	decodeErr := json.Unmarshal([]byte(c.body), &m)
	switch {
	case !ok:
		f.dead = true
		f.out = Outcome{Err: fmt.Errorf("endpoint %q is no longer in the policy's notify.endpoints", c.endpoint)}
	case decodeErr != nil:
		f.out = Outcome{Err: fmt.Errorf("stored message cannot be read: %w", decodeErr)}
	case e.notifier == nil:
		f.out = Outcome{Err: errors.New("endpoint cannot send: " + e.problem)}
	default:
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.tuning.SendTimeout)
		f.out = e.notifier.Notify(sctx, Envelope{DeliveryID: c.id, Endpoint: c.endpoint, Attempt: c.attempt,
			Message: withAbsoluteLinks(m, o.publicURL()), Now: f.start})
		cancel()
	}
	f.took, f.end = time.Since(t0), o.clock.Now()
	return f
}
