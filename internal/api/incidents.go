package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/incident"
	"github.com/hotdash/hotdash/internal/validation"
)

func (a *API) registerIncidents(r *httpx.Router) {
	r.API("POST /api/v1/incidents", auth.ManageIncidents, a.openIncident)
	r.API("GET /api/v1/incidents", auth.ReadIncidents, a.listIncidents)
	r.API("GET /api/v1/incidents/{id}", auth.ReadIncidents, a.getIncident)
	r.API("POST /api/v1/incidents/{id}/{action}", auth.ManageIncidents, a.changeIncident)
	r.API("GET /api/v1/oncall", auth.ReadIncidents, a.onCall)
	r.API("PUT /api/v1/oncall/{level}", auth.EditOnCall, a.setOnCall)
}

// IncidentProblem maps the incident errors a client acts on.
func IncidentProblem(err error) error {
	var ev *incident.EvidenceError
	switch {
	case errors.As(err, &ev):
		return &httpx.Error{Status: http.StatusUnprocessableEntity, Code: "evidence_missing", Message: ev.Error(),
			Fields: map[string]string{"evidence": joinLines(ev.Missing)}}
	case errors.Is(err, incident.ErrStale):
		return httpx.NewError(http.StatusConflict, "stale", err.Error()+"; reload it and try again")
	case errors.Is(err, incident.ErrWrongState):
		return httpx.NewError(http.StatusConflict, "wrong_state", err.Error())
	}
	return err
}

func joinLines(items []string) string {
	out := ""
	for i, s := range items {
		if i > 0 {
			out += "; "
		}
		out += s
	}
	return out
}

func (a *API) openIncident(w http.ResponseWriter, r *http.Request) {
	var in client.NewIncident
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	p, _ := httpx.PrincipalFrom(r.Context())
	i, err := a.Incidents.Open(r.Context(), incident.NewIncident{Severity: in.Severity, Summary: in.Summary, Description: in.Description,
		Channels: in.Channels, Customers: in.Customers, CustomersAffected: in.CustomersAffected, LegalRisk: in.LegalRisk, Owner: in.Owner,
		EvidenceLink: in.EvidenceLink, CommsPlan: in.CommsPlan, Actor: p.Name})
	if err != nil {
		httpx.WriteError(w, r, IncidentProblem(err))
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, IncidentOut(i, nil))
}

func (a *API) listIncidents(w http.ResponseWriter, r *http.Request) {
	f := incident.Filter{Status: r.URL.Query().Get("status"), Severity: r.URL.Query().Get("severity")}
	errs := validation.Errors{}
	if f.Status != "" && f.Status != "active" && f.Status != "all" {
		errs.OneOf("status", f.Status, append(incident.Statuses(), "active", "all")...)
	}
	if f.Severity != "" {
		errs.OneOf("severity", f.Severity, incident.Severities()...)
	}
	if err := errs.Err(); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	list, err := a.Incidents.List(r.Context(), f, 200)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	next, err := a.Incidents.NextTimers(r.Context())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	out := make([]client.Incident, len(list))
	for i, inc := range list {
		var t *incident.Timer
		if nt, ok := next[inc.ID]; ok {
			t = &nt
		}
		out[i] = IncidentOut(inc, t)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"incidents": out})
}

func (a *API) getIncident(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	d, err := a.incidentDetail(r.Context(), id)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, d)
}

func (a *API) incidentDetail(ctx context.Context, id int64) (client.IncidentDetail, error) {
	i, err := a.Incidents.Get(ctx, id)
	if err != nil {
		return client.IncidentDetail{}, err
	}
	es, err := a.Incidents.Escalations(ctx, id)
	if err != nil {
		return client.IncidentDetail{}, err
	}
	timers, err := a.Incidents.Timers(ctx, id)
	if err != nil {
		return client.IncidentDetail{}, err
	}
	entries, _, err := a.Decisions.List(ctx, decisionlog.Filter{IncidentRef: i.Ref()}, decisionlog.Page{Limit: decisionlog.MaxPageSize})
	if err != nil {
		return client.IncidentDetail{}, err
	}
	out := client.IncidentDetail{Incident: IncidentOut(i, nil), Escalations: make([]client.Escalation, len(es)),
		Timers: make([]client.Timer, len(timers)), Timeline: make([]client.Decision, len(entries))}
	for k, e := range es {
		out.Escalations[k] = client.Escalation{Level: incident.LevelName(e.Level), Trigger: e.Trigger, Actor: e.Actor,
			EvidenceMissing: e.EvidenceMissing, At: e.CreatedAt, AcknowledgedAt: optionalTimePtr(e.AckedAt), AcknowledgedBy: e.AckedBy, Notified: e.Notified}
	}
	for k, t := range timers {
		out.Timers[k] = TimerOut(t)
	}
	for k := range entries {
		out.Timeline[k] = Decision(entries[len(entries)-1-k])
	}
	return out, nil
}

