package app

import (
	"github.com/hotdash/hotdash/internal/approval"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/jobs"
)

// TopicApprovals is the live-update topic of the approvals queue.
const TopicApprovals = "approvals"

// buildApprovals assembles the approvals queue: the service, its send and
// decision jobs, and its watch on projected conversations. It needs the CX
// queue built first.
func (a *App) buildApprovals(risk config.RiskConfig) {
	a.Approvals = approval.NewService(approval.Deps{
		DB: a.DB, Conversations: a.cx.queue, Decisions: a.Decisions, Clock: a.Clock, Jobs: a.Jobs,
		Rules: approval.NewRiskRules(approval.RiskConfig{MinConfidence: risk.MinConfidence, Topics: risk.Topics,
			AngryTerms: risk.AngryTerms, VIPLabels: risk.VIPLabels, AllowedEmails: risk.PII.AllowedEmails, AllowedPhones: risk.PII.AllowedPhones}),
		AccountID: a.Settings.Chatwoot.AccountID, Logger: a.Logger.With("component", "approvals"),
		OnChange: func() { a.Events.Publish(TopicApprovals) }, Alerts: draftAlerts{a.Notifications},
	})
	var cw approval.Chatwoot
	if a.cx.client != nil {
		cw = a.cx.client
	}
	sender := approval.NewSender(a.Approvals, cw, a.Settings.ChatwootDryRun(), a.Settings.Chatwoot.Attempts(), a.Logger.With("component", "approvals"), a.Registry)
	a.Jobs.Handle(sender.Handler())
	a.Jobs.Handle(jobs.Handler{Kind: approval.JobDecision, MaxAttempts: 25, Work: a.Approvals.WorkDecision})
	a.Jobs.Handle(jobs.Handler{Kind: approval.JobNote, MaxAttempts: 10, Work: a.Approvals.WorkNote})
	a.cx.projector.Watch(a.Approvals.Watch)
	a.cx.projection.OnPrivateNote(a.Approvals.FromNote)
	a.Registry.MustRegister(approval.NewCollector(a.Approvals))
}

// Conversations is the CX queue (for the demo's pretend agent).
func (a *App) Conversations() *conversation.Queue { return a.cx.queue }
