package approval

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/agnivade/levenshtein"

	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/jobs"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/validation"
)

// Review is a reviewer's action on one version of a draft.
type Review struct {
	DraftID int64
	// Version is the draft's version the reviewer saw.
	Version int
	Actor   string
	// Text is the reviewer's edit of the reply or note; "" keeps the
	// agent's text.
	Text string
	// Grades are required to approve a customer reply.
	Grades *Grades
	// Note is what to change (request changes), why (reject), or an
	// optional remark (approve).
	Note string
}

// Review actions, as they appear in history and the Decision Log.
const (
	ActionApprove        = "approve"
	ActionRequestChanges = "request_changes"
	ActionReject         = "reject"
	ActionRetry          = "retry"
)

// Approve approves a pending draft as edited; a send job takes it from
// there. A customer reply needs all three grades.
func (s *Service) Approve(ctx context.Context, r Review) (Draft, error) {
	return s.review(ctx, r, ActionApprove)
}

// RequestChanges sends a pending draft back to its agent with a note.
func (s *Service) RequestChanges(ctx context.Context, r Review) (Draft, error) {
	return s.review(ctx, r, ActionRequestChanges)
}

// Reject ends a pending draft; the reason is required.
func (s *Service) Reject(ctx context.Context, r Review) (Draft, error) {
	return s.review(ctx, r, ActionReject)
}

// Retry sends a draft whose send failed again.
func (s *Service) Retry(ctx context.Context, r Review) (Draft, error) {
	return s.review(ctx, r, ActionRetry)
}

func validateReview(r *Review, action, kind string) error {
	errs := validation.Errors{}
	r.Note = strings.TrimSpace(r.Note)
	errs.MaxLen("note", r.Note, 4000)
	if r.Version <= 0 {
		errs.Add("version", "is required: the version of the draft you reviewed")
	}
	switch action {
	case ActionApprove:
		r.Text = strings.TrimSpace(r.Text)
		errs.MaxLen("text", r.Text, MaxText)
		checkGrades(r.Grades, kind == KindReply, errs)
	case ActionRequestChanges:
		if r.Note == "" {
			errs.Add("note", "is required: tell the agent what to change")
		}
	case ActionReject:
		if r.Note == "" {
			errs.Add("note", "is required: say why the draft is rejected")
		}
	}
	return errs.Err()
}

// checkGrades names each missing or out-of-range grade.
func checkGrades(g *Grades, required bool, errs validation.Errors) {
	if g == nil {
		g = &Grades{}
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"tone", g.Tone}, {"accuracy", g.Accuracy}, {"policy", g.Policy}} {
		switch {
		case f.v == 0 && required:
			errs.Add("grades."+f.name, "is required (1–5) to approve a customer reply")
		case f.v != 0 && (f.v < 1 || f.v > 5):
			errs.Add("grades."+f.name, "must be from 1 to 5")
		}
	}
}

// from lists the states an action applies in.
func from(action string) []string {
	if action == ActionRetry {
		return []string{StateSendFailed}
	}
	return []string{StatePending}
}

func (s *Service) review(ctx context.Context, r Review, action string) (Draft, error) {
	cur, err := s.Get(ctx, r.DraftID)
	if err != nil {
		return cur, err
	}
	if err := validateReview(&r, action, cur.Kind); err != nil {
		return cur, err
	}
	var d Draft
	err = s.DB.InTx(ctx, func(tx *sql.Tx) error {
		d, err = s.lock(ctx, tx, r.DraftID)
		if err != nil {
			return err
		}
		if d.Version != r.Version {
			return fmt.Errorf("%w: it is at version %d (%s), you saw version %d", ErrStale, d.Version, d.State, r.Version)
		}
		if !contains(from(action), d.State) {
			return fmt.Errorf("%w: a draft that is %s cannot be %s", ErrWrongState, d.State, pastTense(action))
		}
		return s.apply(ctx, tx, &d, r, action)
	})
	if err != nil {
		return d, err
	}
	s.logReview(ctx, d, action)
	s.OnChange()
	return d, nil
}

