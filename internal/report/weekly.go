package report

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/hotdash/hotdash/internal/approval"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/validation"
)

// HelpGapsSource is the Help Center as the weekly report sees it: the
// searches that found nothing, the articles voted unhelpful and the stale
// runbooks of a period, and whether a topic a runbook link names exists.
// The app adapts the Help Center to it.
type HelpGapsSource interface {
	HelpGaps(ctx context.Context, from, to time.Time) (HelpGapData, error)
	HasTopic(ctx context.Context, id string) (bool, error)
}

// HelpGapData is what the Help Center reports for a period.
type HelpGapData struct {
	ZeroResultSearches []ZeroSearch   `json:"zero_result_searches"`
	Unhelpful          []ArticleVotes `json:"unhelpful"`
	StaleRunbooks      []StaleRunbook `json:"stale_runbooks"`
}

// ZeroSearch is a query that found nothing, how often and when last.
type ZeroSearch struct {
	Query string    `json:"query"`
	Count int       `json:"count"`
	Last  time.Time `json:"last"`
}

// ArticleVotes are an article's helpful and not-helpful votes.
type ArticleVotes struct {
	ArticleID  string `json:"article_id"`
	Title      string `json:"title"`
	Helpful    int    `json:"helpful"`
	NotHelpful int    `json:"not_helpful"`
}

// StaleRunbook is a runbook past its review date.
type StaleRunbook struct {
	ArticleID string    `json:"article_id"`
	Title     string    `json:"title"`
	Owner     string    `json:"owner"`
	ReviewBy  time.Time `json:"review_by"`
}

