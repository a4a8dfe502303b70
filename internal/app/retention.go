package app

import (
	"context"
	"errors"
	"time"

	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/jobs"
)

// registerRetention prunes, every hour, the records that only grow: health
// checks, notification center entries and finished outside deliveries
// older than the policy's retention section says.
func (a *App) registerRetention(r config.RetentionPolicy) {
	a.retention = r
	a.Jobs.Register(jobs.Task{Name: "retention.prune", Every: time.Hour, Run: a.Prune})
}

// Prune deletes what is past retention, as of the injected clock, and logs
// how much went. The retention.prune task runs it every hour on one
// replica.
func (a *App) Prune(ctx context.Context) error {
	r, now := a.retention, a.Clock.Now()
	checks, errChecks := a.Health.History().Prune(ctx, now.Add(-config.Days(r.HealthChecksDays)))
	notes, errNotes := a.Notifications.Prune(ctx, now.Add(-config.Days(r.NotificationsDays)))
	sent, errSent := a.Outbox.Prune(ctx, now.Add(-config.Days(r.DeliveriesDays)))
	if checks+notes+sent > 0 {
		a.Logger.Info("pruned records past retention", "health_checks", checks, "notifications", notes, "deliveries", sent)
	}
	return errors.Join(errChecks, errNotes, errSent)
}
