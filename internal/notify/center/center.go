package center

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/store"
)

// Kind names what a notification is about.
type Kind string

// The kinds of notification. People choose which they receive.
const (
	// DraftHighRisk: an AI draft rated high risk waits for review. It is
	// always urgent.
	DraftHighRisk Kind = "draft_high_risk"
	// SLAUrgent: a conversation's SLA clock has under five minutes left.
	SLAUrgent Kind = "sla_urgent"
	// SLABreached: a conversation's SLA clock ran out.
	SLABreached Kind = "sla_breached"
	// Escalation: an incident was escalated up the ladder, or needs
	// acknowledging.
	Escalation Kind = "escalation"
	// Incident: an incident was opened, changed severity or was resolved.
	Incident Kind = "incident"
	// Health: a Chatwoot health check failed (or recovered).
	Health Kind = "health"
	// Handoff: an end-of-shift handoff waits for acknowledgement past its
	// deadline.
	Handoff Kind = "handoff"
)

// Kinds lists every kind, in the order pages show them.
func Kinds() []Kind {
	return []Kind{DraftHighRisk, SLAUrgent, SLABreached, Escalation, Incident, Health, Handoff}
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds(), k) }

// Label names the kind for people: "High-risk draft".
func (k Kind) Label() string {
	switch k {
	case DraftHighRisk:
		return "High-risk draft"
	case SLAUrgent:
		return "SLA urgent"
	case SLABreached:
		return "SLA breached"
	case Escalation:
		return "Escalation"
	case Incident:
		return "Incident"
	case Health:
		return "Health check"
	case Handoff:
		return "Handoff"
	}
	return string(k)
}

// Description says when a notification of the kind arrives, for the
// preferences page.
func (k Kind) Description() string {
	switch k {
	case DraftHighRisk:
		return "An AI draft rated high risk is waiting for review. Always urgent: it comes through quiet hours."
	case SLAUrgent:
		return "A conversation's SLA clock has entered the urgent band (under 5 minutes left by default)."
	case SLABreached:
		return "A conversation's SLA clock has run out."
	case Escalation:
		return "An incident was escalated to a level of the ladder you are on, or waits for acknowledgement."
	case Incident:
		return "An incident was opened, changed severity or was resolved. S0 and S1 are urgent and come through quiet hours."
	case Health:
		return "A Chatwoot health check failed, or recovered after failing."
	case Handoff:
		return "An end-of-shift handoff was not acknowledged within its window after the next shift started (leads)."
	}
	return ""
}

// Severities lists the severities a notification may carry, shown as its
// pill: incident severities, draft risk levels and SLA bands.
func Severities() []string {
	return []string{"S0", "S1", "S2", "S3", "high", "medium", "low", "ok", "warning", "urgent", "breached"}
}

// Limits on a notification's text. Longer titles and bodies are cut short
// (ending in "…") rather than refused: a notification is written inside
// someone else's transaction, which an overlong customer name must not
// roll back.
const (
	MaxTitle = 200
	MaxBody  = 2000
	MaxLink  = 2000
	// maxKeyBytes is the longest dedup key stored as given; longer keys
	// are stored as their SHA-256.
	maxKeyBytes = 200
)

// Notification is what to tell an audience.
type Notification struct {
	Kind Kind
	// Severity is an incident's S0–S3, a draft's risk (high, medium,
	// low) or an SLA band (ok, warning, urgent, breached); "" for none.
	Severity string
	// Urgent notifications come through quiet hours. High-risk drafts and
	// S0 and S1 severities are always urgent (see IsUrgent); set Urgent
	// to make anything else urgent too.
	Urgent bool
	// Title is one line; Body is plain text, optional. Both are shown
	// escaped, never as HTML.
	Title string
	Body  string
	// Link is a path inside HotDash ("/conversations/42"), or "".
	Link string
	// Key deduplicates per person: a person who already has a
	// notification with this key (read or not) does not get another. Make
	// it name one occurrence ("sla_breached:conversation:42:first_response:
	// 2026-11-30T09:30:00Z"). "" never deduplicates.
	Key string
}

// IsUrgent reports whether n comes through quiet hours: when Urgent is
// set, for high-risk drafts (kind draft_high_risk, or severity high), and
// for severities S0 and S1.
func (n Notification) IsUrgent() bool {
	return n.Urgent || n.Kind == DraftHighRisk || n.Severity == "S0" || n.Severity == "S1" || n.Severity == "high"
}

// Audience is who a notification is for: every active person holding one
// of Roles, and the people UserIDs and Emails name (each person once).
// Disabled people get nothing; ids and emails of nobody are ignored (an
// incident owner that is an API token, "token:ci", reaches no one).
type Audience struct {
	Roles   []auth.Role
	UserIDs []int64
	Emails  []string
}

// Everyone is every active person.
func Everyone() Audience { return Audience{Roles: auth.UserRoles()} }

