package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/api"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/incident"
	"github.com/hotdash/hotdash/internal/notify"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/validation"
)

// incidentsResultsEvent is the SSE event carrying the incident list.
const incidentsResultsEvent = "incidents-results"

// registerIncidents adds the incident, ladder and on-call pages.
func (h *Handler) registerIncidents(r *httpx.Router) {
	r.Page("GET /incidents", auth.ReadIncidents, h.incidents)
	r.Page("GET /events/incidents", auth.ReadIncidents, h.incidentsEvents)
	r.Page("GET /incidents/new", auth.ManageIncidents, h.newIncidentForm)
	r.Page("POST /incidents/new", auth.ManageIncidents, h.newIncident)
	r.Page("GET /incidents/{id}", auth.ReadIncidents, h.incident)
	r.Page("POST /incidents/{id}/{action}", auth.ManageIncidents, h.changeIncident)
	r.Page("GET /oncall", auth.ReadIncidents, h.onCall)
	r.Page("POST /oncall/{level}", auth.EditOnCall, h.setOnCall)
}

// incidentRow is an incident as lists show it.
type incidentRow struct {
	incident.Incident
	LevelLabel string
	// Next is the incident's next timer (nil: none) and NextText says it.
	Next     *incident.Timer
	NextText string
}

// timerText says what a ladder timer does.
func timerText(kind string) string {
	switch {
	case kind == "s2_l1":
		return "S2 → L1"
	case kind == "s2_l2":
		return "S2 → L2"
	case kind == "s1_update":
		return "customer update reminder"
	case kind == "evidence":
		return "evidence reminder"
	case strings.HasPrefix(kind, "renotify:"):
		return "notify L" + strings.TrimPrefix(kind, "renotify:") + " again"
	}
	return kind
}

// timerRow is a timer as the incident page lists it.
type timerRow struct {
	incident.Timer
	Text string
}

// escalationRow is an escalation as the incident page lists it.
type escalationRow struct {
	incident.Escalation
	LevelLabel string
}

// incidentsList is what the list's live stream re-renders.
type incidentsList struct {
	Status string
	Rows   []incidentRow
}

type incidentsPage struct {
	Status    string
	Tabs      []tab
	List      incidentsList
	StreamURL string
	CanManage bool
}

func incidentTabs(status string) []tab {
	var out []tab
	for _, t := range []struct{ v, label string }{{"active", "Active"}, {"resolved", "Resolved"}, {"all", "All"}} {
		u := "/incidents"
		if t.v != "active" {
			u += "?status=" + t.v
		}
		out = append(out, tab{Label: t.label, Value: t.v, URL: u, Current: status == t.v})
	}
	return out
}

func incidentStatus(q url.Values) string {
	switch s := q.Get("status"); s {
	case "resolved", "all":
		return s
	}
	return "active"
}

