package conversation

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/validation"
)

// Queue reads conversations for the queue page, tiles and API.
type Queue struct {
	db *store.DB
}

// NewQueue returns a Queue over db.
func NewQueue(db *store.DB) *Queue { return &Queue{db: db} }

// Statuses a conversation can have.
func Statuses() []string { return []string{"open", "pending", "snoozed", "resolved"} }

// Bands an SLA can be in, least urgent first.
func Bands() []string { return []string{"ok", "warning", "urgent", "breached"} }

// Filter narrows the queue. Zero fields match everything, except Statuses:
// empty means every status but resolved.
type Filter struct {
	Statuses []string
	Channel  string
	Band     string
	InboxID  int64
	Label    string
	TeamID   int64
	// Assignee is an agent id, or Unassigned.
	Assignee int64
	// Text matches the start of the contact's name or email (ignoring
	// case), or the display id.
	Text string
	// Escalated keeps conversations that breached or carry the
	// "escalation" label.
	Escalated bool
}

// Unassigned as Filter.Assignee keeps conversations nobody owns.
const Unassigned = -1

// Page asks for up to Limit conversations after Cursor.
type Page struct {
	Limit  int
	Cursor string
}

// Page sizes.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

const selectConversations = `SELECT id, source, account_id, display_id, inbox_id, inbox_name, channel, status, priority,
	labels, assignee_id, assignee_name, team_id, team_name, contact_id, contact_name, contact_email, contact_phone,
	preview, created_at, source_updated_at, last_activity_at, projected_at,
	sla_policy, sla_clock, sla_due_at, sla_band, sla_next_at, sla_clocks FROM conversations`

// List returns a page of the queue, the conversation due first first; those
// with no running clock follow, newest activity first. The cursor it returns
// fetches the next page ("" on the last).
func (q *Queue) List(ctx context.Context, f Filter, p Page) ([]Conversation, string, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = DefaultPageSize
	}
	limit = min(limit, MaxPageSize)
	cur, err := parseCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	var out []Conversation
	if !cur.undated {
		out, err = q.dated(ctx, f, cur, limit+1)
		if err != nil {
			return nil, "", err
		}
		if len(out) > limit {
			return out[:limit], datedCursor(out[limit-1]), nil
		}
		cur = cursor{undated: true}
	}
	rest, err := q.undated(ctx, f, cur, limit-len(out)+1)
	if err != nil {
		return nil, "", err
	}
	out = append(out, rest...)
	if len(out) > limit {
		return out[:limit], "n:" + strconv.FormatInt(out[limit-1].ID, 10), nil
	}
	return out, "", nil
}

func (q *Queue) dated(ctx context.Context, f Filter, cur cursor, n int) ([]Conversation, error) {
	where, args := f.where(q.db)
	where = append(where, "sla_due_at IS NOT NULL")
	if cur.set {
		args = append(args, cur.due, cur.id)
		where = append(where, fmt.Sprintf("(sla_due_at, id) > ($%d, $%d)", len(args)-1, len(args)))
	}
	args = append(args, n)
	return q.query(ctx, selectConversations+clause(where)+fmt.Sprintf(" ORDER BY sla_due_at, id LIMIT $%d", len(args)), args...)
}

func (q *Queue) undated(ctx context.Context, f Filter, cur cursor, n int) ([]Conversation, error) {
	where, args := f.where(q.db)
	where = append(where, "sla_due_at IS NULL")
	if cur.set {
		args = append(args, cur.id)
		where = append(where, fmt.Sprintf("id < $%d", len(args)))
	}
	args = append(args, n)
	return q.query(ctx, selectConversations+clause(where)+fmt.Sprintf(" ORDER BY id DESC LIMIT $%d", len(args)), args...)
}

// Count returns how many conversations match f.
func (q *Queue) Count(ctx context.Context, f Filter) (int, error) {
	where, args := f.where(q.db)
	var n int
	if err := q.db.Read.QueryRowContext(ctx, `SELECT count(*) FROM conversations`+clause(where), q.db.PlanEach(args)...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count conversations: %w", err)
	}
	return n, nil
}

