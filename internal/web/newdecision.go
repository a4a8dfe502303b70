package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/api"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/report"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/validation"
)

// maxTZOffset bounds a browser's reported offset from UTC, in minutes.
const maxTZOffset = 14 * 60

// decisionForm is the new-decision form's values, as typed.
type decisionForm struct {
	Scope, Actor, Action, Rationale, Evidence, Severity, Status string
	IncidentRef, ConversationRef, ApprovalRef                   string
	NextAction, NextActionOwner                                 string
	// NextActionDue is the datetime-local value, in the zone TZOffset
	// (minutes east of UTC) that the page's script reports.
	NextActionDue, TZOffset, TZName string
	Payload                         string
	// CustomerPromise marks the next action as a promise to a customer
	// (the payload's "customer_promise": true).
	CustomerPromise      bool
	CorrectsID, ClosesID string
	IdempotencyKey       string
}

// newDecisionPage is the new-decision form with its problems.
type newDecisionPage struct {
	Form      decisionForm
	Errors    validation.Errors
	Problems  []fieldProblem
	Corrects  *decisionlog.Entry
	Closes    *decisionlog.Entry
	Scopes    []string
	Severity  []string
	Statuses  []string
	MaxShort  int
	MaxLong   int
	MaxAction int
}

// fieldProblem is one line of a form's error summary, linking its field.
type fieldProblem struct {
	ID, Label, Message string
}

// decisionFields names the form's fields (validation.Errors keys) in page
// order, with their labels.
func decisionFields() [][2]string {
	return [][2]string{
		{"scope", "Scope"}, {"actor", "Actor"}, {"action", "Action"}, {"rationale", "Rationale"},
		{"evidence", "Evidence links"}, {"severity", "Severity"}, {"status", "Status"},
		{"incident_ref", "Incident"}, {"conversation_ref", "Conversation"}, {"approval_ref", "Approval"},
		{"next_action", "Next action"}, {"next_action_owner", "Owner"}, {"next_action_due", "Due"},
		{"payload", "Payload"}, {"corrects_id", "Corrects"}, {"closes_id", "Closes"},
		{"idempotency_key", "Form key"},
	}
}

func (h *Handler) newDecisionForm(w http.ResponseWriter, r *http.Request) {
	p, _ := httpx.PrincipalFrom(r.Context())
	q := r.URL.Query()
	f := decisionForm{Actor: p.Name, CorrectsID: q.Get("corrects"), ClosesID: q.Get("closes"), IdempotencyKey: newFormKey()}
	page := h.newDecisionPage(r.Context(), f, validation.Errors{})
	if page.Corrects != nil {
		page.Form.Scope = page.Corrects.Scope
	}
	if page.Closes != nil {
		page.Form.Scope = page.Closes.Scope
	}
	h.renderNewDecision(w, r, http.StatusOK, page)
}

// newDecisionPage loads what the form refers to (checking the references)
// and orders the errors for the summary.
func (h *Handler) newDecisionPage(ctx context.Context, f decisionForm, errs validation.Errors) newDecisionPage {
	p := newDecisionPage{Form: f, Errors: errs,
		Scopes: decisionlog.Scopes(), Severity: decisionlog.Severities(), Statuses: decisionlog.Statuses(),
		MaxShort: decisionlog.MaxShortText, MaxLong: decisionlog.MaxRationale, MaxAction: decisionlog.MaxNextAction}
	p.Corrects = h.reference(ctx, f.CorrectsID, "corrects_id", errs)
	p.Closes = h.reference(ctx, f.ClosesID, "closes_id", errs)
	for _, fl := range decisionFields() {
		if msg, ok := errs[fl[0]]; ok {
			p.Problems = append(p.Problems, fieldProblem{ID: "f-" + fl[0], Label: fl[1], Message: msg})
		}
	}
	return p
}

// reference loads the decision a hidden corrects/closes field names.
func (h *Handler) reference(ctx context.Context, raw, field string, errs validation.Errors) *decisionlog.Entry {
	if raw == "" {
		return nil
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		errs.Add(field, "must be a decision id")
		return nil
	}
	e, err := h.Decisions.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		errs.Add(field, "decision #%d does not exist", id)
		return nil
	}
	if err != nil {
		errs.Add(field, "decision #%d could not be read; try again", id)
		return nil
	}
	return &e
}

func (h *Handler) renderNewDecision(w http.ResponseWriter, r *http.Request, status int, p newDecisionPage) {
	h.render(w, r, status, "decision_new", view{Title: "Log a decision", Nav: "decisions", Page: p})
}

