package client

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Decision is a Decision Log entry. Optional references are null when absent.
type Decision struct {
	ID              int64           `json:"id"`
	CreatedAt       time.Time       `json:"created_at"`
	Scope           string          `json:"scope"`
	Actor           string          `json:"actor"`
	Action          string          `json:"action"`
	Rationale       string          `json:"rationale"`
	Evidence        []string        `json:"evidence"`
	Severity        string          `json:"severity"`
	Status          string          `json:"status"`
	IncidentRef     string          `json:"incident_ref"`
	ConversationRef string          `json:"conversation_ref"`
	ApprovalRef     string          `json:"approval_ref"`
	CorrectsID      *int64          `json:"corrects_id"`
	ClosesID        *int64          `json:"closes_id"`
	NextAction      string          `json:"next_action"`
	NextActionOwner string          `json:"next_action_owner"`
	NextActionDue   *time.Time      `json:"next_action_due"`
	Payload         json.RawMessage `json:"payload"`
	RecordedBy      string          `json:"recorded_by"`
	PrevHash        string          `json:"prev_hash"`
	Hash            string          `json:"hash"`
}

// NewDecision is a decision to log (the SOP's logDecision()). Scope, actor,
// action and rationale are required. NextActionDue is RFC 3339.
type NewDecision struct {
	Scope           string          `json:"scope"`
	Actor           string          `json:"actor"`
	Action          string          `json:"action"`
	Rationale       string          `json:"rationale"`
	Evidence        []string        `json:"evidence,omitempty"`
	Severity        string          `json:"severity,omitempty"`
	Status          string          `json:"status,omitempty"`
	IncidentRef     string          `json:"incident_ref,omitempty"`
	ConversationRef string          `json:"conversation_ref,omitempty"`
	ApprovalRef     string          `json:"approval_ref,omitempty"`
	CorrectsID      int64           `json:"corrects_id,omitempty"`
	ClosesID        int64           `json:"closes_id,omitempty"`
	NextAction      string          `json:"next_action,omitempty"`
	NextActionOwner string          `json:"next_action_owner,omitempty"`
	NextActionDue   string          `json:"next_action_due,omitempty"`
	Payload         json.RawMessage `json:"payload,omitempty"`
}

// DecisionPage is one page of a listing, newest first.
type DecisionPage struct {
	Decisions []Decision `json:"decisions"`
	// NextCursor fetches the next (older) page; empty on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// DecisionQuery filters and pages a listing. Zero fields match everything.
type DecisionQuery struct {
	Scope    string
	Actor    string
	Action   string
	Severity string
	// Text matches actor, action, rationale or next action.
	Text     string
	From, To time.Time
	// OpenNextActions keeps entries whose next action is still open;
	// Overdue keeps those among them that are past due.
	OpenNextActions bool
	Overdue         bool
	Limit           int
	Cursor          string
}

// VerifyResult is what walking the hash chain found.
type VerifyResult struct {
	OK       bool   `json:"ok"`
	Entries  int64  `json:"entries"`
	HeadID   int64  `json:"head_id"`
	HeadHash string `json:"head_hash"`
	// BrokenID and Reason name the first altered entry when OK is false.
	BrokenID int64  `json:"broken_id,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// Principal is who a credential acts for.
type Principal struct {
	Kind        string `json:"kind"` // "user" or "token"
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
}

// User is a person who signs in.
type User struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
}

// NewUser is a user to create.
type NewUser struct {
	Email    string `json:"email"`
	Name     string `json:"name,omitempty"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

// UserChange changes a user; nil fields stay as they are.
type UserChange struct {
	Name     *string `json:"name,omitempty"`
	Role     *string `json:"role,omitempty"`
	Disabled *bool   `json:"disabled,omitempty"`
}

// Token is an API token as listed (without its secret).
type Token struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	Prefix     string     `json:"prefix"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// NewToken is a token to create.
type NewToken struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// CreatedToken is a new token and its secret, shown this once.
type CreatedToken struct {
	Token  Token  `json:"token"`
	Secret string `json:"secret"`
}

// Error is an error the API answered with.
type Error struct {
	Status    int               `json:"-"`
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s (HTTP %d)", e.Message, e.Status)
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + e.Fields[k]
		}
		msg += ": " + strings.Join(parts, "; ")
	}
	return msg
}