// BandCounts returns how many unresolved conversations are in each band.
func (q *Queue) BandCounts(ctx context.Context) (map[string]int, error) {
	rows, err := q.db.Read.QueryContext(ctx, `SELECT sla_band, count(*) FROM conversations
		WHERE status IN ('open', 'pending', 'snoozed') AND sla_band <> '' GROUP BY sla_band`)
	if err != nil {
		return nil, fmt.Errorf("count bands: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var band string
		var n int
		if err := rows.Scan(&band, &n); err != nil {
			return nil, fmt.Errorf("count bands: %w", err)
		}
		out[band] = n
	}
	return out, rows.Err()
}

// Get returns one conversation.
func (q *Queue) Get(ctx context.Context, id int64) (Conversation, error) {
	cs, err := q.query(ctx, selectConversations+` WHERE id = $1`, id)
	if err != nil {
		return Conversation{}, err
	}
	if len(cs) == 0 {
		return Conversation{}, fmt.Errorf("conversation %d: %w", id, store.ErrNotFound)
	}
	return cs[0], nil
}

// ByDisplayID returns the Chatwoot conversation with that display id.
func (q *Queue) ByDisplayID(ctx context.Context, account, displayID int64) (Conversation, error) {
	cs, err := q.query(ctx, selectConversations+` WHERE source = $1 AND account_id = $2 AND display_id = $3`, SourceChatwoot, account, displayID)
	if err != nil {
		return Conversation{}, err
	}
	if len(cs) == 0 {
		return Conversation{}, fmt.Errorf("conversation #%d: %w", displayID, store.ErrNotFound)
	}
	return cs[0], nil
}

// Messages returns a conversation's messages, oldest first (at most the
// newest limit).
func (q *Queue) Messages(ctx context.Context, id int64, limit int) ([]Message, error) {
	rows, err := q.db.Read.QueryContext(ctx, `SELECT id, conversation_id, source_id, kind, private, sender_type, sender_name, content, created_at,
		hotdash_ref FROM conversation_messages WHERE conversation_id = $1 ORDER BY created_at DESC, source_id DESC LIMIT $2`, id, limit)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		if err := rows.Scan(&m.ID, &m.ConversationID, &m.SourceID, &m.Kind, &m.Private, &m.SenderType, &m.SenderName, &m.Content, &m.CreatedAt, &m.HotDashRef); err != nil {
			return nil, fmt.Errorf("read message: %w", err)
		}
		m.CreatedAt = m.CreatedAt.UTC()
		out = append(out, m)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, rows.Err()
}

// StatusHistory returns a conversation's status changes, oldest first.
func (q *Queue) StatusHistory(ctx context.Context, id int64) ([]StatusChange, error) {
	rows, err := q.db.Read.QueryContext(ctx, `SELECT status, at FROM conversation_statuses WHERE conversation_id = $1 ORDER BY at, id`, id)
	if err != nil {
		return nil, fmt.Errorf("list status history: %w", err)
	}
	defer rows.Close()
	var out []StatusChange
	for rows.Next() {
		var s StatusChange
		if err := rows.Scan(&s.Status, &s.At); err != nil {
			return nil, fmt.Errorf("read status change: %w", err)
		}
		s.At = s.At.UTC()
		out = append(out, s)
	}
	return out, rows.Err()
}

func (q *Queue) query(ctx context.Context, query string, args ...any) ([]Conversation, error) {
	rows, err := q.db.Read.QueryContext(ctx, query, q.db.PlanEach(args)...)
	if err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	defer rows.Close()
	var out []Conversation
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func scanConversation(rows *sql.Rows) (Conversation, error) {
	var c Conversation
	var labels, clocks string
	var assignee, team, contact sql.NullInt64
	var lastActivity, due, next sql.NullTime
	err := rows.Scan(&c.ID, &c.Source, &c.AccountID, &c.DisplayID, &c.InboxID, &c.InboxName, &c.Channel, &c.Status,
		&c.Priority, &labels, &assignee, &c.AssigneeName, &team, &c.TeamName, &contact, &c.ContactName, &c.ContactEmail,
		&c.ContactPhone, &c.Preview, &c.CreatedAt, &c.SourceUpdatedAt, &lastActivity, &c.ProjectedAt,
		&c.SLA.Policy, &c.SLA.Clock, &due, &c.SLA.Band, &next, &clocks)
	if err != nil {
		return c, fmt.Errorf("read conversation: %w", err)
	}
	c.Labels = parseLabels(labels)
	c.AssigneeID, c.TeamID, c.ContactID = assignee.Int64, team.Int64, contact.Int64
	c.CreatedAt, c.SourceUpdatedAt, c.ProjectedAt = c.CreatedAt.UTC(), c.SourceUpdatedAt.UTC(), c.ProjectedAt.UTC()
	c.LastActivityAt, c.SLA.Due, c.SLA.NextAt = store.TimeOf(lastActivity), store.TimeOf(due), store.TimeOf(next)
	_ = json.Unmarshal([]byte(clocks), &c.SLA.Clocks)
	return c, nil
}

func (f Filter) where(d store.Dialect) ([]string, []any) {
	var where []string
	var args []any
	bind := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	switch {
	case len(f.Statuses) == 0:
		where = append(where, "status <> 'resolved'")
	case everyStatus(f.Statuses):
		// No condition: it would only keep the planner off the indexes.
	default:
		ph := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			ph[i] = bind(s)
		}
		where = append(where, "status IN ("+strings.Join(ph, ", ")+")")
	}
	if f.Channel != "" {
		where = append(where, "channel = "+bind(f.Channel))
	}
	if f.Band != "" {
		where = append(where, "sla_band = "+bind(f.Band))
	}
	if f.InboxID != 0 {
		where = append(where, "inbox_id = "+bind(f.InboxID))
	}
	if f.TeamID != 0 {
		where = append(where, "team_id = "+bind(f.TeamID))
	}
	switch {
	case f.Assignee == Unassigned:
		where = append(where, "assignee_id IS NULL")
	case f.Assignee != 0:
		where = append(where, "assignee_id = "+bind(f.Assignee))
	}
	if f.Label != "" {
		where = append(where, "labels LIKE "+bind(labelPattern(f.Label))+` ESCAPE '\'`)
	}
	if f.Escalated {
		where = append(where, "(sla_band = 'breached' OR labels LIKE "+bind(labelPattern("escalation"))+` ESCAPE '\')`)
	}
	if t := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(f.Text, "#"))); t != "" {
		// A prefix of the contact's name or email (what people type),
		// served by the indexes on lower(...), or a display id.
		ph := bind(d.PrefixArg(t))
		cond := d.HasPrefix("lower(contact_name)", ph) + " OR " + d.HasPrefix("lower(contact_email)", ph)
		if n, err := strconv.ParseInt(t, 10, 64); err == nil {
			cond += " OR display_id = " + bind(n)
		}
		where = append(where, "("+cond+")")
	}
	return where, args
}

