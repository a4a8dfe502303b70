package incident

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/notify"
)

// Timer kinds.
const (
	timerS2L1     = "s2_l1"
	timerS2L2     = "s2_l2"
	timerS1Update = "s1_update"
	timerEvidence = "evidence"
	// timerRenotify is followed by the level: "renotify:3".
	timerRenotify = "renotify:"
)

// startLadder applies the rules that fire on opening (or on a severity
// change): S0 and legal risk → L4, S1 → L3, S2 → timers for L1 and L2.
func (s *Service) startLadder(ctx context.Context, tx *sql.Tx, c *changes, i *Incident, now time.Time) error {
	t := s.Ladder.Timers
	switch {
	case i.Severity == S0:
		return s.escalate(ctx, tx, c, i, 4, "severity:S0", "ladder")
	case i.LegalRisk:
		return s.escalate(ctx, tx, c, i, 4, "legal_risk", "ladder")
	case i.Severity == S1:
		if err := s.scheduleUpdateReminder(ctx, tx, *i, now); err != nil {
			return err
		}
		return s.escalate(ctx, tx, c, i, 3, "severity:S1", "ladder")
	case i.Severity == S2:
		if err := schedule(ctx, tx, i.ID, timerS2L1, now.Add(t.S2ToL1.D())); err != nil {
			return err
		}
		return schedule(ctx, tx, i.ID, timerS2L2, now.Add(t.S2ToL2.D()))
	}
	return nil
}

// scheduleUpdateReminder reminds an S1 incident's owner before the next
// customer update is due.
func (s *Service) scheduleUpdateReminder(ctx context.Context, tx *sql.Tx, i Incident, from time.Time) error {
	if i.Severity != S1 {
		return nil
	}
	t := s.Ladder.Timers
	return schedule(ctx, tx, i.ID, timerS1Update, from.Add(t.S1CustomerUpdate.D()-t.S1UpdateReminder.D()))
}

// escalate takes a locked incident to level (a level it already reached
// is not repeated), records it, notifies the level, and applies the
// history rule: a second L3 within the repeat window goes to L4.
func (s *Service) escalate(ctx context.Context, tx *sql.Tx, c *changes, i *Incident, level int, trigger, actor string) error {
	if level <= i.Level || !i.Open() {
		return nil
	}
	now := s.now()
	missing := len(i.MissingEvidence()) > 0
	i.Level = level
	i.EvidenceMissing = missing
	if err := s.save(ctx, tx, i); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO escalations (incident_id, level, trigger, actor, evidence_missing, created_at, acked_by, notified)
		VALUES ($1, $2, $3, $4, $5, $6, '', 0) ON CONFLICT (incident_id, level) DO NOTHING`, i.ID, level, trigger, actor, missing, now)
	if err != nil {
		return fmt.Errorf("record escalation: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	rationale := fmt.Sprintf("Escalated to %s (%s) by %s: %s", LevelName(level), s.Ladder.Level(LevelName(level)).Name, triggerText(trigger), i.Summary)
	if missing {
		rationale += ". Evidence missing: " + strings.Join(i.MissingEvidence(), "; ")
	}
	entry := decisionlog.Draft{Actor: actor, Action: "incident.escalate", Severity: i.Severity, Status: "in_progress",
		IncidentRef: i.Ref(), Rationale: rationale, Evidence: evidenceLinks(*i), IdempotencyKey: fmt.Sprintf("incident-escalate:%d:%d", i.ID, level)}
	if missing {
		entry.NextAction, entry.NextActionOwner = nextActionFor(*i, missing), i.Owner
	}
	if err := s.decide(ctx, tx, c, entry); err != nil {
		return err
	}
	if err := s.page(ctx, tx, c, *i, level, 0); err != nil {
		return err
	}
	if missing && i.Urgent() {
		if err := schedule(ctx, tx, i.ID, timerEvidence, now.Add(s.Ladder.Timers.EvidenceReminder.D())); err != nil {
			return err
		}
	}
	if level == 3 {
		return s.repeatRule(ctx, tx, c, i, now)
	}
	return nil
}

// repeatRule sends an incident to L4 when another L3 happened within the
// repeat window (any incident: the SOP's "a second L3 within 24 h").
func (s *Service) repeatRule(ctx context.Context, tx *sql.Tx, c *changes, i *Incident, now time.Time) error {
	var prior int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM escalations WHERE level = 3 AND incident_id <> $1 AND created_at >= $2`,
		i.ID, now.Add(-s.Ladder.Timers.RepeatWindow.D())).Scan(&prior)
	if err != nil {
		return fmt.Errorf("count recent L3 escalations: %w", err)
	}
	if prior == 0 {
		return nil
	}
	return s.escalate(ctx, tx, c, i, 4, "repeat_l3", "ladder")
}

