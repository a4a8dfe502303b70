package report

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/validation"
)

// Handoff states.
const (
	HandoffDraft        = "draft"
	HandoffSaved        = "saved"
	HandoffAcknowledged = "acknowledged"
)

// HandoffAction and AckAction are the Decision Log actions of a saved and
// an acknowledged handoff.
const (
	HandoffAction = "shift_handoff"
	AckAction     = "handoff_acknowledged"
)

// Limits on what an operator writes into a handoff.
const (
	MaxSummary = 8_000
	MaxNotes   = 4_000
)

// Errors callers act on.
var (
	// ErrStale: the handoff changed since the version the caller saw.
	ErrStale = errors.New("the handoff changed since you opened it")
	// ErrWrongState: the action does not apply to the handoff as it is.
	ErrWrongState = errors.New("the handoff is not in a state that allows this")
)

// Handoff is an end-of-shift handoff.
type Handoff struct {
	ID         int64
	State      string
	Shift      string
	ShiftStart time.Time
	Author     string
	Content    HandoffContent
	Notes      string
	DecisionID int64
	Version    int
	CreatedAt  time.Time
	UpdatedAt  time.Time
	SavedAt    time.Time
	// NextShift must acknowledge it by AckDueAt (set when saved).
	NextShift      string
	AckDueAt       time.Time
	AcknowledgedBy string
	AcknowledgedAt time.Time
	LeadNotifiedAt time.Time
}

// Overdue reports whether a saved handoff is past its acknowledgement
// deadline at now.
func (h Handoff) Overdue(now time.Time) bool {
	return h.State == HandoffSaved && !h.AckDueAt.IsZero() && !now.Before(h.AckDueAt)
}

// Path is the handoff's page.
func (h Handoff) Path() string { return "/handoffs/" + strconv.FormatInt(h.ID, 10) }

// HandoffContent is what a handoff says: the live state when it was
// drafted, and the summary the operator edited from it.
type HandoffContent struct {
	Snapshot Snapshot `json:"snapshot"`
	// Summary is the operator's text (drafted from the snapshot).
	Summary string `json:"summary"`
	// Blockers are what stops the floor, in the operator's words.
	Blockers string `json:"blockers"`
}

// Start drafts a handoff from live state for the shift in effect now (or
// the one that ended last, between shifts). The author edits it, then
// saves it.
func (s *Service) Start(ctx context.Context, author string) (Handoff, error) {
	if strings.TrimSpace(author) == "" {
		return Handoff{}, validation.Errors{"author": "is required"}
	}
	now := s.now()
	snap, err := s.Snapshot(ctx)
	if err != nil {
		return Handoff{}, err
	}
	shift := s.currentShift(now)
	h := Handoff{State: HandoffDraft, Shift: shift.Name, ShiftStart: shift.Start, Author: author,
		Content: HandoffContent{Snapshot: snap, Summary: snap.Markdown()}, Version: 1, CreatedAt: now, UpdatedAt: now}
	content, _ := json.Marshal(h.Content)
	err = s.DB.Write.QueryRowContext(ctx, `INSERT INTO handoffs (state, shift, shift_start, author, content, notes, version,
		created_at, updated_at, next_shift, acknowledged_by) VALUES ($1, $2, $3, $4, $5, '', 1, $6, $6, '', '') RETURNING id`,
		h.State, h.Shift, h.ShiftStart, h.Author, string(content), now).Scan(&h.ID)
	if err != nil {
		return Handoff{}, fmt.Errorf("start handoff: %w", err)
	}
	s.OnChange()
	return h, nil
}

// currentShift is the shift in effect at now or, between shifts, the
// latest that started before it.
func (s *Service) currentShift(now time.Time) shiftSpan {
	if sh, ok := s.Shifts.At(now); ok {
		return shiftSpan{sh.Name, sh.Start}
	}
	for back := time.Hour; back <= 48*time.Hour; back += time.Hour {
		if sh, ok := s.Shifts.At(now.Add(-back)); ok {
			return shiftSpan{sh.Name, sh.Start}
		}
	}
	return shiftSpan{"unscheduled", now}
}

