package chatwoot

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Webhook event names (the "event" field). Chatwoot sends no event for
// resolution, assignment or labels on their own: those arrive as
// conversation_status_changed or conversation_updated with changed attributes.
const (
	EventConversationCreated       = "conversation_created"
	EventConversationStatusChanged = "conversation_status_changed"
	EventConversationUpdated       = "conversation_updated"
	EventConversationTypingOn      = "conversation_typing_on"
	EventConversationTypingOff     = "conversation_typing_off"
	EventContactCreated            = "contact_created"
	EventContactUpdated            = "contact_updated"
	EventMessageCreated            = "message_created"
	EventMessageUpdated            = "message_updated"
	EventWebwidgetTriggered        = "webwidget_triggered"
	EventInboxCreated              = "inbox_created"
	EventInboxUpdated              = "inbox_updated"

	// AutomationEventPrefix starts the names an automation rule's "send
	// webhook event" action uses, e.g. "automation_event.conversation_created".
	// Their payload is always the conversation.
	AutomationEventPrefix = "automation_event."
)

// KnownEvents lists the event names Chatwoot's webhook model allows, in the
// reference's order. Automation events (AutomationEventPrefix) are known too.
func KnownEvents() []string {
	return []string{
		EventConversationCreated, EventConversationStatusChanged, EventConversationUpdated,
		EventContactCreated, EventContactUpdated, EventMessageCreated, EventMessageUpdated,
		EventWebwidgetTriggered, EventInboxCreated, EventInboxUpdated,
		EventConversationTypingOn, EventConversationTypingOff,
	}
}

// IsKnownEvent reports whether name is one of KnownEvents or an automation
// event.
func IsKnownEvent(name string) bool {
	if strings.HasPrefix(name, AutomationEventPrefix) {
		return true
	}
	for _, k := range KnownEvents() {
		if k == name {
			return true
		}
	}
	return false
}

// Event is one decoded webhook delivery. Which of Conversation, Message and
// Contact are set depends on Name:
//
//   - conversation_created, conversation_updated,
//     conversation_status_changed and automation_event.*: Conversation
//     (the top-level object);
//   - message_created, message_updated: Message, and Conversation from the
//     nested "conversation";
//   - conversation_typing_on/off: Conversation (nested "conversation");
//   - contact_created, contact_updated: Contact;
//   - webwidget_triggered: Contact, and Conversation when
//     "current_conversation" is not null;
//   - inbox_* and unknown names: none (Raw holds the payload).
type Event struct {
	Name         string        `json:"name"`
	Account      Account       `json:"account"`
	Conversation *Conversation `json:"conversation,omitempty"`
	Message      *Message      `json:"message,omitempty"`
	Contact      *Contact      `json:"contact,omitempty"`
	// Changed holds changed_attributes (sent with *_updated and
	// *_status_changed events), keyed by attribute name.
	Changed map[string]Change `json:"changed,omitempty"`
	// Raw is the whole body as received.
	Raw json.RawMessage `json:"raw"`
}

// Account identifies the Chatwoot account an event belongs to. Older
// Chatwoot versions send no account object; ID then comes from the
// conversation's or message's account_id when there is one.
type Account struct {
	ID   int64  `json:"id"`
	Name string `json:"name,omitempty"`
}

// Change is one entry of changed_attributes: the attribute's previous and
// current values in their raw JSON form (times are ISO strings, ids numbers,
// label lists arrays; either may be null).
type Change struct {
	Previous json.RawMessage `json:"previous"`
	Current  json.RawMessage `json:"current"`
}

// Conversation is a Chatwoot conversation as webhooks (push format) and the
// REST API describe it. Times that Chatwoot reports as 0 or null are the zero
// time; WaitingSince is zero when the conversation is not waiting for a reply.
type Conversation struct {
	// DisplayID is the payload's "id": the per-account number used in REST
	// paths and the Chatwoot UI.
	DisplayID int64  `json:"display_id"`
	AccountID int64  `json:"account_id,omitempty"`
	InboxID   int64  `json:"inbox_id"`
	InboxName string `json:"inbox_name,omitempty"`
	// Channel is the inbox's channel type, e.g. "Channel::Email".
	Channel  string   `json:"channel,omitempty"`
	Status   string   `json:"status"`             // open, resolved, pending, snoozed
	Priority string   `json:"priority,omitempty"` // "" (none), low, medium, high, urgent
	Labels   []string `json:"labels"`
	Assignee *User    `json:"assignee,omitempty"`
	Team     *Team    `json:"team,omitempty"`
	// Contact is meta.sender, the customer.
	Contact             *Contact  `json:"contact,omitempty"`
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`
	LastActivityAt      time.Time `json:"last_activity_at"`
	WaitingSince        time.Time `json:"waiting_since"`
	FirstReplyCreatedAt time.Time `json:"first_reply_created_at"`
	SnoozedUntil        time.Time `json:"snoozed_until"`
	CanReply            bool      `json:"can_reply"`
	UnreadCount         int64     `json:"unread_count"`
	// Messages is the nested "messages" list in push format (webhooks carry
	// at most the last non-activity public message; GET conversation may
	// carry more). Entries that fail to decode are left out.
	Messages []Message `json:"messages,omitempty"`
	// SLAPolicyID and AppliedSLA are present with Chatwoot Enterprise's SLA
	// feature; AppliedSLA is kept raw.
	SLAPolicyID int64           `json:"sla_policy_id,omitempty"`
	AppliedSLA  json.RawMessage `json:"applied_sla,omitempty"`
}

// User is an agent as conversation meta.assignee shows it.
type User struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

// Team is conversation meta.team.
type Team struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Contact is a customer: conversation meta.sender, or the payload of contact
// events.
type Contact struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Email      string `json:"email,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Identifier string `json:"identifier,omitempty"`
}

