package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/hotdash/hotdash/internal/api"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/store"
)

// How much history the conversation page shows.
const (
	messagesShown    = 200
	bandChangesShown = 100
)

// conversationPage is one conversation: who, where, its SLA clocks, its
// timeline and its messages.
type conversationPage struct {
	conversation.Conversation
	ChatwootURL string
	Clocks      []clockView
	History     []conversation.StatusChange
	BandChanges []conversation.BandChange
	Messages    []conversation.Message
	// Truncated is set when older messages exist than those shown.
	Truncated bool
	Actions   actionsPanel
	Snooze    []struct{ Value, Label string }
}

// clockView is one SLA clock as the SLA panel shows it.
type clockView struct {
	conversation.ClockState
	// Shown is the state to show: a running clock past its deadline is
	// breached even before anything recomputes it.
	Shown string
	// Left is the target minus the time used (negative once over).
	Left time.Duration
}

func (h *Handler) conversation(w http.ResponseWriter, r *http.Request) {
	id := pathID(r)
	if id == 0 {
		h.notFound(w, r, "Conversation pages have a positive number, such as /conversations/12. Find the conversation in the queue.")
		return
	}
	ctx := r.Context()
	c, err := h.Conversations.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		h.notFound(w, r, "There is no conversation "+strconv.FormatInt(id, 10)+" in HotDash. Find the conversation in the queue, or type # and its Chatwoot number in the search box.")
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := conversationPage{Conversation: c, ChatwootURL: api.ChatwootURL(h.ChatwootBaseURL, c)}
	// One more than shown tells whether older messages exist.
	if p.Messages, err = h.Conversations.Messages(ctx, id, messagesShown+1); err == nil {
		if p.Truncated = len(p.Messages) > messagesShown; p.Truncated {
			p.Messages = p.Messages[1:]
		}
		p.History, err = h.Conversations.StatusHistory(ctx, id)
	}
	if err == nil {
		p.BandChanges, err = h.Conversations.BandChanges(ctx, id, bandChangesShown)
	}
	if err == nil {
		p.Actions, err = h.loadActions(ctx, c)
		p.Snooze = snoozeChoices()
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	now := h.Clock.Now()
	for _, k := range c.SLA.Clocks {
		v := clockView{ClockState: k, Shown: k.State, Left: k.Target - k.Elapsed}
		if k.State == "running" && !k.Due.IsZero() && !k.Due.After(now) {
			v.Shown = "breached"
		}
		p.Clocks = append(p.Clocks, v)
	}
	h.render(w, r, http.StatusOK, "conversation", view{Title: "Conversation #" + strconv.FormatInt(c.DisplayID, 10), Nav: "queue", Page: p})
}
