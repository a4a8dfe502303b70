package incident

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"

	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/validation"
)

// NewIncident is what opening an incident takes.
type NewIncident struct {
	Severity          string
	Summary           string
	Description       string
	Channels          []string
	Customers         string
	CustomersAffected bool
	LegalRisk         bool
	Owner             string
	// Evidence given up front (optional).
	EvidenceLink string
	CommsPlan    string
	Actor        string
	// Cause and ConversationID are set by HotDash's own triggers.
	Cause          string
	ConversationID int64
}

func validateNew(n *NewIncident) error {
	errs := validation.Errors{}
	errs.OneOf("severity", n.Severity, Severities()...)
	n.Summary = strings.TrimSpace(n.Summary)
	errs.Required("summary", n.Summary)
	errs.MaxLen("summary", n.Summary, 200)
	errs.MaxLen("description", n.Description, 10000)
	errs.MaxLen("customers", n.Customers, 2000)
	errs.MaxLen("owner", n.Owner, 200)
	errs.MaxLen("comms_plan", n.CommsPlan, 4000)
	if len(n.Channels) > 20 {
		errs.Add("channels", "at most 20 channels")
	}
	for _, c := range n.Channels {
		if strings.TrimSpace(c) == "" || len(c) > 50 {
			errs.Add("channels", "each channel is a short name such as email or whatsapp")
		}
	}
	checkLink(errs, "evidence_link", n.EvidenceLink)
	return errs.Err()
}

func checkLink(errs validation.Errors, field, link string) {
	if link == "" {
		return
	}
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https" && !strings.HasPrefix(link, "/")) || len(link) > 2048 {
		errs.Add(field, "must be an http(s) link or a HotDash path such as /decisions/42")
	}
}

// Open opens an incident and starts its ladder: S0 goes to L4 and S1 to
// L3 at once, legal or compliance risk to L4; S2 climbs by timer; S3
// stays at L0.
func (s *Service) Open(ctx context.Context, n NewIncident) (Incident, error) {
	if err := validateNew(&n); err != nil {
		return Incident{}, err
	}
	if n.Owner == "" {
		n.Owner = n.Actor
	}
	now := s.now()
	i := Incident{Severity: n.Severity, Summary: n.Summary, Description: strings.TrimSpace(n.Description), Status: StatusOpen,
		Channels: n.Channels, Customers: strings.TrimSpace(n.Customers), CustomersAffected: n.CustomersAffected, LegalRisk: n.LegalRisk,
		Owner: n.Owner, Cause: n.Cause, ConversationID: n.ConversationID, EvidenceLink: n.EvidenceLink, CommsPlan: strings.TrimSpace(n.CommsPlan),
		CreatedBy: n.Actor, CreatedAt: now, UpdatedAt: now}
	err := s.change(ctx, func(tx *sql.Tx, c *changes) error {
		if err := insertIncident(ctx, tx, &i); err != nil {
			return err
		}
		if err := s.decide(ctx, tx, c, decisionlog.Draft{Actor: n.Actor, Action: "incident.open", Severity: i.Severity, Status: "in_progress",
			IncidentRef: i.Ref(), Rationale: fmt.Sprintf("Opened %s incident: %s", i.Severity, i.Summary),
			IdempotencyKey: fmt.Sprintf("incident-open:%d", i.ID)}); err != nil {
			return err
		}
		return s.startLadder(ctx, tx, c, &i, now)
	})
	if err != nil {
		return Incident{}, err
	}
	return s.Get(ctx, i.ID)
}

