package api

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/validation"
)

func (a *API) logDecision(w http.ResponseWriter, r *http.Request) {
	var in client.NewDecision
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	p, _ := httpx.PrincipalFrom(r.Context())
	d, err := DraftFrom(in, p.Name, r.Header.Get("Idempotency-Key"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	e, created, err := a.Decisions.Append(r.Context(), d)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	w.Header().Set("Location", "/api/v1/decisions/"+strconv.FormatInt(e.ID, 10))
	httpx.WriteJSON(w, status, Decision(e))
}

// DraftFrom turns API input into a draft, checking what only the wire format
// can get wrong (the due time's format); the decision log checks the rest.
func DraftFrom(in client.NewDecision, recordedBy, idempotencyKey string) (decisionlog.Draft, error) {
	d := decisionlog.Draft{
		Scope: in.Scope, Actor: in.Actor, Action: in.Action, Rationale: in.Rationale,
		Evidence: in.Evidence, Severity: in.Severity, Status: in.Status,
		IncidentRef: in.IncidentRef, ConversationRef: in.ConversationRef, ApprovalRef: in.ApprovalRef,
		CorrectsID: in.CorrectsID, ClosesID: in.ClosesID,
		NextAction: in.NextAction, NextActionOwner: in.NextActionOwner,
		Payload: in.Payload, RecordedBy: recordedBy, IdempotencyKey: idempotencyKey,
	}
	if in.NextActionDue != "" {
		due, err := time.Parse(time.RFC3339, in.NextActionDue)
		if err != nil {
			return d, validation.Errors{"next_action_due": "must be an RFC 3339 time such as 2026-12-01T17:00:00Z"}
		}
		d.NextActionDue = due
	}
	return d, nil
}

func (a *API) getDecision(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		httpx.WriteError(w, r, httpx.NewError(http.StatusNotFound, "not_found", "decision ids are positive numbers"))
		return
	}
	e, err := a.Decisions.Get(r.Context(), id)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, Decision(e))
}

func (a *API) listDecisions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := ParseFilter(q, a.Clock.Now())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	page, err := parsePage(q)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	entries, next, err := a.Decisions.List(r.Context(), f, page)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	out := client.DecisionPage{Decisions: make([]client.Decision, len(entries))}
	for i, e := range entries {
		out.Decisions[i] = Decision(e)
	}
	if next > 0 {
		out.NextCursor = strconv.FormatInt(next, 10)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// ParseFilter reads listing filters from a query string: scope, actor,
// action, severity, q, from, to (RFC 3339 or YYYY-MM-DD), open and overdue.
func ParseFilter(q url.Values, now time.Time) (decisionlog.Filter, error) {
	errs := validation.Errors{}
	f := decisionlog.Filter{
		Scope: q.Get("scope"), Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")),
		Severity: q.Get("severity"), Text: q.Get("q"),
	}
	if f.Scope != "" {
		errs.OneOf("scope", f.Scope, decisionlog.Scopes()...)
	}
	if f.Severity != "" {
		errs.OneOf("severity", f.Severity, decisionlog.Severities()...)
	}
	errs.MaxLen("q", f.Text, 200)
	f.From = parseTime(q.Get("from"), "from", errs)
	f.To = parseTime(q.Get("to"), "to", errs)
	f.OpenNextActions = parseBool(q.Get("open"), "open", errs)
	if parseBool(q.Get("overdue"), "overdue", errs) {
		f.OverdueAt = now
	}
	return f, errs.Err()
}

func parsePage(q url.Values) (decisionlog.Page, error) {
	errs := validation.Errors{}
	var p decisionlog.Page
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > decisionlog.MaxPageSize {
			errs.Add("limit", "must be a number from 1 to %d", decisionlog.MaxPageSize)
		}
		p.Limit = n
	}
	if s := q.Get("cursor"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			errs.Add("cursor", "is not a cursor this API returned")
		}
		p.Before = n
	}
	return p, errs.Err()
}

func parseTime(s, field string, errs validation.Errors) time.Time {
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t
	}
	errs.Add(field, "must be an RFC 3339 time or a date (YYYY-MM-DD)")
	return time.Time{}
}

func parseBool(s, field string, errs validation.Errors) bool {
	if s == "" {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		errs.Add(field, "must be true or false")
	}
	return b
}

