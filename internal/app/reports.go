package app

import (
	"time"

	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/jobs"
	"github.com/hotdash/hotdash/internal/report"
)

// TopicHandoffs is the live-update topic of handoffs.
const TopicHandoffs = "handoffs"

// buildReports assembles the shift rhythm: handoffs, the daily summary and
// the weekly gaps report. One periodic task, every minute on the leader,
// saves the daily summary once its time has passed and tells the leads
// about handoffs nobody acknowledged in time. The Help Center is not
// connected here yet (the weekly report says so).
func (a *App) buildReports(p config.Policy) {
	a.Reports = report.New(report.Deps{
		DB: a.DB, Decisions: a.Decisions, Clock: a.Clock, Shifts: p.Shifts, Reports: p.Reports, Ladder: p.Escalation,
		Notify: report.LeadNotifier{Center: a.Notifications}, Logger: a.Logger.With("component", "reports"),
		OnChange: func() { a.Events.Publish(TopicHandoffs) },
	})
	a.Jobs.Register(jobs.Task{Name: "report.shift", Every: time.Minute, Run: a.Reports.Tick})
}