// Transition moves an incident between open, mitigated and resolved.
// Resolving stops the ladder and tells every endpoint that was paged.
func (s *Service) Transition(ctx context.Context, id int64, version int, status, actor, note string) (Incident, error) {
	errs := validation.Errors{}
	errs.OneOf("status", status, Statuses()...)
	errs.MaxLen("note", note, 4000)
	if err := errs.Err(); err != nil {
		return Incident{}, err
	}
	err := s.change(ctx, func(tx *sql.Tx, c *changes) error {
		i, err := s.locked(ctx, tx, id, version)
		if err != nil {
			return err
		}
		if i.Status == status || i.Status == StatusResolved {
			return fmt.Errorf("%w: it is %s", ErrWrongState, i.Status)
		}
		now := s.now()
		i.Status = status
		switch status {
		case StatusMitigated:
			i.MitigatedAt = now
		case StatusResolved:
			i.ResolvedAt = now
		}
		if err := s.save(ctx, tx, &i); err != nil {
			return err
		}
		rationale := fmt.Sprintf("Incident %s: %s", status, i.Summary)
		if note = strings.TrimSpace(note); note != "" {
			rationale += " — " + note
		}
		if err := s.decide(ctx, tx, c, decisionlog.Draft{Actor: actor, Action: "incident." + status, Severity: i.Severity,
			Status: map[bool]string{true: "completed", false: "in_progress"}[status == StatusResolved], IncidentRef: i.Ref(),
			Rationale: rationale, IdempotencyKey: fmt.Sprintf("incident-%s:%d:%d", status, i.ID, i.Version)}); err != nil {
			return err
		}
		if status == StatusResolved {
			return s.announceResolved(ctx, tx, c, i, actor)
		}
		return nil
	})
	if err != nil {
		return Incident{}, err
	}
	return s.Get(ctx, id)
}

// locked reads the incident for a change at the version the caller saw
// (0: any).
func (s *Service) locked(ctx context.Context, tx *sql.Tx, id int64, version int) (Incident, error) {
	i, err := s.lock(ctx, tx, id)
	if err != nil {
		return i, err
	}
	if version != 0 && i.Version != version {
		return i, fmt.Errorf("%w: it is at version %d, you saw version %d", ErrStale, i.Version, version)
	}
	return i, nil
}

// ChangeSeverity raises or lowers an incident's severity; raising to S1
// or S0 escalates at once, to S2 starts its timers from now.
func (s *Service) ChangeSeverity(ctx context.Context, id int64, version int, severity, actor string) (Incident, error) {
	errs := validation.Errors{}
	errs.OneOf("severity", severity, Severities()...)
	if err := errs.Err(); err != nil {
		return Incident{}, err
	}
	err := s.change(ctx, func(tx *sql.Tx, c *changes) error {
		i, err := s.locked(ctx, tx, id, version)
		if err != nil {
			return err
		}
		if !i.Open() || i.Severity == severity {
			return fmt.Errorf("%w: it is %s %s", ErrWrongState, i.Severity, i.Status)
		}
		from := i.Severity
		i.Severity = severity
		if err := s.save(ctx, tx, &i); err != nil {
			return err
		}
		if err := s.decide(ctx, tx, c, decisionlog.Draft{Actor: actor, Action: "incident.severity", Severity: severity, IncidentRef: i.Ref(),
			Rationale: fmt.Sprintf("Severity %s → %s: %s", from, severity, i.Summary), IdempotencyKey: fmt.Sprintf("incident-severity:%d:%d", i.ID, i.Version)}); err != nil {
			return err
		}
		return s.startLadder(ctx, tx, c, &i, s.now())
	})
	if err != nil {
		return Incident{}, err
	}
	return s.Get(ctx, id)
}

// Evidence is what an escalation carries.
type Evidence struct {
	// DecisionID names an existing Decision Log entry; or ActionsTaken
	// writes one (with the incident's severity and the time).
	DecisionID   int64
	ActionsTaken string
	Link         string
	CommsPlan    string
}

func (e Evidence) validate() error {
	errs := validation.Errors{}
	errs.MaxLen("actions_taken", e.ActionsTaken, 4000)
	errs.MaxLen("comms_plan", e.CommsPlan, 4000)
	checkLink(errs, "evidence_link", e.Link)
	return errs.Err()
}