// MessageType is a message's kind. Webhooks send it as a string at the top
// level ("incoming"), REST and nested messages as an integer (0); both
// decode to the same value. The zero value means unknown.
type MessageType string

// The message types, with Chatwoot's integer codes.
const (
	MessageIncoming MessageType = "incoming" // 0
	MessageOutgoing MessageType = "outgoing" // 1
	MessageActivity MessageType = "activity" // 2
	MessageTemplate MessageType = "template" // 3
)

var messageTypeCodes = [...]MessageType{MessageIncoming, MessageOutgoing, MessageActivity, MessageTemplate}

// Code returns Chatwoot's integer code for t, or -1 if t is unknown.
func (t MessageType) Code() int {
	for i, v := range messageTypeCodes {
		if v == t {
			return i
		}
	}
	return -1
}

// UnmarshalJSON accepts "incoming", "outgoing", "activity", "template"
// (any case), their codes 0, 1, 2, 3, the codes as strings, and null.
func (t *MessageType) UnmarshalJSON(b []byte) error {
	v, err := parseMessageType(b)
	if err != nil {
		return err
	}
	*t = v
	return nil
}

func parseMessageType(raw json.RawMessage) (MessageType, error) {
	if isNull(raw) {
		return "", nil
	}
	if s, err := toString(raw, false); err == nil {
		ls := strings.ToLower(strings.TrimSpace(s))
		for _, v := range messageTypeCodes {
			if string(v) == ls {
				return v, nil
			}
		}
		if len(ls) == 1 && ls[0] >= '0' && ls[0] <= '3' {
			return messageTypeCodes[ls[0]-'0'], nil
		}
		return "", fmt.Errorf("unknown message type %q", truncate(s, 40))
	}
	n, err := toInt64(raw)
	if err != nil {
		return "", fmt.Errorf("want a message type string or code, got %s", jsonKind(raw))
	}
	if n < 0 || n > 3 {
		return "", fmt.Errorf("unknown message type code %d", n)
	}
	return messageTypeCodes[n], nil
}

// Sender types, normalised from sender.type ("contact", "user", …) or
// sender_type ("Contact", "User", "AgentBot", "Captain::Assistant").
const (
	SenderContact          = "contact"
	SenderUser             = "user"
	SenderAgentBot         = "agent_bot"
	SenderCaptainAssistant = "captain_assistant"
)

// Sender is who wrote a message. Type is one of the Sender* constants, or ""
// when Chatwoot did not say (system messages have no sender).
type Sender struct {
	Type  string `json:"type"`
	ID    int64  `json:"id,omitempty"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

func normaliseSenderType(s string) string {
	switch s {
	case "":
		return ""
	case SenderContact, SenderUser, SenderAgentBot, SenderCaptainAssistant:
		return s
	case "Contact":
		return SenderContact
	case "User":
		return SenderUser
	}
	var b strings.Builder
	for _, c := range strings.ToLower(strings.TrimSpace(s)) {
		if c != ':' && c != '_' && c != ' ' {
			b.WriteRune(c)
		}
	}
	switch b.String() {
	case "contact":
		return SenderContact
	case "user", "agent":
		return SenderUser
	case "agentbot":
		return SenderAgentBot
	case "captainassistant":
		return SenderCaptainAssistant
	}
	return ""
}

// Message is a Chatwoot message, from a webhook's top level or in push
// format (nested in a conversation, and in REST answers).
type Message struct {
	ID int64 `json:"id"`
	// ConversationDisplayID is the conversation's display id (push format:
	// conversation_id; webhooks: conversation.id).
	ConversationDisplayID int64       `json:"conversation_display_id"`
	AccountID             int64       `json:"account_id,omitempty"`
	InboxID               int64       `json:"inbox_id,omitempty"`
	Content               string      `json:"content"`
	Type                  MessageType `json:"type"`
	// Private is true for a private note (an agent-only message).
	Private           bool            `json:"private"`
	ContentType       string          `json:"content_type,omitempty"`
	ContentAttributes json.RawMessage `json:"content_attributes,omitempty"`
	SourceID          string          `json:"source_id,omitempty"`
	Status            string          `json:"status,omitempty"` // sent, delivered, read, failed (push format)
	CreatedAt         time.Time       `json:"created_at"`
	// UpdatedAt is only in push format (REST, nested messages).
	UpdatedAt time.Time `json:"updated_at"`
	Sender    Sender    `json:"sender"`
	// Attachments is how many files the message carries.
	Attachments int `json:"attachments,omitempty"`
}
