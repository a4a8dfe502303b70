package app

import (
	"context"
	"time"

	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/helpcenter"
	"github.com/hotdash/hotdash/internal/jobs"
	"github.com/hotdash/hotdash/internal/report"
)

// TopicHandoffs is the live-update topic of handoffs.
const TopicHandoffs = "handoffs"

// buildReports assembles the shift rhythm: handoffs, the daily summary and
// the weekly gaps report. One periodic task, every minute on the leader,
// saves the daily summary once its time has passed and tells the leads
// about handoffs nobody acknowledged in time. The weekly gaps report reads
// the Help Center's gaps (build it first).
func (a *App) buildReports(p config.Policy) {
	a.Reports = report.New(report.Deps{
		DB: a.DB, Decisions: a.Decisions, Clock: a.Clock, Shifts: p.Shifts, Reports: p.Reports, Ladder: p.Escalation,
		Help:   helpGaps{a.Help},
		Notify: report.LeadNotifier{Center: a.Notifications}, Logger: a.Logger.With("component", "reports"),
		OnChange: func() { a.Events.Publish(TopicHandoffs) },
	})
	a.Jobs.Register(jobs.Task{Name: "report.shift", Every: time.Minute, Run: a.Reports.Tick})
}

// helpGaps lets the weekly report read the Help Center's gaps and check
// runbook topics.
type helpGaps struct{ s *helpcenter.Service }

func (h helpGaps) HasTopic(ctx context.Context, id string) (bool, error) {
	return h.s.HasTopic(ctx, id)
}

func (h helpGaps) HelpGaps(ctx context.Context, from, to time.Time) (report.HelpGapData, error) {
	g, err := h.s.Gaps(ctx, from, to)
	if err != nil {
		return report.HelpGapData{}, err
	}
	var out report.HelpGapData
	for _, z := range g.ZeroResultSearches {
		out.ZeroResultSearches = append(out.ZeroResultSearches, report.ZeroSearch(z))
	}
	for _, v := range g.Unhelpful {
		out.Unhelpful = append(out.Unhelpful, report.ArticleVotes(v))
	}
	for _, r := range g.StaleRunbooks {
		out.StaleRunbooks = append(out.StaleRunbooks, report.StaleRunbook(r))
	}
	return out, nil
}
