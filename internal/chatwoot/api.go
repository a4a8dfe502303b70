package chatwoot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// Health is GET /api: the instance's version and whether its queue (Redis)
// and database answer. Chatwoot answers 200 even when a service is failing,
// so look at OK, not only at the error.
type Health struct {
	Version       string `json:"version"`
	Timestamp     string `json:"timestamp"`      // "YYYY-MM-DD HH:MM:SS"
	QueueServices string `json:"queue_services"` // "ok" or "failing"
	DataServices  string `json:"data_services"`  // "ok" or "failing"
}

// OK reports whether both services report "ok".
func (h Health) OK() bool { return h.QueueServices == "ok" && h.DataServices == "ok" }

// Health calls GET /api (no authentication needed, but the token is sent).
func (c *Client) Health(ctx context.Context) (Health, error) {
	var h Health
	err := c.getJSON(ctx, "/api", nil, &h)
	return h, err
}

// Profile is the token's user (GET /api/v1/profile). The access token the
// endpoint also returns is deliberately not kept.
type Profile struct {
	ID            int64            `json:"id"`
	Name          string           `json:"name"`
	AvailableName string           `json:"available_name"`
	Email         string           `json:"email"`
	Role          string           `json:"role"`
	Accounts      []ProfileAccount `json:"accounts"`
}

// ProfileAccount is one account the user belongs to.
type ProfileAccount struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Role   string `json:"role"`   // administrator or agent
	Status string `json:"status"` // active, …
}

// HasAccount reports whether the profile's user belongs to account id.
func (p Profile) HasAccount(id int64) bool {
	return slices.ContainsFunc(p.Accounts, func(a ProfileAccount) bool { return a.ID == id })
}

// Profile calls GET /api/v1/profile: it checks the token and lists the
// accounts it reaches.
func (c *Client) Profile(ctx context.Context) (Profile, error) {
	var p Profile
	err := c.getJSON(ctx, "/api/v1/profile", nil, &p)
	return p, err
}

// ListOptions filters ListConversations.
type ListOptions struct {
	// Status is open, resolved, pending, snoozed or all (the default here;
	// Chatwoot's own default is open).
	Status string
	// UpdatedWithin, when positive, asks for every conversation updated in
	// that window (whole seconds, rounded up). Chatwoot does not paginate
	// such a list.
	UpdatedWithin time.Duration
	Page          int    // from 1; 25 conversations a page
	AssigneeType  string // me, unassigned, assigned or all
	InboxID       int64
	TeamID        int64
	Labels        []string
}

// Counts are the list's meta counts (for the status and inbox filters, all
// assignees).
type Counts struct {
	Mine       int64 `json:"mine_count"`
	Unassigned int64 `json:"unassigned_count"`
	Assigned   int64 `json:"assigned_count"`
	All        int64 `json:"all_count"`
}

// ConversationList is one answer of ListConversations.
type ConversationList struct {
	Counts        Counts
	Conversations []Conversation
}

// PageSize is how many conversations Chatwoot returns per page by default.
const PageSize = 25

// ListConversations calls GET /conversations. The answer is
// {"data": {"meta": {counts}, "payload": [conversations]}}.
func (c *Client) ListConversations(ctx context.Context, o ListOptions) (ConversationList, error) {
	q := url.Values{}
	q.Set("status", o.Status)
	if o.Status == "" {
		q.Set("status", "all")
	}
	if o.UpdatedWithin > 0 {
		secs := int64((o.UpdatedWithin + time.Second - 1) / time.Second)
		q.Set("updated_within", strconv.FormatInt(secs, 10))
	}
	if o.Page > 0 {
		q.Set("page", strconv.Itoa(o.Page))
	}
	if o.AssigneeType != "" {
		q.Set("assignee_type", o.AssigneeType)
	}
	if o.InboxID > 0 {
		q.Set("inbox_id", strconv.FormatInt(o.InboxID, 10))
	}
	if o.TeamID > 0 {
		q.Set("team_id", strconv.FormatInt(o.TeamID, 10))
	}
	for _, l := range o.Labels {
		q.Add("labels[]", l)
	}
	path := c.accountPath("/conversations")
	var wire struct {
		Data *struct {
			Meta    Counts            `json:"meta"`
			Payload []json.RawMessage `json:"payload"`
		} `json:"data"`
	}
	if err := c.getJSON(ctx, path, q, &wire); err != nil {
		return ConversationList{}, err
	}
	if wire.Data == nil {
		return ConversationList{}, fmt.Errorf("chatwoot: GET %s: decode response: no data object", path)
	}
	out := ConversationList{Counts: wire.Data.Meta, Conversations: make([]Conversation, 0, len(wire.Data.Payload))}
	for i, raw := range wire.Data.Payload {
		conv, err := DecodeConversation(raw)
		if err != nil {
			return ConversationList{}, fmt.Errorf("chatwoot: GET %s: decode conversation %d: %w", path, i, err)
		}
		out.Conversations = append(out.Conversations, conv)
	}
	return out, nil
}

