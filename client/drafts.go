package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// NewDraft is an AI agent's draft: POST /api/v1/drafts.
type NewDraft struct {
	// ConversationID is HotDash's id of the conversation; or give
	// ConversationDisplayID, the number Chatwoot shows for it.
	ConversationID        int64 `json:"conversation_id,omitempty"`
	ConversationDisplayID int64 `json:"conversation_display_id,omitempty"`
	// Kind is reply (public, to the customer), note (private) or labels.
	Kind string `json:"kind"`
	// Text is the reply or note; for labels, an optional explanation.
	Text       string       `json:"text,omitempty"`
	Labels     *LabelChange `json:"labels,omitempty"`
	Agent      string       `json:"agent"`
	Model      string       `json:"model,omitempty"`
	Confidence *float64     `json:"confidence,omitempty"`
	Citations  []Citation   `json:"citations,omitempty"`
}

// DraftRevision is an agent's new text for a draft sent back with changes
// requested: POST /api/v1/drafts/{id}/revisions.
type DraftRevision struct {
	Text       string       `json:"text,omitempty"`
	Labels     *LabelChange `json:"labels,omitempty"`
	Model      string       `json:"model,omitempty"`
	Confidence *float64     `json:"confidence,omitempty"`
	Citations  []Citation   `json:"citations,omitempty"`
}

// LabelChange is what a labels draft adds and removes.
type LabelChange struct {
	Add    []string `json:"add,omitempty"`
	Remove []string `json:"remove,omitempty"`
}

// Citation is a source an agent relied on.
type Citation struct {
	Title   string `json:"title,omitempty"`
	URL     string `json:"url,omitempty"`
	Snippet string `json:"snippet,omitempty"`
}

// Grades are a reviewer's 1–5 grades of a customer reply.
type Grades struct {
	Tone     int `json:"tone"`
	Accuracy int `json:"accuracy"`
	Policy   int `json:"policy"`
}

// RiskReason is one rule that set a draft's risk; Spans are byte ranges
// [start, end) of the text that set it off.
type RiskReason struct {
	Rule  string   `json:"rule"`
	Level string   `json:"level"`
	Text  string   `json:"text"`
	Spans [][2]int `json:"spans,omitempty"`
}

// Draft is a draft and its review, as the agent polls it.
type Draft struct {
	ID                    int64        `json:"id"`
	ConversationID        int64        `json:"conversation_id"`
	ConversationDisplayID int64        `json:"conversation_display_id,omitempty"`
	Kind                  string       `json:"kind"`
	State                 string       `json:"state"`
	Version               int          `json:"version"`
	Revision              int          `json:"revision"`
	Text                  string       `json:"text"`
	FinalText             string       `json:"final_text"`
	Labels                LabelChange  `json:"labels"`
	Agent                 string       `json:"agent"`
	Model                 string       `json:"model"`
	Confidence            *float64     `json:"confidence"`
	Citations             []Citation   `json:"citations"`
	Risk                  string       `json:"risk"`
	RiskReasons           []RiskReason `json:"risk_reasons"`
	DueAt                 *time.Time   `json:"due_at"`
	Grades                *Grades      `json:"grades"`
	EditDistance          *int         `json:"edit_distance"`
	EditRatio             *float64     `json:"edit_ratio"`
	Reviewer              string       `json:"reviewer"`
	ReviewNote            string       `json:"review_note"`
	StateReason           string       `json:"state_reason"`
	CreatedAt             time.Time    `json:"created_at"`
	UpdatedAt             time.Time    `json:"updated_at"`
	ReviewedAt            *time.Time   `json:"reviewed_at"`
	SentAt                *time.Time   `json:"sent_at"`
	ConfirmedAt           *time.Time   `json:"confirmed_at"`
	ChatwootMessageID     int64        `json:"chatwoot_message_id,omitempty"`
	SendAttempts          int          `json:"send_attempts"`
	DryRun                bool         `json:"dry_run"`
}

