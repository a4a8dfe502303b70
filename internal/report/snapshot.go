package report

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/store"
)

// Snapshot is the live state a handoff is drafted from.
type Snapshot struct {
	At time.Time `json:"at"`
	// Incidents are the open ones, most severe first, with their level and
	// next timer.
	Incidents []OpenIncident `json:"incidents"`
	// AwaitingEvidence are escalated incidents the evidence gate still
	// waits on.
	AwaitingEvidence []OpenIncident `json:"awaiting_evidence"`
	// AtRisk are open conversations in the urgent or breached band.
	AtRisk []AtRisk `json:"at_risk"`
	// PendingDrafts counts drafts waiting for review by risk.
	PendingDrafts []Count `json:"pending_drafts"`
	// NextActions are open Decision Log follow-ups; Promises the ones
	// marked as promises to customers.
	NextActions []FollowUp `json:"next_actions"`
	Promises    []FollowUp `json:"promises"`
	// Health is the latest Chatwoot health check when it failed.
	Health *HealthFailure `json:"health,omitempty"`
}

// OpenIncident is an incident as a handoff lists it.
type OpenIncident struct {
	ID              int64     `json:"id"`
	Severity        string    `json:"severity"`
	Summary         string    `json:"summary"`
	Status          string    `json:"status"`
	Level           int       `json:"level"`
	Owner           string    `json:"owner,omitempty"`
	EvidenceMissing bool      `json:"evidence_missing,omitempty"`
	NextTimer       string    `json:"next_timer,omitempty"`
	NextDue         time.Time `json:"next_due,omitzero"`
}

// AtRisk is a conversation whose SLA is urgent or breached.
type AtRisk struct {
	ID        int64     `json:"id"`
	DisplayID int64     `json:"display_id"`
	Channel   string    `json:"channel"`
	Contact   string    `json:"contact"`
	Band      string    `json:"band"`
	Clock     string    `json:"clock"`
	Due       time.Time `json:"due,omitzero"`
}

// HealthFailure is a failed health check.
type HealthFailure struct {
	At       time.Time `json:"at"`
	ExitCode int       `json:"exit_code"`
	Reason   string    `json:"reason"`
	// Streak counts the failures in a row up to it.
	Streak int `json:"streak"`
}

// snapshotLimit bounds each list of a snapshot.
const snapshotLimit = 50

// Snapshot reads the live state a handoff is drafted from.
func (s *Service) Snapshot(ctx context.Context) (Snapshot, error) {
	now := s.now()
	snap := Snapshot{At: now}
	var err error
	if snap.Incidents, err = s.openIncidents(ctx); err != nil {
		return snap, err
	}
	for _, i := range snap.Incidents {
		if i.EvidenceMissing {
			snap.AwaitingEvidence = append(snap.AwaitingEvidence, i)
		}
	}
	if snap.AtRisk, err = s.atRisk(ctx); err != nil {
		return snap, err
	}
	if snap.PendingDrafts, err = s.pendingDrafts(ctx); err != nil {
		return snap, err
	}
	follow, err := s.followUps(ctx, now)
	if err != nil {
		return snap, err
	}
	for _, f := range follow {
		if f.CustomerPromise {
			snap.Promises = append(snap.Promises, f)
		} else if f.Action != HandoffAction {
			snap.NextActions = append(snap.NextActions, f)
		}
	}
	snap.Health, err = s.failingHealth(ctx)
	return snap, err
}