// Conversation calls GET /conversations/{displayID}.
func (c *Client) Conversation(ctx context.Context, displayID int64) (Conversation, error) {
	path := c.accountPath("/conversations/%d", displayID)
	var raw json.RawMessage
	if err := c.getJSON(ctx, path, nil, &raw); err != nil {
		return Conversation{}, err
	}
	conv, err := DecodeConversation(raw)
	if err != nil {
		return Conversation{}, fmt.Errorf("chatwoot: GET %s: decode response: %w", path, err)
	}
	return conv, nil
}

// Messages calls GET /conversations/{displayID}/messages: the latest 20
// messages, or with before > 0 the 20 before that message id, oldest
// first, in push format (activity messages included).
func (c *Client) Messages(ctx context.Context, displayID, before int64) ([]Message, error) {
	q := url.Values{}
	if before > 0 {
		q.Set("before", strconv.FormatInt(before, 10))
	}
	return c.messages(ctx, displayID, q)
}

// MessagesAfter returns up to 100 messages after message id after, oldest
// first.
func (c *Client) MessagesAfter(ctx context.Context, displayID, after int64) ([]Message, error) {
	q := url.Values{}
	q.Set("after", strconv.FormatInt(after, 10))
	return c.messages(ctx, displayID, q)
}

func (c *Client) messages(ctx context.Context, displayID int64, q url.Values) ([]Message, error) {
	path := c.accountPath("/conversations/%d/messages", displayID)
	var wire struct {
		Payload []json.RawMessage `json:"payload"`
	}
	if err := c.getJSON(ctx, path, q, &wire); err != nil {
		return nil, err
	}
	out := make([]Message, 0, len(wire.Payload))
	for i, raw := range wire.Payload {
		m, err := DecodeMessage(raw)
		if err != nil {
			return nil, fmt.Errorf("chatwoot: GET %s: decode message %d: %w", path, i, err)
		}
		if m.ConversationDisplayID == 0 {
			m.ConversationDisplayID = displayID
		}
		out = append(out, m)
	}
	return out, nil
}

// NewMessage is a reply or private note HotDash posts.
type NewMessage struct {
	Content string
	// Private makes it a private note, seen by agents only.
	Private bool
	// ContentAttributes are stored with the message and come back in its
	// webhooks (e.g. a HotDash draft id, for the loop guard).
	ContentAttributes map[string]any
}

// CreateMessage posts an outgoing message (or a private note) as the
// token's user: POST /conversations/{displayID}/messages. It is not retried
// once the request may have reached Chatwoot (see Client).
func (c *Client) CreateMessage(ctx context.Context, displayID int64, m NewMessage) (Message, error) {
	if m.Content == "" {
		return Message{}, errors.New("chatwoot: message content is empty")
	}
	body := map[string]any{"content": m.Content, "message_type": "outgoing", "private": m.Private}
	if len(m.ContentAttributes) > 0 {
		body["content_attributes"] = m.ContentAttributes
	}
	path := c.accountPath("/conversations/%d/messages", displayID)
	resp, err := c.do(ctx, request{method: http.MethodPost, path: path, body: body, mode: retryUnsent})
	if err != nil {
		return Message{}, err
	}
	msg, err := DecodeMessage(resp)
	if err != nil {
		return Message{}, fmt.Errorf("chatwoot: POST %s: decode response: %w", path, err)
	}
	if msg.ConversationDisplayID == 0 {
		msg.ConversationDisplayID = displayID
	}
	return msg, nil
}

