package web

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/hotdash/hotdash/internal/approval"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/validation"
)

// recentMessages is how many of the conversation's messages the review
// page shows.
const recentMessages = 12

// draftPage is one draft's review page.
type draftPage struct {
	D    approval.Draft
	Conv conversation.Conversation
	// Messages are the conversation's recent messages; New marks those
	// the agent had not seen.
	Messages []draftMessage
	// NewFromCustomer counts customer messages the agent had not seen.
	NewFromCustomer int
	// Segments are the agent's text, cut where risk reasons highlight it.
	Segments []segment
	History  []approval.Event
	// CanReview shows the review form; Editable when the draft waits for
	// review.
	CanReview bool
	Editable  bool
	Form      draftForm
	// Errors holds field errors by form field (grades_tone, note…);
	// Problems lists them for the summary at the top of the form.
	Errors   map[string]string
	Problems []fieldProblem
	// Conflict explains a review that lost to someone else's.
	Conflict         string
	PrevURL, NextURL string
	DryRun           bool
}

type draftMessage struct {
	conversation.Message
	New bool
}

// draftForm is what the reviewer typed.
type draftForm struct {
	Text                   string
	Tone, Accuracy, Policy int
	Note                   string
}

// segment is a run of the draft's text; Rules names the reasons that
// highlight it (none: plain text).
type segment struct {
	Text  string
	Rules string
}

// gradeScale is the 1–5 scale of the grade radios.
func gradeScale() []int { return []int{1, 2, 3, 4, 5} }