// apply changes the locked draft, records the step, and enqueues what
// follows (the send, the Decision Log entry).
func (s *Service) apply(ctx context.Context, tx *sql.Tx, d *Draft, r Review, action string) error {
	now := s.now()
	d.Version++
	d.UpdatedAt = now
	detail := r.Note
	switch action {
	case ActionApprove:
		d.State, d.Reviewer, d.ReviewedAt, d.ReviewNote, d.Grades = StateApproved, r.Actor, now, r.Note, nonZero(r.Grades)
		d.FinalText = d.Text
		if r.Text != "" && d.Kind != KindLabels {
			d.FinalText = r.Text
		}
		dist, ratio := editDistance(d.Text, d.FinalText)
		d.EditDistance, d.EditRatio = &dist, &ratio
		detail = fmt.Sprintf("approved; edit distance %d (%.0f%%)", dist, ratio*100)
	case ActionRequestChanges:
		d.State, d.Reviewer, d.ReviewedAt, d.ReviewNote = StateChangesRequested, r.Actor, now, r.Note
	case ActionReject:
		d.State, d.Reviewer, d.ReviewedAt, d.ReviewNote = StateRejected, r.Actor, now, r.Note
	case ActionRetry:
		d.State, d.StateReason = StateApproved, ""
		detail = "send retried by " + r.Actor
	}
	var tone, acc, pol sql.NullInt64
	if g := d.Grades; g != nil {
		tone, acc, pol = nullInt(g.Tone), nullInt(g.Accuracy), nullInt(g.Policy)
	}
	_, err := tx.ExecContext(ctx, `UPDATE drafts SET state = $2, version = $3, final_text = $4, grade_tone = $5, grade_accuracy = $6,
		grade_policy = $7, edit_distance = $8, edit_ratio = $9, reviewer = $10, review_note = $11, reviewed_at = $12, updated_at = $13,
		state_reason = $14 WHERE id = $1`,
		d.ID, d.State, d.Version, d.FinalText, tone, acc, pol, nullIntPtr(d.EditDistance), nullFloat(d.EditRatio),
		d.Reviewer, d.ReviewNote, store.NullTime(d.ReviewedAt), now, d.StateReason)
	if err != nil {
		return fmt.Errorf("record review: %w", err)
	}
	if err := record(ctx, tx, d.ID, now, r.Actor, action, d.State, detail); err != nil {
		return err
	}
	if d.State == StateApproved {
		if err := s.Jobs.EnqueueTx(ctx, tx, JobSend, SendArgs{DraftID: d.ID, Version: d.Version}); err != nil {
			return err
		}
	}
	return s.Jobs.EnqueueTx(ctx, tx, JobDecision, decisionArgs{DraftID: d.ID, Version: d.Version, Action: action, Actor: r.Actor})
}

// editDistance is the Levenshtein distance between two texts, in
// characters, and its share of the longer text.
func editDistance(a, b string) (int, float64) {
	if a == b {
		return 0, 0
	}
	d := levenshtein.ComputeDistance(a, b)
	n := max(utf8.RuneCountInString(a), utf8.RuneCountInString(b))
	return d, float64(d) / float64(n)
}

// decisionArgs name the review a Decision Log entry records.
type decisionArgs struct {
	DraftID int64  `json:"draft_id"`
	Version int    `json:"version"`
	Action  string `json:"action"`
	Actor   string `json:"actor"`
}

// logReview writes the review's Decision Log entry now; the job enqueued
// with the review writes it if this does not (its idempotency key makes
// the second write a no-op).
func (s *Service) logReview(ctx context.Context, d Draft, action string) {
	if err := s.appendDecision(ctx, d, action, d.Reviewer); err != nil {
		s.Logger.Warn("record draft review in the decision log; the job will retry", "draft_id", d.ID, "error", err)
	}
}

// WorkDecision is the JobDecision handler.
func (s *Service) WorkDecision(ctx context.Context, j jobs.Job) error {
	var a decisionArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return jobs.Permanent(fmt.Errorf("decode decision job: %w", err))
	}
	d, err := s.Get(ctx, a.DraftID)
	if err != nil {
		return err
	}
	return s.appendDecision(ctx, d, a.Action, a.Actor)
}

func (s *Service) appendDecision(ctx context.Context, d Draft, action, actor string) error {
	if s.Decisions == nil {
		return nil
	}
	payload := map[string]any{"draft_id": d.ID, "kind": d.Kind, "risk": d.Risk, "revision": d.Revision, "agent": d.Agent, "model": d.Model}
	if action == ActionApprove {
		payload["grades"], payload["edit_distance"], payload["edit_ratio"] = d.Grades, d.EditDistance, d.EditRatio
	}
	if d.ReviewNote != "" {
		payload["note"] = d.ReviewNote
	}
	rationale := fmt.Sprintf("%s %s draft #%d (%s, %s risk) by %s", capitalise(pastTense(action)), kindName(d.Kind), d.ID, "revision "+strconv.Itoa(d.Revision), d.Risk, d.Agent)
	if d.ReviewNote != "" && action != ActionRetry {
		rationale += ": " + d.ReviewNote
	}
	entry := decisionlog.Draft{Scope: decisionlog.ScopeOps, Actor: actor, Action: "draft." + action, Rationale: truncate(rationale, decisionlog.MaxRationale-10),
		Status: "completed", ApprovalRef: d.Ref(), Payload: json.RawMessage(mustJSON(payload)), RecordedBy: actor,
		IdempotencyKey: fmt.Sprintf("draft-review:%d:%d", d.ID, d.Version)}
	if conv, err := s.Conversations.Get(ctx, d.ConversationID); err == nil {
		entry.ConversationRef = conversation.ConversationRef(conv)
	}
	_, _, err := s.Decisions.Append(ctx, entry)
	return err
}

func pastTense(action string) string {
	switch action {
	case ActionApprove:
		return "approved"
	case ActionRequestChanges:
		return "sent back with changes requested"
	case ActionReject:
		return "rejected"
	case ActionRetry:
		return "retried"
	}
	return action
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func nonZero(g *Grades) *Grades {
	if g == nil || (g.Tone == 0 && g.Accuracy == 0 && g.Policy == 0) {
		return nil
	}
	return g
}

func nullInt(n int) sql.NullInt64 { return sql.NullInt64{Int64: int64(n), Valid: n != 0} }

func nullIntPtr(n *int) sql.NullInt64 {
	if n == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: int64(*n), Valid: true}
}
