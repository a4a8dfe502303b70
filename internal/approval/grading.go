package approval

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/hotdash/hotdash/internal/validation"
)

// The grading panel's targets (PRODUCT.md): the average of each grade, and
// the share of replies sent exactly as the agent drafted them.
const (
	TargetTone     = 4.5
	TargetAccuracy = 4.7
	TargetPolicy   = 4.8
	TargetUnedited = 0.70
)

// Edit-size bounds, as a share of the longer text (edit_ratio). An edited
// reply is light below LightEditMax, moderate from LightEditMax to
// ModerateEditMax (both included), heavy above ModerateEditMax.
const (
	LightEditMax    = 0.10
	ModerateEditMax = 0.30
)

// MaxGradingDays is the longest period Grading covers.
const MaxGradingDays = 366

// exportBatch is how many drafts ExportTraining reads per query.
const exportBatch = 500

// gradedWhere selects graded replies (alias d) reviewed in [$1, $2): a
// customer reply approved with its grades, whether or not it was sent yet.
const gradedWhere = `d.kind = 'reply' AND d.state IN ('approved', 'sent', 'send_failed')
	AND d.grade_tone IS NOT NULL AND d.grade_accuracy IS NOT NULL AND d.grade_policy IS NOT NULL
	AND d.edit_distance IS NOT NULL AND d.edit_ratio IS NOT NULL
	AND d.reviewed_at >= $1 AND d.reviewed_at < $2`

// Edits counts graded replies by how much the reviewer changed them.
type Edits struct {
	// Unedited replies were sent as drafted (edit distance 0).
	Unedited int `json:"unedited"`
	// Light, Moderate and Heavy split the edited ones by edit ratio.
	Light    int `json:"light"`
	Moderate int `json:"moderate"`
	Heavy    int `json:"heavy"`
}

// Figures are the grading numbers of a set of graded replies. The averages
// and the share are 0 when Count is 0.
type Figures struct {
	Count    int     `json:"count"`
	Tone     float64 `json:"tone"`
	Accuracy float64 `json:"accuracy"`
	Policy   float64 `json:"policy"`
	// UneditedShare is the share (0–1) of replies sent as drafted.
	UneditedShare float64 `json:"unedited_share"`
	Edits         Edits   `json:"edits"`
}

// Day is the figures of the replies reviewed on one UTC day.
type Day struct {
	// Date is the UTC day, "2006-01-02".
	Date string `json:"date"`
	Figures
}

// Group is the figures of one agent's or one model's replies.
type Group struct {
	// Name is the agent or the model version ("" when the agent gave none).
	Name string `json:"name"`
	Figures
}

// Grading is what the grading panel shows for the replies reviewed in
// [From, To): overall, day by day (every UTC day of the period, empty ones
// included), and by agent and by model (most replies first).
type Grading struct {
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Total  Figures   `json:"total"`
	Days   []Day     `json:"days"`
	Agents []Group   `json:"agents"`
	Models []Group   `json:"models"`
}

// tally sums graded replies; figures turns the sums into averages.
type tally struct {
	count, tone, accuracy, policy int
	edits                         Edits
}

func (t *tally) add(o tally) {
	t.count += o.count
	t.tone += o.tone
	t.accuracy += o.accuracy
	t.policy += o.policy
	t.edits.Unedited += o.edits.Unedited
	t.edits.Light += o.edits.Light
	t.edits.Moderate += o.edits.Moderate
	t.edits.Heavy += o.edits.Heavy
}

func (t tally) figures() Figures {
	f := Figures{Count: t.count, Edits: t.edits}
	if t.count == 0 {
		return f
	}
	n := float64(t.count)
	f.Tone, f.Accuracy, f.Policy = float64(t.tone)/n, float64(t.accuracy)/n, float64(t.policy)/n
	f.UneditedShare = float64(t.edits.Unedited) / n
	return f
}

// cell is the tally of one agent and model within one day.
type cell struct {
	agent, model string
	tally
}

// Grading computes the grading panel's figures for the replies reviewed in
// [from, to), at most MaxGradingDays long. Days are those of from's time
// zone (UTC from the API and the grading page), cut by Go
// rather than by engine-specific date functions: each day is one aggregate
// query, grouped by agent and model, and folded here.
func (s *Service) Grading(ctx context.Context, from, to time.Time) (Grading, error) {
	if err := checkPeriod(from, to, MaxGradingDays); err != nil {
		return Grading{}, err
	}
	g := Grading{From: from.UTC(), To: to.UTC(), Days: []Day{}}
	var total tally
	agents, models := map[string]*tally{}, map[string]*tally{}
	for _, w := range dayWindows(from, to) {
		cells, err := s.tallyWindow(ctx, w[0].UTC(), w[1].UTC())
		if err != nil {
			return Grading{}, err
		}
		var day tally
		for _, c := range cells {
			day.add(c.tally)
			addTo(agents, c.agent, c.tally)
			addTo(models, c.model, c.tally)
		}
		total.add(day)
		g.Days = append(g.Days, Day{Date: w[0].Format(time.DateOnly), Figures: day.figures()})
	}
	g.Total, g.Agents, g.Models = total.figures(), groups(agents), groups(models)
	return g, nil
}

// checkPeriod refuses an empty period, or one longer than maxDays (0: any).
func checkPeriod(from, to time.Time, maxDays int) error {
	switch {
	case !from.Before(to):
		return validation.Errors{"from": "must be before the end of the period"}
	case maxDays > 0 && to.Sub(from) > time.Duration(maxDays)*24*time.Hour:
		return validation.Errors{"from": fmt.Sprintf("the period may be at most %d days long", maxDays)}
	}
	return nil
}

