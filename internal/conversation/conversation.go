package conversation

import (
	"encoding/json"
	"time"
)

// SourceChatwoot marks conversations that live in Chatwoot.
const SourceChatwoot = "chatwoot"

// Conversation is one customer conversation as the queue shows it.
type Conversation struct {
	ID              int64
	Source          string
	AccountID       int64
	DisplayID       int64
	InboxID         int64
	InboxName       string
	Channel         string // normalised: web, email, sms, whatsapp, api, …
	Status          string // open, pending, snoozed, resolved
	Priority        string // "", low, medium, high, urgent
	Labels          []string
	AssigneeID      int64
	AssigneeName    string
	TeamID          int64
	TeamName        string
	ContactID       int64
	ContactName     string
	ContactEmail    string
	ContactPhone    string
	Preview         string // the newest message, shortened
	CreatedAt       time.Time
	SourceUpdatedAt time.Time // the newest snapshot applied
	LastActivityAt  time.Time
	ProjectedAt     time.Time
	SLA             SLA
}

// SLA is a conversation's derived SLA state.
type SLA struct {
	Policy string
	// Clock names the running clock with the nearest deadline
	// (first_response, next_response, resolution), or "".
	Clock string
	// Due is that clock's deadline; zero when no clock runs.
	Due time.Time
	// Band is ok, warning, urgent or breached; "" when no clock runs.
	Band string
	// NextAt is when Band next changes; zero when it will not.
	NextAt time.Time
	// Clocks holds every clock's detail, for the conversation page.
	Clocks []ClockState
}

// ClockState is one SLA clock as the conversation page shows it.
type ClockState struct {
	Name     string        `json:"name"`
	State    string        `json:"state"` // running, paused, met, breached, not_started, stopped
	Target   time.Duration `json:"target"`
	Elapsed  time.Duration `json:"elapsed"`
	Started  time.Time     `json:"started,omitzero"`
	Due      time.Time     `json:"due,omitzero"`
	Met      time.Time     `json:"met,omitzero"`
	Breached bool          `json:"breached"`
}

// Message is a message in a conversation.
type Message struct {
	ID             int64
	ConversationID int64
	SourceID       int64
	Kind           string // incoming, outgoing, template
	Private        bool
	SenderType     string // contact, user, agent_bot, captain_assistant, ""
	SenderName     string
	Content        string
	CreatedAt      time.Time
	// HotDashRef names what HotDash sent the message for ("draft:42"),
	// when HotDash sent it; see RefAttribute.
	HotDashRef string
}

// Public reports whether the customer can see the message.
func (m Message) Public() bool { return !m.Private }

// StatusChange is a point in a conversation's status history.
type StatusChange struct {
	Status string
	At     time.Time
}

func labelsText(labels []string) string {
	if len(labels) == 0 {
		return "[]"
	}
	b, err := json.Marshal(labels)
	if err != nil {
		return "[]"
	}
	return string(b)
}

func parseLabels(s string) []string {
	var out []string
	_ = json.Unmarshal([]byte(s), &out)
	return out
}
