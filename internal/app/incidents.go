package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/approval"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/incident"
	"github.com/hotdash/hotdash/internal/jobs"
	"github.com/hotdash/hotdash/internal/notify/center"
)

// TopicIncidents is the live-update topic of incidents and the ladder.
const TopicIncidents = "incidents"

// Jobs of the SLA trigger: jobSLABand tells people of a band turning
// urgent or breached and, for urgent, opens the conversation's SLA
// incident (slaBand); jobSLARecovered resolves it (slaRecovered).
const (
	jobSLABand      = "incident.sla_band"
	jobSLARecovered = "incident.sla_recovered"
)

type slaBand struct {
	ConversationID int64     `json:"conversation_id"`
	Clock          string    `json:"clock"`
	Band           string    `json:"band"`
	Due            time.Time `json:"due"`
}

type slaRecovered struct {
	ConversationID int64  `json:"conversation_id"`
	Band           string `json:"band"`
}

// buildIncidents assembles incidents and the ladder: the service, its
// decision job, the on-call table seeded from the policy file, and the
// SLA trigger on conversations. It needs the CX queue built first.
func (a *App) buildIncidents(ctx context.Context, p config.Policy) error {
	a.Incidents = incident.NewService(incident.Deps{DB: a.DB, Decisions: a.Decisions, Clock: a.Clock, Ladder: p.Escalation, Endpoints: p.Notify, Jobs: a.Jobs,
		Alerts: centerAlerts{a.Notifications}, Outbox: a.Outbox, Wake: a.Outbox.Wake, PublicURL: a.URL, Logger: a.Logger.With("component", "incidents"), OnChange: func() { a.Events.Publish(TopicIncidents) }})
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
	a.Jobs.Handle(jobs.Handler{Kind: jobSLABand, Work: a.workSLABand})
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
// turning urgent or breached is announced, and urgent takes its
// conversation to L2, through a job so the loop never waits on it.
func (a *App) slaBandChanged(ctx context.Context, changes []conversation.BandChange) {
	for _, ch := range changes {
		if ch.To != "urgent" && ch.To != "breached" {
			continue
		}
		if err := a.Jobs.Enqueue(ctx, jobSLABand, slaBand{ConversationID: ch.ConversationID, Clock: ch.Clock, Band: ch.To, Due: ch.Due}); err != nil {
			a.Logger.Error("queue SLA alert", "conversation_id", ch.ConversationID, "error", err)
		}
	}
}

// workSLABand tells operators and leads of an urgent or breached clock
// and escalates an urgent one.
func (a *App) workSLABand(ctx context.Context, j jobs.Job) error {
	var b slaBand
	if err := json.Unmarshal(j.Args, &b); err != nil {
		return jobs.Permanent(err)
	}
	c, err := a.cx.queue.Get(ctx, b.ConversationID)
	if err != nil {
		return err
	}
	kind, title := center.SLAUrgent, "SLA urgent"
	if b.Band == "breached" {
		kind, title = center.SLABreached, "SLA breached"
	}
	who := c.ContactName
	if who == "" {
		who = "unknown contact"
	}
	_, err = a.Notifications.Notify(ctx, center.Audience{Roles: []auth.Role{auth.Operator, auth.Lead}}, center.Notification{Kind: kind,
		Severity: b.Band, Title: fmt.Sprintf("%s: conversation #%d (%s), %s", title, c.DisplayID, who, strings.ReplaceAll(b.Clock, "_", " ")),
		Link: "/conversations/" + strconv.FormatInt(c.ID, 10), Key: fmt.Sprintf("sla_%s:%d:%s:%s", b.Band, c.ID, b.Clock, b.Due.UTC().Format(time.RFC3339))})
	if err != nil {
		return err
	}
	if b.Band != "urgent" {
		return nil
	}
	return a.Incidents.SLAUrgent(ctx, c.ID, c.DisplayID, b.Clock)
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

// centerAlerts delivers incident alerts to people through the notification
// center: the roles of the level, and the incident's owner.
type centerAlerts struct{ c *center.Center }

func (ca centerAlerts) AlertTx(ctx context.Context, tx *sql.Tx, al incident.Alert) (func(), error) {
	aud := center.Audience{Roles: al.Roles}
	if al.Owner != "" {
		aud.Emails = []string{al.Owner}
	}
	d, err := ca.c.NotifyTx(ctx, tx, aud, center.Notification{Kind: center.Kind(al.Kind), Severity: al.Severity,
		Urgent: al.Urgent, Title: al.Title, Body: al.Body, Link: al.Link, Key: al.Key})
	if err != nil {
		return nil, err
	}
	return func() { ca.c.AfterCommit(d) }, nil
}

// draftAlerts tells reviewers (operators and leads) of a high-risk draft.
type draftAlerts struct{ c *center.Center }

func (da draftAlerts) HighRiskDraft(ctx context.Context, tx *sql.Tx, d approval.Draft) (func(), error) {
	var why []string
	for _, r := range d.RiskReasons {
		if r.Level == approval.RiskHigh {
			why = append(why, r.Text)
		}
	}
	n, err := da.c.NotifyTx(ctx, tx, center.Audience{Roles: []auth.Role{auth.Operator, auth.Lead}}, center.Notification{
		Kind: center.DraftHighRisk, Severity: approval.RiskHigh, Title: fmt.Sprintf("High-risk draft #%d from %s waits for review", d.ID, d.Agent),
		Body: strings.Join(why, "; "), Link: "/approvals/" + strconv.FormatInt(d.ID, 10), Key: fmt.Sprintf("draft_high_risk:%d:%d", d.ID, d.Revision)})
	if err != nil {
		return nil, err
	}
	return func() { da.c.AfterCommit(n) }, nil
}
