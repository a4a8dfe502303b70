package app

import (
	"context"
	"fmt"

	"github.com/hotdash/hotdash/internal/chatwoot"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/ingest"
	"github.com/hotdash/hotdash/internal/jobs"
)

// Live-update topics of the CX queue.
const (
	TopicConversations = "conversations"
	TopicSLA           = "sla"
)

// cx is the CX queue's machinery: webhook intake, projection into
// conversations, and the SLA deadline loop.
type cx struct {
	receiver   *ingest.Receiver
	projection *conversation.Projection
	projector  *ingest.Projector
	deadlines  *conversation.Deadlines
	queue      *conversation.Queue
	actions    *conversation.Actions
	// client and reconciler are nil when Chatwoot's API is not configured.
	client     *chatwoot.Client
	reconciler *ingest.Reconciler
}

func (a *App) buildCX(rules conversation.Rules) error {
	c := &cx{queue: conversation.NewQueue(a.DB)}
	c.projection = conversation.NewProjection(a.DB, a.Settings.Chatwoot.AccountID, rules)
	c.deadlines = conversation.NewDeadlines(a.DB, rules.Bands, a.Clock, a.Registry, a.Logger, func(changes []conversation.BandChange) {
		a.Events.Publish(TopicSLA)
		a.Events.Publish(TopicConversations)
		a.slaBandChanged(context.Background(), changes)
	})
	c.projector = ingest.NewProjector(a.DB, c.projection, a.Clock, a.Registry, a.Logger, func(_ []int64, bandChanges int) {
		c.deadlines.Nearer()
		a.Events.Publish(TopicConversations)
		if bandChanges > 0 {
			a.Events.Publish(TopicSLA)
		}
	})
	cw := a.Settings.Chatwoot
	c.receiver = ingest.NewReceiver(a.DB, a.Clock, ingest.ReceiverConfig{Secret: cw.WebhookSecret, Token: cw.WebhookToken},
		a.Registry, a.Logger, c.projector.Wake)
	c.projector.YieldTo(c.receiver.Busy)
	var actionsAPI conversation.ChatwootActions
	if cw.Configured() {
		client, err := chatwoot.NewClient(chatwoot.Config{BaseURL: cw.BaseURL, Token: cw.APIToken, AccountID: cw.AccountID,
			Clock: a.Clock, Logger: a.Logger.With("component", "chatwoot")})
		if err != nil {
			return fmt.Errorf("chatwoot client: %w", err)
		}
		c.client, actionsAPI = client, client
		c.reconciler = ingest.NewReconciler(client, c.receiver, a.DB, a.Clock, cw.AccountID, cw.ReconcileEvery, a.Registry, a.Logger)
		a.Jobs.Register(jobs.Task{Name: "chatwoot.reconcile", Every: cw.ReconcileEvery, Run: func(ctx context.Context) error {
			_, err := c.reconciler.Run(ctx)
			return err
		}})
	}
	c.actions = conversation.NewActions(a.DB, c.queue, actionsAPI, a.Decisions, a.Clock, a.Settings.ChatwootDryRun(), a.Logger)
	a.cx = c
	return nil
}

// startCX runs the projector and the deadline loop until ctx ends.
func (a *App) startCX(ctx context.Context) {
	a.loops.Go(func() { a.cx.projector.Run(ctx) })
	a.loops.Go(func() { a.cx.deadlines.Run(ctx) })
}

// stopCX stores every delivery already accepted; the loops end with the
// app's run context.
func (a *App) stopCX() {
	a.cx.receiver.Close()
}

// closeCX releases prepared statements once nothing runs.
func (a *App) closeCX() {
	a.cx.projection.Close()
	a.cx.deadlines.Close()
}