func (h *Handler) draft(w http.ResponseWriter, r *http.Request) {
	d, err := h.Approvals.Get(r.Context(), pathID(r))
	if errors.Is(err, store.ErrNotFound) {
		h.notFound(w, r, "That draft does not exist.")
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p, err := h.loadDraftPage(r.Context(), d)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Form = draftForm{Text: d.OutgoingText(), Note: ""}
	if g := d.Grades; g != nil {
		p.Form.Tone, p.Form.Accuracy, p.Form.Policy = g.Tone, g.Accuracy, g.Policy
	}
	h.renderDraft(w, r, http.StatusOK, p)
}

func (h *Handler) renderDraft(w http.ResponseWriter, r *http.Request, status int, p draftPage) {
	title := "Draft #" + strconv.FormatInt(p.D.ID, 10)
	h.render(w, r, status, "draft", view{Title: title, Nav: "approvals", Page: p})
}

// loadDraftPage reads what the review page shows around a draft.
func (h *Handler) loadDraftPage(ctx context.Context, d approval.Draft) (draftPage, error) {
	pr, _ := httpx.PrincipalFrom(ctx)
	p := draftPage{D: d, CanReview: pr.Can(auth.ReviewDrafts), DryRun: h.Actions.DryRun()}
	p.Editable = p.CanReview && d.State == approval.StatePending
	var err error
	if p.Conv, err = h.Conversations.Get(ctx, d.ConversationID); err != nil {
		return p, err
	}
	msgs, err := h.Conversations.Messages(ctx, d.ConversationID, recentMessages)
	if err != nil {
		return p, err
	}
	for _, m := range msgs {
		isNew := m.SourceID > d.ContextMessageID
		if isNew && m.Kind == "incoming" && !m.Private {
			p.NewFromCustomer++
		}
		p.Messages = append(p.Messages, draftMessage{Message: m, New: isNew})
	}
	p.Segments = highlight(d.Text, d.RiskReasons)
	if p.History, err = h.Approvals.History(ctx, d.ID); err != nil {
		return p, err
	}
	prev, next, err := h.Approvals.Neighbours(ctx, d, approval.StatePending)
	if prev > 0 {
		p.PrevURL = draftURL(prev)
	}
	if next > 0 {
		p.NextURL = draftURL(next)
	}
	return p, err
}

// highlight cuts text into plain and highlighted runs from the reasons'
// spans (merged where they overlap).
func highlight(text string, reasons []approval.Reason) []segment {
	type mark struct {
		start, end int
		rule       string
	}
	var marks []mark
	for _, re := range reasons {
		for _, s := range re.Spans {
			if s[0] >= 0 && s[1] <= len(text) && s[0] < s[1] {
				marks = append(marks, mark{s[0], s[1], re.Text})
			}
		}
	}
	sort.Slice(marks, func(i, j int) bool { return marks[i].start < marks[j].start })
	var out []segment
	pos := 0
	for i := 0; i < len(marks); {
		m := marks[i]
		rules := []string{m.rule}
		for i++; i < len(marks) && marks[i].start < m.end; i++ {
			m.end = max(m.end, marks[i].end)
			rules = append(rules, marks[i].rule)
		}
		if m.start < pos {
			m.start = pos
		}
		if m.start > pos {
			out = append(out, segment{Text: text[pos:m.start]})
		}
		if m.end > m.start {
			out = append(out, segment{Text: text[m.start:m.end], Rules: strings.Join(rules, "; ")})
			pos = m.end
		}
	}
	if pos < len(text) {
		out = append(out, segment{Text: text[pos:]})
	}
	return out
}

// reviewDraft carries out the review form's action.
func (h *Handler) reviewDraft(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	id := pathID(r)
	f := r.PostForm
	pr, _ := httpx.PrincipalFrom(r.Context())
	form := draftForm{Text: f.Get("text"), Note: f.Get("note"), Tone: grade(f.Get("tone")), Accuracy: grade(f.Get("accuracy")), Policy: grade(f.Get("policy"))}
	version, _ := strconv.Atoi(f.Get("version"))
	rev := approval.Review{DraftID: id, Version: version, Actor: pr.Name, Text: form.Text, Note: form.Note,
		Grades: &approval.Grades{Tone: form.Tone, Accuracy: form.Accuracy, Policy: form.Policy}}
	action := f.Get("action")
	var act func(context.Context, approval.Review) (approval.Draft, error)
	switch action {
	case approval.ActionApprove:
		act = h.Approvals.Approve
	case approval.ActionRequestChanges:
		act = h.Approvals.RequestChanges
	case approval.ActionReject:
		act = h.Approvals.Reject
	case approval.ActionRetry:
		act = h.Approvals.Retry
	default:
		h.fail(w, r, httpx.NewError(http.StatusBadRequest, "bad_action", "choose approve, request changes, reject or retry"))
		return
	}
	// The next draft is found before acting: what the action sets off
	// (a send answering the customer) may move the next one on at once.
	next := h.nextPending(r.Context(), id)
	d, err := act(r.Context(), rev)
	if err == nil {
		h.reviewed(w, r, d, action, next)
		return
	}
	h.reviewFailed(w, r, id, form, err)
}

// grade reads a grade radio (0: none chosen).
func grade(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}

// nextPending is the draft waiting for review after draft id in queue
// order (0: none).
func (h *Handler) nextPending(ctx context.Context, id int64) int64 {
	cur, err := h.Approvals.Get(ctx, id)
	if err != nil {
		return 0
	}
	_, next, err := h.Approvals.Neighbours(ctx, cur, approval.StatePending)
	if err != nil {
		return 0
	}
	return next
}

// reviewed confirms the action and moves on to the next draft waiting.
func (h *Handler) reviewed(w http.ResponseWriter, r *http.Request, d approval.Draft, action string, next int64) {
	msg := "Draft #" + strconv.FormatInt(d.ID, 10) + " "
	switch action {
	case approval.ActionApprove:
		msg += "approved; it is being sent"
		if h.Actions.DryRun() {
			msg += " (dry run: recorded, not delivered)"
		}
	case approval.ActionRequestChanges:
		msg += "sent back to " + d.Agent + " with your note"
	case approval.ActionReject:
		msg += "rejected"
	case approval.ActionRetry:
		msg += "is being sent again"
	}
	h.setFlash(w, "ok", msg+".")
	if action == approval.ActionRetry {
		seeOther(w, r, draftURL(d.ID))
		return
	}
	if next == 0 {
		seeOther(w, r, "/approvals")
		return
	}
	seeOther(w, r, draftURL(next))
}

// reviewFailed shows the page again with what went wrong, keeping what
// the reviewer typed.
func (h *Handler) reviewFailed(w http.ResponseWriter, r *http.Request, id int64, form draftForm, err error) {
	var verrs validation.Errors
	status := http.StatusUnprocessableEntity
	conflict := ""
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.notFound(w, r, "That draft does not exist.")
		return
	case errors.As(err, &verrs):
	case errors.Is(err, approval.ErrStale), errors.Is(err, approval.ErrWrongState):
		status, conflict = http.StatusConflict, "Someone else acted on this draft first: "+err.Error()+". Nothing you typed was applied; it is kept below."
	default:
		h.fail(w, r, err)
		return
	}
	d, gerr := h.Approvals.Get(r.Context(), id)
	if gerr != nil {
		h.fail(w, r, gerr)
		return
	}
	p, gerr := h.loadDraftPage(r.Context(), d)
	if gerr != nil {
		h.fail(w, r, gerr)
		return
	}
	p.Form, p.Conflict = form, conflict
	p.Errors, p.Problems = reviewProblems(verrs)
	h.renderDraft(w, r, status, p)
}

// reviewProblems maps the review's field errors onto the form.
func reviewProblems(verrs validation.Errors) (map[string]string, []fieldProblem) {
	fields := []struct{ key, form, id, label string }{
		{"text", "text", "review-text", "Text"},
		{"grades.tone", "grades_tone", "grade-tone", "Tone"},
		{"grades.accuracy", "grades_accuracy", "grade-accuracy", "Accuracy"},
		{"grades.policy", "grades_policy", "grade-policy", "Policy"},
		{"note", "note", "review-note", "Note"},
		{"version", "version", "review-form", "Version"},
	}
	errs := map[string]string{}
	var problems []fieldProblem
	for _, f := range fields {
		if msg, ok := verrs[f.key]; ok {
			errs[f.form] = msg
			problems = append(problems, fieldProblem{ID: f.id, Label: f.label, Message: msg})
		}
	}
	return errs, problems
}