// DraftEvent is a step in a draft's history.
type DraftEvent struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	State  string    `json:"state"`
	Detail string    `json:"detail"`
}

// DraftDetail is a draft with its history.
type DraftDetail struct {
	Draft
	History []DraftEvent `json:"history"`
}

// DraftPage is a page of the approvals queue.
type DraftPage struct {
	Drafts     []Draft `json:"drafts"`
	NextCursor string  `json:"next_cursor,omitempty"`
	// Pending counts drafts waiting for review by risk.
	Pending map[string]int `json:"pending"`
}

// DraftQuery filters the approvals queue.
type DraftQuery struct {
	State          string
	Risk           string
	ConversationID int64
	Limit          int
	Cursor         string
}

func (q DraftQuery) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("state", q.State)
	set("risk", q.Risk)
	set("cursor", q.Cursor)
	if q.ConversationID > 0 {
		v.Set("conversation_id", strconv.FormatInt(q.ConversationID, 10))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return v
}

// DraftReview is a reviewer's action on the version they saw.
type DraftReview struct {
	Version int     `json:"version"`
	Text    string  `json:"text,omitempty"`
	Grades  *Grades `json:"grades,omitempty"`
	Note    string  `json:"note,omitempty"`
}

// BulkApproval names low-risk drafts and the versions reviewed.
type BulkApproval struct {
	Drafts []DraftVersion `json:"drafts"`
}

// DraftVersion is a draft id and version.
type DraftVersion struct {
	ID      int64 `json:"id"`
	Version int   `json:"version"`
}

// BulkResult says which drafts were approved and why others were not.
type BulkResult struct {
	Approved []Draft           `json:"approved"`
	Failed   map[string]string `json:"failed"`
}

// SubmitDraft submits a draft. Repeating the call with the same
// idempotencyKey returns the first draft.
func (c *Client) SubmitDraft(ctx context.Context, d NewDraft, idempotencyKey string) (Draft, error) {
	var out Draft
	err := c.do(ctx, http.MethodPost, "/api/v1/drafts", nil, d, idempotencyKey, &out)
	return out, err
}

// Draft returns a draft with its history: its state, final text, grades
// and the reviewer's note.
func (c *Client) Draft(ctx context.Context, id int64) (DraftDetail, error) {
	var out DraftDetail
	err := c.do(ctx, http.MethodGet, draftPath(id, ""), nil, nil, "", &out)
	return out, err
}

// Drafts returns a page of the approvals queue.
func (c *Client) Drafts(ctx context.Context, q DraftQuery) (DraftPage, error) {
	var out DraftPage
	err := c.do(ctx, http.MethodGet, "/api/v1/drafts", q.values(), nil, "", &out)
	return out, err
}

// ReviseDraft submits a new revision of a draft.
func (c *Client) ReviseDraft(ctx context.Context, id int64, r DraftRevision) (Draft, error) {
	var out Draft
	err := c.do(ctx, http.MethodPost, draftPath(id, "/revisions"), nil, r, "", &out)
	return out, err
}

// ReviewDraft approves, rejects, requests changes on, or retries a draft:
// action is "approve", "reject", "request-changes" or "retry".
func (c *Client) ReviewDraft(ctx context.Context, id int64, action string, r DraftReview) (Draft, error) {
	var out Draft
	err := c.do(ctx, http.MethodPost, draftPath(id, "/"+action), nil, r, "", &out)
	return out, err
}

// BulkApprove approves low-risk drafts as they are.
func (c *Client) BulkApprove(ctx context.Context, b BulkApproval) (BulkResult, error) {
	var out BulkResult
	err := c.do(ctx, http.MethodPost, "/api/v1/drafts/bulk-approve", nil, b, "", &out)
	return out, err
}

func draftPath(id int64, tail string) string {
	return "/api/v1/drafts/" + strconv.FormatInt(id, 10) + tail
}
