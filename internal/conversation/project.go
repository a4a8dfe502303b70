package conversation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hotdash/hotdash/internal/chatwoot"
	"github.com/hotdash/hotdash/internal/sla"
	"github.com/hotdash/hotdash/internal/store"
)

// ErrUnknownConversation is returned for a message about a conversation
// HotDash has never seen a snapshot of; reconciliation fetches it later.
var ErrUnknownConversation = errors.New("message for a conversation not seen yet")

// previewLength bounds the queue's message preview.
const previewLength = 200

// Projection folds Chatwoot events into conversations.
type Projection struct {
	db        *store.DB
	accountID int64
	rules     Rules
	stmts     *store.Statements
	// notes are told of private notes as they are projected.
	notes []NoteWatcher
}

// NoteWatcher is told, inside the projecting transaction, of a private
// note an agent wrote in Chatwoot (not one HotDash sent). An error rolls
// the batch back.
type NoteWatcher func(ctx context.Context, tx *sql.Tx, conversationID int64, m chatwoot.Message) error

// OnPrivateNote adds a NoteWatcher. Call it before projecting.
func (p *Projection) OnPrivateNote(w NoteWatcher) { p.notes = append(p.notes, w) }

// NewProjection returns a Projection measuring SLAs by rules. accountID is
// used for events that do not name their account (older Chatwoot versions).
func NewProjection(db *store.DB, accountID int64, rules Rules) *Projection {
	return &Projection{db: db, accountID: accountID, rules: rules, stmts: store.NewStatements(db)}
}

// Close releases prepared statements.
func (p *Projection) Close() { p.stmts.Close() }

const (
	qFind   = `SELECT id, source_updated_at, status FROM conversations WHERE source = $1 AND account_id = $2 AND display_id = $3`
	qInsert = `INSERT INTO conversations (source, account_id, display_id, inbox_id, inbox_name, channel, status, priority,
		labels, assignee_id, assignee_name, team_id, team_name, contact_id, contact_name, contact_email, contact_phone,
		preview, created_at, source_updated_at, last_activity_at, projected_at,
		sla_policy, sla_clock, sla_due_at, sla_band, sla_next_at, sla_clocks)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
		'', '', NULL, '', NULL, '[]') RETURNING id`
	qUpdate = `UPDATE conversations SET inbox_id = $2,
		inbox_name = CASE WHEN $3 <> '' THEN $3 ELSE inbox_name END,
		channel = CASE WHEN $4 <> '' THEN $4 ELSE channel END,
		status = $5, priority = $6, labels = $7, assignee_id = $8, assignee_name = $9, team_id = $10, team_name = $11,
		contact_id = $12, contact_name = $13, contact_email = $14, contact_phone = $15,
		preview = CASE WHEN $16 <> '' THEN $16 ELSE preview END,
		source_updated_at = $17, last_activity_at = $18, projected_at = $19
		WHERE id = $1`
	qTouch   = `UPDATE conversations SET preview = $2, projected_at = $3 WHERE id = $1`
	qMessage = `INSERT INTO conversation_messages (conversation_id, source_id, kind, private, sender_type, sender_name, content, created_at, hotdash_ref)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (conversation_id, source_id) DO UPDATE SET content = excluded.content, private = excluded.private,
		hotdash_ref = CASE WHEN excluded.hotdash_ref <> '' THEN excluded.hotdash_ref ELSE conversation_messages.hotdash_ref END`
	qStatus     = `INSERT INTO conversation_statuses (conversation_id, status, at) VALUES ($1, $2, $3) ON CONFLICT (conversation_id, status, at) DO NOTHING`
	qLastStatus = `SELECT status FROM conversation_statuses WHERE conversation_id = $1 ORDER BY at DESC, id DESC LIMIT 1`
)

// Prepare prepares the projection's statements; call it before the
// transaction Apply runs in.
func (p *Projection) Prepare(ctx context.Context) error {
	return p.stmts.Prepare(ctx, qFind, qInsert, qUpdate, qTouch, qMessage, qStatus, qLastStatus,
		qHistoryMessages, qHistoryStatuses, qLoadForSLA, qSaveSLA, qPendingActions, qConfirmAction, qConversationNow, qBandChange, qMet)
}

// Apply folds one event into the conversations it concerns and returns the
// id of the conversation it touched (0 when the event concerns none, such as
// contact or inbox events). now is when the projection runs.
func (p *Projection) Apply(ctx context.Context, tx *sql.Tx, ev chatwoot.Event, now time.Time) (int64, error) {
	switch {
	case ev.Message != nil:
		return p.applyMessage(ctx, tx, ev, now)
	case ev.Conversation != nil && projectsConversation(ev.Name):
		id, _, err := p.applySnapshot(ctx, tx, ev, *ev.Conversation, now)
		return id, err
	}
	return 0, nil
}