func (s *Service) openIncidents(ctx context.Context) ([]OpenIncident, error) {
	var out []OpenIncident
	err := s.each(ctx, `SELECT id, severity, summary, status, level, owner, evidence_missing FROM incidents
		WHERE status <> 'resolved' ORDER BY severity, id LIMIT $1`, []any{snapshotLimit}, func(sc scanner) error {
		var i OpenIncident
		err := sc.Scan(&i.ID, &i.Severity, &i.Summary, &i.Status, &i.Level, &i.Owner, &i.EvidenceMissing)
		out = append(out, i)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list open incidents: %w", err)
	}
	next := map[int64]OpenIncident{}
	err = s.each(ctx, `SELECT t.incident_id, t.kind, t.due_at FROM incident_timers t JOIN incidents i ON i.id = t.incident_id
		WHERE t.fired_at IS NULL AND i.status <> 'resolved' ORDER BY t.due_at`, nil, func(sc scanner) error {
		var id int64
		var t OpenIncident
		if err := sc.Scan(&id, &t.NextTimer, &t.NextDue); err != nil {
			return err
		}
		if _, seen := next[id]; !seen {
			next[id] = t
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list incident timers: %w", err)
	}
	for k, i := range out {
		if t, ok := next[i.ID]; ok {
			out[k].NextTimer, out[k].NextDue = t.NextTimer, t.NextDue.UTC()
		}
	}
	return out, nil
}

func (s *Service) atRisk(ctx context.Context) ([]AtRisk, error) {
	var out []AtRisk
	err := s.each(ctx, `SELECT id, display_id, channel, contact_name, sla_band, sla_clock, sla_due_at FROM conversations
		WHERE status <> 'resolved' AND sla_band IN ('urgent', 'breached') ORDER BY sla_due_at, id LIMIT $1`,
		[]any{snapshotLimit}, func(sc scanner) error {
			var a AtRisk
			var due sql.NullTime
			err := sc.Scan(&a.ID, &a.DisplayID, &a.Channel, &a.Contact, &a.Band, &a.Clock, &due)
			a.Due = store.TimeOf(due)
			out = append(out, a)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("list conversations at risk: %w", err)
	}
	return out, nil
}

func (s *Service) pendingDrafts(ctx context.Context) ([]Count, error) {
	by := map[string]int{}
	err := s.each(ctx, `SELECT risk, count(*) FROM drafts WHERE state = 'pending_review' GROUP BY risk`, nil, func(sc scanner) error {
		var r string
		var n int
		err := sc.Scan(&r, &n)
		by[r] = n
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("count pending drafts: %w", err)
	}
	out := []Count{}
	for _, r := range []string{"high", "medium", "low"} {
		out = append(out, Count{Key: r, N: by[r]})
	}
	return out, nil
}

// failingHealth returns the latest health check when it failed, with the
// failures in a row up to it.
func (s *Service) failingHealth(ctx context.Context) (*HealthFailure, error) {
	var out *HealthFailure
	err := s.each(ctx, `SELECT at, exit_code, reason FROM health_checks ORDER BY at DESC, id DESC LIMIT 100`, nil, func(sc scanner) error {
		var h HealthFailure
		if err := sc.Scan(&h.At, &h.ExitCode, &h.Reason); err != nil {
			return err
		}
		switch {
		case out == nil && h.ExitCode == 0:
			return errStop
		case out == nil:
			h.At, h.Streak = h.At.UTC(), 1
			out = &h
		case h.ExitCode != 0:
			out.Streak++
		default:
			return errStop
		}
		return nil
	})
	if err != nil && err != errStop {
		return nil, fmt.Errorf("read health checks: %w", err)
	}
	return out, nil
}

var errStop = fmt.Errorf("stop")

// SnapshotCounts are a snapshot's sizes (kept in the handoff's Decision
// Log payload).
type SnapshotCounts struct {
	Incidents        int  `json:"incidents"`
	AwaitingEvidence int  `json:"awaiting_evidence"`
	AtRisk           int  `json:"at_risk"`
	PendingDrafts    int  `json:"pending_drafts"`
	NextActions      int  `json:"next_actions"`
	Promises         int  `json:"promises"`
	HealthFailing    bool `json:"health_failing"`
}

// Counts sizes the snapshot.
func (s Snapshot) Counts() SnapshotCounts {
	return SnapshotCounts{Incidents: len(s.Incidents), AwaitingEvidence: len(s.AwaitingEvidence), AtRisk: len(s.AtRisk),
		PendingDrafts: sumCounts(s.PendingDrafts), NextActions: len(s.NextActions), Promises: len(s.Promises), HealthFailing: s.Health != nil}
}

// Markdown drafts the handoff's text from the snapshot, for the operator
// to edit.
func (s Snapshot) Markdown() string {
	var b strings.Builder
	section := func(title string, empty string, lines []string) {
		fmt.Fprintf(&b, "## %s\n", title)
		if len(lines) == 0 {
			fmt.Fprintf(&b, "- %s\n", empty)
		}
		for _, l := range lines {
			b.WriteString("- " + l + "\n")
		}
		b.WriteByte('\n')
	}
	var lines []string
	for _, i := range s.Incidents {
		l := fmt.Sprintf("#%d %s %s — %s, L%d", i.ID, i.Severity, i.Summary, i.Status, i.Level)
		if !i.NextDue.IsZero() {
			l += fmt.Sprintf(", next: %s at %s", i.NextTimer, i.NextDue.Format("15:04 MST"))
		}
		lines = append(lines, l)
	}
	section("Open incidents", "none", lines)
	lines = nil
	for _, i := range s.AwaitingEvidence {
		lines = append(lines, fmt.Sprintf("#%d %s %s — L%d, evidence missing", i.ID, i.Severity, i.Summary, i.Level))
	}
	section("Escalations waiting on evidence", "none", lines)
	lines = nil
	for _, c := range s.AtRisk {
		lines = append(lines, fmt.Sprintf("Conversation %d (%s, %s): %s %s, due %s", c.DisplayID, c.Channel, c.Contact, c.Clock, c.Band, c.Due.Format("15:04 MST")))
	}
	section("Conversations at risk or breached", "none", lines)
	lines = nil
	for _, c := range s.PendingDrafts {
		lines = append(lines, fmt.Sprintf("%s risk: %d", c.Key, c.N))
	}
	section("Drafts pending review", "none", lines)
	section("Customer promises", "none", followUpLines(s.Promises))
	section("Open next actions", "none", followUpLines(s.NextActions))
	lines = nil
	if s.Health != nil {
		lines = append(lines, fmt.Sprintf("Chatwoot health failing since %s (%d in a row, exit %d): %s",
			s.Health.At.Format("15:04 MST"), s.Health.Streak, s.Health.ExitCode, s.Health.Reason))
	}
	section("Failing health checks", "none", lines)
	return strings.TrimSpace(b.String())
}

func followUpLines(fs []FollowUp) []string {
	var out []string
	for _, f := range fs {
		l := "#" + strconv.FormatInt(f.DecisionID, 10) + " " + f.NextAction
		if f.Owner != "" {
			l += " (" + f.Owner + ")"
		}
		if !f.Due.IsZero() {
			l += ", due " + f.Due.Format("2006-01-02 15:04 MST")
		}
		if f.Overdue {
			l += ", overdue"
		}
		out = append(out, l)
	}
	return out
}
