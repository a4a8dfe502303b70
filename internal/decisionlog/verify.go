package decisionlog

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

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
	// Entries is how many entries hold, from the first up to the break
	// (or the head).
	Entries int64
	// HeadID and HeadHash identify the last entry that holds.
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

// Verify walks the whole chain, as it stands when Verify starts, and reports
// the first entry that was removed, altered or re-linked. The chain is
// checked in id ranges on every core at once; links between ranges are
// checked at the end. progress, if set, is called with the number of entries
// checked so far as ranges finish.
func Verify(ctx context.Context, db *store.DB, anchors []Anchor, progress func(checked int64)) (Result, error) {
	var last int64
	if err := db.Read.QueryRowContext(ctx, `SELECT COALESCE(max(id), 0) FROM decisions`).Scan(&last); err != nil {
		return Result{}, fmt.Errorf("read decision log head: %w", err)
	}
	want := map[int64]string{}
	for _, a := range anchors {
		want[a.ID] = a.Hash
	}
	spans, err := checkSpans(ctx, db, last, want, progress)
	if err != nil {
		return Result{}, err
	}
	res := join(spans)
	if res.Broken == nil {
		for id := range want {
			if id > last {
				res.Broken = &Break{ID: id, Reason: fmt.Sprintf("anchored entry is missing: the log ends at #%d", last)}
				break
			}
		}
	}
	return res, nil
}

// span is the outcome of checking ids (from, to].
type span struct {
	from, to  int64
	hasFirst  bool   // whether entry from+1 was read
	firstPrev string // and its prev_hash
	lastID    int64  // last entry that holds (from when none)
	lastHash  string
	broken    *Break
}

