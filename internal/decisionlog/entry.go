package decisionlog

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/validation"
)

// Scopes an entry can belong to (the SOP's `scope`).
const (
	ScopeBuild = "build"
	ScopeOps   = "ops"
)

// Limits on what one entry may hold.
const (
	MaxShortText   = 200
	MaxRationale   = 10_000
	MaxNextAction  = 2_000
	MaxEvidence    = 20
	MaxLinkLength  = 2_048
	MaxPayloadSize = 64 << 10
)

// Scopes lists the valid scopes.
func Scopes() []string { return []string{ScopeBuild, ScopeOps} }

// Severities lists the valid severities; the empty string means none.
func Severities() []string { return []string{"S0", "S1", "S2", "S3"} }

// Statuses lists the valid statuses; the empty string means none.
func Statuses() []string {
	return []string{"pending", "in_progress", "completed", "blocked", "cancelled"}
}

// Entry is one decision as stored. ID is its position in the chain.
type Entry struct {
	ID              int64
	CreatedAt       time.Time
	Scope           string
	Actor           string
	Action          string
	Rationale       string
	Evidence        []string
	Severity        string
	Status          string
	IncidentRef     string
	ConversationRef string
	ApprovalRef     string
	CorrectsID      int64
	ClosesID        int64
	NextAction      string
	NextActionOwner string
	NextActionDue   time.Time
	Payload         json.RawMessage
	RecordedBy      string
	IdempotencyKey  string
	PrevHash        string
	Hash            string
}

// HasNextAction reports whether the entry asks for a follow-up.
func (e Entry) HasNextAction() bool { return e.NextAction != "" }

// Draft is a decision to append. RecordedBy names the authenticated user or
// token that submitted it; Actor is who the decision is attributed to.
type Draft struct {
	Scope           string
	Actor           string
	Action          string
	Rationale       string
	Evidence        []string
	Severity        string
	Status          string
	IncidentRef     string
	ConversationRef string
	ApprovalRef     string
	CorrectsID      int64
	ClosesID        int64
	NextAction      string
	NextActionOwner string
	NextActionDue   time.Time
	Payload         json.RawMessage
	RecordedBy      string
	IdempotencyKey  string
}

// normalize trims the draft's text, compacts its payload and reports every
// problem with it at once.
func (d *Draft) normalize() error {
	trim := func(s *string) { *s = strings.TrimSpace(*s) }
	for _, s := range []*string{&d.Scope, &d.Actor, &d.Action, &d.Severity, &d.Status,
		&d.IncidentRef, &d.ConversationRef, &d.ApprovalRef, &d.NextAction,
		&d.NextActionOwner, &d.RecordedBy, &d.IdempotencyKey} {
		trim(s)
	}
	d.Rationale = strings.TrimSpace(d.Rationale)
	errs := validation.Errors{}
	errs.Required("scope", d.Scope)
	if d.Scope != "" {
		errs.OneOf("scope", d.Scope, Scopes()...)
	}
	errs.Required("actor", d.Actor)
	errs.MaxLen("actor", d.Actor, MaxShortText)
	errs.Required("action", d.Action)
	errs.MaxLen("action", d.Action, MaxShortText)
	errs.Required("rationale", d.Rationale)
	errs.MaxLen("rationale", d.Rationale, MaxRationale)
	if d.Severity != "" {
		errs.OneOf("severity", d.Severity, Severities()...)
	}
	if d.Status != "" {
		errs.OneOf("status", d.Status, Statuses()...)
	}
	errs.MaxLen("incident_ref", d.IncidentRef, MaxShortText)
	errs.MaxLen("conversation_ref", d.ConversationRef, MaxShortText)
	errs.MaxLen("approval_ref", d.ApprovalRef, MaxShortText)
	errs.MaxLen("next_action", d.NextAction, MaxNextAction)
	errs.MaxLen("next_action_owner", d.NextActionOwner, MaxShortText)
	errs.MaxLen("idempotency_key", d.IdempotencyKey, MaxShortText)
	if d.NextAction == "" && (d.NextActionOwner != "" || !d.NextActionDue.IsZero()) {
		errs.Add("next_action", "is required when an owner or due time is given")
	}
	if d.CorrectsID < 0 {
		errs.Add("corrects_id", "must be a decision id")
	}
	if d.ClosesID < 0 {
		errs.Add("closes_id", "must be a decision id")
	}
	d.Evidence = normalizeEvidence(d.Evidence, errs)
	d.Payload = normalizePayload(d.Payload, errs)
	if !d.NextActionDue.IsZero() {
		d.NextActionDue = d.NextActionDue.UTC().Truncate(time.Microsecond)
	}
	return errs.Err()
}

func normalizeEvidence(links []string, errs validation.Errors) []string {
	out := make([]string, 0, len(links))
	for _, l := range links {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if len(l) > MaxLinkLength {
			errs.Add("evidence", "links must be at most %d characters", MaxLinkLength)
			continue
		}
		if !validLink(l) {
			errs.Add("evidence", "%q is not an http(s) URL or a path starting with /", truncate(l, 80))
			continue
		}
		out = append(out, l)
	}
	if len(out) > MaxEvidence {
		errs.Add("evidence", "at most %d links", MaxEvidence)
	}
	return out
}

// validLink accepts absolute http(s) URLs and site-relative paths, the two
// kinds of evidence an operator links (a runbook, a health-check result).
func validLink(l string) bool {
	if strings.ContainsAny(l, " \t\r\n") {
		return false
	}
	if strings.HasPrefix(l, "/") && !strings.HasPrefix(l, "//") {
		return true
	}
	u, err := url.Parse(l)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func normalizePayload(p json.RawMessage, errs validation.Errors) json.RawMessage {
	p = bytes.TrimSpace(p)
	if len(p) == 0 || bytes.Equal(p, []byte("null")) {
		return nil
	}
	if len(p) > MaxPayloadSize {
		errs.Add("payload", "must be at most %d bytes", MaxPayloadSize)
		return nil
	}
	if p[0] != '{' || !json.Valid(p) {
		errs.Add("payload", "must be a JSON object")
		return nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, p); err != nil {
		errs.Add("payload", "must be a JSON object")
		return nil
	}
	return buf.Bytes()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