func everyStatus(statuses []string) bool {
	for _, s := range Statuses() {
		if !slices.Contains(statuses, s) {
			return false
		}
	}
	return true
}

// labelPattern matches one label inside the labels column's JSON array.
func labelPattern(label string) string {
	b, _ := json.Marshal(label)
	return "%" + escapeLike(string(b)) + "%"
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func clause(where []string) string {
	if len(where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(where, " AND ")
}

// cursor is a position in the queue's order: a due time and id among
// conversations with a running clock, or an id among the rest.
type cursor struct {
	set     bool
	undated bool
	due     time.Time
	id      int64
}

func datedCursor(c Conversation) string {
	return "d:" + strconv.FormatInt(c.SLA.Due.UnixMicro(), 10) + ":" + strconv.FormatInt(c.ID, 10)
}

func parseCursor(s string) (cursor, error) {
	if s == "" {
		return cursor{}, nil
	}
	bad := validation.Errors{"cursor": "is not a cursor this API returned"}
	parts := strings.Split(s, ":")
	switch {
	case len(parts) == 3 && parts[0] == "d":
		micros, err1 := strconv.ParseInt(parts[1], 10, 64)
		id, err2 := strconv.ParseInt(parts[2], 10, 64)
		if err1 != nil || err2 != nil {
			return cursor{}, bad
		}
		return cursor{set: true, due: time.UnixMicro(micros).UTC(), id: id}, nil
	case len(parts) == 2 && parts[0] == "n":
		id, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil {
			return cursor{}, bad
		}
		return cursor{set: true, undated: true, id: id}, nil
	}
	return cursor{}, bad
}
