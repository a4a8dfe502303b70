package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Grading is the grading panel's figures: GET /api/v1/drafts/grading. It
// covers the customer replies approved with grades (reviewed_at) in
// [From, To).
type Grading struct {
	From    time.Time      `json:"from"`
	To      time.Time      `json:"to"`
	Targets GradingTargets `json:"targets"`
	Total   GradingFigures `json:"total"`
	// Days has every UTC day of the period, oldest first, empty days
	// included.
	Days []GradingDay `json:"days"`
	// Agents and Models break the figures down, most replies first.
	Agents []GradingGroup `json:"agents"`
	Models []GradingGroup `json:"models"`
}

// GradingTargets are the targets the figures are held against.
type GradingTargets struct {
	Tone     float64 `json:"tone"`
	Accuracy float64 `json:"accuracy"`
	Policy   float64 `json:"policy"`
	// UneditedShare is the share (0–1) of replies to send as drafted.
	UneditedShare float64 `json:"unedited_share"`
}

// GradingFigures are the figures of a set of graded replies. The averages
// and the share are 0 when Count is 0.
type GradingFigures struct {
	Count    int     `json:"count"`
	Tone     float64 `json:"tone"`
	Accuracy float64 `json:"accuracy"`
	Policy   float64 `json:"policy"`
	// UneditedShare is the share (0–1) of replies sent as drafted.
	UneditedShare float64   `json:"unedited_share"`
	Edits         EditSizes `json:"edits"`
}

// EditSizes counts replies by how much the reviewer changed them: not at
// all, under 10 % of the text (light), 10–30 % (moderate), over 30 % (heavy).
type EditSizes struct {
	Unedited int `json:"unedited"`
	Light    int `json:"light"`
	Moderate int `json:"moderate"`
	Heavy    int `json:"heavy"`
}

// GradingDay is one UTC day's figures.
type GradingDay struct {
	// Date is the day, "2006-01-02".
	Date string `json:"date"`
	GradingFigures
}

// GradingGroup is one agent's or one model version's figures.
type GradingGroup struct {
	// Name is the agent or the model ("" when the agent named no model).
	Name string `json:"name"`
	GradingFigures
}

// TrainingExample is one line of GET /api/v1/drafts/export: a graded reply
// with what the customer had said, the draft, and what was sent.
type TrainingExample struct {
	DraftID         int64     `json:"draft_id"`
	ConversationID  int64     `json:"conversation_id"`
	Agent           string    `json:"agent"`
	Model           string    `json:"model"`
	CustomerMessage string    `json:"customer_message"`
	Draft           string    `json:"draft"`
	FinalText       string    `json:"final_text"`
	Edited          bool      `json:"edited"`
	EditDistance    int       `json:"edit_distance"`
	Grades          Grades    `json:"grades"`
	ReviewedAt      time.Time `json:"reviewed_at"`
}

// DraftGrading returns the grading figures of the last days UTC days, today
// included (days 0: the server's default, 30).
func (c *Client) DraftGrading(ctx context.Context, days int) (Grading, error) {
	var out Grading
	err := c.do(ctx, http.MethodGet, "/api/v1/drafts/grading", daysQuery(days), nil, "", &out)
	return out, err
}

// ExportTraining streams the graded replies of the last days UTC days to w
// as JSON Lines, one TrainingExample per line.
func (c *Client) ExportTraining(ctx context.Context, days int, w io.Writer) error {
	resp, err := c.send(ctx, http.MethodGet, "/api/v1/drafts/export", daysQuery(days), nil, "")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("read training export: %w", err)
	}
	return nil
}

func daysQuery(days int) url.Values {
	if days <= 0 {
		return nil
	}
	return url.Values{"days": {strconv.Itoa(days)}}
}
