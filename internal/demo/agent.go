package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/hotdash/hotdash/internal/approval"
	"github.com/hotdash/hotdash/internal/conversation"
)

// Agent is a pretend AI agent for the demo: every so often it drafts a
// reply, a note or a label change for an open conversation that has no
// draft waiting, so the approvals queue has work in every risk level.
type Agent struct {
	drafts *approval.Service
	queue  *conversation.Queue
	logger *slog.Logger
	rnd    *rand.Rand
}

// NewAgent returns the demo agent.
func NewAgent(drafts *approval.Service, queue *conversation.Queue, logger *slog.Logger) *Agent {
	return &Agent{drafts: drafts, queue: queue, logger: logger, rnd: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))}
}

// demoDraft is one of the agent's canned drafts.
type demoDraft struct {
	kind       string
	text       string
	labels     []string
	confidence float64
}

// repertoire mixes the risk levels: plain replies (medium), refunds,
// a leaked phone number and an unsure answer (high), notes and labels
// (low).
func repertoire() []demoDraft {
	return []demoDraft{
		{kind: approval.KindReply, text: "Thanks for your patience! Your order left our warehouse this morning; tracking updates within a few hours.", confidence: 0.86},
		{kind: approval.KindReply, text: "Sorry about the trouble. I have refunded the shipping fee to your original payment method; it shows in 3–5 working days.", confidence: 0.74},
		{kind: approval.KindReply, text: "Our courier will call you before delivery. If you miss them, ring their depot on +44 20 7946 0958.", confidence: 0.81},
		{kind: approval.KindReply, text: "I think the discount code may have expired, but I am not sure; let me check with the team.", confidence: 0.41},
		{kind: approval.KindReply, text: "You can change the delivery address from your account page until the parcel ships.", confidence: 0.92},
		{kind: approval.KindNote, text: "Customer asked twice about delivery dates; consider a proactive update.", confidence: 0.9},
		{kind: approval.KindLabels, text: "Delivery question", labels: []string{"shipping"}, confidence: 0.95},
	}
}

// Run drafts something every interval until ctx ends.
func (a *Agent) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := a.draftOne(ctx); err != nil && !errors.Is(err, context.Canceled) {
			a.logger.Debug("demo agent: no draft this time", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// draftOne drafts for the first open conversation without a draft waiting.
func (a *Agent) draftOne(ctx context.Context) error {
	convs, _, err := a.queue.List(ctx, conversation.Filter{Statuses: []string{"open"}}, conversation.Page{Limit: 50})
	if err != nil {
		return err
	}
	for _, c := range convs {
		waiting, _, err := a.drafts.List(ctx, approval.Filter{ConversationID: c.ID}, 1, "")
		if err != nil {
			return err
		}
		if len(waiting) > 0 {
			continue
		}
		d := repertoire()[a.rnd.IntN(len(repertoire()))]
		conf := d.confidence
		_, _, err = a.drafts.Submit(ctx, approval.Submission{ConversationID: c.ID, Kind: d.kind, Text: d.text,
			Labels: approval.LabelChange{Add: d.labels}, Agent: "demo-assistant", Model: "demo-model-2026-11", Confidence: &conf,
			Citations:   []approval.Citation{{Title: "Shipping and returns", URL: "https://help.example.com/shipping"}},
			SubmittedBy: "demo-assistant"})
		return err
	}
	return fmt.Errorf("every open conversation has a draft waiting")
}