type shiftSpan struct {
	Name  string
	Start time.Time
}

// Edit is a change to a draft handoff.
type Edit struct {
	ID       int64
	Version  int
	Summary  string
	Blockers string
	Notes    string
	Actor    string
}

func (e *Edit) check() error {
	e.Summary, e.Blockers, e.Notes = strings.TrimSpace(e.Summary), strings.TrimSpace(e.Blockers), strings.TrimSpace(e.Notes)
	errs := validation.Errors{}
	errs.Required("summary", e.Summary)
	errs.MaxLen("summary", e.Summary, MaxSummary)
	errs.MaxLen("blockers", e.Blockers, MaxNotes)
	errs.MaxLen("notes", e.Notes, MaxNotes)
	return errs.Err()
}

// Update saves edits to a draft handoff, keeping it a draft.
func (s *Service) Update(ctx context.Context, e Edit) (Handoff, error) {
	if err := e.check(); err != nil {
		return Handoff{}, err
	}
	var out Handoff
	err := s.DB.InTx(ctx, func(tx *sql.Tx) error {
		h, err := s.editable(ctx, tx, e)
		if err != nil {
			return err
		}
		apply(&h, e, s.now())
		out = h
		return s.store(ctx, tx, h)
	})
	if err == nil {
		s.OnChange()
	}
	return out, err
}

func (s *Service) editable(ctx context.Context, tx *sql.Tx, e Edit) (Handoff, error) {
	h, err := s.get(ctx, tx, e.ID)
	switch {
	case err != nil:
		return h, err
	case h.State != HandoffDraft:
		return h, ErrWrongState
	case h.Version != e.Version:
		return h, ErrStale
	}
	return h, nil
}

func apply(h *Handoff, e Edit, now time.Time) {
	h.Content.Summary, h.Content.Blockers, h.Notes = e.Summary, e.Blockers, e.Notes
	h.Version++
	h.UpdatedAt = now
}

// Save applies the last edits and saves the handoff: it becomes a Decision
// Log entry whose next action is the next shift's acknowledgement, due
// AckWithin after that shift starts (or after now, if it already started).
func (s *Service) Save(ctx context.Context, e Edit) (Handoff, error) {
	if err := e.check(); err != nil {
		return Handoff{}, err
	}
	var out Handoff
	err := s.DB.InTx(ctx, func(tx *sql.Tx) error {
		h, err := s.editable(ctx, tx, e)
		if err != nil {
			return err
		}
		now := s.now()
		apply(&h, e, now)
		h.State, h.SavedAt = HandoffSaved, now
		h.NextShift, h.AckDueAt = s.ackDue(h.ShiftStart, now)
		out = h
		return s.store(ctx, tx, h)
	})
	if err != nil {
		return Handoff{}, err
	}
	err = s.logHandoff(ctx, &out, e.Actor)
	s.OnChange()
	return out, err
}

// logHandoff appends h's Decision Log entry and links it. Should this fail
// after the save committed, Tick tries again.
func (s *Service) logHandoff(ctx context.Context, h *Handoff, actor string) error {
	entry, _, err := s.Decisions.Append(ctx, handoffDraft(*h, actor))
	if err != nil {
		return fmt.Errorf("record the handoff in the Decision Log: %w", err)
	}
	h.DecisionID = entry.ID
	if _, err := s.DB.Write.ExecContext(ctx, `UPDATE handoffs SET decision_id = $1 WHERE id = $2`, entry.ID, h.ID); err != nil {
		return fmt.Errorf("link the handoff to its decision: %w", err)
	}
	return nil
}