func triggerText(t string) string {
	switch {
	case t == "manual":
		return "hand"
	case t == "repeat_l3":
		return "rule: a second L3 within the repeat window"
	case t == "legal_risk":
		return "rule: legal or compliance risk"
	case strings.HasPrefix(t, "severity:"):
		return "rule: severity " + strings.TrimPrefix(t, "severity:")
	case strings.HasPrefix(t, "timer:"):
		return "rule: unresolved for " + strings.TrimPrefix(t, "timer:")
	case t == CauseSLAUrgent:
		return "rule: SLA band urgent"
	case t == CauseHealth:
		return "rule: repeated health-check failures"
	}
	return t
}

func evidenceLinks(i Incident) []string {
	var out []string
	if i.EvidenceLink != "" && !strings.HasPrefix(i.EvidenceLink, "/") {
		out = append(out, i.EvidenceLink)
	}
	return out
}

func nextActionFor(i Incident, missing bool) string {
	if missing {
		return "Supply the missing evidence: " + strings.Join(i.MissingEvidence(), "; ")
	}
	return ""
}

// levelRoles are the people inside HotDash each level alerts.
func levelRoles(level int) []auth.Role {
	switch level {
	case 1:
		return []auth.Role{auth.Lead}
	case 2:
		return []auth.Role{auth.Manager, auth.Lead}
	case 3:
		return []auth.Role{auth.DevOps, auth.Manager}
	case 4:
		return []auth.Role{auth.Executive, auth.Manager}
	}
	return nil
}

// DedupKey is stable for an incident at a level: PagerDuty folds repeats
// into one alert and acknowledge/resolve reach it.
func DedupKey(id int64, level int) string {
	return "hotdash-incident-" + strconv.FormatInt(id, 10) + "-" + LevelName(level)
}

// page notifies a level of an incident: its endpoints through the outbox
// and its people through the notification center. round counts
// re-notifications (0: the first).
func (s *Service) page(ctx context.Context, tx *sql.Tx, c *changes, i Incident, level, round int) error {
	lc := s.Ladder.Level(LevelName(level))
	m := s.message(i, level, notify.EventTrigger)
	key := fmt.Sprintf("%s:trigger:%d", DedupKey(i.ID, level), round)
	if len(lc.Notify) > 0 && s.Outbox != nil {
		if _, err := s.Outbox.EnqueueTx(ctx, tx, lc.Notify, m, key); err != nil {
			return err
		}
		c.notified = true
	}
	if _, err := tx.ExecContext(ctx, `UPDATE escalations SET notified = notified + 1 WHERE incident_id = $1 AND level = $2`, i.ID, level); err != nil {
		return fmt.Errorf("count notification: %w", err)
	}
	if err := s.alert(ctx, tx, c, Alert{Roles: levelRoles(level), Owner: i.Owner, Kind: "escalation", Severity: i.Severity, Urgent: i.Urgent(),
		Title: m.Summary, Body: m.Details, Link: "/incidents/" + strconv.FormatInt(i.ID, 10), Key: key}); err != nil {
		return err
	}
	if every := lc.RenotifyEvery.D(); every > 0 {
		return schedule(ctx, tx, i.ID, timerRenotify+strconv.Itoa(level), s.now().Add(every))
	}
	return nil
}

