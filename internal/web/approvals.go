package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/hotdash/hotdash/internal/approval"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/validation"
)

// approvalsResultsEvent is the SSE event carrying the queue's results.
const approvalsResultsEvent = "approvals-results"

// registerApprovals adds the approvals queue and review pages.
func (h *Handler) registerApprovals(r *httpx.Router) {
	r.Page("GET /approvals", auth.ReadDrafts, h.approvals)
	r.Page("GET /events/approvals", auth.ReadDrafts, h.approvalsEvents)
	r.Page("POST /approvals/bulk", auth.ReviewDrafts, h.bulkApprove)
	r.Page("GET /approvals/{id}", auth.ReadDrafts, h.draft)
	r.Page("POST /approvals/{id}/review", auth.ReviewDrafts, h.reviewDraft)
}

// approvalsPage is the approvals queue: tabs by state, risk filters, and
// the live results.
type approvalsPage struct {
	State     string
	Risk      string
	States    []tab
	Risks     []tab
	Results   approvalsResults
	StreamURL string
	Errors    validation.Errors
}

// tab is one state tab or risk filter, with its count.
type tab struct {
	Label   string
	Value   string
	URL     string
	Count   int
	Counted bool
	Current bool
}

// approvalsResults is what the live stream re-renders.
type approvalsResults struct {
	State    string
	Risk     string
	Rows     []approvalRow
	NextURL  string
	FirstURL string
	// Total is how many drafts wait for review (any risk).
	Total int
	// CanBulk shows the bulk-approval form (low-risk drafts pending, a
	// reviewer looking).
	CanBulk bool
}

// stateLabels names draft states for people.
func stateLabels() map[string]string {
	return map[string]string{
		approval.StatePending: "Pending review", approval.StateChangesRequested: "Changes requested",
		approval.StateApproved: "Sending", approval.StateSendFailed: "Send failed", approval.StateSent: "Sent",
		approval.StateRejected: "Rejected", approval.StateExpired: "Expired",
	}
}

func (h *Handler) approvals(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := approvalsPage{State: q.Get("state"), Risk: q.Get("risk")}
	if p.State == "" {
		p.State = approval.StatePending
	}
	res, counts, err := h.loadApprovals(r.Context(), q)
	var verrs validation.Errors
	if errors.As(err, &verrs) {
		p.Errors = verrs
		h.render(w, r, http.StatusUnprocessableEntity, "approvals", view{Title: "Approvals", Nav: "approvals", Page: p})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Results = res
	p.States, p.Risks = approvalTabs(p.State, p.Risk, counts)
	p.StreamURL = "/events/approvals" + query(approvalsLinkValues(q, true))
	h.render(w, r, http.StatusOK, "approvals", view{Title: "Approvals", Nav: "approvals", Page: p})
}

// approvalTabs builds the state tabs and risk filters.
func approvalTabs(state, risk string, c approval.Counts) (states, risks []tab) {
	labels := stateLabels()
	for _, s := range approval.States() {
		n, counted := c.ByState[s]
		if approval.Open(s) || s == approval.StateChangesRequested {
			counted = true
		}
		v := url.Values{}
		if s != approval.StatePending {
			v.Set("state", s)
		}
		states = append(states, tab{Label: labels[s], Value: s, URL: "/approvals" + query(v), Count: n, Counted: counted, Current: s == state})
	}
	if state != approval.StatePending {
		return states, nil
	}
	risks = append(risks, tab{Label: "All risks", URL: "/approvals", Count: c.Total(), Counted: true, Current: risk == ""})
	for _, lvl := range approval.Risks() {
		risks = append(risks, tab{Label: riskLabel(lvl), Value: lvl, URL: "/approvals?risk=" + lvl, Count: c.Pending[lvl], Counted: true, Current: risk == lvl})
	}
	return states, risks
}

func riskLabel(level string) string {
	switch level {
	case approval.RiskHigh:
		return "High risk"
	case approval.RiskMedium:
		return "Medium risk"
	case approval.RiskLow:
		return "Low risk"
	}
	return level
}

// approvalsLinkValues keeps the query's state and risk (and, for streams,
// the cursor).
func approvalsLinkValues(q url.Values, withCursor bool) url.Values {
	v := url.Values{}
	for _, k := range []string{"state", "risk"} {
		if s := q.Get(k); s != "" {
			v.Set(k, s)
		}
	}
	if withCursor && q.Get("cursor") != "" {
		v.Set("cursor", q.Get("cursor"))
	}
	return v
}

// loadApprovals reads one page of the queue and the counts.
func (h *Handler) loadApprovals(ctx context.Context, q url.Values) (approvalsResults, approval.Counts, error) {
	f := approval.Filter{State: q.Get("state"), Risk: q.Get("risk")}
	rows, next, err := h.Approvals.List(ctx, f, approval.DefaultLimit, q.Get("cursor"))
	if err != nil {
		return approvalsResults{}, approval.Counts{}, err
	}
	counts, err := h.Approvals.Counts(ctx)
	if err != nil {
		return approvalsResults{}, counts, err
	}
	p, _ := httpx.PrincipalFrom(ctx)
	res := approvalsResults{State: f.State, Risk: f.Risk, Total: counts.Total()}
	if res.State == "" {
		res.State = approval.StatePending
	}
	res.Rows = approvalRows(rows, res.State)
	base := approvalsLinkValues(q, false)
	if q.Get("cursor") != "" {
		res.FirstURL = "/approvals" + query(base)
	}
	if next != "" {
		base.Set("cursor", next)
		res.NextURL = "/approvals?" + base.Encode()
	}
	if res.State == approval.StatePending && p.Can(auth.ReviewDrafts) {
		for _, it := range rows {
			if it.Risk == approval.RiskLow {
				res.CanBulk = true
				break
			}
		}
	}
	return res, counts, nil
}

// approvalsEvents streams the queue's results for the query's state, risk
// and page: at once, then after every change to drafts or SLA bands.
func (h *Handler) approvalsEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	h.streamFragment(w, r, []string{h.TopicApprovals, h.TopicSLA}, approvalsResultsEvent, "approvals-results", func(ctx context.Context) (any, error) {
		res, _, err := h.loadApprovals(ctx, q)
		return res, err
	})
}

