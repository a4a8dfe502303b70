package decisionlog

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/groupcommit"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/validation"
)

// ErrClosed is returned by Append once the log has been closed.
var ErrClosed = groupcommit.ErrClosed

// maxBatch bounds how many drafts one transaction appends.
const maxBatch = 256

// Log is the Decision Log. Appends are group-committed by one writer
// goroutine, from New until Close.
type Log struct {
	db       *store.DB
	clock    clock.Clock
	onAppend func([]Entry)
	appender *groupcommit.Committer[Draft, result]
	inserter *store.Inserter
	// headStmt is the prepared head read; only the writer goroutine
	// touches it.
	headStmt *sql.Stmt
}

// Options adjust a Log.
type Options struct {
	// OnAppend, when set, is called with each committed batch of new entries
	// (for metrics and live updates). It runs on the writer goroutine and
	// must not block.
	OnAppend func([]Entry)
}

type result struct {
	entry   Entry
	created bool
}

// New returns a Log over db and starts its writer.
func New(db *store.DB, clk clock.Clock, opts Options) *Log {
	l := &Log{db: db, clock: clk, onAppend: opts.OnAppend,
		inserter: store.NewInserter(db, "decisions", strings.Split(insertColumns, ", "), "", maxRowsPerInsert)}
	l.appender = groupcommit.New(maxBatch, l.commit)
	return l
}

// Close stops the writer after it has committed every draft already handed
// to it. Appends after Close fail with ErrClosed.
func (l *Log) Close() {
	l.appender.Close()
	l.inserter.Close()
	if l.headStmt != nil {
		_ = l.headStmt.Close()
		l.headStmt = nil
	}
}

// Append validates d and appends it to the chain. It returns the stored entry
// and whether it was created: false means an entry with the same idempotency
// key already existed and is returned instead. Invalid drafts fail with
// validation.Errors. If ctx ends while the draft is being written the draft
// may still be committed; an idempotency key makes a retry safe.
func (l *Log) Append(ctx context.Context, d Draft) (Entry, bool, error) {
	if err := d.normalize(); err != nil {
		return Entry{}, false, err
	}
	r, err := l.appender.Do(ctx, d)
	return r.entry, r.created, err
}

// commit appends a batch of drafts. If the transaction fails as a whole (not
// a single draft's validation), each draft is retried alone so one bad draft
// cannot fail the others.
func (l *Log) commit(drafts []Draft) []groupcommit.Result[result] {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out := make([]groupcommit.Result[result], len(drafts))
	var results []groupcommit.Result[result]
	err := l.prepare(ctx)
	if err == nil {
		err = l.db.InTx(ctx, func(tx *sql.Tx) error {
			var err error
			results, err = l.appendTx(ctx, tx, drafts)
			return err
		})
	}
	switch {
	case err != nil && len(drafts) > 1:
		for i, d := range drafts {
			out[i] = l.commit([]Draft{d})[0]
		}
		return out
	case err != nil:
		out[0].Err = fmt.Errorf("append decision: %w", err)
		return out
	}
	var created []Entry
	for _, r := range results {
		if r.Err == nil && r.Value.created {
			created = append(created, r.Value.entry)
		}
	}
	if len(created) > 0 && l.onAppend != nil {
		l.onAppend(created)
	}
	return results
}

// appendTx extends the chain with drafts inside tx, holding the chain lock.
func (l *Log) appendTx(ctx context.Context, tx *sql.Tx, drafts []Draft) ([]groupcommit.Result[result], error) {
	headID, headHash, err := head(ctx, tx.StmtContext(ctx, l.headStmt))
	if err != nil {
		return nil, err
	}
	existing, err := byIdempotencyKey(ctx, tx, drafts)
	if err != nil {
		return nil, err
	}
	refs, err := loadReferences(ctx, tx, drafts)
	if err != nil {
		return nil, err
	}
	now := l.clock.Now().UTC().Truncate(time.Microsecond)
	var h hasher
	results := make([]groupcommit.Result[result], len(drafts))
	var fresh []*Entry
	for i, d := range drafts {
		if k := d.IdempotencyKey; k != "" {
			if e, ok := existing[k]; ok {
				results[i].Value = result{entry: *e}
				continue
			}
		}
		if err := refs.check(d); err != nil {
			results[i].Err = err
			continue
		}
		e := entryFrom(d)
		e.ID, e.CreatedAt, e.PrevHash = headID+1, now, headHash
		e.Hash = h.sum(e, evidenceText(e.Evidence))
		headID, headHash = e.ID, e.Hash
		refs.record(e)
		if e.IdempotencyKey != "" {
			existing[e.IdempotencyKey] = e
		}
		fresh = append(fresh, e)
		results[i].Value = result{entry: *e, created: true}
	}
	rows := make([][]any, len(fresh))
	for i, e := range fresh {
		rows[i] = rowArgs(e)
	}
	if err := l.inserter.Exec(ctx, tx, rows); err != nil {
		return nil, fmt.Errorf("insert decisions: %w", err)
	}
	return results, nil
}

func entryFrom(d Draft) *Entry {
	return &Entry{
		Scope: d.Scope, Actor: d.Actor, Action: d.Action, Rationale: d.Rationale,
		Evidence: d.Evidence, Severity: d.Severity, Status: d.Status,
		IncidentRef: d.IncidentRef, ConversationRef: d.ConversationRef, ApprovalRef: d.ApprovalRef,
		CorrectsID: d.CorrectsID, ClosesID: d.ClosesID,
		NextAction: d.NextAction, NextActionOwner: d.NextActionOwner, NextActionDue: d.NextActionDue,
		Payload: d.Payload, RecordedBy: d.RecordedBy, IdempotencyKey: d.IdempotencyKey,
	}
}

