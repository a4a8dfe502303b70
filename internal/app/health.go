package app

import (
	"context"
	"time"

	"github.com/hotdash/hotdash/internal/health"
	"github.com/hotdash/hotdash/internal/incident"
	"github.com/hotdash/hotdash/internal/jobs"
)

// buildHealth schedules the Chatwoot health check (when Chatwoot is
// configured): every CHATWOOT_HEALTH_EVERY, once across the deployment,
// paging through the ladder on repeated failure.
func (a *App) buildHealth() {
	cw := a.Settings.Chatwoot
	if !cw.Configured() {
		return
	}
	every := cw.HealthEvery
	if every == 0 {
		every = 5 * time.Minute
	}
	a.Health = health.NewMonitor(a.DB, a.Clock, health.Options{BaseURL: cw.BaseURL, Token: cw.APIToken, AccountID: cw.AccountID},
		ladderPager{a.Incidents})
	a.Jobs.Register(jobs.Task{Name: "chatwoot.health", Every: every, Run: func(ctx context.Context) error {
		_, err := a.Health.Check(ctx)
		return err
	}})
}

// ladderPager lets the health monitor page through the escalation ladder.
type ladderPager struct{ s *incident.Service }

func (p ladderPager) Failing(ctx context.Context, summary, output, link string) error {
	_, err := p.s.HealthFailing(ctx, incident.HealthFailure{Summary: summary, Output: output, Link: link})
	return err
}

func (p ladderPager) Recovered(ctx context.Context, note string) error {
	return p.s.HealthRecovered(ctx, note)
}
