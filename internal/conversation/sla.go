package conversation

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hotdash/hotdash/internal/chatwoot"
	"github.com/hotdash/hotdash/internal/sla"
	"github.com/hotdash/hotdash/internal/store"
)

// Rules are the SLA policies and bands conversations are measured by.
type Rules struct {
	Policies sla.Policies
	Bands    sla.Bands
}

const (
	qHistoryMessages = `SELECT kind, private, sender_type, created_at FROM conversation_messages WHERE conversation_id = $1`
	qHistoryStatuses = `SELECT status, at FROM conversation_statuses WHERE conversation_id = $1`
	qLoadForSLA      = `SELECT channel, priority, labels, created_at, sla_band FROM conversations WHERE id = $1`
	qSaveSLA         = `UPDATE conversations SET sla_policy = $2, sla_clock = $3, sla_due_at = $4, sla_band = $5,
		sla_next_at = $6, sla_clocks = $7 WHERE id = $1`
)

// Recompute derives the SLA state of each conversation from its history at
// now, stores it, records band changes, and returns how many it recorded.
func (p *Projection) Recompute(ctx context.Context, tx *sql.Tx, ids []int64, now time.Time) (int, error) {
	changes := 0
	for _, id := range ids {
		changed, err := p.recompute(ctx, tx, id, now)
		if err != nil {
			return changes, err
		}
		if changed {
			changes++
		}
	}
	return changes, nil
}

func (p *Projection) recompute(ctx context.Context, tx *sql.Tx, id int64, now time.Time) (bool, error) {
	var channel, priority, labels, band string
	var created time.Time
	if err := p.stmts.In(ctx, tx, qLoadForSLA).QueryRowContext(ctx, id).Scan(&channel, &priority, &labels, &created, &band); err != nil {
		return false, fmt.Errorf("load conversation %d for SLA: %w", id, err)
	}
	history, err := p.history(ctx, tx, id)
	if err != nil {
		return false, err
	}
	// An event HotDash has received has happened, even if Chatwoot's clock
	// runs a little ahead of ours: evaluate no earlier than the newest one.
	for _, e := range history {
		if e.At.After(now) {
			now = e.At
		}
	}
	policy := p.rules.Policies.Select(channel, priority, parseLabels(labels))
	st := sla.Evaluate(policy, created.UTC(), history, now)
	s := stateOf(st, p.rules.Bands, now)
	clocks, err := json.Marshal(s.Clocks)
	if err != nil {
		return false, fmt.Errorf("encode SLA clocks: %w", err)
	}
	_, err = p.stmts.In(ctx, tx, qSaveSLA).ExecContext(ctx, id, s.Policy, s.Clock, store.NullTime(s.Due), s.Band,
		store.NullTime(s.NextAt), string(clocks))
	if err != nil {
		return false, fmt.Errorf("save SLA state of conversation %d: %w", id, err)
	}
	if err := p.recordMet(ctx, tx, id, s.Clocks); err != nil {
		return false, err
	}
	if s.Band == band {
		return false, nil
	}
	return true, recordBandChange(ctx, p.stmts.In(ctx, tx, qBandChange), BandChange{ConversationID: id, Clock: s.Clock, From: band, To: s.Band, Due: s.Due, At: now})
}

// qMet records a clock cycle met within its target, once.
const qMet = `INSERT INTO sla_met (conversation_id, clock, started_at, met_at) VALUES ($1, $2, $3, $4)
	ON CONFLICT (conversation_id, clock, started_at) DO NOTHING`

// recordMet records the conversation's clock cycles that stopped within
// their target (the met side of compliance).
func (p *Projection) recordMet(ctx context.Context, tx *sql.Tx, id int64, clocks []ClockState) error {
	for _, c := range clocks {
		if c.Met.IsZero() || c.Started.IsZero() {
			continue
		}
		if _, err := p.stmts.In(ctx, tx, qMet).ExecContext(ctx, id, c.Name, c.Started.UTC(), c.Met.UTC()); err != nil {
			return fmt.Errorf("record met SLA clock of conversation %d: %w", id, err)
		}
	}
	return nil
}

// history reads what the SLA clocks depend on: public messages and status
// changes. Private notes never count; neither do replies from Chatwoot's
// agent bots or Captain: the SLA measures when a person answered.
func (p *Projection) history(ctx context.Context, tx *sql.Tx, id int64) ([]sla.Event, error) {
	var out []sla.Event
	rows, err := p.stmts.In(ctx, tx, qHistoryMessages).QueryContext(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read message history: %w", err)
	}
	for rows.Next() {
		var kind, sender string
		var private bool
		var at time.Time
		if err := rows.Scan(&kind, &private, &sender, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read message history: %w", err)
		}
		if e, ok := historyEvent(kind, private, sender, at.UTC()); ok {
			out = append(out, e)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read message history: %w", err)
	}
	rows, err = p.stmts.In(ctx, tx, qHistoryStatuses).QueryContext(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read status history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var status string
		var at time.Time
		if err := rows.Scan(&status, &at); err != nil {
			return nil, fmt.Errorf("read status history: %w", err)
		}
		out = append(out, sla.SetStatus(at.UTC(), sla.Status(status)))
	}
	return out, rows.Err()
}

func historyEvent(kind string, private bool, sender string, at time.Time) (sla.Event, bool) {
	switch {
	case private:
		return sla.Event{}, false
	case kind == string(chatwoot.MessageIncoming):
		return sla.Customer(at), true
	case kind == string(chatwoot.MessageOutgoing) || kind == string(chatwoot.MessageTemplate):
		if sender == chatwoot.SenderAgentBot || sender == chatwoot.SenderCaptainAssistant {
			return sla.Event{}, false
		}
		return sla.Agent(at), true
	}
	return sla.Event{}, false
}

// stateOf turns an evaluation into what the conversation row stores.
func stateOf(st sla.State, bands sla.Bands, now time.Time) SLA {
	s := SLA{Policy: st.Policy}
	if st.NextClock != "" {
		s.Clock, s.Due = string(st.NextClock), st.NextDue.UTC()
		s.Band = bands.Band(st.NextDue, now).String()
		s.NextAt = roundUp(bands.NextChange(st.NextDue, now))
	}
	for _, c := range st.Clocks() {
		s.Clocks = append(s.Clocks, ClockState{
			Name: string(c.Name), State: clockLabel(c), Target: c.Target, Elapsed: c.Elapsed,
			Started: c.Start, Due: c.Due, Met: c.MetAt, Breached: c.Breached,
		})
	}
	return s
}

// clockLabel is one word for a clock's state, as the conversation page
// shows it.
func clockLabel(c sla.ClockState) string {
	switch {
	case !c.Applies:
		return "not_applicable"
	case c.Phase == sla.Stopped && c.Met:
		return "met"
	case c.Phase == sla.Stopped:
		return "missed"
	case c.Phase == sla.Running && c.Breached:
		return "breached"
	case c.Phase == sla.Running:
		return "running"
	case c.Phase == sla.Paused:
		return "paused"
	}
	return "not_started"
}