// ToggleStatus sets a conversation's status (open, resolved, pending or
// snoozed) with POST /conversations/{displayID}/toggle_status. For snoozed,
// a non-zero snoozedUntil sets the wake-up time (whole unix seconds);
// without it Chatwoot wakes the conversation on the customer's next reply.
// It returns the status Chatwoot reports.
func (c *Client) ToggleStatus(ctx context.Context, displayID int64, status string, snoozedUntil time.Time) (string, error) {
	switch status {
	case "open", "resolved", "pending", "snoozed":
	default:
		return "", fmt.Errorf("chatwoot: unknown conversation status %q", status)
	}
	body := map[string]any{"status": status}
	if status == "snoozed" && !snoozedUntil.IsZero() {
		body["snoozed_until"] = snoozedUntil.Unix()
	}
	path := c.accountPath("/conversations/%d/toggle_status", displayID)
	resp, err := c.do(ctx, request{method: http.MethodPost, path: path, body: body, mode: retryIdempotent})
	if err != nil {
		return "", err
	}
	var wire struct {
		Payload struct {
			Success       bool   `json:"success"`
			CurrentStatus string `json:"current_status"`
		} `json:"payload"`
	}
	if err := c.decode(http.MethodPost, path, resp, &wire); err != nil {
		return "", err
	}
	return wire.Payload.CurrentStatus, nil
}

// TogglePriority sets a conversation's priority (urgent, high, medium, low,
// or "" / "none" to clear it): POST /conversations/{displayID}/toggle_priority.
func (c *Client) TogglePriority(ctx context.Context, displayID int64, priority string) error {
	switch priority {
	case "":
		priority = "none"
	case "none", "low", "medium", "high", "urgent":
	default:
		return fmt.Errorf("chatwoot: unknown priority %q", priority)
	}
	path := c.accountPath("/conversations/%d/toggle_priority", displayID)
	_, err := c.do(ctx, request{method: http.MethodPost, path: path, body: map[string]any{"priority": priority}, mode: retryIdempotent})
	return err
}

// Assignment says whom to assign a conversation to.
type Assignment struct {
	AssigneeID int64 // an agent's user id
	TeamID     int64
	// Unassign removes the agent (AssigneeID must be 0).
	Unassign bool
}

// Assign sets a conversation's agent and/or team with POST
// /conversations/{displayID}/assignments. Chatwoot ignores team_id when
// assignee_id is present, so with both set Assign sends two requests: the
// team first (which may auto-assign someone in it), then the agent.
func (c *Client) Assign(ctx context.Context, displayID int64, a Assignment) error {
	path := c.accountPath("/conversations/%d/assignments", displayID)
	var bodies []map[string]any
	if a.TeamID > 0 {
		bodies = append(bodies, map[string]any{"team_id": a.TeamID})
	}
	switch {
	case a.AssigneeID > 0 && a.Unassign:
		return errors.New("chatwoot: assignment sets both an assignee and unassign")
	case a.AssigneeID > 0:
		bodies = append(bodies, map[string]any{"assignee_id": a.AssigneeID})
	case a.Unassign:
		bodies = append(bodies, map[string]any{"assignee_id": nil})
	}
	if len(bodies) == 0 {
		return errors.New("chatwoot: empty assignment")
	}
	for _, b := range bodies {
		if _, err := c.do(ctx, request{method: http.MethodPost, path: path, body: b, mode: retryIdempotent}); err != nil {
			return err
		}
	}
	return nil
}

// Labels returns a conversation's labels: GET /conversations/{displayID}/labels.
func (c *Client) Labels(ctx context.Context, displayID int64) ([]string, error) {
	var wire struct {
		Payload []string `json:"payload"`
	}
	if err := c.getJSON(ctx, c.accountPath("/conversations/%d/labels", displayID), nil, &wire); err != nil {
		return nil, err
	}
	return nonNil(wire.Payload), nil
}

// SetLabels REPLACES a conversation's whole label list with labels (POST
// /conversations/{displayID}/labels; Chatwoot's endpoint is named "add" but
// overwrites). Labels anyone else set and that are not in labels are
// removed: to add or remove some, use AddLabels or RemoveLabels. It returns
// the list Chatwoot now holds.
func (c *Client) SetLabels(ctx context.Context, displayID int64, labels []string) ([]string, error) {
	path := c.accountPath("/conversations/%d/labels", displayID)
	resp, err := c.do(ctx, request{method: http.MethodPost, path: path, body: map[string]any{"labels": nonNil(labels)}, mode: retryIdempotent})
	if err != nil {
		return nil, err
	}
	var wire struct {
		Payload []string `json:"payload"`
	}
	if err := c.decode(http.MethodPost, path, resp, &wire); err != nil {
		return nil, err
	}
	return nonNil(wire.Payload), nil
}