// TimerOut is t on the wire.
func TimerOut(t incident.Timer) client.Timer {
	return client.Timer{Kind: t.Kind, DueAt: t.DueAt, FiredAt: optionalTimePtr(t.FiredAt), Outcome: t.Outcome}
}

func (a *API) changeIncident(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	var in client.IncidentChange
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	p, _ := httpx.PrincipalFrom(r.Context())
	i, err := ApplyIncidentChange(r.Context(), a.Incidents, id, r.PathValue("action"), in, p.Name)
	if err != nil {
		httpx.WriteError(w, r, IncidentProblem(err))
		return
	}
	httpx.WriteJSON(w, http.StatusOK, IncidentOut(i, nil))
}

// ApplyIncidentChange carries out one incident action (the API's and the
// pages' shared path).
func ApplyIncidentChange(ctx context.Context, svc *incident.Service, id int64, action string, in client.IncidentChange, actor string) (incident.Incident, error) {
	ev := incident.Evidence{DecisionID: in.DecisionID, ActionsTaken: in.ActionsTaken, Link: in.EvidenceLink, CommsPlan: in.CommsPlan}
	switch action {
	case "status":
		return svc.Transition(ctx, id, in.Version, in.Status, actor, in.Note)
	case "severity":
		return svc.ChangeSeverity(ctx, id, in.Version, in.Severity, actor)
	case "escalate":
		level := 0
		if in.Level != "" {
			l, err := incident.ParseLevel(in.Level)
			if err != nil {
				return incident.Incident{}, validation.Errors{"level": err.Error()}
			}
			level = l
		}
		return svc.Escalate(ctx, id, in.Version, level, ev, actor)
	case "evidence":
		return svc.SupplyEvidence(ctx, id, ev, actor)
	case "acknowledge":
		return svc.Acknowledge(ctx, id, actor)
	case "customer-update":
		return svc.CustomerUpdate(ctx, id, in.Note, actor)
	}
	return incident.Incident{}, httpx.NewError(http.StatusNotFound, "not_found", "no such incident action: use status, severity, escalate, evidence, acknowledge or customer-update")
}

// IncidentOut is i on the wire, with its next timer when known.
func IncidentOut(i incident.Incident, next *incident.Timer) client.Incident {
	out := client.Incident{ID: i.ID, Severity: i.Severity, Summary: i.Summary, Description: i.Description, Status: i.Status,
		Channels: nonNilStrings(i.Channels), Customers: i.Customers, CustomersAffected: i.CustomersAffected, LegalRisk: i.LegalRisk,
		Owner: i.Owner, Cause: i.Cause, ConversationID: i.ConversationID, Level: incident.LevelName(i.Level), Acknowledged: i.Acknowledged(),
		EvidenceDecision: i.EvidenceDecision, EvidenceLink: i.EvidenceLink, CommsPlan: i.CommsPlan, EvidenceMissing: nonNilStrings(i.MissingEvidence()),
		EvidenceFlagged: i.EvidenceMissing, CustomerUpdateAt: optionalTimePtr(i.CustomerUpdateAt), Version: i.Version, CreatedBy: i.CreatedBy,
		CreatedAt: i.CreatedAt, UpdatedAt: i.UpdatedAt, MitigatedAt: optionalTimePtr(i.MitigatedAt), ResolvedAt: optionalTimePtr(i.ResolvedAt)}
	if next != nil {
		t := TimerOut(*next)
		out.NextTimer = &t
	}
	return out
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (a *API) onCall(w http.ResponseWriter, r *http.Request) {
	table, err := a.Incidents.OnCallTable(r.Context())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	out := make([]client.OnCallLevel, len(table))
	for i, l := range table {
		out[i] = client.OnCallLevel{Level: incident.LevelName(l.Level), Name: l.Name, Contacts: make([]client.OnCallContact, len(l.Contacts)),
			Notify: nonNilStrings(l.Notify), Runbook: l.Runbook}
		for k, c := range l.Contacts {
			out[i].Contacts[k] = client.OnCallContact{Name: c.Name, Slack: c.Slack, Email: c.Email, PagerDuty: c.PagerDuty}
		}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"levels": out})
}

func (a *API) setOnCall(w http.ResponseWriter, r *http.Request) {
	level, err := incident.ParseLevel(r.PathValue("level"))
	if err != nil {
		httpx.WriteError(w, r, httpx.NewError(http.StatusNotFound, "not_found", err.Error()))
		return
	}
	var in struct {
		Contacts []client.OnCallContact `json:"contacts"`
	}
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	contacts := make([]incident.Contact, len(in.Contacts))
	for i, c := range in.Contacts {
		contacts[i] = incident.Contact{Name: c.Name, Slack: c.Slack, Email: c.Email, PagerDuty: c.PagerDuty}
	}
	p, _ := httpx.PrincipalFrom(r.Context())
	if err := a.Incidents.SetContacts(r.Context(), level, contacts, p.Name); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
