package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/validation"
)

// actionsPanel is the conversation page's Actions section.
type actionsPanel struct {
	CanAct  bool
	DryRun  bool
	Escaped bool // already labelled escalation
	Recent  []conversation.Action
}

// snoozeChoices are the snooze durations the form offers.
func snoozeChoices() []struct{ Value, Label string } {
	return []struct{ Value, Label string }{
		{"1h", "for 1 hour"}, {"4h", "for 4 hours"}, {"24h", "for 24 hours"}, {"reply", "until the customer replies"},
	}
}

func (h *Handler) loadActions(ctx context.Context, c conversation.Conversation) (actionsPanel, error) {
	p, _ := httpx.PrincipalFrom(ctx)
	panel := actionsPanel{CanAct: p.Can(auth.ActOnConversations), DryRun: h.Actions.DryRun()}
	for _, l := range c.Labels {
		if l == conversation.EscalationLabel {
			panel.Escaped = true
		}
	}
	var err error
	panel.Recent, err = h.Actions.List(ctx, c.ID)
	if len(panel.Recent) > 10 {
		panel.Recent = panel.Recent[:10]
	}
	return panel, err
}

// act carries out the action a conversation page's form asked for, then
// returns to the page with what happened.
func (h *Handler) act(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	id := pathID(r)
	p, _ := httpx.PrincipalFrom(r.Context())
	req, err := actionFromForm(r, id, p.Name, h.Clock.Now())
	var act conversation.Action
	if err == nil {
		act, err = h.Actions.Do(r.Context(), req)
	}
	back := "/conversations/" + strconv.FormatInt(id, 10) + "#actions"
	if r.PostForm.Get("return") == "dashboard" { // the CX Escalations tile
		back = "/#cx-escalations-title"
	}
	var verrs validation.Errors
	switch {
	case errors.Is(err, store.ErrNotFound) || id == 0:
		h.notFound(w, r, "That conversation does not exist in HotDash.")
		return
	case errors.As(err, &verrs):
		h.setFlash(w, "error", "Nothing was done: "+verrs.Error())
	case act.State == conversation.ActionFailed:
		h.setFlash(w, "error", actionLabel(act.Kind)+" failed: "+act.Detail+". It is recorded; try again or act in Chatwoot.")
	case err != nil:
		h.fail(w, r, err)
		return
	case act.State == conversation.ActionDryRun:
		h.setFlash(w, "ok", actionLabel(act.Kind)+": recorded as a dry run (decision #"+strconv.FormatInt(act.DecisionID, 10)+"); nothing was sent to Chatwoot.")
	default:
		h.setFlash(w, "ok", actionLabel(act.Kind)+": sent to Chatwoot (decision #"+strconv.FormatInt(act.DecisionID, 10)+"); it shows as confirmed when Chatwoot's webhook comes back.")
	}
	seeOther(w, r, back)
}

// actionFromForm reads the Actions form: the pressed button's kind and the
// fields that kind uses.
func actionFromForm(r *http.Request, id int64, actor string, now time.Time) (conversation.ActionRequest, error) {
	f := r.PostForm
	req := conversation.ActionRequest{ConversationID: id, Kind: f.Get("kind"), Actor: actor, Note: strings.TrimSpace(f.Get("note")),
		Priority: f.Get("priority"), Label: f.Get("label")}
	errs := validation.Errors{}
	if req.Kind == conversation.ActSnooze {
		switch v := f.Get("snooze"); v {
		case "reply", "":
		default:
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 || d > 30*24*time.Hour {
				errs.Add("snooze", "choose how long to snooze")
				break
			}
			req.SnoozeUntil = now.Add(d)
		}
	}
	if req.Kind == conversation.ActAssign {
		req.AssigneeID = chatwootID(f.Get("assignee_id"), "assignee_id", errs)
		req.TeamID = chatwootID(f.Get("team_id"), "team_id", errs)
	}
	return req, errs.Err()
}

// chatwootID reads an optional Chatwoot id from a form field.
func chatwootID(s, field string, errs validation.Errors) int64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		errs.Add(field, "must be a Chatwoot id (a positive number)")
	}
	return n
}

// actionLabel names an action kind for people.
func actionLabel(kind string) string {
	switch kind {
	case conversation.ActResolve:
		return "Resolve"
	case conversation.ActReopen:
		return "Reopen"
	case conversation.ActSnooze:
		return "Snooze"
	case conversation.ActAssign:
		return "Assign"
	case conversation.ActPriority:
		return "Set priority"
	case conversation.ActAddLabel:
		return "Add label"
	case conversation.ActRemoveLabel:
		return "Remove label"
	case conversation.ActEscalate:
		return "Escalate"
	}
	return kind
}
