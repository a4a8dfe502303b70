package app

import (
	"context"

	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/ingest"
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
}

func (a *App) buildCX(rules conversation.Rules) {
	c := &cx{queue: conversation.NewQueue(a.DB)}
	c.projection = conversation.NewProjection(a.DB, a.Settings.Chatwoot.AccountID, rules)
	c.deadlines = conversation.NewDeadlines(a.DB, rules.Bands, a.Clock, a.Registry, a.Logger, func([]conversation.BandChange) {
		a.Events.Publish(TopicSLA)
		a.Events.Publish(TopicConversations)
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
	a.cx = c
}

// startCX runs the projector and the deadline loop until ctx ends.
func (a *App) startCX(ctx context.Context) {
	go a.cx.projector.Run(ctx)
	go a.cx.deadlines.Run(ctx)
}

// stopCX stores every delivery already accepted; the loops end with the
// app's run context.
func (a *App) stopCX() {
	a.cx.receiver.Close()
}

// closeCX releases prepared statements once nothing runs.
func (a *App) closeCX() {
	a.cx.projection.Close()
}