// ackDue is the shift after the one starting at shiftStart, and when it
// must have acknowledged: AckWithin after its start, or after now when it
// started before the handoff was saved.
func (s *Service) ackDue(shiftStart, now time.Time) (string, time.Time) {
	next, ok := s.Shifts.NextStart(shiftStart)
	if !ok {
		return "next shift", now.Add(s.Shifts.Ack())
	}
	return next.Name, maxTime(next.Start, now).Add(s.Shifts.Ack())
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func handoffDraft(h Handoff, actor string) decisionlog.Draft {
	text := h.Content.Summary
	if h.Content.Blockers != "" {
		text += "\n\nBlockers:\n" + h.Content.Blockers
	}
	if h.Notes != "" {
		text += "\n\nNotes:\n" + h.Notes
	}
	if len(text) > decisionlog.MaxRationale {
		text = text[:decisionlog.MaxRationale-1] + "…"
	}
	payload, _ := json.Marshal(map[string]any{"handoff_id": h.ID, "shift": h.Shift, "shift_start": h.ShiftStart,
		"counts": h.Content.Snapshot.Counts()})
	status := ""
	if h.Content.Blockers != "" {
		status = "blocked"
	}
	return decisionlog.Draft{Scope: decisionlog.ScopeOps, Actor: cmp.Or(h.Author, actor), Action: HandoffAction,
		Rationale: "Handoff of the " + h.Shift + " shift.\n\n" + text, Evidence: []string{h.Path()}, Status: status,
		NextAction: "The " + h.NextShift + " shift acknowledges handoff #" + strconv.FormatInt(h.ID, 10), NextActionOwner: h.NextShift,
		NextActionDue: h.AckDueAt, Payload: payload, RecordedBy: cmp.Or(actor, h.Author),
		IdempotencyKey: "handoff:" + strconv.FormatInt(h.ID, 10)}
}

// Acknowledge records that the next shift read a saved handoff: the
// handoff is acknowledged and a Decision Log entry closes its next action.
func (s *Service) Acknowledge(ctx context.Context, id int64, actor string) (Handoff, error) {
	if strings.TrimSpace(actor) == "" {
		return Handoff{}, validation.Errors{"actor": "is required"}
	}
	var out Handoff
	err := s.DB.InTx(ctx, func(tx *sql.Tx) error {
		h, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if h.State != HandoffSaved {
			return ErrWrongState
		}
		now := s.now()
		h.State, h.AcknowledgedBy, h.AcknowledgedAt, h.UpdatedAt = HandoffAcknowledged, actor, now, now
		h.Version++
		out = h
		return s.store(ctx, tx, h)
	})
	if err != nil {
		return Handoff{}, err
	}
	err = s.logAck(ctx, out)
	s.OnChange()
	return out, err
}

// logAck appends the Decision Log entry of h's acknowledgement, which
// closes the handoff's own entry, and links it. Should this fail after the
// acknowledgement committed, Tick tries again.
func (s *Service) logAck(ctx context.Context, h Handoff) error {
	if h.DecisionID == 0 {
		return nil // the handoff's own entry is still to come; Tick appends both
	}
	entry, _, err := s.Decisions.Append(ctx, decisionlog.Draft{Scope: decisionlog.ScopeOps, Actor: h.AcknowledgedBy, Action: AckAction,
		Rationale: fmt.Sprintf("%s acknowledged the handoff of the %s shift (#%d).", h.AcknowledgedBy, h.Shift, h.ID),
		Evidence:  []string{h.Path()}, ClosesID: h.DecisionID, RecordedBy: h.AcknowledgedBy,
		IdempotencyKey: "handoff:" + strconv.FormatInt(h.ID, 10) + ":ack"})
	if err != nil {
		return fmt.Errorf("record the acknowledgement in the Decision Log: %w", err)
	}
	if _, err := s.DB.Write.ExecContext(ctx, `UPDATE handoffs SET ack_decision_id = $1 WHERE id = $2`, entry.ID, h.ID); err != nil {
		return fmt.Errorf("link the acknowledgement to its decision: %w", err)
	}
	return nil
}

const handoffColumns = `id, state, shift, shift_start, author, content, notes, decision_id, version, created_at, updated_at,
	saved_at, next_shift, ack_due_at, acknowledged_by, acknowledged_at, lead_notified_at`

// Get returns one handoff.
func (s *Service) Get(ctx context.Context, id int64) (Handoff, error) {
	return s.get(ctx, nil, id)
}

func (s *Service) get(ctx context.Context, tx *sql.Tx, id int64) (Handoff, error) {
	q := `SELECT ` + handoffColumns + ` FROM handoffs WHERE id = $1`
	var row *sql.Row
	if tx != nil {
		row = tx.QueryRowContext(ctx, q, id)
	} else {
		row = s.DB.Read.QueryRowContext(ctx, q, id)
	}
	h, err := scanHandoff(row)
	if errors.Is(err, sql.ErrNoRows) {
		return h, fmt.Errorf("handoff %d: %w", id, store.ErrNotFound)
	}
	return h, err
}

// List returns the newest handoffs (at most limit), newest first.
func (s *Service) List(ctx context.Context, limit int) ([]Handoff, error) {
	return s.query(ctx, `SELECT `+handoffColumns+` FROM handoffs ORDER BY id DESC LIMIT $1`, limit)
}

// Latest returns the newest saved or acknowledged handoff (ok false: none),
// and the saved ones still waiting for acknowledgement, oldest first:
// what the dashboard tile shows.
func (s *Service) Latest(ctx context.Context) (last Handoff, ok bool, pending []Handoff, err error) {
	hs, err := s.query(ctx, `SELECT `+handoffColumns+` FROM handoffs WHERE state <> 'draft' ORDER BY id DESC LIMIT 1`)
	if err != nil || len(hs) == 0 {
		return Handoff{}, false, nil, err
	}
	pending, err = s.query(ctx, `SELECT `+handoffColumns+` FROM handoffs WHERE state = 'saved' ORDER BY id LIMIT 20`)
	return hs[0], true, pending, err
}

func (s *Service) query(ctx context.Context, q string, args ...any) ([]Handoff, error) {
	rows, err := s.DB.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list handoffs: %w", err)
	}
	defer rows.Close()
	var out []Handoff
	for rows.Next() {
		h, err := scanHandoff(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

func scanHandoff(sc scanner) (Handoff, error) {
	var h Handoff
	var content string
	var decision sql.NullInt64
	var saved, due, acked, notified sql.NullTime
	err := sc.Scan(&h.ID, &h.State, &h.Shift, &h.ShiftStart, &h.Author, &content, &h.Notes, &decision, &h.Version,
		&h.CreatedAt, &h.UpdatedAt, &saved, &h.NextShift, &due, &h.AcknowledgedBy, &acked, &notified)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return h, err
		}
		return h, fmt.Errorf("read handoff: %w", err)
	}
	if err := json.Unmarshal([]byte(content), &h.Content); err != nil {
		h.Content.Summary = content
	}
	h.DecisionID = decision.Int64
	h.ShiftStart, h.CreatedAt, h.UpdatedAt = h.ShiftStart.UTC(), h.CreatedAt.UTC(), h.UpdatedAt.UTC()
	h.SavedAt, h.AckDueAt, h.AcknowledgedAt, h.LeadNotifiedAt = store.TimeOf(saved), store.TimeOf(due), store.TimeOf(acked), store.TimeOf(notified)
	return h, nil
}

func (s *Service) store(ctx context.Context, tx *sql.Tx, h Handoff) error {
	content, err := json.Marshal(h.Content)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE handoffs SET state = $1, content = $2, notes = $3, version = $4, updated_at = $5,
		saved_at = $6, next_shift = $7, ack_due_at = $8, acknowledged_by = $9, acknowledged_at = $10 WHERE id = $11`,
		h.State, string(content), h.Notes, h.Version, h.UpdatedAt, store.NullTime(h.SavedAt), h.NextShift,
		store.NullTime(h.AckDueAt), h.AcknowledgedBy, store.NullTime(h.AcknowledgedAt), h.ID)
	if err != nil {
		return fmt.Errorf("save handoff %d: %w", h.ID, err)
	}
	return nil
}
