package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// NewIncident opens an incident: POST /api/v1/incidents.
type NewIncident struct {
	Severity          string   `json:"severity"`
	Summary           string   `json:"summary"`
	Description       string   `json:"description,omitempty"`
	Channels          []string `json:"channels,omitempty"`
	Customers         string   `json:"customers,omitempty"`
	CustomersAffected bool     `json:"customers_affected,omitempty"`
	LegalRisk         bool     `json:"legal_risk,omitempty"`
	Owner             string   `json:"owner,omitempty"`
	EvidenceLink      string   `json:"evidence_link,omitempty"`
	CommsPlan         string   `json:"comms_plan,omitempty"`
}

// Incident is an incident and its place on the ladder.
type Incident struct {
	ID                int64      `json:"id"`
	Severity          string     `json:"severity"`
	Summary           string     `json:"summary"`
	Description       string     `json:"description"`
	Status            string     `json:"status"`
	Channels          []string   `json:"channels"`
	Customers         string     `json:"customers"`
	CustomersAffected bool       `json:"customers_affected"`
	LegalRisk         bool       `json:"legal_risk"`
	Owner             string     `json:"owner"`
	Cause             string     `json:"cause,omitempty"`
	ConversationID    int64      `json:"conversation_id,omitempty"`
	Level             string     `json:"level"`
	Acknowledged      bool       `json:"acknowledged"`
	EvidenceDecision  int64      `json:"evidence_decision_id,omitempty"`
	EvidenceLink      string     `json:"evidence_link"`
	CommsPlan         string     `json:"comms_plan"`
	EvidenceMissing   []string   `json:"evidence_missing"`
	EvidenceFlagged   bool       `json:"evidence_flagged"`
	CustomerUpdateAt  *time.Time `json:"customer_update_at"`
	Version           int        `json:"version"`
	CreatedBy         string     `json:"created_by"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
	MitigatedAt       *time.Time `json:"mitigated_at"`
	ResolvedAt        *time.Time `json:"resolved_at"`
	NextTimer         *Timer     `json:"next_timer,omitempty"`
}

// Escalation is a level an incident reached.
type Escalation struct {
	Level           string     `json:"level"`
	Trigger         string     `json:"trigger"`
	Actor           string     `json:"actor"`
	EvidenceMissing bool       `json:"evidence_missing"`
	At              time.Time  `json:"at"`
	AcknowledgedAt  *time.Time `json:"acknowledged_at"`
	AcknowledgedBy  string     `json:"acknowledged_by,omitempty"`
	Notified        int        `json:"notified"`
}

// Timer is a ladder step, due or done.
type Timer struct {
	Kind    string     `json:"kind"`
	DueAt   time.Time  `json:"due_at"`
	FiredAt *time.Time `json:"fired_at,omitempty"`
	Outcome string     `json:"outcome,omitempty"`
}

// IncidentDetail is an incident with its ladder and timeline.
type IncidentDetail struct {
	Incident
	Escalations []Escalation `json:"escalations"`
	Timers      []Timer      `json:"timers"`
	// Timeline is the Decision Log entries that reference the incident,
	// oldest first.
	Timeline []Decision `json:"timeline"`
}

// IncidentChange moves an incident: POST /api/v1/incidents/{id}/{action}
// with action status, severity, escalate, evidence, acknowledge or
// customer-update.
type IncidentChange struct {
	Version  int    `json:"version,omitempty"`
	Status   string `json:"status,omitempty"`
	Severity string `json:"severity,omitempty"`
	// Level is the target of an escalation ("L2"); empty: the next.
	Level        string `json:"level,omitempty"`
	DecisionID   int64  `json:"decision_id,omitempty"`
	ActionsTaken string `json:"actions_taken,omitempty"`
	EvidenceLink string `json:"evidence_link,omitempty"`
	CommsPlan    string `json:"comms_plan,omitempty"`
	Note         string `json:"note,omitempty"`
}

// OnCallLevel is a level of the on-call table.
type OnCallLevel struct {
	Level    string          `json:"level"`
	Name     string          `json:"name"`
	Contacts []OnCallContact `json:"contacts"`
	Notify   []string        `json:"notify"`
	Runbook  string          `json:"runbook,omitempty"`
}

// OnCallContact is someone on call.
type OnCallContact struct {
	Name      string `json:"name"`
	Slack     string `json:"slack,omitempty"`
	Email     string `json:"email,omitempty"`
	PagerDuty string `json:"pagerduty,omitempty"`
}

// OpenIncident opens an incident.
func (c *Client) OpenIncident(ctx context.Context, in NewIncident) (Incident, error) {
	var out Incident
	err := c.do(ctx, http.MethodPost, "/api/v1/incidents", nil, in, "", &out)
	return out, err
}

// Incidents lists incidents: status "active" (default), "all" or one
// status.
func (c *Client) Incidents(ctx context.Context, status string) ([]Incident, error) {
	var out struct {
		Incidents []Incident `json:"incidents"`
	}
	q := url.Values{}
	if status != "" {
		q.Set("status", status)
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/incidents", q, nil, "", &out)
	return out.Incidents, err
}

// Incident returns an incident with its ladder and timeline.
func (c *Client) Incident(ctx context.Context, id int64) (IncidentDetail, error) {
	var out IncidentDetail
	err := c.do(ctx, http.MethodGet, "/api/v1/incidents/"+strconv.FormatInt(id, 10), nil, nil, "", &out)
	return out, err
}

// ChangeIncident applies action (status, severity, escalate, evidence,
// acknowledge, customer-update) to an incident.
func (c *Client) ChangeIncident(ctx context.Context, id int64, action string, ch IncidentChange) (Incident, error) {
	var out Incident
	err := c.do(ctx, http.MethodPost, "/api/v1/incidents/"+strconv.FormatInt(id, 10)+"/"+action, nil, ch, "", &out)
	return out, err
}

// OnCall returns the on-call table.
func (c *Client) OnCall(ctx context.Context) ([]OnCallLevel, error) {
	var out struct {
		Levels []OnCallLevel `json:"levels"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/oncall", nil, nil, "", &out)
	return out.Levels, err
}

// SetOnCall replaces a level's contacts.
func (c *Client) SetOnCall(ctx context.Context, level string, contacts []OnCallContact) error {
	return c.do(ctx, http.MethodPut, "/api/v1/oncall/"+level, nil, map[string]any{"contacts": contacts}, "", nil)
}