// checkSpans splits (0, last] into ranges and checks them concurrently.
func checkSpans(ctx context.Context, db *store.DB, last int64, anchors map[int64]string, progress func(int64)) ([]span, error) {
	workers := min(runtime.GOMAXPROCS(0), 8)
	n := int64(workers * 8)
	size := max((last+n-1)/n, 1)
	var spans []span
	for from := int64(0); from < last; from += size {
		spans = append(spans, span{from: from, to: min(from+size, last)})
	}
	var (
		mu      sync.Mutex
		firstEr error
		checked int64
		wg      sync.WaitGroup
	)
	next := make(chan int)
	go func() {
		defer close(next)
		for i := range spans {
			next <- i
		}
	}()
	for range workers {
		wg.Go(func() {
			var h hasher
			for i := range next {
				err := checkSpan(ctx, db, &spans[i], anchors, &h)
				mu.Lock()
				if err != nil && firstEr == nil {
					firstEr = err
				}
				checked += spans[i].lastID - spans[i].from
				if progress != nil {
					progress(checked)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return spans, firstEr
}

// checkSpan verifies the entries of one range: contiguous ids, links inside
// the range, each hash, and anchors. The link into the range is checked by
// join.
func checkSpan(ctx context.Context, db *store.DB, s *span, anchors map[int64]string, h *hasher) error {
	rows, err := db.Read.QueryContext(ctx, verifyQuery(db.Engine()), s.from, s.to)
	if err != nil {
		return fmt.Errorf("read decision log: %w", err)
	}
	defer rows.Close()
	s.lastID = s.from
	var e Entry
	for rows.Next() {
		evidence, err := scanForHash(rows, &e)
		if err != nil {
			return err
		}
		if !s.hasFirst {
			s.hasFirst, s.firstPrev = e.ID == s.from+1, e.PrevHash
		}
		if s.broken = checkEntry(&e, evidence, s, h, anchors); s.broken != nil {
			return nil
		}
		s.lastID, s.lastHash = e.ID, e.Hash
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read decision log: %w", err)
	}
	if s.lastID < s.to {
		s.broken = &Break{ID: s.lastID + 1, Reason: "entry is missing (the log has later entries)"}
	}
	return nil
}

// checkEntry verifies e, the entry after s.lastID.
func checkEntry(e *Entry, evidence string, s *span, h *hasher, anchors map[int64]string) *Break {
	switch {
	case e.ID != s.lastID+1:
		return &Break{ID: s.lastID + 1, Reason: fmt.Sprintf("entry is missing (the next entry present is #%d)", e.ID)}
	case s.lastID > s.from && e.PrevHash != s.lastHash:
		return linkBreak(e.ID)
	}
	if got := h.sum(e, evidence); got != e.Hash {
		return &Break{ID: e.ID, Reason: "content altered: its hash does not match what it holds"}
	}
	if a, ok := anchors[e.ID]; ok && a != e.Hash {
		return &Break{ID: e.ID, Reason: "hash differs from the anchor recorded for it"}
	}
	return nil
}

func linkBreak(id int64) *Break {
	return &Break{ID: id, Reason: fmt.Sprintf("link altered: prev_hash does not match the hash of #%d (that entry was re-hashed, or this link was changed)", id-1)}
}

// join checks the links between ranges and returns the first break overall.
func join(spans []span) Result {
	var res Result
	prevHash := "" // the first entry links to nothing
	for _, s := range spans {
		if s.hasFirst && s.firstPrev != prevHash {
			res.Broken = linkBreak(s.from + 1)
			return res
		}
		if s.broken != nil {
			res.Broken = s.broken
			res.Entries = s.broken.ID - 1
			if s.lastID > s.from {
				res.HeadID, res.HeadHash = s.lastID, s.lastHash
			}
			return res
		}
		res.Entries, res.HeadID, res.HeadHash = s.lastID, s.lastID, s.lastHash
		prevHash = s.lastHash
	}
	return res
}

// verifyQuery reads the columns the hash covers. On SQLite the timestamps
// are read as their stored text and parsed here: the driver's own parsing
// tries several layouts and costs more than the rest of the row.
func verifyQuery(engine store.Engine) string {
	cols := insertColumns
	if engine == store.SQLite {
		cols = strings.NewReplacer(
			"created_at,", "CAST(created_at AS TEXT),",
			"next_action_due,", "CAST(next_action_due AS TEXT),",
		).Replace(cols)
	}
	return `SELECT ` + cols + ` FROM decisions WHERE id > $1 AND id <= $2 ORDER BY id`
}

// scanForHash reads a row into e, returning the evidence column's stored text.
func scanForHash(rows *sql.Rows, e *Entry) (string, error) {
	var evidence, payload string
	var corrects, closes sql.NullInt64
	var created, due storedTime
	var key sql.NullString
	err := rows.Scan(&e.ID, &created, &e.Scope, &e.Actor, &e.Action, &e.Rationale, &evidence,
		&e.Severity, &e.Status, &e.IncidentRef, &e.ConversationRef, &e.ApprovalRef,
		&corrects, &closes, &e.NextAction, &e.NextActionOwner, &due, &payload,
		&e.RecordedBy, &key, &e.PrevHash, &e.Hash)
	if err != nil {
		return "", fmt.Errorf("read decision: %w", err)
	}
	e.CreatedAt, e.NextActionDue = created.t, due.t
	e.CorrectsID, e.ClosesID = corrects.Int64, closes.Int64
	e.IdempotencyKey = key.String
	e.Payload = []byte(payload)
	return evidence, nil
}

// storedTime scans a timestamp column given either as a time (PostgreSQL)
// or as SQLite's stored text, which HotDash always writes in UTC as
// "2006-01-02 15:04:05[.fraction]+00:00".
type storedTime struct{ t time.Time }

func (s *storedTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		s.t = time.Time{}
	case time.Time:
		s.t = v.UTC()
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	default:
		return fmt.Errorf("unexpected time value %T", v)
	}
	return nil
}

func (s *storedTime) parse(v string) error {
	if t, ok := parseUTCText(v); ok {
		s.t = t
		return nil
	}
	t, err := time.Parse("2006-01-02 15:04:05.999999999-07:00", v)
	if err != nil {
		return fmt.Errorf("read stored time %q: %w", v, err)
	}
	s.t = t.UTC()
	return nil
}

// parseUTCText reads "2006-01-02 15:04:05[.fraction]+00:00" without
// time.Parse, which is several times slower and runs twice per entry.
func parseUTCText(v string) (time.Time, bool) {
	const base = len("2006-01-02 15:04:05")
	if len(v) < base+6 || v[len(v)-6:] != "+00:00" || v[4] != '-' || v[7] != '-' || v[10] != ' ' || v[13] != ':' || v[16] != ':' {
		return time.Time{}, false
	}
	num := func(s string) (int, bool) {
		n := 0
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
			n = n*10 + int(s[i]-'0')
		}
		return n, true
	}
	fields := [6]string{v[0:4], v[5:7], v[8:10], v[11:13], v[14:16], v[17:19]}
	var d [6]int
	for i, f := range fields {
		n, ok := num(f)
		if !ok {
			return time.Time{}, false
		}
		d[i] = n
	}
	nanos := 0
	if frac := v[base : len(v)-6]; frac != "" {
		if frac[0] != '.' || len(frac) > 10 {
			return time.Time{}, false
		}
		digits := frac[1:]
		n, ok := num(digits)
		if !ok || digits == "" {
			return time.Time{}, false
		}
		for range 9 - len(digits) {
			n *= 10
		}
		nanos = n
	}
	return time.Date(d[0], time.Month(d[1]), d[2], d[3], d[4], d[5], nanos, time.UTC), true
}
