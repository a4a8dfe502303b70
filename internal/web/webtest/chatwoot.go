// Package webtest builds signed Chatwoot webhooks for the tests of HotDash's
// pages (package web's own and the browser tests in e2e): a test starts the
// app with Settings, delivers webhooks with Deliver, and waits for the
// projector to show them. Bodies are shaped like the reference fixtures
// (../shared/reference/chatwoot-fixtures).
package webtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/chatwoot"
	"github.com/hotdash/hotdash/internal/config"
)

// Secret signs the webhooks; AccountID is the Chatwoot account they come
// from.
const (
	Secret    = "webtest-webhook-secret"
	AccountID = 7
)

// Settings makes an app accept webhooks signed with Secret, for AccountID.
func Settings(s *config.Settings) {
	s.Chatwoot.WebhookSecret = Secret
	s.Chatwoot.AccountID = AccountID
}

// Conversation is what a webhook says about a conversation. Zero fields
// take the defaults noted.
type Conversation struct {
	DisplayID int64
	InboxID   int64  // 12
	InboxName string // "Website Chat"
	// Channel is Chatwoot's channel type ("Channel::Email"); the default
	// is the web widget.
	Channel  string
	Status   string // open
	Priority string
	Labels   []string
	Contact  string
	Email    string
	Phone    string
	// AssigneeID 0 means unassigned; TeamID 0 no team.
	AssigneeID int64
	Assignee   string
	TeamID     int64
	Team       string
	// CreatedAt defaults to now; UpdatedAt (which orders snapshots) to the
	// moment the body is built.
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Message is one message of a conversation.
type Message struct {
	ID int64
	// Type is incoming (default) or outgoing.
	Type    string
	Private bool
	// Sender is the writer's name; SenderType is contact (default for
	// incoming) or user (default for outgoing).
	Sender     string
	SenderType string
	Content    string
	At         time.Time // now
}

func (c Conversation) withDefaults() Conversation {
	if c.InboxID == 0 {
		c.InboxID = 12
	}
	if c.InboxName == "" {
		c.InboxName = "Website Chat"
	}
	if c.Channel == "" {
		c.Channel = "Channel::WebWidget"
	}
	if c.Status == "" {
		c.Status = "open"
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now()
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = time.Now()
	}
	if c.Labels == nil {
		c.Labels = []string{}
	}
	return c
}

func account() map[string]any { return map[string]any{"id": AccountID, "name": "Acme Support"} }

func (c Conversation) object(lastActivity time.Time) map[string]any {
	c = c.withDefaults()
	sender := map[string]any{"id": 3000 + c.DisplayID, "name": c.Contact, "email": c.Email, "type": "contact", "phone_number": nil}
	if c.Phone != "" {
		sender["phone_number"] = c.Phone
	}
	meta := map[string]any{"sender": sender, "assignee": nil, "team": nil}
	if c.AssigneeID != 0 {
		meta["assignee"] = map[string]any{"id": c.AssigneeID, "name": c.Assignee, "type": "user"}
	}
	if c.TeamID != 0 {
		meta["team"] = map[string]any{"id": c.TeamID, "name": c.Team}
	}
	var priority any
	if c.Priority != "" {
		priority = c.Priority
	}
	if lastActivity.IsZero() {
		lastActivity = c.UpdatedAt
	}
	return map[string]any{
		"id": c.DisplayID, "inbox_id": c.InboxID, "account": account(), "channel": c.Channel,
		"status": c.Status, "priority": priority, "labels": c.Labels, "meta": meta, "messages": []any{},
		"created_at": c.CreatedAt.Unix(), "updated_at": float64(c.UpdatedAt.UnixMicro()) / 1e6,
		"last_activity_at": lastActivity.Unix(), "waiting_since": 0,
	}
}

// ConversationCreated is a conversation_created webhook.
func ConversationCreated(c Conversation) []byte {
	return event("conversation_created", c.object(time.Time{}))
}

// ConversationUpdated is a conversation_updated webhook (labels, assignee,
// priority and the like changed).
func ConversationUpdated(c Conversation) []byte {
	return event("conversation_updated", c.object(time.Time{}))
}

// MessageCreated is a message_created webhook for a message in c.
func MessageCreated(c Conversation, m Message) []byte {
	c = c.withDefaults()
	if m.Type == "" {
		m.Type = "incoming"
	}
	if m.SenderType == "" {
		m.SenderType = "contact"
		if m.Type == "outgoing" {
			m.SenderType = "user"
		}
	}
	if m.At.IsZero() {
		m.At = time.Now()
	}
	body := map[string]any{
		"id": m.ID, "content": m.Content, "content_type": "text", "message_type": m.Type, "private": m.Private,
		"created_at": m.At.UTC().Format(time.RFC3339Nano),
		"sender":     map[string]any{"id": 4000 + m.ID, "name": m.Sender, "type": m.SenderType},
		"inbox":      map[string]any{"id": c.InboxID, "name": c.InboxName},
		"account":    account(), "conversation": c.object(m.At),
	}
	return event("message_created", body)
}

func event(name string, body map[string]any) []byte {
	body["event"] = name
	b, err := json.Marshal(body)
	if err != nil {
		panic(fmt.Sprintf("encode webhook: %v", err))
	}
	return b
}

var deliveries atomic.Int64

// Deliver posts a webhook to the app at baseURL, signed with Secret, and
// fails the test unless it is stored.
func Deliver(t testing.TB, baseURL string, body []byte) {
	t.Helper()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, err := http.NewRequest(http.MethodPost, baseURL+"/webhooks/chatwoot", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(chatwoot.HeaderTimestamp, ts)
	req.Header.Set(chatwoot.HeaderSignature, chatwoot.Sign(Secret, ts, body))
	req.Header.Set(chatwoot.HeaderDelivery, fmt.Sprintf("webtest-%d-%d", time.Now().UnixNano(), deliveries.Add(1)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("deliver webhook: %v", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("webhook answered %d: %s", resp.StatusCode, answer)
	}
}