// Delivery is what NotifyTx wrote. Hand it to AfterCommit once the
// transaction has committed (never before: a rolled-back notification must
// not wake anyone).
type Delivery struct {
	// Stored counts the people who got the notification, held or not.
	Stored int
	// Wake lists the people whose unread count went up now.
	Wake []int64
	// HeldUntil is the earliest end of quiet hours a held notification
	// waits for (zero when none was held).
	HeldUntil time.Time
}

// Center stores and serves people's notifications.
type Center struct {
	db      *store.DB
	clk     clock.Clock
	publish func(userIDs []int64)
	logger  *slog.Logger
	// nudge wakes Run when a notification was held, so it can look
	// for an earlier end of quiet hours.
	nudge chan struct{}

	mu    sync.Mutex
	zones map[string]*time.Location
}

// New returns a Center. publish is called, after commit, with the people
// whose notifications changed (new, read, or out of quiet hours), so their
// open pages can refresh; wire it to the live-update broker with Topic. It
// may be nil.
func New(db *store.DB, clk clock.Clock, publish func(userIDs []int64), logger *slog.Logger) *Center {
	if publish == nil {
		publish = func([]int64) {}
	}
	return &Center{db: db, clk: clk, publish: publish, logger: logger,
		nudge: make(chan struct{}, 1), zones: map[string]*time.Location{}}
}

// Topic is the live-update topic of one person's notifications: publish
// wakes it, and their pages' bell subscribes to it.
func Topic(userID int64) string { return "notifications:" + strconv.FormatInt(userID, 10) }

// Notify stores n for aud in a transaction of its own, then wakes the
// people it reached.
func (c *Center) Notify(ctx context.Context, aud Audience, n Notification) (Delivery, error) {
	var d Delivery
	err := c.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		d, err = c.NotifyTx(ctx, tx, aud, n)
		return err
	})
	if err != nil {
		return Delivery{}, err
	}
	c.AfterCommit(d)
	return d, nil
}

// NotifyTx stores n in tx for every active person in aud who has not
// turned its kind off and has no notification with its key yet. A person
// in quiet hours gets it held until they end, unless it is urgent. Call
// AfterCommit with the Delivery once tx has committed.
func (c *Center) NotifyTx(ctx context.Context, tx *sql.Tx, aud Audience, n Notification) (Delivery, error) {
	n, err := clean(n)
	if err != nil {
		return Delivery{}, err
	}
	people, err := c.audience(ctx, tx, aud)
	if err != nil {
		return Delivery{}, err
	}
	now := c.clk.Now().UTC()
	urgent := n.IsUrgent()
	held := map[int64]time.Time{}
	var ids []int64
	for _, p := range people {
		if !p.prefs.Enabled(n.Kind) {
			continue
		}
		if !urgent {
			if until := c.quietUntil(p.prefs, now); !until.IsZero() {
				held[p.id] = until
			}
		}
		ids = append(ids, p.id)
	}
	stored, err := c.insert(ctx, tx, n, urgent, now, ids, held)
	if err != nil {
		return Delivery{}, err
	}
	var d Delivery
	for _, id := range stored {
		d.Stored++
		until, ok := held[id]
		switch {
		case !ok:
			d.Wake = append(d.Wake, id)
		case d.HeldUntil.IsZero() || until.Before(d.HeldUntil):
			d.HeldUntil = until
		}
	}
	return d, nil
}

// AfterCommit wakes the people the deliveries reached (each once) and lets
// Run know of held notifications. Call it after the transaction that wrote
// them has committed.
func (c *Center) AfterCommit(ds ...Delivery) {
	var ids []int64
	held := false
	for _, d := range ds {
		ids = append(ids, d.Wake...)
		held = held || !d.HeldUntil.IsZero()
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) > 0 {
		c.publish(ids)
	}
	if held {
		c.wakeRun()
	}
}

func (c *Center) wakeRun() {
	select {
	case c.nudge <- struct{}{}:
	default:
	}
}

// clean checks what only a programming mistake gets wrong (the kind, the
// severity, the link) and makes the text safe to store on both engines.
func clean(n Notification) (Notification, error) {
	if !n.Kind.Valid() {
		return n, fmt.Errorf("notification kind %q is unknown", n.Kind)
	}
	if n.Severity != "" && !slices.Contains(Severities(), n.Severity) {
		return n, fmt.Errorf("notification severity %q is unknown (use one of %s)", n.Severity, strings.Join(Severities(), ", "))
	}
	if n.Link != "" && !internalPath(n.Link) {
		return n, fmt.Errorf("notification link %q is not a path inside HotDash", n.Link)
	}
	n.Title = cut(strings.Join(strings.Fields(text(n.Title)), " "), MaxTitle)
	if n.Title == "" {
		return n, fmt.Errorf("notification of kind %s has no title", n.Kind)
	}
	n.Body = cut(strings.TrimSpace(text(n.Body)), MaxBody)
	if len(n.Link) > MaxLink {
		return n, fmt.Errorf("notification link is longer than %d bytes", MaxLink)
	}
	n.Key = text(n.Key)
	if len(n.Key) > maxKeyBytes {
		sum := sha256.Sum256([]byte(n.Key))
		n.Key = "sha256:" + hex.EncodeToString(sum[:])
	}
	return n, nil
}