// bulkApprove approves the low-risk drafts ticked on the queue page.
func (h *Handler) bulkApprove(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	var items []approval.BulkItem
	for _, v := range r.PostForm["draft"] {
		var id int64
		var version int
		if _, err := fmt.Sscanf(v, "%d:%d", &id, &version); err == nil {
			items = append(items, approval.BulkItem{DraftID: id, Version: version})
		}
	}
	back := "/approvals?risk=low"
	if len(items) == 0 {
		h.setFlash(w, "error", "Nothing was approved: tick the low-risk drafts to approve first.")
		seeOther(w, r, back)
		return
	}
	p, _ := httpx.PrincipalFrom(r.Context())
	res, err := h.Approvals.BulkApprove(r.Context(), p.Name, items)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	msg := "Approved " + plural(len(res.Approved), "low-risk draft") + "."
	kind := "ok"
	if len(res.Failed) > 0 {
		kind = "error"
		msg += fmt.Sprintf(" %d could not be approved (someone acted on them first, or they are not low risk): open them to see why.", len(res.Failed))
	}
	h.setFlash(w, kind, msg)
	seeOther(w, r, back)
}

// draftURL is a draft's review page.
func draftURL(id int64) string { return "/approvals/" + strconv.FormatInt(id, 10) }

// approvalRow is one row of the approvals table, worked out before the
// template runs: the page renders up to 200 of them every time drafts
// change, and reaching fields and methods through the template costs more
// than the rest of the page.
type approvalRow struct {
	ID      int64
	Version int
	Risk    string
	// Bulk offers the row for bulk approval (low risk).
	Bulk bool
	// URL and Title open the draft ("#12 reply").
	URL, Title string
	// Preview is the start of the text (or the label change) on one line;
	// Full is the text for its tooltip, both cut to a length a row shows.
	Preview, Full string
	StateReason   string
	// ConversationURL and Conversation ("#42") open the conversation.
	ConversationURL, Conversation string
	Contact, Channel              string
	Agent, Model, Confidence      string
	// Due is the nearest SLA deadline (zero: none) in Band.
	Due  time.Time
	Band string
	// Since is when the draft arrived (waiting for review) or last changed.
	Since time.Time
}

// Row text lengths, in characters: the preview shows one line, and a
// tooltip longer than a screen helps nobody (the draft page shows all).
const (
	previewChars = 160
	tooltipChars = 600
)

func approvalRows(items []approval.Item, state string) []approvalRow {
	rows := make([]approvalRow, len(items))
	for i, it := range items {
		r := approvalRow{ID: it.ID, Version: it.Version, Risk: it.Risk, Bulk: it.Risk == approval.RiskLow,
			URL: draftURL(it.ID), Title: "#" + strconv.FormatInt(it.ID, 10) + " " + kindLabel(it.Kind), StateReason: it.StateReason,
			ConversationURL: conversationURL(it.ConversationID), Conversation: "#" + strconv.FormatInt(it.ConversationDisplayID, 10),
			Contact: cmp.Or(it.ContactName, "Unknown contact"), Channel: it.Channel, Agent: it.Agent, Model: it.Model,
			Due: it.DueAt, Band: it.SLABand, Since: it.UpdatedAt}
		if text := it.OutgoingText(); text != "" {
			r.Full = cut(text, tooltipChars)
			r.Preview = cut(r.Full, previewChars)
		} else {
			r.Preview = labelChangeText(it.Labels)
		}
		if it.Confidence != nil {
			r.Confidence = percentText(it.Confidence)
		}
		if state == approval.StatePending {
			r.Since = it.CreatedAt
		}
		rows[i] = r
	}
	return rows
}

// cut shortens s to at most n characters, ending with "…" when it was
// longer. It reads only as far as it keeps.
func cut(s string, n int) string {
	at, count := 0, 0
	for at < len(s) && count < n-1 {
		_, size := utf8.DecodeRuneInString(s[at:])
		at += size
		count++
	}
	if _, size := utf8.DecodeRuneInString(s[at:]); at+size >= len(s) {
		return s // at most one character more: it fits
	}
	return s[:at] + "…"
}
