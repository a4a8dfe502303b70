package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/approval"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/validation"
)

func (a *API) registerDrafts(r *httpx.Router) {
	r.API("POST /api/v1/drafts", auth.SubmitDrafts, a.submitDraft)
	r.API("GET /api/v1/drafts", auth.ReadDrafts, a.listDrafts)
	r.API("GET /api/v1/drafts/{id}", auth.ReadDrafts, a.getDraft)
	r.API("POST /api/v1/drafts/{id}/revisions", auth.SubmitDrafts, a.reviseDraft)
	r.API("POST /api/v1/drafts/{id}/approve", auth.ReviewDrafts, a.reviewDraft(a.Approvals.Approve))
	r.API("POST /api/v1/drafts/{id}/request-changes", auth.ReviewDrafts, a.reviewDraft(a.Approvals.RequestChanges))
	r.API("POST /api/v1/drafts/{id}/reject", auth.ReviewDrafts, a.reviewDraft(a.Approvals.Reject))
	r.API("POST /api/v1/drafts/{id}/retry", auth.ReviewDrafts, a.reviewDraft(a.Approvals.Retry))
	r.API("POST /api/v1/drafts/bulk-approve", auth.ReviewDrafts, a.bulkApprove)
	a.registerGrading(r)
}

// DraftProblem maps the approval errors a client acts on.
func DraftProblem(err error) error {
	switch {
	case errors.Is(err, approval.ErrStale):
		return httpx.NewError(http.StatusConflict, "stale", err.Error()+"; reload it and review the current version")
	case errors.Is(err, approval.ErrWrongState):
		return httpx.NewError(http.StatusConflict, "wrong_state", err.Error())
	case errors.Is(err, approval.ErrUnknownConversation):
		return validation.Errors{"conversation_id": "HotDash does not know this conversation (yet): check the id, or wait for Chatwoot's webhook or the next reconciliation"}
	case errors.Is(err, approval.ErrIdempotencyMismatch):
		return httpx.NewError(http.StatusUnprocessableEntity, "idempotency_mismatch", err.Error())
	}
	return err
}

