package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Conversation is a conversation in the CX queue.
type Conversation struct {
	ID           int64      `json:"id"`
	Source       string     `json:"source"`
	AccountID    int64      `json:"account_id"`
	DisplayID    int64      `json:"display_id"`
	InboxID      int64      `json:"inbox_id"`
	InboxName    string     `json:"inbox_name"`
	Channel      string     `json:"channel"`
	Status       string     `json:"status"`
	Priority     string     `json:"priority"`
	Labels       []string   `json:"labels"`
	AssigneeID   *int64     `json:"assignee_id"`
	AssigneeName string     `json:"assignee_name"`
	TeamID       *int64     `json:"team_id"`
	TeamName     string     `json:"team_name"`
	Contact      Contact    `json:"contact"`
	Preview      string     `json:"preview"`
	CreatedAt    time.Time  `json:"created_at"`
	LastActivity *time.Time `json:"last_activity_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	SLA          SLA        `json:"sla"`
	// URL opens the conversation in Chatwoot, when HotDash knows where.
	URL string `json:"url,omitempty"`
}

// Contact is the customer in a conversation.
type Contact struct {
	ID    *int64 `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

// SLA is a conversation's SLA state.
type SLA struct {
	Policy string `json:"policy"`
	// Clock is the running clock with the nearest deadline, "" when none runs.
	Clock string `json:"clock"`
	// Band is ok, warning, urgent or breached; "" when no clock runs.
	Band   string     `json:"band"`
	DueAt  *time.Time `json:"due_at"`
	Clocks []Clock    `json:"clocks,omitempty"`
}

// Clock is one SLA clock: first_response, next_response or resolution.
type Clock struct {
	Name           string     `json:"name"`
	State          string     `json:"state"` // running, paused, met, missed, breached, not_started, not_applicable
	TargetSeconds  int64      `json:"target_seconds"`
	ElapsedSeconds int64      `json:"elapsed_seconds"`
	StartedAt      *time.Time `json:"started_at"`
	DueAt          *time.Time `json:"due_at"`
	MetAt          *time.Time `json:"met_at"`
	Breached       bool       `json:"breached"`
}

// Message is a message in a conversation.
type Message struct {
	ID         int64     `json:"id"`
	SourceID   int64     `json:"source_id"`
	Kind       string    `json:"kind"` // incoming, outgoing, template
	Private    bool      `json:"private"`
	SenderType string    `json:"sender_type"`
	SenderName string    `json:"sender_name"`
	Content    string    `json:"content"`
	CreatedAt  time.Time `json:"created_at"`
}

// StatusChange is a point in a conversation's status history.
type StatusChange struct {
	Status string    `json:"status"`
	At     time.Time `json:"at"`
}

// ConversationDetail is one conversation with its recent messages and its
// status history.
type ConversationDetail struct {
	Conversation
	Messages []Message      `json:"messages"`
	History  []StatusChange `json:"status_history"`
}

// ConversationPage is one page of the queue, the deadline nearest first.
type ConversationPage struct {
	Conversations []Conversation `json:"conversations"`
	NextCursor    string         `json:"next_cursor,omitempty"`
}

// ConversationQuery filters the queue. Empty Statuses means every status but
// resolved; "all" includes resolved.
type ConversationQuery struct {
	Statuses []string
	Channel  string
	Band     string
	InboxID  int64
	Label    string
	TeamID   int64
	// Assignee is an agent id, or "none" for unassigned.
	Assignee  string
	Text      string
	Escalated bool
	Limit     int
	Cursor    string
}

func (q ConversationQuery) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("status", strings.Join(q.Statuses, ","))
	set("channel", q.Channel)
	set("band", q.Band)
	set("label", q.Label)
	set("assignee", q.Assignee)
	set("q", q.Text)
	set("cursor", q.Cursor)
	if q.InboxID != 0 {
		v.Set("inbox_id", strconv.FormatInt(q.InboxID, 10))
	}
	if q.TeamID != 0 {
		v.Set("team_id", strconv.FormatInt(q.TeamID, 10))
	}
	if q.Escalated {
		v.Set("escalated", "true")
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return v
}

// Conversations returns a page of the queue.
func (c *Client) Conversations(ctx context.Context, q ConversationQuery) (ConversationPage, error) {
	var out ConversationPage
	err := c.do(ctx, http.MethodGet, "/api/v1/conversations", q.values(), nil, "", &out)
	return out, err
}

// Conversation returns one conversation with its messages and history.
func (c *Client) Conversation(ctx context.Context, id int64) (ConversationDetail, error) {
	var out ConversationDetail
	err := c.do(ctx, http.MethodGet, "/api/v1/conversations/"+strconv.FormatInt(id, 10), nil, nil, "", &out)
	return out, err
}

// ActionRequest asks HotDash to change a conversation in Chatwoot. Kind is
// resolve, reopen, snooze, assign, priority, add_label, remove_label or
// escalate; the other fields as the kind needs them.
type ActionRequest struct {
	Kind        string `json:"kind"`
	SnoozeUntil string `json:"snooze_until,omitempty"` // RFC 3339
	AssigneeID  int64  `json:"assignee_id,omitempty"`
	TeamID      int64  `json:"team_id,omitempty"`
	Priority    string `json:"priority,omitempty"`
	Label       string `json:"label,omitempty"`
	// Note says why; it becomes the Decision Log entry's rationale.
	Note string `json:"note,omitempty"`
}

// Action is a recorded action and how far it got: dry_run, sent (waiting
// for Chatwoot's webhook), confirmed or failed.
type Action struct {
	ID          int64          `json:"id"`
	Kind        string         `json:"kind"`
	Params      map[string]any `json:"params"`
	Actor       string         `json:"actor"`
	State       string         `json:"state"`
	Detail      string         `json:"detail"`
	DecisionID  *int64         `json:"decision_id"`
	RequestedAt time.Time      `json:"requested_at"`
	SentAt      *time.Time     `json:"sent_at"`
	ConfirmedAt *time.Time     `json:"confirmed_at"`
}

// Act carries out an action on conversation id.
func (c *Client) Act(ctx context.Context, id int64, a ActionRequest) (Action, error) {
	var out Action
	err := c.do(ctx, http.MethodPost, "/api/v1/conversations/"+strconv.FormatInt(id, 10)+"/actions", nil, a, "", &out)
	return out, err
}

// Actions lists the actions taken on conversation id, newest first.
func (c *Client) Actions(ctx context.Context, id int64) ([]Action, error) {
	var out struct {
		Actions []Action `json:"actions"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/conversations/"+strconv.FormatInt(id, 10)+"/actions", nil, nil, "", &out)
	return out.Actions, err
}

// ChatwootStatus is how HotDash's link to Chatwoot is doing.
type ChatwootStatus struct {
	// Configured says whether HotDash can call Chatwoot's API.
	Configured bool `json:"configured"`
	DryRun     bool `json:"dry_run"`
	// WebhooksConfigured says whether the webhook endpoint can
	// authenticate deliveries.
	WebhooksConfigured bool       `json:"webhooks_configured"`
	LastWebhookAt      *time.Time `json:"last_webhook_at"`
	// PendingEvents are stored but not yet folded into conversations.
	PendingEvents int `json:"pending_events"`
	// LastGoodSyncAt is when the last successful reconciliation started.
	LastGoodSyncAt *time.Time `json:"last_good_sync_at"`
	Syncs          []Sync     `json:"syncs"`
}

// Sync is one reconciliation run.
type Sync struct {
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	Since      *time.Time `json:"since"`
	Fetched    int        `json:"fetched"`
	Repaired   int        `json:"repaired"`
	Error      string     `json:"error,omitempty"`
}

// ChatwootStatus returns the state of the link to Chatwoot.
func (c *Client) ChatwootStatus(ctx context.Context) (ChatwootStatus, error) {
	var out ChatwootStatus
	err := c.do(ctx, http.MethodGet, "/api/v1/chatwoot/status", nil, nil, "", &out)
	return out, err
}