// Weekly is the gaps report of one week (Monday to Monday in the shifts'
// zone). Every item carries Fix, the page where it can be fixed.
type Weekly struct {
	Week     string    `json:"week"`
	TimeZone string    `json:"time_zone"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	// MissingRunbooks are ladder levels that link no runbook, or a Help
	// Center topic no article has.
	MissingRunbooks []Gap `json:"missing_runbooks"`
	// HelpConnected is false when no Help Center is wired: its three
	// lists are then empty and the report says so.
	HelpConnected      bool           `json:"help_connected"`
	StaleRunbooks      []Gap          `json:"stale_runbooks"`
	ZeroResultSearches []Gap          `json:"zero_result_searches"`
	Unhelpful          []Gap          `json:"unhelpful"`
	RepeatedCauses     []Gap          `json:"repeated_escalations"`
	LowestDrafts       []Gap          `json:"lowest_graded_drafts"`
	Weakest            *WeakDimension `json:"weakest_dimension,omitempty"`
	// SLATrend is compliance by channel, day by day.
	SLATrend []ChannelTrend `json:"sla_trend"`
	// Days are the week's dates, the trend's columns.
	Days []string `json:"days"`
}

// Gap is one item of the gaps report.
type Gap struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Count  int    `json:"count,omitempty"`
	// Fix is the page where it can be fixed.
	Fix string `json:"fix"`
}

// WeakDimension is the grading dimension furthest below its target.
type WeakDimension struct {
	Name    string  `json:"name"`
	Average float64 `json:"average"`
	Target  float64 `json:"target"`
	Graded  int     `json:"graded"`
	Fix     string  `json:"fix"`
}

// ChannelTrend is one channel's compliance per day (a day on which no clock
// ended has nothing met or missed, and Percent says so) and for the week.
type ChannelTrend struct {
	Channel string          `json:"channel"`
	Days    []SLACompliance `json:"days"`
	Total   SLACompliance   `json:"total"`
}

// lowestDrafts is how many of the lowest-graded drafts the report lists.
const lowestDrafts = 5

// WeekStart returns the Monday (in the shifts' zone) of the week holding
// date ("2006-01-02"; "" for this week).
func (s *Service) WeekStart(date string) (time.Time, error) {
	loc := s.Location()
	var d time.Time
	if date == "" {
		now := s.Clock.Now().In(loc)
		d = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	} else {
		var err error
		if d, err = time.ParseInLocation(time.DateOnly, date, loc); err != nil {
			return time.Time{}, validation.Errors{"week": "must be a date such as 2026-11-23 (any day of the week)"}
		}
	}
	back := (int(d.Weekday()) + 6) % 7
	return time.Date(d.Year(), d.Month(), d.Day()-back, 0, 0, 0, 0, loc), nil
}

// Weekly computes the gaps report of the week holding date.
func (s *Service) Weekly(ctx context.Context, date string) (Weekly, error) {
	start, err := s.WeekStart(date)
	if err != nil {
		return Weekly{}, err
	}
	end := start.AddDate(0, 0, 7)
	if !start.Before(s.now()) {
		return Weekly{}, validation.Errors{"week": "must be this week or earlier"}
	}
	w := Weekly{Week: start.Format(time.DateOnly), TimeZone: s.Location().String(), From: start.UTC(), To: end.UTC()}
	for _, step := range []func(context.Context, *Weekly) error{s.missingRunbooks, s.helpGaps, s.repeatedCauses, s.lowestDrafts, s.weakest, s.slaTrend} {
		if err := step(ctx, &w); err != nil {
			return Weekly{}, err
		}
	}
	return w, nil
}

// missingRunbooks lists the ladder levels (and so the alerts that page
// them) that link no runbook, or a Help Center topic that no article has
// (checked when the Help Center is connected).
func (s *Service) missingRunbooks(ctx context.Context, w *Weekly) error {
	w.MissingRunbooks = []Gap{}
	for _, name := range config.LadderLevels()[1:] {
		lv := s.Ladder.Level(name)
		title, setting := name+" "+lv.Name, "escalation.levels."+name+".runbook"
		if lv.Runbook == "" {
			w.MissingRunbooks = append(w.MissingRunbooks, Gap{Title: title, Detail: "escalations to " + name + " link no runbook (" + setting + ")", Fix: "/oncall"})
			continue
		}
		topic := helpTopic(lv.Runbook)
		if topic == "" || s.Help == nil {
			continue
		}
		ok, err := s.Help.HasTopic(ctx, topic)
		if err != nil {
			return fmt.Errorf("check the runbook of %s: %w", name, err)
		}
		if !ok {
			w.MissingRunbooks = append(w.MissingRunbooks, Gap{Title: title,
				Detail: "escalations to " + name + " link the Help Center topic " + topic + ", which no article has (" + setting + ")", Fix: "/help/new"})
		}
	}
	return nil
}

// helpTopic is the topic a Help Center link ("/help?topic=runbook-l3")
// names, or "" for any other link.
func helpTopic(link string) string {
	u, err := url.Parse(link)
	if err != nil || u.Host != "" || u.Path != "/help" {
		return ""
	}
	return u.Query().Get("topic")
}

func (s *Service) helpGaps(ctx context.Context, w *Weekly) error {
	w.StaleRunbooks, w.ZeroResultSearches, w.Unhelpful = []Gap{}, []Gap{}, []Gap{}
	if s.Help == nil {
		return nil
	}
	g, err := s.Help.HelpGaps(ctx, w.From, w.To)
	if err != nil {
		return fmt.Errorf("read the Help Center's gaps: %w", err)
	}
	w.HelpConnected = true
	for _, r := range g.StaleRunbooks {
		w.StaleRunbooks = append(w.StaleRunbooks, Gap{Title: r.Title, Detail: fmt.Sprintf("owner %s, review was due %s", cmp.Or(r.Owner, "nobody"), r.ReviewBy.Format(time.DateOnly)),
			Fix: "/help?topic=" + url.QueryEscape(r.ArticleID)})
	}
	for _, z := range g.ZeroResultSearches {
		w.ZeroResultSearches = append(w.ZeroResultSearches, Gap{Title: z.Query, Count: z.Count,
			Detail: fmt.Sprintf("%d searches found nothing, last %s", z.Count, z.Last.Format(time.DateOnly)), Fix: "/help?q=" + url.QueryEscape(z.Query)})
	}
	for _, a := range g.Unhelpful {
		w.Unhelpful = append(w.Unhelpful, Gap{Title: a.Title, Count: a.NotHelpful,
			Detail: fmt.Sprintf("%d not helpful, %d helpful", a.NotHelpful, a.Helpful), Fix: "/help?topic=" + url.QueryEscape(a.ArticleID)})
	}
	return nil
}

// repeatedCauses lists the causes that escalated more than once in the
// week.
func (s *Service) repeatedCauses(ctx context.Context, w *Weekly) error {
	w.RepeatedCauses = []Gap{}
	err := s.each(ctx, `SELECT i.cause, count(*), count(DISTINCT i.id), max(i.id) FROM escalations e JOIN incidents i ON i.id = e.incident_id
		WHERE i.cause <> '' AND e.created_at >= $1 AND e.created_at < $2 GROUP BY i.cause HAVING count(*) > 1
		ORDER BY count(*) DESC, i.cause`, []any{w.From, w.To}, func(sc scanner) error {
		var cause string
		var n, incidents int
		var last int64
		if err := sc.Scan(&cause, &n, &incidents, &last); err != nil {
			return err
		}
		w.RepeatedCauses = append(w.RepeatedCauses, Gap{Title: cause, Count: n,
			Detail: fmt.Sprintf("%d escalations across %d incidents", n, incidents), Fix: "/incidents/" + strconv.FormatInt(last, 10)})
		return nil
	})
	if err != nil {
		return fmt.Errorf("count repeated escalations: %w", err)
	}
	return nil
}

func (s *Service) lowestDrafts(ctx context.Context, w *Weekly) error {
	w.LowestDrafts = []Gap{}
	err := s.each(ctx, `SELECT id, agent, grade_tone, grade_accuracy, grade_policy FROM drafts WHERE `+gradedWhere+`
		ORDER BY grade_tone + grade_accuracy + grade_policy, id LIMIT $3`, []any{w.From, w.To, lowestDrafts}, func(sc scanner) error {
		var id int64
		var agent string
		var t, a, p int
		if err := sc.Scan(&id, &agent, &t, &a, &p); err != nil {
			return err
		}
		w.LowestDrafts = append(w.LowestDrafts, Gap{Title: "Draft " + strconv.FormatInt(id, 10), Count: t + a + p,
			Detail: fmt.Sprintf("tone %d, accuracy %d, policy %d (agent %s)", t, a, p, cmp.Or(agent, "unnamed")),
			Fix:    "/approvals/" + strconv.FormatInt(id, 10)})
		return nil
	})
	if err != nil {
		return fmt.Errorf("list the lowest-graded drafts: %w", err)
	}
	return nil
}

// weakest names the grading dimension furthest below (or least above) its
// target, among the week's graded replies.
func (s *Service) weakest(ctx context.Context, w *Weekly) error {
	d := Daily{From: w.From, To: w.To}
	if err := s.drafts(ctx, &d); err != nil {
		return err
	}
	f := d.Drafts
	if f.Graded == 0 {
		return nil
	}
	dims := []WeakDimension{
		{Name: "tone", Average: f.Tone, Target: approval.TargetTone},
		{Name: "accuracy", Average: f.Accuracy, Target: approval.TargetAccuracy},
		{Name: "policy", Average: f.Policy, Target: approval.TargetPolicy},
	}
	weak := slices.MinFunc(dims, func(a, b WeakDimension) int { return cmp.Compare(a.Average-a.Target, b.Average-b.Target) })
	weak.Graded, weak.Fix = f.Graded, "/approvals/grading?days=7"
	w.Weakest = &weak
	return nil
}

// slaTrend is each channel's compliance per day of the week (days not yet
// begun are left out).
func (s *Service) slaTrend(ctx context.Context, w *Weekly) error {
	byChannel := map[string]*ChannelTrend{}
	loc := s.Location()
	start := w.From.In(loc)
	now := s.now()
	var days int
	for i := 0; i < 7; i++ {
		from := time.Date(start.Year(), start.Month(), start.Day()+i, 0, 0, 0, 0, loc).UTC()
		if !from.Before(now) {
			break
		}
		days++
		w.Days = append(w.Days, from.In(loc).Format(time.DateOnly))
		rows, err := s.slaRows(ctx, from, time.Date(start.Year(), start.Month(), start.Day()+i+1, 0, 0, 0, 0, loc).UTC())
		if err != nil {
			return err
		}
		for _, r := range rows {
			t := byChannel[r.Channel]
			if t == nil {
				t = &ChannelTrend{Channel: r.Channel, Days: make([]SLACompliance, 7)}
				byChannel[r.Channel] = t
			}
			t.Days[i].Met += r.Met
			t.Days[i].Missed += r.Missed
			t.Total.Met += r.Met
			t.Total.Missed += r.Missed
		}
	}
	w.SLATrend = []ChannelTrend{}
	for _, t := range byChannel {
		t.Days = t.Days[:days]
		t.Total.Channel = t.Channel
		w.SLATrend = append(w.SLATrend, *t)
	}
	slices.SortFunc(w.SLATrend, func(a, b ChannelTrend) int { return cmp.Compare(a.Channel, b.Channel) })
	return nil
}
