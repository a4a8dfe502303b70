package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/incident"
	"github.com/hotdash/hotdash/internal/jobs"
)

// TopicIncidents is the live-update topic of incidents and the ladder.
const TopicIncidents = "incidents"

// Jobs of the SLA trigger: jobSLAUrgent opens a conversation's SLA
// incident (slaUrgent), jobSLARecovered resolves it (slaRecovered).
const (
	jobSLAUrgent    = "incident.sla_urgent"
	jobSLARecovered = "incident.sla_recovered"
)

type slaUrgent struct {
	ConversationID int64  `json:"conversation_id"`
	Clock          string `json:"clock"`
}

type slaRecovered struct {
	ConversationID int64  `json:"conversation_id"`
	Band           string `json:"band"`
}

// buildIncidents assembles incidents and the ladder: the service, its
// decision job, the on-call table seeded from the policy file, and the
// SLA trigger on conversations. It needs the CX queue built first.
func (a *App) buildIncidents(ctx context.Context, p config.Policy) error {
	a.Incidents = incident.NewService(incident.Deps{DB: a.DB, Decisions: a.Decisions, Clock: a.Clock, Ladder: p.Escalation, Jobs: a.Jobs,
		PublicURL: a.URL, Logger: a.Logger.With("component", "incidents"), OnChange: func() { a.Events.Publish(TopicIncidents) }})
	a.Jobs.Handle(jobs.Handler{Kind: incident.JobDecision, MaxAttempts: 25, Work: func(ctx context.Context, j jobs.Job) error {
		return a.Incidents.AppendDecision(ctx, j.Args)
	}})
	a.Jobs.Handle(jobs.Handler{Kind: jobSLARecovered, Work: func(ctx context.Context, j jobs.Job) error {
		var r slaRecovered
		if err := json.Unmarshal(j.Args, &r); err != nil {
			return jobs.Permanent(err)
		}
		return a.Incidents.SLARecovered(ctx, r.ConversationID, "the conversation's SLA band is "+bandText(r.Band)+" again")
	}})
	a.Jobs.Handle(jobs.Handler{Kind: jobSLAUrgent, Work: func(ctx context.Context, j jobs.Job) error {
		var u slaUrgent
		if err := json.Unmarshal(j.Args, &u); err != nil {
			return jobs.Permanent(err)
		}
		c, err := a.cx.queue.Get(ctx, u.ConversationID)
		if err != nil {
			return err
		}
		return a.Incidents.SLAUrgent(ctx, c.ID, c.DisplayID, u.Clock)
	}})
	a.cx.projector.Watch(a.watchSLAIncidents)
	if err := a.Incidents.SeedOnCall(ctx); err != nil {
		return fmt.Errorf("seed the on-call table: %w", err)
	}
	return nil
}

func bandText(b string) string {
	if b == "" {
		return "clear (no clock running)"
	}
	return b
}

// slaBandChanged is told of band changes the deadline loop fires: a band
// turning urgent takes its conversation to L2, through a job so the loop
// never waits on it.
func (a *App) slaBandChanged(ctx context.Context, changes []conversation.BandChange) {
	for _, ch := range changes {
		if ch.To != "urgent" {
			continue
		}
		if err := a.Jobs.Enqueue(ctx, jobSLAUrgent, slaUrgent{ConversationID: ch.ConversationID, Clock: ch.Clock}); err != nil {
			a.Logger.Error("queue SLA escalation", "conversation_id", ch.ConversationID, "error", err)
		}
	}
}

// watchSLAIncidents resolves (through a job, after the projecting
// transaction) the SLA incidents of conversations whose band eased.
func (a *App) watchSLAIncidents(ctx context.Context, tx *sql.Tx, ids []int64, _ time.Time) error {
	rows, err := tx.QueryContext(ctx, `SELECT i.conversation_id, c.sla_band FROM incidents i JOIN conversations c ON c.id = i.conversation_id
		WHERE i.cause = 'sla_urgent' AND i.status <> 'resolved' AND c.sla_band NOT IN ('urgent', 'breached') AND i.conversation_id IN (`+placeholders(len(ids))+`)`,
		int64Args(ids)...)
	if err != nil {
		return fmt.Errorf("find eased SLA incidents: %w", err)
	}
	var eased []slaRecovered
	for rows.Next() {
		var r slaRecovered
		if err := rows.Scan(&r.ConversationID, &r.Band); err != nil {
			rows.Close()
			return err
		}
		eased = append(eased, r)
	}
	rows.Close()
	for _, r := range eased {
		if err := a.Jobs.EnqueueTx(ctx, tx, jobSLARecovered, r); err != nil {
			return err
		}
	}
	return rows.Err()
}

func placeholders(n int) string {
	b := make([]byte, 0, n*4)
	for i := 1; i <= n; i++ {
		if i > 1 {
			b = append(b, ", "...)
		}
		b = append(b, fmt.Sprintf("$%d", i)...)
	}
	return string(b)
}

func int64Args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}