func (h *Handler) loadIncidents(ctx context.Context, status string) (incidentsList, error) {
	list, err := h.Incidents.List(ctx, incident.Filter{Status: status}, 200)
	if err != nil {
		return incidentsList{}, err
	}
	next, err := h.Incidents.NextTimers(ctx)
	if err != nil {
		return incidentsList{}, err
	}
	out := incidentsList{Status: status}
	for _, i := range list {
		row := incidentRow{Incident: i, LevelLabel: incident.LevelName(i.Level)}
		if t, ok := next[i.ID]; ok {
			row.Next, row.NextText = &t, timerText(t.Kind)
		}
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}

func (h *Handler) incidents(w http.ResponseWriter, r *http.Request) {
	status := incidentStatus(r.URL.Query())
	list, err := h.loadIncidents(r.Context(), status)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p, _ := httpx.PrincipalFrom(r.Context())
	page := incidentsPage{Status: status, Tabs: incidentTabs(status), List: list, CanManage: p.Can(auth.ManageIncidents),
		StreamURL: "/events/incidents?status=" + status}
	h.render(w, r, http.StatusOK, "incidents", view{Title: "Incidents", Nav: "incidents", Page: page})
}

func (h *Handler) incidentsEvents(w http.ResponseWriter, r *http.Request) {
	status := incidentStatus(r.URL.Query())
	h.streamFragment(w, r, []string{h.TopicIncidents}, incidentsResultsEvent, "incidents-results", func(ctx context.Context) (any, error) {
		return h.loadIncidents(ctx, status)
	})
}

// incidentForm is the new-incident form as typed.
type incidentForm struct {
	Severity, Summary, Description, Channels, Customers, Owner, EvidenceLink, CommsPlan string
	CustomersAffected, LegalRisk                                                        bool
}

type newIncidentPage struct {
	Form       incidentForm
	Errors     map[string]string
	Problems   []fieldProblem
	Severities []severityChoice
}

// severityChoice is a severity with what it means (PRODUCT.md).
type severityChoice struct{ Value, Meaning string }

func severityChoices() []severityChoice {
	return []severityChoice{
		{incident.S0, "complete outage, customer-data risk, regulatory exposure — goes to L4 (executive) at once"},
		{incident.S1, "major feature down, SLA breaches across several conversations — goes to L3 (on-call engineering) at once"},
		{incident.S2, "single-channel disruption, delayed analytics, stale Help Center — L1 after 30 min, L2 after 60 min"},
		{incident.S3, "minor UI bug, help typo, one customer's education — stays at L0 (self-service)"},
	}
}

func (h *Handler) newIncidentForm(w http.ResponseWriter, r *http.Request) {
	p, _ := httpx.PrincipalFrom(r.Context())
	page := newIncidentPage{Form: incidentForm{Severity: incident.S2, Owner: p.Name}, Severities: severityChoices()}
	h.render(w, r, http.StatusOK, "incident_new", view{Title: "Open an incident", Nav: "incidents", Page: page})
}

func (h *Handler) newIncident(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	f := r.PostForm
	form := incidentForm{Severity: f.Get("severity"), Summary: f.Get("summary"), Description: f.Get("description"), Channels: f.Get("channels"),
		Customers: f.Get("customers"), Owner: f.Get("owner"), EvidenceLink: strings.TrimSpace(f.Get("evidence_link")), CommsPlan: f.Get("comms_plan"),
		CustomersAffected: f.Get("customers_affected") == "on", LegalRisk: f.Get("legal_risk") == "on"}
	p, _ := httpx.PrincipalFrom(r.Context())
	i, err := h.Incidents.Open(r.Context(), incident.NewIncident{Severity: form.Severity, Summary: form.Summary, Description: form.Description,
		Channels: splitList(form.Channels), Customers: form.Customers, CustomersAffected: form.CustomersAffected, LegalRisk: form.LegalRisk,
		Owner: strings.TrimSpace(form.Owner), EvidenceLink: form.EvidenceLink, CommsPlan: form.CommsPlan, Actor: p.Name})
	var verrs validation.Errors
	if errors.As(err, &verrs) {
		page := newIncidentPage{Form: form, Errors: verrs, Severities: severityChoices()}
		for _, fl := range [][2]string{{"severity", "Severity"}, {"summary", "Summary"}, {"description", "Description"}, {"channels", "Channels"},
			{"customers", "Customers"}, {"owner", "Owner"}, {"evidence_link", "Evidence link"}, {"comms_plan", "Communication plan"}} {
			if msg, ok := verrs[fl[0]]; ok {
				page.Problems = append(page.Problems, fieldProblem{ID: "f-" + fl[0], Label: fl[1], Message: msg})
			}
		}
		h.render(w, r, http.StatusUnprocessableEntity, "incident_new", view{Title: "Open an incident", Nav: "incidents", Page: page})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.setFlash(w, "ok", fmt.Sprintf("Incident #%d opened at %s.", i.ID, incident.LevelName(i.Level)))
	seeOther(w, r, incidentURL(i.ID))
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func incidentURL(id int64) string { return "/incidents/" + strconv.FormatInt(id, 10) }

// incidentPage is one incident's page.
type incidentPage struct {
	I           incident.Incident
	LevelLabel  string
	Ladder      []rung
	Escalations []escalationRow
	Timers      []timerRow
	Timeline    []decisionlog.Entry
	Evidence    []evidenceItem
	CanManage   bool
	NextLevels  []rung
	Severities  []severityChoice
	// Deliveries are the notifications sent about it, newest first.
	Deliveries []notify.Delivery
	// Error explains an action that was refused.
	Error string
}

// rung is one level of the ladder as the page draws it.
type rung struct {
	Level   int
	Label   string
	Name    string
	Reached bool
	Current bool
}

// evidenceItem is one line of the evidence checklist.
type evidenceItem struct {
	What string
	Done bool
}

func (h *Handler) incident(w http.ResponseWriter, r *http.Request) {
	p, err := h.loadIncidentPage(r.Context(), pathID(r))
	if errors.Is(err, store.ErrNotFound) {
		h.notFound(w, r, "That incident does not exist.")
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "incident", view{Title: fmt.Sprintf("Incident #%d", p.I.ID), Nav: "incidents", Page: p})
}

func (h *Handler) loadIncidentPage(ctx context.Context, id int64) (incidentPage, error) {
	i, err := h.Incidents.Get(ctx, id)
	if err != nil {
		return incidentPage{}, err
	}
	pr, _ := httpx.PrincipalFrom(ctx)
	p := incidentPage{I: i, LevelLabel: incident.LevelName(i.Level), CanManage: pr.Can(auth.ManageIncidents), Severities: severityChoices()}
	es, err := h.Incidents.Escalations(ctx, id)
	if err != nil {
		return p, err
	}
	for _, e := range es {
		p.Escalations = append(p.Escalations, escalationRow{Escalation: e, LevelLabel: incident.LevelName(e.Level)})
	}
	timers, err := h.Incidents.Timers(ctx, id)
	if err != nil {
		return p, err
	}
	for _, t := range timers {
		p.Timers = append(p.Timers, timerRow{Timer: t, Text: timerText(t.Kind)})
	}
	if p.Timeline, _, err = h.Decisions.List(ctx, decisionlog.Filter{IncidentRef: i.Ref()}, decisionlog.Page{Limit: 200}); err != nil {
		return p, err
	}
	if h.Outbox != nil {
		if p.Deliveries, _, err = h.Outbox.Deliveries(ctx, notify.Filter{IncidentRef: i.Ref(), Limit: 100}); err != nil {
			return p, err
		}
	}
	table, err := h.Incidents.OnCallTable(ctx)
	if err != nil {
		return p, err
	}
	names := map[int]string{0: "self-service"}
	for _, l := range table {
		names[l.Level] = l.Name
	}
	for level := 0; level <= incident.MaxLevel; level++ {
		rg := rung{Level: level, Label: incident.LevelName(level), Name: names[level], Reached: level <= i.Level, Current: level == i.Level}
		p.Ladder = append(p.Ladder, rg)
		if level > i.Level {
			p.NextLevels = append(p.NextLevels, rg)
		}
	}
	p.Evidence = []evidenceItem{
		{"A Decision Log entry with the severity, timestamps and actions taken", i.EvidenceDecision != 0},
		{"A runbook or health-check link", i.EvidenceLink != ""},
	}
	if i.CustomersAffected {
		p.Evidence = append(p.Evidence, evidenceItem{"A customer communication plan", i.CommsPlan != ""})
	}
	return p, nil
}

// changeIncident carries out an action from the incident page.
func (h *Handler) changeIncident(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	id := pathID(r)
	f := r.PostForm
	version, _ := strconv.Atoi(f.Get("version"))
	decision, _ := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(f.Get("decision_id")), "#"), 10, 64)
	in := client.IncidentChange{Version: version, Status: f.Get("status"), Severity: f.Get("severity"), Level: f.Get("level"),
		DecisionID: decision, ActionsTaken: f.Get("actions_taken"), EvidenceLink: strings.TrimSpace(f.Get("evidence_link")),
		CommsPlan: f.Get("comms_plan"), Note: f.Get("note")}
	p, _ := httpx.PrincipalFrom(r.Context())
	action := r.PathValue("action")
	i, err := api.ApplyIncidentChange(r.Context(), h.Incidents, id, action, in, p.Name)
	if err == nil {
		h.setFlash(w, "ok", incidentDone(action, i))
		seeOther(w, r, incidentURL(id)+"#ladder")
		return
	}
	if errors.Is(err, store.ErrNotFound) {
		h.notFound(w, r, "That incident does not exist.")
		return
	}
	var he *httpx.Error
	if errors.As(api.IncidentProblem(err), &he) && he.Status >= 500 {
		h.fail(w, r, err)
		return
	}
	page, lerr := h.loadIncidentPage(r.Context(), id)
	if lerr != nil {
		h.fail(w, r, lerr)
		return
	}
	page.Error = "Nothing was changed: " + err.Error()
	status := http.StatusUnprocessableEntity
	if errors.Is(err, incident.ErrStale) || errors.Is(err, incident.ErrWrongState) {
		status = http.StatusConflict
	}
	h.render(w, r, status, "incident", view{Title: fmt.Sprintf("Incident #%d", id), Nav: "incidents", Page: page})
}

func incidentDone(action string, i incident.Incident) string {
	switch action {
	case "escalate":
		msg := "Escalated to " + incident.LevelName(i.Level) + "."
		if i.EvidenceMissing {
			msg += " Evidence is still missing: supply it below."
		}
		return msg
	case "acknowledge":
		return "Acknowledged " + incident.LevelName(i.Level) + ": re-notification stopped."
	case "status":
		return "The incident is " + i.Status + "."
	case "severity":
		return "Severity is now " + i.Severity + "; the ladder is at " + incident.LevelName(i.Level) + "."
	case "evidence":
		return "Evidence recorded."
	case "customer-update":
		return "Customer update recorded."
	}
	return "Done."
}

// onCallPage is the on-call table.
type onCallPage struct {
	Levels []onCallLevel
	// Endpoints are the notify endpoints and any problem with each.
	Endpoints []notify.EndpointStatus
	CanEdit   bool
	Error     string
}

// onCallLevel is a level with its edit form's rows.
type onCallLevel struct {
	incident.OnCall
	Edit []contactRow
}

// contactRow is one row of a level's edit form.
type contactRow struct {
	incident.Contact
	Index, Number int
}

// contactRows is how many contacts a level's form offers.
const contactRows = 4

func (h *Handler) onCall(w http.ResponseWriter, r *http.Request) {
	h.renderOnCall(w, r, http.StatusOK, "")
}

func (h *Handler) renderOnCall(w http.ResponseWriter, r *http.Request, status int, msg string) {
	table, err := h.Incidents.OnCallTable(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p, _ := httpx.PrincipalFrom(r.Context())
	page := onCallPage{CanEdit: p.Can(auth.EditOnCall), Error: msg}
	if h.Outbox != nil {
		page.Endpoints = h.Outbox.Endpoints()
	}
	for _, l := range table {
		lv := onCallLevel{OnCall: l}
		for k := range max(contactRows, len(l.Contacts)) {
			row := contactRow{Index: k, Number: k + 1}
			if k < len(l.Contacts) {
				row.Contact = l.Contacts[k]
			}
			lv.Edit = append(lv.Edit, row)
		}
		page.Levels = append(page.Levels, lv)
	}
	h.render(w, r, status, "oncall", view{Title: "On call", Nav: "oncall", Page: page})
}

func (h *Handler) setOnCall(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	level, err := incident.ParseLevel(r.PathValue("level"))
	if err != nil {
		h.notFound(w, r, "That is not a ladder level.")
		return
	}
	f := r.PostForm
	var contacts []incident.Contact
	for k := range 20 {
		n := strconv.Itoa(k)
		c := incident.Contact{Name: strings.TrimSpace(f.Get("name" + n)), Slack: strings.TrimSpace(f.Get("slack" + n)),
			Email: strings.TrimSpace(f.Get("email" + n)), PagerDuty: strings.TrimSpace(f.Get("pagerduty" + n))}
		if c != (incident.Contact{}) {
			contacts = append(contacts, c)
		}
	}
	p, _ := httpx.PrincipalFrom(r.Context())
	if err := h.Incidents.SetContacts(r.Context(), level, contacts, p.Name); err != nil {
		var verrs validation.Errors
		if errors.As(err, &verrs) {
			h.renderOnCall(w, r, http.StatusUnprocessableEntity, "Nothing was saved for "+incident.LevelName(level)+": "+verrs.Error())
			return
		}
		h.fail(w, r, err)
		return
	}
	h.setFlash(w, "ok", "On-call contacts for "+incident.LevelName(level)+" saved.")
	seeOther(w, r, "/oncall#level-"+incident.LevelName(level))
}

// incidentsTileEvent is the SSE event carrying the Incidents tile.
const incidentsTileEvent = "incidents-tile"

// incidentsTile is the dashboard's Incidents & escalations tile.
type incidentsTile struct {
	Rows []incidentRow
	// Top are the first few, most severe first.
	Top        []incidentRow
	BySeverity []sevCount
}

type sevCount struct {
	Label string
	Count int
}

// tileIncidents is how many incidents the tile lists.
const tileIncidents = 5

func (h *Handler) loadIncidentsTile(ctx context.Context) (incidentsTile, error) {
	list, err := h.loadIncidents(ctx, "active")
	if err != nil {
		return incidentsTile{}, err
	}
	t := incidentsTile{Rows: list.Rows, Top: list.Rows[:min(tileIncidents, len(list.Rows))]}
	for _, sev := range incident.Severities() {
		n := 0
		for _, r := range list.Rows {
			if r.Severity == sev {
				n++
			}
		}
		if n > 0 {
			t.BySeverity = append(t.BySeverity, sevCount{Label: sev, Count: n})
		}
	}
	return t, nil
}

func (h *Handler) renderIncidentsTile(ctx context.Context) ([]byte, error) {
	t, err := h.loadIncidentsTile(ctx)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := h.partials.ExecuteTemplate(&buf, "incidents-tile", t); err != nil {
		return nil, fmt.Errorf("render incidents tile: %w", err)
	}
	return buf.Bytes(), nil
}

// canReadIncidents reports whether the signed-in principal sees incidents.
func canReadIncidents(ctx context.Context) bool {
	p, ok := httpx.PrincipalFrom(ctx)
	return ok && p.Can(auth.ReadIncidents)
}
