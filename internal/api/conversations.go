package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/validation"
)

// messagesShown is how many recent messages a conversation's detail carries.
const messagesShown = 200

func (a *API) listConversations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := ParseConversationFilter(q)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	limit, err := parseLimit(q.Get("limit"), conversation.MaxPageSize)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	list, next, err := a.Conversations.List(r.Context(), f, conversation.Page{Limit: limit, Cursor: q.Get("cursor")})
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	out := client.ConversationPage{Conversations: make([]client.Conversation, len(list)), NextCursor: next}
	for i, c := range list {
		out.Conversations[i] = a.Conversation(c)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (a *API) getConversation(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	c, err := a.Conversations.Get(r.Context(), id)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	msgs, err := a.Conversations.Messages(r.Context(), id, messagesShown)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	hist, err := a.Conversations.StatusHistory(r.Context(), id)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	out := client.ConversationDetail{Conversation: a.Conversation(c), Messages: []client.Message{}, History: []client.StatusChange{}}
	for _, m := range msgs {
		out.Messages = append(out.Messages, client.Message{ID: m.ID, SourceID: m.SourceID, Kind: m.Kind, Private: m.Private,
			SenderType: m.SenderType, SenderName: m.SenderName, Content: m.Content, CreatedAt: m.CreatedAt})
	}
	for _, h := range hist {
		out.History = append(out.History, client.StatusChange{Status: h.Status, At: h.At})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// ParseConversationFilter reads queue filters from a query string: status
// (comma-separated, or "all"), channel, band, inbox_id, team_id, label,
// assignee (an id or "none"), q, escalated.
func ParseConversationFilter(q url.Values) (conversation.Filter, error) {
	errs := validation.Errors{}
	f := conversation.Filter{Channel: q.Get("channel"), Band: q.Get("band"), Label: strings.TrimSpace(q.Get("label")), Text: q.Get("q")}
	if s := q.Get("status"); s == "all" {
		f.Statuses = conversation.Statuses()
	} else if s != "" {
		for _, st := range strings.Split(s, ",") {
			errs.OneOf("status", st, append(conversation.Statuses(), "all")...)
			f.Statuses = append(f.Statuses, st)
		}
	}
	if f.Band != "" {
		errs.OneOf("band", f.Band, conversation.Bands()...)
	}
	f.InboxID = parseID(q.Get("inbox_id"), "inbox_id", errs)
	f.TeamID = parseID(q.Get("team_id"), "team_id", errs)
	switch a := q.Get("assignee"); a {
	case "":
	case "none":
		f.Assignee = conversation.Unassigned
	default:
		f.Assignee = parseID(a, "assignee", errs)
	}
	f.Escalated = parseBool(q.Get("escalated"), "escalated", errs)
	errs.MaxLen("q", f.Text, 200)
	errs.MaxLen("label", f.Label, 100)
	return f, errs.Err()
}

func parseID(s, field string, errs validation.Errors) int64 {
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		errs.Add(field, "must be a positive number")
	}
	return n
}

func parseLimit(s string, max int) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		return 0, validation.Errors{"limit": "must be a number from 1 to " + strconv.Itoa(max)}
	}
	return n, nil
}

// Conversation is c on the wire, with a link into Chatwoot when the base
// URL is known.
func (a *API) Conversation(c conversation.Conversation) client.Conversation {
	out := client.Conversation{
		ID: c.ID, Source: c.Source, AccountID: c.AccountID, DisplayID: c.DisplayID, InboxID: c.InboxID,
		InboxName: c.InboxName, Channel: c.Channel, Status: c.Status, Priority: c.Priority, Labels: c.Labels,
		AssigneeID: optional(c.AssigneeID), AssigneeName: c.AssigneeName, TeamID: optional(c.TeamID), TeamName: c.TeamName,
		Contact: client.Contact{ID: optional(c.ContactID), Name: c.ContactName, Email: c.ContactEmail, Phone: c.ContactPhone},
		Preview: c.Preview, CreatedAt: c.CreatedAt, LastActivity: optionalTimePtr(c.LastActivityAt), UpdatedAt: c.SourceUpdatedAt,
		SLA: client.SLA{Policy: c.SLA.Policy, Clock: c.SLA.Clock, Band: c.SLA.Band, DueAt: optionalTimePtr(c.SLA.Due)},
		URL: ChatwootURL(a.ChatwootBaseURL, c),
	}
	if out.Labels == nil {
		out.Labels = []string{}
	}
	for _, k := range c.SLA.Clocks {
		out.SLA.Clocks = append(out.SLA.Clocks, client.Clock{Name: k.Name, State: k.State,
			TargetSeconds: int64(k.Target / time.Second), ElapsedSeconds: int64(k.Elapsed / time.Second),
			StartedAt: optionalTimePtr(k.Started), DueAt: optionalTimePtr(k.Due), MetAt: optionalTimePtr(k.Met), Breached: k.Breached})
	}
	return out
}

// ChatwootURL is where a conversation opens in Chatwoot's dashboard.
func ChatwootURL(base string, c conversation.Conversation) string {
	if base == "" || c.Source != conversation.SourceChatwoot {
		return ""
	}
	return strings.TrimRight(base, "/") + "/app/accounts/" + strconv.FormatInt(c.AccountID, 10) +
		"/conversations/" + strconv.FormatInt(c.DisplayID, 10)
}

func optional(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func optionalTimePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func (a *API) actOnConversation(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	var in client.ActionRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	req := conversation.ActionRequest{ConversationID: id, Kind: in.Kind, AssigneeID: in.AssigneeID, TeamID: in.TeamID,
		Priority: in.Priority, Label: in.Label, Note: in.Note}
	if in.SnoozeUntil != "" {
		t, err := time.Parse(time.RFC3339, in.SnoozeUntil)
		if err != nil {
			httpx.WriteError(w, r, validation.Errors{"snooze_until": "must be an RFC 3339 time"})
			return
		}
		req.SnoozeUntil = t
	}
	p, _ := httpx.PrincipalFrom(r.Context())
	req.Actor = p.Name
	act, err := a.Actions.Do(r.Context(), req)
	if err != nil && act.ID == 0 {
		httpx.WriteError(w, r, err)
		return
	}
	status := http.StatusCreated
	if act.State == conversation.ActionFailed {
		status = http.StatusBadGateway
	}
	httpx.WriteJSON(w, status, ActionOut(act))
}

func (a *API) listActions(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if _, err := a.Conversations.Get(r.Context(), id); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	acts, err := a.Actions.List(r.Context(), id)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	out := make([]client.Action, len(acts))
	for i, act := range acts {
		out[i] = ActionOut(act)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"actions": out})
}

// ActionOut is act on the wire.
func ActionOut(act conversation.Action) client.Action {
	return client.Action{ID: act.ID, Kind: act.Kind, Params: act.Params, Actor: act.Actor, State: act.State, Detail: act.Detail,
		DecisionID: optional(act.DecisionID), RequestedAt: act.RequestedAt, SentAt: optionalTimePtr(act.SentAt),
		ConfirmedAt: optionalTimePtr(act.ConfirmedAt)}
}
