package approval

import (
	"errors"
	"time"
)

// Draft kinds.
const (
	// KindReply is a public reply to the customer.
	KindReply = "reply"
	// KindNote is a private note for agents.
	KindNote = "note"
	// KindLabels changes the conversation's labels.
	KindLabels = "labels"
)

// Kinds lists the draft kinds.
func Kinds() []string { return []string{KindReply, KindNote, KindLabels} }

// Draft states.
const (
	StatePending          = "pending_review"
	StateChangesRequested = "changes_requested"
	StateApproved         = "approved"
	StateSent             = "sent"
	StateSendFailed       = "send_failed"
	StateRejected         = "rejected"
	StateExpired          = "expired"
)

// States lists the draft states.
func States() []string {
	return []string{StatePending, StateChangesRequested, StateApproved, StateSent, StateSendFailed, StateRejected, StateExpired}
}

// Open reports whether a draft in state s still waits on someone (a
// reviewer, the agent, or the sender).
func Open(s string) bool {
	return s == StatePending || s == StateChangesRequested || s == StateApproved || s == StateSendFailed
}

// Draft is an AI agent's proposed action on a conversation and its review.
type Draft struct {
	ID             int64  `json:"id"`
	ConversationID int64  `json:"conversation_id"`
	Kind           string `json:"kind"`
	State          string `json:"state"`
	// Version changes on every change; actions name the version they saw.
	Version int `json:"version"`
	// Revision counts the agent's texts (1 for the first submission).
	Revision int `json:"revision"`
	// Text is the agent's text of the current revision.
	Text string `json:"text"`
	// FinalText is what was approved (the reviewer's edit), or "".
	FinalText string `json:"final_text"`
	// Labels is the change a labels draft proposes.
	Labels         LabelChange `json:"labels"`
	Agent          string      `json:"agent"`
	Model          string      `json:"model"`
	Confidence     *float64    `json:"confidence"`
	Citations      []Citation  `json:"citations"`
	IdempotencyKey string      `json:"idempotency_key,omitempty"`
	SubmittedBy    string      `json:"submitted_by"`
	Risk           string      `json:"risk"`
	RiskReasons    []Reason    `json:"risk_reasons"`
	// ContextMessageID is the newest Chatwoot message id the agent had
	// seen; a newer customer message sends an approved draft back.
	ContextMessageID int64 `json:"context_message_id"`
	// DueAt is the conversation's nearest SLA deadline (zero: none).
	DueAt        time.Time `json:"due_at,omitzero"`
	Grades       *Grades   `json:"grades"`
	EditDistance *int      `json:"edit_distance"`
	// EditRatio is EditDistance over the longer text's length (0 unedited).
	EditRatio *float64 `json:"edit_ratio"`
	Reviewer  string   `json:"reviewer"`
	// ReviewNote is the reviewer's note: what to change, or why rejected.
	ReviewNote string `json:"review_note"`
	// StateReason says why the draft is in its state when HotDash moved it
	// (expired, back for review, send failure).
	StateReason       string    `json:"state_reason"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
	ReviewedAt        time.Time `json:"reviewed_at,omitzero"`
	SentAt            time.Time `json:"sent_at,omitzero"`
	ConfirmedAt       time.Time `json:"confirmed_at,omitzero"`
	ChatwootMessageID int64     `json:"chatwoot_message_id,omitempty"`
	SendAttempts      int       `json:"send_attempts"`
	// DryRun marks a draft "sent" in dry-run mode: recorded, not delivered.
	DryRun bool `json:"dry_run"`
}

// Ref is how messages and decisions refer to the draft: "draft:<id>".
func (d Draft) Ref() string { return Ref(d.ID) }

// OutgoingText is what would reach Chatwoot: the final text once approved,
// else the agent's.
func (d Draft) OutgoingText() string {
	if d.FinalText != "" {
		return d.FinalText
	}
	return d.Text
}

// LabelChange is what a labels draft adds and removes.
type LabelChange struct {
	Add    []string `json:"add,omitempty"`
	Remove []string `json:"remove,omitempty"`
}

// Citation is a source the agent used.
type Citation struct {
	Title string `json:"title,omitempty"`
	URL   string `json:"url,omitempty"`
	// Snippet is the passage relied on.
	Snippet string `json:"snippet,omitempty"`
}

// Grades are a reviewer's 1–5 grades of a customer reply.
type Grades struct {
	Tone     int `json:"tone"`
	Accuracy int `json:"accuracy"`
	Policy   int `json:"policy"`
}

// Event is one step in a draft's history.
type Event struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	State  string    `json:"state"`
	Detail string    `json:"detail"`
}

// Errors callers act on.
var (
	// ErrStale: the draft changed since the version the caller saw.
	ErrStale = errors.New("the draft changed since you opened it")
	// ErrWrongState: the action does not apply in the draft's state.
	ErrWrongState = errors.New("the draft is not in a state that allows this")
	// ErrUnknownConversation: HotDash does not know the conversation.
	ErrUnknownConversation = errors.New("HotDash does not know this conversation")
)