// projectsConversation reports whether an event's conversation object is a
// snapshot worth applying (typing indicators carry one too, but add nothing).
func projectsConversation(name string) bool {
	return strings.HasPrefix(name, "conversation_created") || strings.HasPrefix(name, "conversation_updated") ||
		strings.HasPrefix(name, "conversation_status_changed") || strings.HasPrefix(name, "automation_event.") ||
		strings.HasPrefix(name, "reconcile.")
}

func (p *Projection) applyMessage(ctx context.Context, tx *sql.Tx, ev chatwoot.Event, now time.Time) (int64, error) {
	m := *ev.Message
	var id int64
	var err error
	if ev.Conversation != nil && ev.Conversation.DisplayID != 0 {
		if id, _, err = p.applySnapshot(ctx, tx, ev, *ev.Conversation, now); err != nil {
			return 0, err
		}
	} else {
		id, err = p.find(ctx, tx, p.account(ev, m.AccountID), m.ConversationDisplayID)
		if err != nil {
			return 0, err
		}
	}
	if err := p.insertMessage(ctx, tx, id, m); err != nil {
		return id, err
	}
	if m.Private && m.Type == chatwoot.MessageOutgoing && m.Content != "" && hotdashRef(m.ContentAttributes) == "" {
		for _, w := range p.notes {
			if err := w(ctx, tx, id, m); err != nil {
				return id, err
			}
		}
	}
	if m.Type != chatwoot.MessageActivity && !m.Private && m.Content != "" {
		if _, err := p.stmts.In(ctx, tx, qTouch).ExecContext(ctx, id, preview(m.Content), now); err != nil {
			return id, fmt.Errorf("update preview: %w", err)
		}
	}
	return id, nil
}

func (p *Projection) account(ev chatwoot.Event, fallback int64) int64 {
	switch {
	case ev.Account.ID != 0:
		return ev.Account.ID
	case fallback != 0:
		return fallback
	}
	return p.accountID
}

func (p *Projection) find(ctx context.Context, tx *sql.Tx, account, displayID int64) (int64, error) {
	var id int64
	var updated time.Time
	var status string
	err := p.stmts.In(ctx, tx, qFind).QueryRowContext(ctx, SourceChatwoot, account, displayID).Scan(&id, &updated, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("conversation %d: %w", displayID, ErrUnknownConversation)
	}
	if err != nil {
		return 0, fmt.Errorf("find conversation %d: %w", displayID, err)
	}
	return id, nil
}

// applySnapshot upserts c unless a newer snapshot is already applied, records
// its status history and its nested messages, and reports whether c was
// applied.
func (p *Projection) applySnapshot(ctx context.Context, tx *sql.Tx, ev chatwoot.Event, c chatwoot.Conversation, now time.Time) (int64, bool, error) {
	account := p.account(ev, c.AccountID)
	updated := snapshotTime(c)
	var (
		id         int64
		stored     time.Time
		lastStatus string
	)
	err := p.stmts.In(ctx, tx, qFind).QueryRowContext(ctx, SourceChatwoot, account, c.DisplayID).Scan(&id, &stored, &lastStatus)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if id, err = p.insert(ctx, tx, account, c, updated, now); err != nil {
			return 0, false, err
		}
		if err := p.addStatus(ctx, tx, id, c.Status, firstNonZero(c.CreatedAt, updated)); err != nil {
			return id, true, err
		}
		lastStatus = c.Status
	case err != nil:
		return 0, false, fmt.Errorf("find conversation %d: %w", c.DisplayID, err)
	case updated.Before(stored.UTC()):
		// An older snapshot, delivered late: its status change (if it
		// names one) still belongs in the history.
		return id, false, p.recordStatusChange(ctx, tx, id, ev, c, updated, "")
	default:
		if err := p.update(ctx, tx, id, c, updated, now); err != nil {
			return id, false, err
		}
	}
	if err := p.recordStatusChange(ctx, tx, id, ev, c, updated, lastStatus); err != nil {
		return id, true, err
	}
	if err := p.confirmActions(ctx, tx, id, now); err != nil {
		return id, true, err
	}
	for _, m := range c.Messages {
		if err := p.insertMessage(ctx, tx, id, m); err != nil {
			return id, true, err
		}
	}
	return id, true, nil
}

// snapshotTime orders snapshots: updated_at when Chatwoot sends it (newer
// versions), else the last activity or creation time.
func snapshotTime(c chatwoot.Conversation) time.Time {
	t := c.UpdatedAt
	if t.IsZero() {
		t = firstNonZero(c.LastActivityAt, c.CreatedAt)
	}
	return t.UTC().Truncate(time.Microsecond)
}

func (p *Projection) insert(ctx context.Context, tx *sql.Tx, account int64, c chatwoot.Conversation, updated, now time.Time) (int64, error) {
	f := fields(c)
	var id int64
	err := p.stmts.In(ctx, tx, qInsert).QueryRowContext(ctx, SourceChatwoot, account, c.DisplayID, c.InboxID, c.InboxName,
		sla.NormalizeChannel(c.Channel), c.Status, c.Priority, labelsText(c.Labels),
		f.assigneeID, f.assigneeName, f.teamID, f.teamName, f.contactID, f.contactName, f.contactEmail, f.contactPhone,
		f.preview, firstNonZero(c.CreatedAt, updated).UTC(), updated, store.NullTime(c.LastActivityAt), now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert conversation %d: %w", c.DisplayID, err)
	}
	return id, nil
}