// AddLabels reads the conversation's labels, adds the missing ones and
// writes the merged list, so labels set by others are kept. Chatwoot has no
// conditional write: a label someone changes between the read and the
// write (milliseconds apart) can still be lost. Nothing is written when
// every label is already there. It returns the resulting list.
func (c *Client) AddLabels(ctx context.Context, displayID int64, labels ...string) ([]string, error) {
	current, err := c.Labels(ctx, displayID)
	if err != nil {
		return nil, err
	}
	merged := slices.Clone(current)
	for _, l := range labels {
		if l != "" && !slices.Contains(merged, l) {
			merged = append(merged, l)
		}
	}
	if len(merged) == len(current) {
		return current, nil
	}
	return c.SetLabels(ctx, displayID, merged)
}

// RemoveLabels reads the conversation's labels and writes them back without
// labels (see AddLabels for the race). It returns the resulting list.
func (c *Client) RemoveLabels(ctx context.Context, displayID int64, labels ...string) ([]string, error) {
	current, err := c.Labels(ctx, displayID)
	if err != nil {
		return nil, err
	}
	kept := slices.DeleteFunc(slices.Clone(current), func(l string) bool { return slices.Contains(labels, l) })
	if len(kept) == len(current) {
		return current, nil
	}
	return c.SetLabels(ctx, displayID, kept)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Inbox is one inbox with what SLA clocks need: its channel, time zone and
// working hours.
type Inbox struct {
	ID                  int64          `json:"id"`
	Name                string         `json:"name"`
	ChannelType         string         `json:"channel_type"` // e.g. Channel::Email
	ChannelID           int64          `json:"channel_id"`
	Timezone            string         `json:"timezone"` // IANA or Rails name, e.g. "UTC", "Europe/Lisbon"
	WorkingHoursEnabled bool           `json:"working_hours_enabled"`
	WorkingHours        []WorkingHours `json:"working_hours"`
}

// WorkingHours is one day of an inbox's business hours. Hours and minutes
// are null in Chatwoot on closed or all-day days (0 here).
type WorkingHours struct {
	DayOfWeek    int  `json:"day_of_week"` // 0 = Sunday
	ClosedAllDay bool `json:"closed_all_day"`
	OpenAllDay   bool `json:"open_all_day"`
	OpenHour     int  `json:"open_hour"`
	OpenMinutes  int  `json:"open_minutes"`
	CloseHour    int  `json:"close_hour"`
	CloseMinutes int  `json:"close_minutes"`
}

// Inboxes calls GET /inboxes.
func (c *Client) Inboxes(ctx context.Context) ([]Inbox, error) {
	var wire struct {
		Payload []Inbox `json:"payload"`
	}
	if err := c.getJSON(ctx, c.accountPath("/inboxes"), nil, &wire); err != nil {
		return nil, err
	}
	return wire.Payload, nil
}

// Agent is one of the account's agents.
type Agent struct {
	ID                 int64  `json:"id"`
	Name               string `json:"name"`
	AvailableName      string `json:"available_name"`
	Email              string `json:"email"`
	Role               string `json:"role"`                // agent or administrator
	AvailabilityStatus string `json:"availability_status"` // online, busy, offline
	Confirmed          bool   `json:"confirmed"`
}

// Agents calls GET /agents.
func (c *Client) Agents(ctx context.Context) ([]Agent, error) {
	var out []Agent
	err := c.getJSON(ctx, c.accountPath("/agents"), nil, &out)
	return out, err
}

// TeamDetail is one of the account's teams as GET /teams lists it.
type TeamDetail struct {
	ID              int64  `json:"id"`
	Name            string `json:"name"`
	Description     string `json:"description"`
	AllowAutoAssign bool   `json:"allow_auto_assign"`
}

// Teams calls GET /teams.
func (c *Client) Teams(ctx context.Context) ([]TeamDetail, error) {
	var out []TeamDetail
	err := c.getJSON(ctx, c.accountPath("/teams"), nil, &out)
	return out, err
}

// EachConversation pages through ListConversations from o.Page (or 1) and
// calls fn for every conversation until a page comes back short or fn
// returns an error. With UpdatedWithin set there is a single, unpaginated
// answer.
func (c *Client) EachConversation(ctx context.Context, o ListOptions, fn func(Conversation) error) error {
	if o.Page <= 0 {
		o.Page = 1
	}
	for {
		list, err := c.ListConversations(ctx, o)
		if err != nil {
			return err
		}
		for _, conv := range list.Conversations {
			if err := fn(conv); err != nil {
				return err
			}
		}
		if o.UpdatedWithin > 0 || len(list.Conversations) < PageSize {
			return nil
		}
		o.Page++
	}
}