func (s *Service) alert(ctx context.Context, tx *sql.Tx, c *changes, a Alert) error {
	if s.Alerts == nil {
		return nil
	}
	after, err := s.Alerts.AlertTx(ctx, tx, a)
	if err != nil {
		return err
	}
	if after != nil {
		c.after = append(c.after, after)
	}
	return nil
}

// message renders an incident for a level's endpoints.
func (s *Service) message(i Incident, level int, event string) notify.Message {
	lc := s.Ladder.Level(LevelName(level))
	// The summary is the incident's own: every channel's headline adds the
	// severity, level and event in front of it (notify.Headline).
	summary := i.Summary
	var details []string
	details = append(details, fmt.Sprintf("Level: %s %s", LevelName(level), lc.Name))
	details = append(details, "Status: "+i.Status+", owner: "+orNone(i.Owner))
	if i.Customers != "" || i.CustomersAffected {
		details = append(details, "Customers affected: "+orNone(i.Customers))
	}
	if len(i.Channels) > 0 {
		details = append(details, "Channels: "+strings.Join(i.Channels, ", "))
	}
	if i.EvidenceDecision > 0 {
		details = append(details, fmt.Sprintf("Evidence: Decision Log entry #%d", i.EvidenceDecision))
	}
	if i.CommsPlan != "" {
		details = append(details, "Customer communication plan: "+i.CommsPlan)
	}
	if missing := i.MissingEvidence(); len(missing) > 0 {
		details = append(details, "Evidence missing: "+strings.Join(missing, "; "))
	}
	links := []notify.Link{{Title: "Incident " + strconv.FormatInt(i.ID, 10), URL: s.link("/incidents/" + strconv.FormatInt(i.ID, 10))}}
	if i.EvidenceLink != "" {
		l := i.EvidenceLink
		if strings.HasPrefix(l, "/") {
			l = s.link(l)
		}
		links = append(links, notify.Link{Title: "Evidence", URL: l})
	}
	if lc.Runbook != "" {
		links = append(links, notify.Link{Title: "Runbook", URL: lc.Runbook})
	}
	return notify.Message{Event: event, IncidentRef: i.Ref(), Severity: i.Severity, Level: LevelName(level), Summary: summary,
		Details: strings.Join(details, "\n"), Links: links, DedupKey: DedupKey(i.ID, level), At: s.now()}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// mirror tells the endpoints that were paged of an acknowledge or a
// resolve: PagerDuty once per level (each level's alert has its own
// dedup key), every other endpoint once.
func (s *Service) mirror(ctx context.Context, tx *sql.Tx, c *changes, i Incident, event, actor string) error {
	if s.Outbox == nil {
		return nil
	}
	told := map[string]bool{}
	for level := i.Level; level >= 1; level-- {
		var endpoints []string
		for _, ep := range s.Ladder.Level(LevelName(level)).Notify {
			pd := s.Endpoints.Endpoints[ep].Type == config.EndpointPagerDuty
			if pd || !told[ep] {
				endpoints = append(endpoints, ep)
				told[ep] = true
			}
		}
		if len(endpoints) == 0 {
			continue
		}
		m := s.message(i, level, event)
		m.Details += "\nBy: " + actor
		if _, err := s.Outbox.EnqueueTx(ctx, tx, endpoints, m, DedupKey(i.ID, level)+":"+event); err != nil {
			return err
		}
		c.notified = true
	}
	return nil
}

// announceResolved closes the incident everywhere it was paged.
func (s *Service) announceResolved(ctx context.Context, tx *sql.Tx, c *changes, i Incident, actor string) error {
	if err := s.mirror(ctx, tx, c, i, notify.EventResolve, actor); err != nil {
		return err
	}
	return s.alert(ctx, tx, c, Alert{Roles: levelRoles(max(i.Level, 1)), Owner: i.Owner, Kind: "incident", Severity: i.Severity,
		Title: fmt.Sprintf("[%s] resolved: %s", i.Severity, i.Summary), Link: "/incidents/" + strconv.FormatInt(i.ID, 10),
		Key: fmt.Sprintf("incident-resolved:%d", i.ID)})
}