// dayWindows cuts [from, to) at each midnight of from's time zone.
func dayWindows(from, to time.Time) [][2]time.Time {
	var out [][2]time.Time
	for start := from; start.Before(to); {
		y, m, d := start.Date()
		end := time.Date(y, m, d+1, 0, 0, 0, 0, from.Location())
		if end.After(to) {
			end = to
		}
		out = append(out, [2]time.Time{start, end})
		start = end
	}
	return out
}

func addTo(m map[string]*tally, key string, t tally) {
	if m[key] == nil {
		m[key] = &tally{}
	}
	m[key].add(t)
}

// groups lists tallies by name, most replies first (then by name).
func groups(m map[string]*tally) []Group {
	out := make([]Group, 0, len(m))
	for name, t := range m {
		out = append(out, Group{Name: name, Figures: t.figures()})
	}
	slices.SortFunc(out, func(a, b Group) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// tallyWindow sums the graded replies reviewed in [from, to) by agent and
// model.
func (s *Service) tallyWindow(ctx context.Context, from, to time.Time) ([]cell, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT d.agent, d.model, count(*),
		sum(d.grade_tone), sum(d.grade_accuracy), sum(d.grade_policy),
		sum(CASE WHEN d.edit_distance = 0 THEN 1 ELSE 0 END),
		sum(CASE WHEN d.edit_distance > 0 AND d.edit_ratio < $3 THEN 1 ELSE 0 END),
		sum(CASE WHEN d.edit_distance > 0 AND d.edit_ratio >= $3 AND d.edit_ratio <= $4 THEN 1 ELSE 0 END),
		sum(CASE WHEN d.edit_distance > 0 AND d.edit_ratio > $4 THEN 1 ELSE 0 END)
		FROM drafts d WHERE `+gradedWhere+` GROUP BY d.agent, d.model`,
		from, to, LightEditMax, ModerateEditMax)
	if err != nil {
		return nil, fmt.Errorf("sum grades: %w", err)
	}
	defer rows.Close()
	var out []cell
	for rows.Next() {
		var c cell
		e := &c.edits
		if err := rows.Scan(&c.agent, &c.model, &c.count, &c.tone, &c.accuracy, &c.policy,
			&e.Unedited, &e.Light, &e.Moderate, &e.Heavy); err != nil {
			return nil, fmt.Errorf("sum grades: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sum grades: %w", err)
	}
	return out, nil
}

// TrainingExample is one graded reply as the training export writes it: what
// the customer said, what the agent drafted, what was sent, and the grades.
type TrainingExample struct {
	DraftID        int64  `json:"draft_id"`
	ConversationID int64  `json:"conversation_id"`
	Agent          string `json:"agent"`
	Model          string `json:"model"`
	// CustomerMessage is the newest public customer message the agent had
	// seen when it drafted ("" when there was none).
	CustomerMessage string `json:"customer_message"`
	// Draft is the agent's text; FinalText what the reviewer approved.
	Draft        string    `json:"draft"`
	FinalText    string    `json:"final_text"`
	Edited       bool      `json:"edited"`
	EditDistance int       `json:"edit_distance"`
	Grades       Grades    `json:"grades"`
	ReviewedAt   time.Time `json:"reviewed_at"`
}

// ExportTraining writes the graded replies reviewed in [from, to) to w as
// JSON Lines, one TrainingExample per line in draft order, and returns how
// many it wrote. It reads exportBatch drafts at a time, so memory stays
// flat however long the period is.
func (s *Service) ExportTraining(ctx context.Context, from, to time.Time, w io.Writer) (int, error) {
	from, to = from.UTC(), to.UTC()
	if err := checkPeriod(from, to, 0); err != nil {
		return 0, err
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	n := 0
	var after int64
	for {
		batch, err := s.trainingBatch(ctx, from, to, after)
		if err != nil {
			return n, err
		}
		for i := range batch {
			if err := enc.Encode(&batch[i]); err != nil {
				return n, fmt.Errorf("write training export: %w", err)
			}
			n++
		}
		if len(batch) < exportBatch {
			return n, nil
		}
		after = batch[len(batch)-1].DraftID
	}
}

// trainingBatch reads up to exportBatch graded replies with ids above
// after. The rows are read in full before the caller writes them, so a slow
// download never holds a database connection.
func (s *Service) trainingBatch(ctx context.Context, from, to time.Time, after int64) ([]TrainingExample, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT d.id, d.conversation_id, d.agent, d.model, d.text, d.final_text,
		d.edit_distance, d.grade_tone, d.grade_accuracy, d.grade_policy, d.reviewed_at,
		COALESCE((SELECT m.content FROM conversation_messages m WHERE m.conversation_id = d.conversation_id
			AND m.source_id <= d.context_message_id AND m.kind = 'incoming' AND m.private = false
			ORDER BY m.source_id DESC LIMIT 1), '')
		FROM drafts d WHERE `+gradedWhere+` AND d.id > $3 ORDER BY d.id LIMIT $4`, from, to, after, exportBatch)
	if err != nil {
		return nil, fmt.Errorf("read graded replies: %w", err)
	}
	defer rows.Close()
	out := make([]TrainingExample, 0, exportBatch)
	for rows.Next() {
		var e TrainingExample
		g := &e.Grades
		if err := rows.Scan(&e.DraftID, &e.ConversationID, &e.Agent, &e.Model, &e.Draft, &e.FinalText,
			&e.EditDistance, &g.Tone, &g.Accuracy, &g.Policy, &e.ReviewedAt, &e.CustomerMessage); err != nil {
			return nil, fmt.Errorf("read graded reply: %w", err)
		}
		e.Edited, e.ReviewedAt = e.EditDistance > 0, e.ReviewedAt.UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read graded replies: %w", err)
	}
	return out, nil
}