// apply adds the evidence to the incident (writing the actions-taken
// entry first, outside any transaction, so its id can be referenced).
func (s *Service) evidenceDecision(ctx context.Context, i Incident, e Evidence, actor string) (int64, error) {
	if e.DecisionID != 0 || strings.TrimSpace(e.ActionsTaken) == "" {
		if e.DecisionID != 0 {
			if _, err := s.Decisions.Get(ctx, e.DecisionID); err != nil {
				return 0, validation.Errors{"decision_id": "no Decision Log entry has this id"}
			}
		}
		return e.DecisionID, nil
	}
	entry, _, err := s.Decisions.Append(ctx, decisionlog.Draft{Scope: decisionlog.ScopeOps, Actor: actor, RecordedBy: actor,
		Action: "incident.actions_taken", Severity: i.Severity, Status: "in_progress", IncidentRef: i.Ref(),
		Rationale: "Actions taken: " + strings.TrimSpace(e.ActionsTaken)})
	if err != nil {
		return 0, err
	}
	return entry.ID, nil
}

func mergeEvidence(i *Incident, e Evidence, decision int64) {
	if decision != 0 {
		i.EvidenceDecision = decision
	}
	if e.Link != "" {
		i.EvidenceLink = e.Link
	}
	if c := strings.TrimSpace(e.CommsPlan); c != "" {
		i.CommsPlan = c
	}
}

// SupplyEvidence adds evidence to an incident; once complete, an S0/S1
// incident is no longer flagged "evidence missing".
func (s *Service) SupplyEvidence(ctx context.Context, id int64, e Evidence, actor string) (Incident, error) {
	if err := e.validate(); err != nil {
		return Incident{}, err
	}
	cur, err := s.Get(ctx, id)
	if err != nil {
		return cur, err
	}
	decision, err := s.evidenceDecision(ctx, cur, e, actor)
	if err != nil {
		return cur, err
	}
	err = s.change(ctx, func(tx *sql.Tx, c *changes) error {
		i, err := s.lock(ctx, tx, id)
		if err != nil {
			return err
		}
		mergeEvidence(&i, e, decision)
		i.EvidenceMissing = i.EvidenceMissing && len(i.MissingEvidence()) > 0
		if err := s.save(ctx, tx, &i); err != nil {
			return err
		}
		return s.decide(ctx, tx, c, decisionlog.Draft{Actor: actor, Action: "incident.evidence", Severity: i.Severity, IncidentRef: i.Ref(),
			Rationale: "Evidence supplied: " + evidenceSummary(i), IdempotencyKey: fmt.Sprintf("incident-evidence:%d:%d", i.ID, i.Version)})
	})
	if err != nil {
		return Incident{}, err
	}
	return s.Get(ctx, id)
}

func evidenceSummary(i Incident) string {
	var parts []string
	if i.EvidenceDecision != 0 {
		parts = append(parts, fmt.Sprintf("decision #%d", i.EvidenceDecision))
	}
	if i.EvidenceLink != "" {
		parts = append(parts, "link "+i.EvidenceLink)
	}
	if i.CommsPlan != "" {
		parts = append(parts, "comms plan")
	}
	if missing := i.MissingEvidence(); len(missing) > 0 {
		parts = append(parts, "still missing: "+strings.Join(missing, "; "))
	}
	return strings.Join(parts, ", ")
}

// Escalate takes an incident up by hand to level (0: the next level). S2
// and S3 need complete evidence (an *EvidenceError names what is
// missing); S0 and S1 go at once and stay flagged until it is supplied.
func (s *Service) Escalate(ctx context.Context, id int64, version, level int, e Evidence, actor string) (Incident, error) {
	if err := e.validate(); err != nil {
		return Incident{}, err
	}
	cur, err := s.Get(ctx, id)
	if err != nil {
		return cur, err
	}
	if level == 0 {
		level = cur.Level + 1
	}
	if level <= cur.Level || level > MaxLevel || !cur.Open() {
		return cur, fmt.Errorf("%w: it is %s at %s", ErrWrongState, cur.Status, LevelName(cur.Level))
	}
	preview := cur
	mergeEvidence(&preview, e, pendingDecision(e))
	if missing := preview.MissingEvidence(); len(missing) > 0 && !cur.Urgent() {
		return cur, &EvidenceError{Missing: missing}
	}
	decision, err := s.evidenceDecision(ctx, cur, e, actor)
	if err != nil {
		return cur, err
	}
	err = s.change(ctx, func(tx *sql.Tx, c *changes) error {
		i, err := s.locked(ctx, tx, id, version)
		if err != nil {
			return err
		}
		mergeEvidence(&i, e, decision)
		return s.escalate(ctx, tx, c, &i, level, "manual", actor)
	})
	if err != nil {
		return Incident{}, err
	}
	return s.Get(ctx, id)
}