// internalPath reports whether link is a path on this site (not "//host"
// nor "/\host", which browsers treat as another host).
func internalPath(link string) bool {
	return strings.HasPrefix(link, "/") && !strings.HasPrefix(link, "//") && !strings.HasPrefix(link, `/\`) &&
		!strings.ContainsAny(link, " \t\r\n\x00")
}

// text makes s valid UTF-8 without NUL bytes (PostgreSQL refuses both).
func text(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// cut shortens s to at most max characters, ending in "…" when it did.
func cut(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:max-1])) + "…"
}

// person is a member of an audience with their preferences.
type person struct {
	id    int64
	prefs Prefs
}

// audience reads the active people aud names, with their preferences.
func (c *Center) audience(ctx context.Context, tx *sql.Tx, aud Audience) ([]person, error) {
	var conds []string
	var args []any
	placeholders := func(n int) string {
		ph := make([]string, n)
		for i := range ph {
			args = append(args, nil)
			ph[i] = "$" + strconv.Itoa(len(args))
		}
		return strings.Join(ph, ", ")
	}
	if roles := uniqueRoles(aud.Roles); len(roles) > 0 {
		start := len(args)
		conds = append(conds, "u.role IN ("+placeholders(len(roles))+")")
		for i, r := range roles {
			args[start+i] = r
		}
	}
	if ids := uniqueIDs(aud.UserIDs); len(ids) > 0 {
		start := len(args)
		conds = append(conds, "u.id IN ("+placeholders(len(ids))+")")
		for i, id := range ids {
			args[start+i] = id
		}
	}
	if emails := uniqueEmails(aud.Emails); len(emails) > 0 {
		start := len(args)
		conds = append(conds, "u.email IN ("+placeholders(len(emails))+")")
		for i, e := range emails {
			args[start+i] = e
		}
	}
	if len(conds) == 0 {
		return nil, nil
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT u.id, p.disabled_kinds, p.quiet_start, p.quiet_end, p.time_zone, p.updated_at
		FROM users u LEFT JOIN notification_prefs p ON p.user_id = u.id
		WHERE u.disabled = FALSE AND (`+strings.Join(conds, " OR ")+`)
		ORDER BY u.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read notification audience: %w", err)
	}
	defer rows.Close()
	var out []person
	for rows.Next() {
		var p person
		var pr prefsRow
		if err := rows.Scan(&p.id, &pr.disabled, &pr.start, &pr.end, &pr.zone, &pr.updated); err != nil {
			return nil, fmt.Errorf("read notification audience: %w", err)
		}
		p.prefs = c.prefsFrom(p.id, pr)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read notification audience: %w", err)
	}
	return out, nil
}

func uniqueRoles(roles []auth.Role) []string {
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		out = append(out, string(r))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// uniqueEmails lowercases emails as accounts store them.
func uniqueEmails(emails []string) []string {
	out := make([]string, 0, len(emails))
	for _, e := range emails {
		if e = strings.ToLower(strings.TrimSpace(e)); e != "" {
			out = append(out, e)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func uniqueIDs(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// insertChunk bounds the rows of one INSERT: the SQLite driver's cost of
// binding grows with the square of a statement's parameters.
const insertChunk = 50

// insert writes n for each of ids and returns the ids that got a new row
// (a person who already has n.Key gets none).
func (c *Center) insert(ctx context.Context, tx *sql.Tx, n Notification, urgent bool, now time.Time, ids []int64, held map[int64]time.Time) ([]int64, error) {
	const cols = 10
	key := sql.NullString{String: n.Key, Valid: n.Key != ""}
	var stored []int64
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), insertChunk)]
		ids = ids[len(chunk):]
		var sb strings.Builder
		sb.WriteString(`INSERT INTO notifications (user_id, kind, severity, urgent, title, body, link, dedup_key, created_at, held_until) VALUES `)
		args := make([]any, 0, len(chunk)*cols)
		for i, id := range chunk {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteByte('(')
			for j := range cols {
				if j > 0 {
					sb.WriteString(", ")
				}
				sb.WriteString("$" + strconv.Itoa(i*cols+j+1))
			}
			sb.WriteByte(')')
			args = append(args, id, string(n.Kind), n.Severity, urgent, n.Title, n.Body, n.Link, key, now, store.NullTime(held[id]))
		}
		sb.WriteString(` ON CONFLICT (user_id, dedup_key) DO NOTHING RETURNING user_id`)
		rows, err := tx.QueryContext(ctx, sb.String(), args...)
		if err != nil {
			return nil, fmt.Errorf("store %s notification: %w", n.Kind, err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store %s notification: %w", n.Kind, err)
			}
			stored = append(stored, id)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("store %s notification: %w", n.Kind, err)
		}
	}
	slices.Sort(stored)
	return stored, nil
}