func (p *Projection) update(ctx context.Context, tx *sql.Tx, id int64, c chatwoot.Conversation, updated, now time.Time) error {
	f := fields(c)
	_, err := p.stmts.In(ctx, tx, qUpdate).ExecContext(ctx, id, c.InboxID, c.InboxName, sla.NormalizeChannel(c.Channel),
		c.Status, c.Priority, labelsText(c.Labels), f.assigneeID, f.assigneeName, f.teamID, f.teamName,
		f.contactID, f.contactName, f.contactEmail, f.contactPhone, f.preview, updated,
		store.NullTime(c.LastActivityAt), now)
	if err != nil {
		return fmt.Errorf("update conversation %d: %w", c.DisplayID, err)
	}
	return nil
}

// snapshotFields are a snapshot's optional parts, flattened.
type snapshotFields struct {
	assigneeID, teamID, contactID                     sql.NullInt64
	assigneeName, teamName, contactName, contactEmail string
	contactPhone, preview                             string
}

func fields(c chatwoot.Conversation) snapshotFields {
	var f snapshotFields
	if c.Assignee != nil {
		f.assigneeID, f.assigneeName = nullID(c.Assignee.ID), c.Assignee.Name
	}
	if c.Team != nil {
		f.teamID, f.teamName = nullID(c.Team.ID), c.Team.Name
	}
	if c.Contact != nil {
		f.contactID, f.contactName, f.contactEmail, f.contactPhone = nullID(c.Contact.ID), c.Contact.Name, c.Contact.Email, c.Contact.Phone
	}
	for _, m := range c.Messages {
		if !m.Private && m.Type != chatwoot.MessageActivity && m.Content != "" {
			f.preview = preview(m.Content)
		}
	}
	return f
}

// recordStatusChange adds the snapshot's status to the history when the
// event says the status changed, or when it differs from the latest known.
// current is the status the conversation row held before this snapshot
// ("" when unknown): when the snapshot repeats it, nothing changed.
func (p *Projection) recordStatusChange(ctx context.Context, tx *sql.Tx, id int64, ev chatwoot.Event, c chatwoot.Conversation, at time.Time, current string) error {
	if ch, ok := ev.Changed["status"]; ok {
		var s string
		if json.Unmarshal(ch.Current, &s) == nil && s != "" {
			return p.addStatus(ctx, tx, id, s, at)
		}
	}
	if current != "" && c.Status == current {
		return nil
	}
	var last string
	err := p.stmts.In(ctx, tx, qLastStatus).QueryRowContext(ctx, id).Scan(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read status history: %w", err)
	}
	if c.Status != "" && c.Status != last {
		return p.addStatus(ctx, tx, id, c.Status, at)
	}
	return nil
}

func (p *Projection) addStatus(ctx context.Context, tx *sql.Tx, id int64, status string, at time.Time) error {
	if status == "" {
		return nil
	}
	if _, err := p.stmts.In(ctx, tx, qStatus).ExecContext(ctx, id, status, at.UTC().Truncate(time.Microsecond)); err != nil {
		return fmt.Errorf("record status: %w", err)
	}
	return nil
}

func (p *Projection) insertMessage(ctx context.Context, tx *sql.Tx, id int64, m chatwoot.Message) error {
	if m.ID == 0 || m.Type == chatwoot.MessageActivity || m.Type == "" {
		return nil
	}
	_, err := p.stmts.In(ctx, tx, qMessage).ExecContext(ctx, id, m.ID, string(m.Type), m.Private, m.Sender.Type,
		m.Sender.Name, m.Content, m.CreatedAt.UTC().Truncate(time.Microsecond), hotdashRef(m.ContentAttributes))
	if err != nil {
		return fmt.Errorf("record message %d: %w", m.ID, err)
	}
	return nil
}

// RefAttribute is the content_attributes key of a message HotDash sent
// through Chatwoot: its value (e.g. "draft:42") names what HotDash sent it
// for, and comes back with the message's webhook.
const RefAttribute = "hotdash_ref"

// hotdashRef reads RefAttribute from a message's content_attributes.
func hotdashRef(attrs json.RawMessage) string {
	if len(attrs) == 0 || !strings.Contains(string(attrs), RefAttribute) {
		return ""
	}
	var m map[string]any
	if json.Unmarshal(attrs, &m) != nil {
		return ""
	}
	ref, _ := m[RefAttribute].(string)
	return truncate(ref, 100)
}

func preview(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= previewLength {
		return s
	}
	r := []rune(s)
	return string(r[:previewLength-1]) + "…"
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

func firstNonZero(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}