func (a *API) submitDraft(w http.ResponseWriter, r *http.Request) {
	var in client.NewDraft
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	p, _ := httpx.PrincipalFrom(r.Context())
	sub := approval.Submission{ConversationID: in.ConversationID, ConversationDisplayID: in.ConversationDisplayID, Kind: in.Kind,
		Text: in.Text, Agent: in.Agent, Model: in.Model, Confidence: in.Confidence, Citations: citationsIn(in.Citations),
		IdempotencyKey: r.Header.Get("Idempotency-Key"), SubmittedBy: p.Name}
	if in.Labels != nil {
		sub.Labels = approval.LabelChange{Add: in.Labels.Add, Remove: in.Labels.Remove}
	}
	d, created, err := a.Approvals.Submit(r.Context(), sub)
	if err != nil {
		httpx.WriteError(w, r, DraftProblem(err))
		return
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	w.Header().Set("Location", "/api/v1/drafts/"+strconv.FormatInt(d.ID, 10))
	httpx.WriteJSON(w, status, DraftOut(d, 0))
}

func (a *API) listDrafts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	errs := validation.Errors{}
	f := approval.Filter{State: q.Get("state"), Risk: q.Get("risk"), ConversationID: parseID(q.Get("conversation_id"), "conversation_id", errs)}
	limit, err := parseLimit(q.Get("limit"), approval.MaxLimit)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if err := errs.Err(); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	items, next, err := a.Approvals.List(r.Context(), f, limit, q.Get("cursor"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	counts, err := a.Approvals.Counts(r.Context())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	out := client.DraftPage{Drafts: make([]client.Draft, len(items)), NextCursor: next, Pending: counts.Pending}
	for i, it := range items {
		out.Drafts[i] = DraftOut(it.Draft, it.ConversationDisplayID)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (a *API) getDraft(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	d, err := a.Approvals.Get(r.Context(), id)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	hist, err := a.Approvals.History(r.Context(), id)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	out := client.DraftDetail{Draft: DraftOut(d, 0), History: make([]client.DraftEvent, len(hist))}
	for i, e := range hist {
		out.History[i] = client.DraftEvent{At: e.At, Actor: e.Actor, Action: e.Action, State: e.State, Detail: e.Detail}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (a *API) reviseDraft(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	var in client.DraftRevision
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	p, _ := httpx.PrincipalFrom(r.Context())
	rev := approval.Revision{DraftID: id, Text: in.Text, Model: in.Model, Confidence: in.Confidence, Citations: citationsIn(in.Citations), By: p.Name}
	if in.Labels != nil {
		rev.Labels = approval.LabelChange{Add: in.Labels.Add, Remove: in.Labels.Remove}
	}
	d, err := a.Approvals.Revise(r.Context(), rev)
	if err != nil {
		httpx.WriteError(w, r, DraftProblem(err))
		return
	}
	httpx.WriteJSON(w, http.StatusOK, DraftOut(d, 0))
}

func (a *API) reviewDraft(act func(ctx context.Context, r approval.Review) (approval.Draft, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		var in client.DraftReview
		if err := httpx.DecodeJSON(w, r, &in); err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		p, _ := httpx.PrincipalFrom(r.Context())
		rev := approval.Review{DraftID: id, Version: in.Version, Actor: p.Name, Text: in.Text, Note: in.Note}
		if in.Grades != nil {
			rev.Grades = &approval.Grades{Tone: in.Grades.Tone, Accuracy: in.Grades.Accuracy, Policy: in.Grades.Policy}
		}
		d, err := act(r.Context(), rev)
		if err != nil {
			httpx.WriteError(w, r, DraftProblem(err))
			return
		}
		httpx.WriteJSON(w, http.StatusOK, DraftOut(d, 0))
	}
}

func (a *API) bulkApprove(w http.ResponseWriter, r *http.Request) {
	var in client.BulkApproval
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	p, _ := httpx.PrincipalFrom(r.Context())
	items := make([]approval.BulkItem, len(in.Drafts))
	for i, d := range in.Drafts {
		items[i] = approval.BulkItem{DraftID: d.ID, Version: d.Version}
	}
	res, err := a.Approvals.BulkApprove(r.Context(), p.Name, items)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	out := client.BulkResult{Approved: make([]client.Draft, len(res.Approved)), Failed: res.Failed}
	for i, d := range res.Approved {
		out.Approved[i] = DraftOut(d, 0)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func citationsIn(cs []client.Citation) []approval.Citation {
	out := make([]approval.Citation, len(cs))
	for i, c := range cs {
		out[i] = approval.Citation{Title: c.Title, URL: c.URL, Snippet: c.Snippet}
	}
	return out
}

// DraftOut is d on the wire; displayID is its conversation's Chatwoot
// number when known.
func DraftOut(d approval.Draft, displayID int64) client.Draft {
	out := client.Draft{ID: d.ID, ConversationID: d.ConversationID, ConversationDisplayID: displayID, Kind: d.Kind, State: d.State,
		Version: d.Version, Revision: d.Revision, Text: d.Text, FinalText: d.FinalText,
		Labels: client.LabelChange{Add: d.Labels.Add, Remove: d.Labels.Remove}, Agent: d.Agent, Model: d.Model,
		Confidence: d.Confidence, Citations: make([]client.Citation, len(d.Citations)), Risk: d.Risk,
		RiskReasons: make([]client.RiskReason, len(d.RiskReasons)), DueAt: optionalTimePtr(d.DueAt), EditDistance: d.EditDistance,
		EditRatio: d.EditRatio, Reviewer: d.Reviewer, ReviewNote: d.ReviewNote, StateReason: d.StateReason,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, ReviewedAt: optionalTimePtr(d.ReviewedAt), SentAt: optionalTimePtr(d.SentAt),
		ConfirmedAt: optionalTimePtr(d.ConfirmedAt), ChatwootMessageID: d.ChatwootMessageID, SendAttempts: d.SendAttempts, DryRun: d.DryRun}
	for i, c := range d.Citations {
		out.Citations[i] = client.Citation{Title: c.Title, URL: c.URL, Snippet: c.Snippet}
	}
	for i, r := range d.RiskReasons {
		out.RiskReasons[i] = client.RiskReason{Rule: r.Rule, Level: r.Level, Text: r.Text, Spans: r.Spans}
	}
	if g := d.Grades; g != nil {
		out.Grades = &client.Grades{Tone: g.Tone, Accuracy: g.Accuracy, Policy: g.Policy}
	}
	return out
}