// head reads the chain's head and, on PostgreSQL, locks it until the
// transaction ends: the row lock on decision_chain_head is the chain lock.
func head(ctx context.Context, st *sql.Stmt) (int64, string, error) {
	var id int64
	var hash string
	if err := st.QueryRowContext(ctx).Scan(&id, &hash); err != nil {
		return 0, "", fmt.Errorf("read chain head: %w", err)
	}
	return id, hash, nil
}

func byIdempotencyKey(ctx context.Context, tx *sql.Tx, drafts []Draft) (map[string]*Entry, error) {
	var keys []any
	for _, d := range drafts {
		if d.IdempotencyKey != "" {
			keys = append(keys, d.IdempotencyKey)
		}
	}
	out := map[string]*Entry{}
	if len(keys) == 0 {
		return out, nil
	}
	rows, err := tx.QueryContext(ctx, selectEntries+` WHERE idempotency_key IN (`+placeholders(1, len(keys))+`)`, keys...)
	if err != nil {
		return nil, fmt.Errorf("look up idempotency keys: %w", err)
	}
	err = scanEntries(rows, func(e *Entry) error {
		out[e.IdempotencyKey] = e
		return nil
	})
	return out, err
}

// references knows, for the decisions a batch refers to, whether they exist,
// whether they carry a next action, and what already closed it.
type references struct {
	exists        map[int64]bool
	hasNextAction map[int64]bool
	closedBy      map[int64]int64
}

func loadReferences(ctx context.Context, tx *sql.Tx, drafts []Draft) (*references, error) {
	r := &references{exists: map[int64]bool{}, hasNextAction: map[int64]bool{}, closedBy: map[int64]int64{}}
	var ids []any
	for _, d := range drafts {
		for _, id := range []int64{d.CorrectsID, d.ClosesID} {
			if id > 0 {
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 {
		return r, nil
	}
	in := placeholders(1, len(ids))
	rows, err := tx.QueryContext(ctx, `SELECT id, next_action FROM decisions WHERE id IN (`+in+`)`, ids...)
	if err != nil {
		return nil, fmt.Errorf("look up referenced decisions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var next string
		if err := rows.Scan(&id, &next); err != nil {
			return nil, fmt.Errorf("read referenced decision: %w", err)
		}
		r.exists[id], r.hasNextAction[id] = true, next != ""
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read referenced decisions: %w", err)
	}
	rows, err = tx.QueryContext(ctx, `SELECT closes_id, id FROM decisions WHERE closes_id IN (`+in+`)`, ids...)
	if err != nil {
		return nil, fmt.Errorf("look up closed next actions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var closes, by int64
		if err := rows.Scan(&closes, &by); err != nil {
			return nil, fmt.Errorf("read closed next action: %w", err)
		}
		r.closedBy[closes] = by
	}
	return r, rows.Err()
}

func (r *references) check(d Draft) error {
	errs := validation.Errors{}
	if id := d.CorrectsID; id > 0 && !r.exists[id] {
		errs.Add("corrects_id", "decision #%d does not exist", id)
	}
	if id := d.ClosesID; id > 0 {
		switch {
		case !r.exists[id]:
			errs.Add("closes_id", "decision #%d does not exist", id)
		case !r.hasNextAction[id]:
			errs.Add("closes_id", "decision #%d has no next action to close", id)
		case r.closedBy[id] != 0:
			errs.Add("closes_id", "the next action of decision #%d was already closed by #%d", id, r.closedBy[id])
		}
	}
	return errs.Err()
}

func (r *references) record(e *Entry) {
	r.exists[e.ID], r.hasNextAction[e.ID] = true, e.NextAction != ""
	if e.ClosesID > 0 {
		r.closedBy[e.ClosesID] = e.ID
	}
}

// insertColumns lists every stored column, in the order rowArgs and the
// scanners use.
const insertColumns = "id, created_at, scope, actor, action, rationale, evidence, severity, status, " +
	"incident_ref, conversation_ref, approval_ref, corrects_id, closes_id, next_action, " +
	"next_action_owner, next_action_due, payload, recorded_by, idempotency_key, prev_hash, hash"

// maxRowsPerInsert is the most rows one prepared INSERT writes, so a batch
// of up to that many is one statement and one round trip.
const maxRowsPerInsert = 16

// prepare prepares the writer's statements once. It runs outside any
// transaction: on SQLite the transaction would hold the only write connection.
func (l *Log) prepare(ctx context.Context) error {
	if l.headStmt == nil {
		st, err := l.db.Write.PrepareContext(ctx, `SELECT id, hash FROM decision_chain_head`+l.db.ForUpdate())
		if err != nil {
			return fmt.Errorf("prepare head read: %w", err)
		}
		l.headStmt = st
	}
	return l.inserter.Prepare(ctx)
}

func rowArgs(e *Entry) []any {
	return []any{
		e.ID, e.CreatedAt, e.Scope, e.Actor, e.Action, e.Rationale, evidenceText(e.Evidence),
		e.Severity, e.Status, e.IncidentRef, e.ConversationRef, e.ApprovalRef,
		nullID(e.CorrectsID), nullID(e.ClosesID), e.NextAction, e.NextActionOwner,
		store.NullTime(e.NextActionDue), string(e.Payload), e.RecordedBy,
		sql.NullString{String: e.IdempotencyKey, Valid: e.IdempotencyKey != ""},
		e.PrevHash, e.Hash,
	}
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// placeholders returns "$from, $from+1, …" n times.
func placeholders(from, n int) string {
	var sb strings.Builder
	for i := range n {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("$" + strconv.Itoa(from+i))
	}
	return sb.String()
}
