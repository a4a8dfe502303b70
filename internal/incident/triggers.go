package incident

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/decisionlog"
)

// ladderActor is who the ladder's own steps are attributed to.
const ladderActor = "ladder"

// openFor returns the open incident with a cause (and conversation), if any.
func (s *Service) openFor(ctx context.Context, cause string, conversationID int64) (Incident, bool, error) {
	q := `SELECT ` + incidentColumns + ` FROM incidents WHERE cause = $1 AND status <> 'resolved'`
	args := []any{cause}
	if conversationID != 0 {
		q += ` AND conversation_id = $2`
		args = append(args, conversationID)
	}
	i, err := scanIncident(s.DB.Write.QueryRowContext(ctx, q+` ORDER BY id DESC LIMIT 1`, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return i, false, nil
	}
	if err != nil {
		return i, false, fmt.Errorf("find open %s incident: %w", cause, err)
	}
	return i, true, nil
}

// SLAUrgent takes a conversation whose SLA band turned urgent to L2: it
// opens an S2 incident for the conversation (one at a time) and escalates
// it, so the manager is paged with the conversation as evidence.
func (s *Service) SLAUrgent(ctx context.Context, conversationID, displayID int64, clock string) error {
	if _, ok, err := s.openFor(ctx, CauseSLAUrgent, conversationID); err != nil || ok {
		return err
	}
	i, err := s.Open(ctx, NewIncident{Severity: S2, Summary: fmt.Sprintf("SLA urgent: conversation #%d (%s)", displayID, strings.ReplaceAll(clock, "_", " ")),
		Description: "The conversation's SLA band reached urgent: the deadline is minutes away.", Channels: nil, Actor: ladderActor,
		Owner: "", Cause: CauseSLAUrgent, ConversationID: conversationID, EvidenceLink: "/conversations/" + strconv.FormatInt(conversationID, 10)})
	if err != nil {
		if s.DB.IsUniqueViolation(err) {
			return nil // another replica opened it first
		}
		return err
	}
	return s.change(ctx, func(tx *sql.Tx, c *changes) error {
		cur, err := s.lock(ctx, tx, i.ID)
		if err != nil {
			return err
		}
		return s.escalate(ctx, tx, c, &cur, 2, CauseSLAUrgent, ladderActor)
	})
}

// SLARecovered resolves a conversation's SLA incident once the clock is
// met or the band eases.
func (s *Service) SLARecovered(ctx context.Context, conversationID int64, why string) error {
	i, ok, err := s.openFor(ctx, CauseSLAUrgent, conversationID)
	if err != nil || !ok {
		return err
	}
	_, err = s.Transition(ctx, i.ID, 0, StatusResolved, ladderActor, why)
	return err
}

// HealthFailure is a failing Chatwoot health check, as the health checks
// report it.
type HealthFailure struct {
	// Summary is one line ("Chatwoot platform check failed 3 times").
	Summary string
	// Output is the failing checks' output, attached as evidence.
	Output string
	// Link is the health page or the check's result.
	Link string
}

// HealthFailing is the trigger the health checks call on repeated
// failures: it opens (or updates) an S1 incident, which goes to L3 at
// once, and to L4 when an L3 happened within the repeat window.
func (s *Service) HealthFailing(ctx context.Context, f HealthFailure) (Incident, error) {
	i, ok, err := s.openFor(ctx, CauseHealth, 0)
	if err != nil {
		return i, err
	}
	if ok {
		return i, s.stillFailing(ctx, i, f)
	}
	output, _, err := s.Decisions.Append(ctx, decisionlog.Draft{Scope: decisionlog.ScopeOps, Actor: ladderActor, RecordedBy: ladderActor,
		Action: "health.failing", Severity: S1, Status: "in_progress", Rationale: f.Summary, Payload: jsonText(f.Output)})
	if err != nil {
		return i, err
	}
	opened, err := s.Open(ctx, NewIncident{Severity: S1, Summary: f.Summary, Description: f.Output, Actor: ladderActor, Cause: CauseHealth,
		EvidenceLink: f.Link})
	if s.DB.IsUniqueViolation(err) {
		// A check made at the same moment (another replica, or one sent
		// in) opened it first: this failure is already recorded above.
		i, _, err := s.openFor(ctx, CauseHealth, 0)
		return i, err
	}
	if err != nil {
		return opened, err
	}
	return s.SupplyEvidence(ctx, opened.ID, Evidence{DecisionID: output.ID}, ladderActor)
}

// stillFailingEvery is how often a health incident that keeps failing
// gets a "still failing" Decision Log entry (a check every 5 minutes would
// otherwise write a dozen an hour).
const stillFailingEvery = 30 * time.Minute

// stillFailing records that the health incident i is still failing, at
// most once per stillFailingEvery.
func (s *Service) stillFailing(ctx context.Context, i Incident, f HealthFailure) error {
	const action = "incident.health_failing"
	last, _, err := s.Decisions.List(ctx, decisionlog.Filter{IncidentRef: i.Ref(), Action: action}, decisionlog.Page{Limit: 1})
	if err != nil {
		return err
	}
	if len(last) > 0 && s.now().Sub(last[0].CreatedAt) < stillFailingEvery {
		return nil
	}
	_, _, err = s.Decisions.Append(ctx, decisionlog.Draft{Scope: decisionlog.ScopeOps, Actor: ladderActor, RecordedBy: ladderActor,
		Action: action, Severity: i.Severity, IncidentRef: i.Ref(), Rationale: "Still failing: " + f.Summary, Payload: jsonText(f.Output)})
	return err
}

// HealthRecovered resolves the health incident HealthFailing opened.
func (s *Service) HealthRecovered(ctx context.Context, note string) error {
	i, ok, err := s.openFor(ctx, CauseHealth, 0)
	if err != nil || !ok {
		return err
	}
	_, err = s.Transition(ctx, i.ID, 0, StatusResolved, ladderActor, note)
	return err
}

// jsonText wraps text as a JSON payload {"output": …}.
func jsonText(s string) []byte {
	if s == "" {
		return nil
	}
	b, _ := json.Marshal(map[string]string{"output": truncate(s, 32<<10)}) // a map of strings always encodes
	return b
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
