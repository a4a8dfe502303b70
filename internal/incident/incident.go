package incident

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Severities, most severe first.
const (
	S0 = "S0"
	S1 = "S1"
	S2 = "S2"
	S3 = "S3"
)

// Severities lists them.
func Severities() []string { return []string{S0, S1, S2, S3} }

// Statuses of an incident.
const (
	StatusOpen      = "open"
	StatusMitigated = "mitigated"
	StatusResolved  = "resolved"
)

// Statuses lists them.
func Statuses() []string { return []string{StatusOpen, StatusMitigated, StatusResolved} }

// Causes HotDash itself opens incidents for.
const (
	CauseSLAUrgent = "sla_urgent"
	CauseHealth    = "chatwoot_health"
)

// MaxLevel is the top of the ladder (L4, executive).
const MaxLevel = 4

// LevelName is "L0"…"L4".
func LevelName(level int) string { return "L" + strconv.Itoa(level) }

// ParseLevel reads "L0"…"L4" (or "0"…"4").
func ParseLevel(s string) (int, error) {
	if len(s) == 2 && (s[0] == 'L' || s[0] == 'l') {
		s = s[1:]
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > MaxLevel {
		return 0, fmt.Errorf("%q is not a ladder level (L0–L4)", s)
	}
	return n, nil
}

// Incident is one incident and where it stands on the ladder.
type Incident struct {
	ID                int64
	Severity          string
	Summary           string
	Description       string
	Status            string
	Channels          []string
	Customers         string
	CustomersAffected bool
	LegalRisk         bool
	Owner             string
	Cause             string
	ConversationID    int64
	// Level is the ladder position (0–4); AckedLevel the highest level
	// someone acknowledged (-1: none).
	Level      int
	AckedLevel int
	// The evidence the gate asks for.
	EvidenceDecision int64
	EvidenceLink     string
	CommsPlan        string
	// EvidenceMissing flags an S0/S1 escalation taken without it.
	EvidenceMissing  bool
	CustomerUpdateAt time.Time
	Version          int
	CreatedBy        string
	CreatedAt        time.Time
	UpdatedAt        time.Time
	MitigatedAt      time.Time
	ResolvedAt       time.Time
}

// Ref is how decisions and notifications refer to it: "incident:<id>".
func (i Incident) Ref() string { return Ref(i.ID) }

// Ref is "incident:<id>".
func Ref(id int64) string { return "incident:" + strconv.FormatInt(id, 10) }

// Open reports whether the incident is not resolved.
func (i Incident) Open() bool { return i.Status != StatusResolved }

// Urgent reports S0 and S1: they escalate at once, evidence or not.
func (i Incident) Urgent() bool { return i.Severity == S0 || i.Severity == S1 }

// Acknowledged reports whether someone took the current level.
func (i Incident) Acknowledged() bool { return i.AckedLevel >= i.Level && i.Level > 0 }

// MissingEvidence names what the evidence gate still lacks.
func (i Incident) MissingEvidence() []string {
	var out []string
	if i.EvidenceDecision == 0 {
		out = append(out, "a Decision Log entry with the severity, timestamps and actions taken")
	}
	if i.EvidenceLink == "" {
		out = append(out, "a runbook or health-check link")
	}
	if i.CustomersAffected && i.CommsPlan == "" {
		out = append(out, "a customer communication plan (customers are affected)")
	}
	return out
}

// Escalation is one level an incident reached.
type Escalation struct {
	ID              int64
	IncidentID      int64
	Level           int
	Trigger         string
	Actor           string
	EvidenceMissing bool
	DecisionID      int64
	CreatedAt       time.Time
	AckedAt         time.Time
	AckedBy         string
	Notified        int
}

// Timer is a step of the ladder, due or done.
type Timer struct {
	Kind    string
	DueAt   time.Time
	FiredAt time.Time
	Outcome string
}

// Errors callers act on.
var (
	// ErrStale: the incident changed since the version the caller saw.
	ErrStale = errors.New("the incident changed since you opened it")
	// ErrWrongState: the action does not apply to the incident as it is.
	ErrWrongState = errors.New("the incident is not in a state that allows this")
)

// EvidenceError says what an escalation lacks.
type EvidenceError struct {
	Missing []string
}

func (e *EvidenceError) Error() string {
	msg := "this escalation needs its evidence first:"
	for i, m := range e.Missing {
		if i > 0 {
			msg += ";"
		}
		msg += " " + m
	}
	return msg
}
