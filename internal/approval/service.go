package approval

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/store"
)

// Enqueuer adds durable jobs inside a transaction (jobs.Runner).
type Enqueuer interface {
	EnqueueTx(ctx context.Context, tx *sql.Tx, kind string, args any) error
}

// Alerter tells people inside HotDash (the notification center) that a
// high-risk draft waits, inside the transaction that stored it; it returns
// what to run once that commits (or nil).
type Alerter interface {
	HighRiskDraft(ctx context.Context, tx *sql.Tx, d Draft) (func(), error)
}

// Deps are what the Service needs.
type Deps struct {
	DB            *store.DB
	Conversations *conversation.Queue
	Decisions     *decisionlog.Log
	Clock         clock.Clock
	Rules         RiskRules
	Jobs          Enqueuer
	// AccountID is the Chatwoot account drafts' conversations belong to.
	AccountID int64
	Logger    *slog.Logger
	// OnChange is told that drafts changed (for live pages); may be nil.
	OnChange func()
	// Alerts, when set, announces high-risk drafts.
	Alerts Alerter
}

// Service submits, reviews and lists drafts.
type Service struct {
	Deps
	counts countsCache
	// generation counts changes, so counts taken across one are not kept.
	generation atomic.Uint64
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	s := &Service{Deps: d}
	notify := d.OnChange
	if notify == nil {
		notify = func() {}
	}
	s.OnChange = func() {
		s.generation.Add(1)
		s.counts.drop()
		notify()
	}
	return s
}

// Job kinds the Service enqueues; the app registers their handlers.
const (
	// JobSend sends an approved draft (SendArgs).
	JobSend = "approval.send"
	// JobDecision records a review in the Decision Log (decisionArgs), so
	// that a crash after the review commits still logs it.
	JobDecision = "approval.decision"
)

// SendArgs are a send job's arguments: the draft and the version approved.
type SendArgs struct {
	DraftID int64 `json:"draft_id"`
	Version int   `json:"version"`
}

// Ref is the reference of draft id: "draft:<id>".
func Ref(id int64) string { return "draft:" + strconv.FormatInt(id, 10) }

func (s *Service) now() time.Time { return s.Clock.Now().UTC().Truncate(time.Microsecond) }

const draftColumns = `d.id, d.conversation_id, d.kind, d.state, d.version, d.revision, d.text, d.final_text, d.labels, d.agent, d.model,
	d.confidence, d.citations, d.idempotency_key, d.submitted_by, d.risk, d.risk_reasons, d.context_message_id, d.due_at,
	d.grade_tone, d.grade_accuracy, d.grade_policy, d.edit_distance, d.edit_ratio, d.reviewer, d.review_note, d.state_reason,
	d.created_at, d.updated_at, d.reviewed_at, d.sent_at, d.confirmed_at, d.chatwoot_message_id, d.send_attempts, d.dry_run`

// noDeadline stands for "no SLA clock runs" in due_at, so drafts without a
// deadline sort after every draft with one.
var noDeadline = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

type scanner interface{ Scan(dest ...any) error }

func scanDraft(sc scanner, extra ...any) (Draft, error) {
	var d Draft
	var labels, citations, reasons string
	var conf, ratio sql.NullFloat64
	var idem sql.NullString
	var tone, acc, pol, dist, msg sql.NullInt64
	var reviewed, sent, confirmed sql.NullTime
	dest := []any{&d.ID, &d.ConversationID, &d.Kind, &d.State, &d.Version, &d.Revision, &d.Text, &d.FinalText, &labels, &d.Agent, &d.Model,
		&conf, &citations, &idem, &d.SubmittedBy, &d.Risk, &reasons, &d.ContextMessageID, &d.DueAt,
		&tone, &acc, &pol, &dist, &ratio, &d.Reviewer, &d.ReviewNote, &d.StateReason,
		&d.CreatedAt, &d.UpdatedAt, &reviewed, &sent, &confirmed, &msg, &d.SendAttempts, &d.DryRun}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return d, err
	}
	_ = json.Unmarshal([]byte(labels), &d.Labels)
	_ = json.Unmarshal([]byte(citations), &d.Citations)
	_ = json.Unmarshal([]byte(reasons), &d.RiskReasons)
	if conf.Valid {
		d.Confidence = &conf.Float64
	}
	d.IdempotencyKey = idem.String
	if tone.Valid && acc.Valid && pol.Valid {
		d.Grades = &Grades{Tone: int(tone.Int64), Accuracy: int(acc.Int64), Policy: int(pol.Int64)}
	}
	if dist.Valid {
		n := int(dist.Int64)
		d.EditDistance = &n
	}
	if ratio.Valid {
		d.EditRatio = &ratio.Float64
	}
	d.DueAt = d.DueAt.UTC()
	if !d.DueAt.Before(noDeadline) {
		d.DueAt = time.Time{}
	}
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	d.ReviewedAt, d.SentAt, d.ConfirmedAt = store.TimeOf(reviewed), store.TimeOf(sent), store.TimeOf(confirmed)
	d.ChatwootMessageID = msg.Int64
	if d.Citations == nil {
		d.Citations = []Citation{}
	}
	return d, nil
}

// Get returns a draft.
func (s *Service) Get(ctx context.Context, id int64) (Draft, error) {
	d, err := scanDraft(s.DB.Read.QueryRowContext(ctx, `SELECT `+draftColumns+` FROM drafts d WHERE d.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, store.ErrNotFound
	}
	if err != nil {
		return d, fmt.Errorf("read draft %d: %w", id, err)
	}
	return d, nil
}

// lock reads a draft inside tx, row-locked until tx ends.
func (s *Service) lock(ctx context.Context, tx *sql.Tx, id int64) (Draft, error) {
	d, err := scanDraft(tx.QueryRowContext(ctx, `SELECT `+draftColumns+` FROM drafts d WHERE d.id = $1`+s.DB.ForUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, store.ErrNotFound
	}
	if err != nil {
		return d, fmt.Errorf("read draft %d: %w", id, err)
	}
	return d, nil
}

// History returns a draft's events, oldest first.
func (s *Service) History(ctx context.Context, id int64) ([]Event, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT at, actor, action, state, detail FROM draft_events WHERE draft_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("read draft history: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.At, &e.Actor, &e.Action, &e.State, &e.Detail); err != nil {
			return nil, fmt.Errorf("read draft history: %w", err)
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// record appends an event to a draft's history.
func record(ctx context.Context, tx *sql.Tx, id int64, at time.Time, actor, action, state, detail string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO draft_events (draft_id, at, actor, action, state, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, at, actor, action, state, truncate(detail, 4000))
	if err != nil {
		return fmt.Errorf("record draft event: %w", err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs, slices and maps are encoded
	}
	return string(b)
}

// alertHighRisk announces d if it is high risk; the returned function runs
// after commit.
func (s *Service) alertHighRisk(ctx context.Context, tx *sql.Tx, d Draft) (func(), error) {
	if s.Alerts == nil || d.Risk != RiskHigh || d.State != StatePending {
		return func() {}, nil
	}
	after, err := s.Alerts.HighRiskDraft(ctx, tx, d)
	if after == nil {
		after = func() {}
	}
	return after, err
}