func (a *API) exportDecisions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := ParseFilter(q, a.Clock.Now())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	format := q.Get("format")
	write, contentType, ext, err := exporter(format)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	name := "hotdash-decisions-" + a.Clock.Now().UTC().Format("2006-01-02") + "." + ext
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := write(w, func(fn func(*decisionlog.Entry) error) error { return a.Decisions.Each(r.Context(), f, fn) }); err != nil {
		// Headers are gone; the truncated body and the log tell the story.
		httpx.Logger(r.Context()).Error("export decisions", "error", err)
	}
}

type eachFunc func(func(*decisionlog.Entry) error) error

func exporter(format string) (func(http.ResponseWriter, eachFunc) error, string, string, error) {
	switch format {
	case "jsonl", "":
		return writeJSONL, "application/jsonl; charset=utf-8", "jsonl", nil
	case "csv":
		return writeCSV, "text/csv; charset=utf-8", "csv", nil
	}
	return nil, "", "", validation.Errors{"format": "must be jsonl or csv"}
}

func writeJSONL(w http.ResponseWriter, each eachFunc) error {
	enc := json.NewEncoder(w)
	return each(func(e *decisionlog.Entry) error { return enc.Encode(Decision(*e)) })
}

// csvHeader names the CSV export's columns.
func csvHeader() []string {
	return []string{"id", "created_at", "scope", "actor", "action", "rationale", "evidence", "severity", "status",
		"incident_ref", "conversation_ref", "approval_ref", "corrects_id", "closes_id", "next_action",
		"next_action_owner", "next_action_due", "payload", "recorded_by", "prev_hash", "hash"}
}

func writeCSV(w http.ResponseWriter, each eachFunc) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader()); err != nil {
		return err
	}
	err := each(func(e *decisionlog.Entry) error {
		return cw.Write([]string{
			strconv.FormatInt(e.ID, 10), e.CreatedAt.UTC().Format(time.RFC3339Nano), e.Scope, cell(e.Actor), cell(e.Action),
			cell(e.Rationale), cell(strings.Join(e.Evidence, " ")), e.Severity, e.Status, cell(e.IncidentRef),
			cell(e.ConversationRef), cell(e.ApprovalRef), optionalID(e.CorrectsID), optionalID(e.ClosesID),
			cell(e.NextAction), cell(e.NextActionOwner), optionalTime(e.NextActionDue), cell(string(e.Payload)),
			cell(e.RecordedBy), e.PrevHash, e.Hash,
		})
	})
	cw.Flush()
	return errors.Join(err, cw.Error())
}

// cell defuses text a spreadsheet would run as a formula (CSV injection) by
// prefixing an apostrophe, as OWASP recommends.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func optionalID(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func optionalTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func (a *API) verifyDecisions(w http.ResponseWriter, r *http.Request) {
	res, err := decisionlog.Verify(r.Context(), a.DB, nil, nil)
	if err != nil {
		httpx.WriteError(w, r, fmt.Errorf("verify decision log: %w", err))
		return
	}
	httpx.WriteJSON(w, http.StatusOK, VerifyResult(res))
}

// VerifyResult is res on the wire.
func VerifyResult(res decisionlog.Result) client.VerifyResult {
	out := client.VerifyResult{OK: res.Broken == nil, Entries: res.Entries, HeadID: res.HeadID, HeadHash: res.HeadHash}
	if res.Broken != nil {
		out.BrokenID, out.Reason = res.Broken.ID, res.Broken.Reason
	}
	return out
}

// Decision is e on the wire.
func Decision(e decisionlog.Entry) client.Decision {
	d := client.Decision{
		ID: e.ID, CreatedAt: e.CreatedAt.UTC(), Scope: e.Scope, Actor: e.Actor, Action: e.Action,
		Rationale: e.Rationale, Evidence: e.Evidence, Severity: e.Severity, Status: e.Status,
		IncidentRef: e.IncidentRef, ConversationRef: e.ConversationRef, ApprovalRef: e.ApprovalRef,
		NextAction: e.NextAction, NextActionOwner: e.NextActionOwner, Payload: e.Payload,
		RecordedBy: e.RecordedBy, PrevHash: e.PrevHash, Hash: e.Hash,
	}
	if d.Evidence == nil {
		d.Evidence = []string{}
	}
	if e.CorrectsID != 0 {
		d.CorrectsID = &e.CorrectsID
	}
	if e.ClosesID != 0 {
		d.ClosesID = &e.ClosesID
	}
	if !e.NextActionDue.IsZero() {
		t := e.NextActionDue.UTC()
		d.NextActionDue = &t
	}
	return d
}