func (h *Handler) newDecision(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	f := readDecisionForm(r.PostForm)
	p, _ := httpx.PrincipalFrom(r.Context())
	draft, errs := draftFrom(f, p.Name)
	if len(errs) > 0 {
		h.renderNewDecision(w, r, http.StatusUnprocessableEntity, h.newDecisionPage(r.Context(), f, errs))
		return
	}
	e, created, err := h.Decisions.Append(r.Context(), draft)
	var verrs validation.Errors
	switch {
	case errors.As(err, &verrs):
		h.renderNewDecision(w, r, http.StatusUnprocessableEntity, h.newDecisionPage(r.Context(), f, verrs))
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	msg := fmt.Sprintf("Decision #%d logged.", e.ID)
	if !created {
		msg = fmt.Sprintf("Decision #%d was already logged from this form; it was not logged twice.", e.ID)
	}
	h.setFlash(w, "ok", msg)
	seeOther(w, r, "/")
}

func readDecisionForm(v url.Values) decisionForm {
	return decisionForm{
		Scope: v.Get("scope"), Actor: v.Get("actor"), Action: v.Get("action"), Rationale: v.Get("rationale"),
		Evidence: v.Get("evidence"), Severity: v.Get("severity"), Status: v.Get("status"),
		IncidentRef: v.Get("incident_ref"), ConversationRef: v.Get("conversation_ref"), ApprovalRef: v.Get("approval_ref"),
		NextAction: v.Get("next_action"), NextActionOwner: v.Get("next_action_owner"),
		NextActionDue: v.Get("next_action_due"), TZOffset: v.Get("tz_offset"), TZName: v.Get("tz_name"),
		Payload: v.Get("payload"), CustomerPromise: v.Get("customer_promise") != "", CorrectsID: v.Get("corrects_id"), ClosesID: v.Get("closes_id"),
		IdempotencyKey: v.Get("idempotency_key"),
	}
}

// draftFrom builds the draft as the API would (api.DraftFrom), after
// checking what only the form can get wrong: the local due time and the
// reference ids. recordedBy is the signed-in user.
func draftFrom(f decisionForm, recordedBy string) (decisionlog.Draft, validation.Errors) {
	errs := validation.Errors{}
	in := client.NewDecision{
		Scope: f.Scope, Actor: f.Actor, Action: f.Action, Rationale: f.Rationale,
		Evidence: strings.Split(f.Evidence, "\n"), Severity: f.Severity, Status: f.Status,
		IncidentRef: f.IncidentRef, ConversationRef: f.ConversationRef, ApprovalRef: f.ApprovalRef,
		NextAction: f.NextAction, NextActionOwner: f.NextActionOwner,
		NextActionDue: localDue(f.NextActionDue, f.TZOffset, errs),
		CorrectsID:    formID(f.CorrectsID, "corrects_id", errs), ClosesID: formID(f.ClosesID, "closes_id", errs),
	}
	if p := strings.TrimSpace(f.Payload); p != "" {
		in.Payload = json.RawMessage(p)
	}
	if f.CustomerPromise {
		in.Payload = report.MarkCustomerPromise(in.Payload)
	}
	if len(errs) > 0 {
		return decisionlog.Draft{}, errs
	}
	d, err := api.DraftFrom(in, recordedBy, f.IdempotencyKey)
	var verrs validation.Errors
	if errors.As(err, &verrs) {
		return d, verrs
	}
	return d, nil
}

// localDue turns a datetime-local value and the browser's offset (minutes
// east of UTC; UTC when the script did not run) into RFC 3339.
func localDue(local, offset string, errs validation.Errors) string {
	local = strings.TrimSpace(local)
	if local == "" {
		return ""
	}
	zone := time.UTC
	if off, err := strconv.Atoi(offset); err == nil && off >= -maxTZOffset && off <= maxTZOffset {
		zone = time.FixedZone("", off*60)
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, local, zone); err == nil {
			return t.Format(time.RFC3339)
		}
	}
	errs.Add("next_action_due", "must be a date and time, such as 2026-12-01 17:00")
	return ""
}

func formID(raw, field string, errs validation.Errors) int64 {
	if raw == "" {
		return 0
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		errs.Add(field, "must be a decision id")
	}
	return id
}

// newFormKey is the idempotency key a rendered form carries, so submitting
// it twice logs one decision.
func newFormKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "web-" + hex.EncodeToString(b)
}