// pendingDecision is the evidence's decision id for checking the gate
// before the actions-taken entry is written (-1 stands in for it).
func pendingDecision(e Evidence) int64 {
	if e.DecisionID == 0 && strings.TrimSpace(e.ActionsTaken) != "" {
		return -1
	}
	return e.DecisionID
}

// Acknowledge takes the incident's current level: its re-notifications
// stop, and PagerDuty hears of it.
func (s *Service) Acknowledge(ctx context.Context, id int64, actor string) (Incident, error) {
	err := s.change(ctx, func(tx *sql.Tx, c *changes) error {
		i, err := s.lock(ctx, tx, id)
		if err != nil {
			return err
		}
		if !i.Open() || i.Level == 0 || i.Acknowledged() {
			return fmt.Errorf("%w: nothing to acknowledge (%s, %s)", ErrWrongState, i.Status, LevelName(i.Level))
		}
		i.AckedLevel = i.Level
		if err := s.save(ctx, tx, &i); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE escalations SET acked_at = $3, acked_by = $4 WHERE incident_id = $1 AND level <= $2 AND acked_at IS NULL`,
			i.ID, i.Level, s.now(), actor); err != nil {
			return fmt.Errorf("acknowledge escalations: %w", err)
		}
		if err := s.decide(ctx, tx, c, decisionlog.Draft{Actor: actor, Action: "incident.acknowledge", Severity: i.Severity, IncidentRef: i.Ref(),
			Rationale: fmt.Sprintf("Acknowledged %s: %s", LevelName(i.Level), i.Summary), IdempotencyKey: fmt.Sprintf("incident-ack:%d:%d", i.ID, i.Level)}); err != nil {
			return err
		}
		return s.mirror(ctx, tx, c, i, "acknowledge", actor)
	})
	if err != nil {
		return Incident{}, err
	}
	return s.Get(ctx, id)
}

// CustomerUpdate records that customers were told; for S1 the next
// reminder is scheduled from now.
func (s *Service) CustomerUpdate(ctx context.Context, id int64, note, actor string) (Incident, error) {
	errs := validation.Errors{}
	note = strings.TrimSpace(note)
	errs.Required("note", note)
	errs.MaxLen("note", note, 4000)
	if err := errs.Err(); err != nil {
		return Incident{}, err
	}
	err := s.change(ctx, func(tx *sql.Tx, c *changes) error {
		i, err := s.lock(ctx, tx, id)
		if err != nil {
			return err
		}
		if !i.Open() {
			return fmt.Errorf("%w: it is resolved", ErrWrongState)
		}
		now := s.now()
		i.CustomerUpdateAt = now
		if err := s.save(ctx, tx, &i); err != nil {
			return err
		}
		if err := s.decide(ctx, tx, c, decisionlog.Draft{Actor: actor, Action: "incident.customer_update", Severity: i.Severity, IncidentRef: i.Ref(),
			Rationale: "Customers updated: " + note, IdempotencyKey: fmt.Sprintf("incident-update:%d:%d", i.ID, i.Version)}); err != nil {
			return err
		}
		return s.scheduleUpdateReminder(ctx, tx, i, now)
	})
	if err != nil {
		return Incident{}, err
	}
	return s.Get(ctx, id)
}
