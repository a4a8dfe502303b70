package decisionlog

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/hotdash/hotdash/internal/store"
)

// Break describes the first place the chain does not hold.
type Break struct {
	ID     int64
	Reason string
}

// Error names the broken entry.
func (b *Break) Error() string { return fmt.Sprintf("decision #%d: %s", b.ID, b.Reason) }

// Result is what Verify found.
type Result struct {
	// Entries is how many entries were checked.
	Entries int64
	// HeadID and HeadHash identify the last entry checked.
	HeadID   int64
	HeadHash string
	// Broken is the first entry whose content or link was altered, or nil
	// when the whole chain holds.
	Broken *Break
}

// Anchor is an entry's hash recorded earlier (in a report, a log line, a
// ticket). Verify checks the chain still holds it, which catches a chain that
// was cut short and re-extended, or truncated.
type Anchor struct {
	ID   int64
	Hash string
}

// Verify walks the whole chain in order and reports the first entry that was
// removed, altered or re-linked. progress, if set, is called every 100,000
// entries.
func Verify(ctx context.Context, db *store.DB, anchors []Anchor, progress func(checked int64)) (Result, error) {
	rows, err := db.Read.QueryContext(ctx, `SELECT `+insertColumns+` FROM decisions ORDER BY id`)
	if err != nil {
		return Result{}, fmt.Errorf("read decision log: %w", err)
	}
	defer rows.Close()
	want := map[int64]string{}
	for _, a := range anchors {
		want[a.ID] = a.Hash
	}
	var res Result
	var h hasher
	var e Entry
	for rows.Next() {
		evidence, err := scanRaw(rows, &e)
		if err != nil {
			return res, err
		}
		if b := check(&e, evidence, &res, &h, want); b != nil {
			res.Broken = b
			return res, nil
		}
		if progress != nil && res.Entries%100_000 == 0 {
			progress(res.Entries)
		}
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("read decision log: %w", err)
	}
	for id := range want {
		if id > res.HeadID {
			res.Broken = &Break{ID: id, Reason: fmt.Sprintf("anchored entry is missing: the log ends at #%d", res.HeadID)}
			return res, nil
		}
	}
	return res, nil
}

// check verifies one entry against its predecessor and advances res.
func check(e *Entry, evidence string, res *Result, h *hasher, anchors map[int64]string) *Break {
	switch {
	case e.ID != res.HeadID+1:
		return &Break{ID: res.HeadID + 1, Reason: fmt.Sprintf("entry is missing (the next entry present is #%d)", e.ID)}
	case e.PrevHash != res.HeadHash:
		return &Break{ID: e.ID, Reason: fmt.Sprintf("link altered: prev_hash does not match the hash of #%d", res.HeadID)}
	}
	if got := h.sum(e, evidence); got != e.Hash {
		return &Break{ID: e.ID, Reason: "content altered: its hash does not match what it holds"}
	}
	if a, ok := anchors[e.ID]; ok && a != e.Hash {
		return &Break{ID: e.ID, Reason: "hash differs from the anchor recorded for it"}
	}
	res.Entries++
	res.HeadID, res.HeadHash = e.ID, e.Hash
	return nil
}

// scanRaw reads a row into e, returning the evidence column's stored text.
func scanRaw(rows *sql.Rows, e *Entry) (string, error) {
	var evidence, payload string
	var corrects, closes sql.NullInt64
	var due sql.NullTime
	var key sql.NullString
	err := rows.Scan(&e.ID, &e.CreatedAt, &e.Scope, &e.Actor, &e.Action, &e.Rationale, &evidence,
		&e.Severity, &e.Status, &e.IncidentRef, &e.ConversationRef, &e.ApprovalRef,
		&corrects, &closes, &e.NextAction, &e.NextActionOwner, &due, &payload,
		&e.RecordedBy, &key, &e.PrevHash, &e.Hash)
	if err != nil {
		return "", fmt.Errorf("read decision: %w", err)
	}
	e.CorrectsID, e.ClosesID = corrects.Int64, closes.Int64
	e.NextActionDue = store.TimeOf(due)
	e.IdempotencyKey = key.String
	e.Payload = []byte(payload)
	return evidence, nil
}
