package decisionlog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/store"
)

const selectEntries = `SELECT ` + insertColumns + ` FROM decisions`

// openCondition holds for entries whose next action is still open: nothing
// later closed it or corrected the entry.
const openCondition = `next_action <> '' AND NOT EXISTS (
	SELECT 1 FROM decisions later WHERE later.closes_id = decisions.id OR later.corrects_id = decisions.id)`

// Filter narrows a listing. Zero fields match everything.
type Filter struct {
	Scope    string
	Actor    string
	Action   string
	Severity string
	// Text matches actor, action, rationale or next action, ignoring case.
	Text            string
	IncidentRef     string
	ConversationRef string
	From, To        time.Time // created_at in [From, To)
	// OpenNextActions keeps only entries whose next action is still open.
	OpenNextActions bool
	// OverdueAt, when set, keeps only open next actions due before it.
	OverdueAt time.Time
}

// Page asks for up to Limit entries with ids below Before (0: from the newest).
type Page struct {
	Limit  int
	Before int64
}

// Limits on page sizes.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Get returns the entry with the given id.
func (l *Log) Get(ctx context.Context, id int64) (Entry, error) {
	rows, err := l.db.Read.QueryContext(ctx, selectEntries+` WHERE id = $1`, id)
	if err != nil {
		return Entry{}, fmt.Errorf("get decision %d: %w", id, err)
	}
	var out *Entry
	if err := scanEntries(rows, func(e *Entry) error { out = e; return nil }); err != nil {
		return Entry{}, err
	}
	if out == nil {
		return Entry{}, fmt.Errorf("decision %d: %w", id, store.ErrNotFound)
	}
	return *out, nil
}

// List returns one page of entries matching f, newest first, and the value of
// Page.Before that fetches the next page (0 when there is none).
func (l *Log) List(ctx context.Context, f Filter, p Page) ([]Entry, int64, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = DefaultPageSize
	}
	limit = min(limit, MaxPageSize)
	where, args := f.where()
	if p.Before > 0 {
		args = append(args, p.Before)
		where = append(where, "id < $"+strconv.Itoa(len(args)))
	}
	args = append(args, limit+1)
	q := selectEntries + whereClause(where) + ` ORDER BY id DESC LIMIT $` + strconv.Itoa(len(args))
	rows, err := l.db.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list decisions: %w", err)
	}
	var out []Entry
	if err := scanEntries(rows, func(e *Entry) error { out = append(out, *e); return nil }); err != nil {
		return nil, 0, err
	}
	var next int64
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, next, nil
}

// DueSoonest returns up to limit open next actions: those due first, then
// those without a due time, newest first.
func (l *Log) DueSoonest(ctx context.Context, limit int) ([]Entry, error) {
	rows, err := l.db.Read.QueryContext(ctx, selectEntries+` WHERE `+openCondition+`
		ORDER BY next_action_due IS NULL, next_action_due, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("list open next actions: %w", err)
	}
	var out []Entry
	err = scanEntries(rows, func(e *Entry) error { out = append(out, *e); return nil })
	return out, err
}

// Each calls fn for every entry matching f, oldest first, streaming from the
// database (for exports).
func (l *Log) Each(ctx context.Context, f Filter, fn func(*Entry) error) error {
	where, args := f.where()
	rows, err := l.db.Read.QueryContext(ctx, selectEntries+whereClause(where)+` ORDER BY id`, args...)
	if err != nil {
		return fmt.Errorf("read decisions: %w", err)
	}
	return scanEntries(rows, fn)
}

// Count returns how many entries match f.
func (l *Log) Count(ctx context.Context, f Filter) (int, error) {
	where, args := f.where()
	var n int
	if err := l.db.Read.QueryRowContext(ctx, `SELECT count(*) FROM decisions`+whereClause(where), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count decisions: %w", err)
	}
	return n, nil
}

// Related lists the entries that refer back to id: corrections of it and the
// entry that closed its next action.
func (l *Log) Related(ctx context.Context, id int64) ([]Entry, error) {
	rows, err := l.db.Read.QueryContext(ctx, selectEntries+` WHERE corrects_id = $1 OR closes_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("list decisions referring to %d: %w", id, err)
	}
	var out []Entry
	err = scanEntries(rows, func(e *Entry) error { out = append(out, *e); return nil })
	return out, err
}

// Head returns the newest entry's id and hash (0 and "" for an empty log).
func (l *Log) Head(ctx context.Context) (int64, string, error) {
	var id int64
	var hash string
	if err := l.db.Read.QueryRowContext(ctx, `SELECT id, hash FROM decision_chain_head`).Scan(&id, &hash); err != nil {
		return 0, "", fmt.Errorf("read decision log head: %w", err)
	}
	return id, hash, nil
}

func (f Filter) where() ([]string, []any) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.Scope != "" {
		add("scope = ?", f.Scope)
	}
	if f.Actor != "" {
		add("actor = ?", f.Actor)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.Severity != "" {
		add("severity = ?", f.Severity)
	}
	if f.IncidentRef != "" {
		add("incident_ref = ?", f.IncidentRef)
	}
	if f.ConversationRef != "" {
		add("conversation_ref = ?", f.ConversationRef)
	}
	if !f.From.IsZero() {
		add("created_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("created_at < ?", f.To.UTC())
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		add(`(lower(actor) LIKE ? ESCAPE '\' OR lower(action) LIKE ? ESCAPE '\'
			OR lower(rationale) LIKE ? ESCAPE '\' OR lower(next_action) LIKE ? ESCAPE '\')`, likePattern(t))
	}
	if f.OpenNextActions || !f.OverdueAt.IsZero() {
		where = append(where, openCondition)
	}
	if !f.OverdueAt.IsZero() {
		add("next_action_due IS NOT NULL AND next_action_due < ?", f.OverdueAt.UTC())
	}
	return where, args
}

// likePattern matches s anywhere, with LIKE's wildcards in s taken literally.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}

func whereClause(where []string) string {
	if len(where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(where, " AND ")
}

// scanEntries reads rows of selectEntries into fn and closes rows.
func scanEntries(rows *sql.Rows, fn func(*Entry) error) error {
	defer rows.Close()
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read decisions: %w", err)
	}
	return nil
}

func scanEntry(rows *sql.Rows) (*Entry, error) {
	var e Entry
	evidence, err := scanForHash(rows, &e)
	if err != nil {
		return nil, err
	}
	e.CreatedAt = e.CreatedAt.UTC()
	if len(e.Payload) == 0 {
		e.Payload = nil
	}
	if evidence != "" && evidence != "[]" {
		if err := json.Unmarshal([]byte(evidence), &e.Evidence); err != nil {
			// Kept as one opaque link, so a damaged row still displays.
			e.Evidence = []string{evidence}
		}
	}
	return &e, nil
}
