package app

import (
	"context"
	"fmt"
	"time"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/health"
	"github.com/hotdash/hotdash/internal/incident"
	"github.com/hotdash/hotdash/internal/ingest"
	"github.com/hotdash/hotdash/internal/jobs"
	"github.com/hotdash/hotdash/internal/notify/center"
)

// TopicHealth is the live-update topic of Chatwoot's health: a check was
// recorded or webhook freshness was judged.
const TopicHealth = "health"

// freshnessEvery is how often webhook freshness is judged.
const freshnessEvery = time.Minute

// buildHealth assembles the Chatwoot health monitor, which records the
// checks people send in (--server) and pages through the ladder on
// repeated failure. When Chatwoot is configured the server also checks on
// a schedule, every CHATWOOT_HEALTH_EVERY, once across the deployment;
// when its webhooks are configured, their freshness is watched.
func (a *App) buildHealth(p config.Policy) error {
	cw := a.Settings.Chatwoot
	a.Health = health.NewMonitor(a.DB, a.Clock, health.Options{BaseURL: cw.BaseURL, Token: cw.APIToken, AccountID: cw.AccountID},
		ladderPager{a.Incidents})
	a.Health.OnRecord = func() { a.Events.Publish(TopicHealth) }
	cal, err := p.Health.Build(p.SLA)
	if err != nil {
		return err
	}
	if a.cx.receiver.Configured() {
		a.Freshness = health.NewFreshnessWatch(func(ctx context.Context) (time.Time, error) { return ingest.LastReceived(ctx, a.DB) },
			cal, a.Clock, leadAlerter{a.Notifications})
		a.Freshness.Limit = p.Health.WebhookQuietAfter.D()
		a.Freshness.OnChange = func() { a.Events.Publish(TopicHealth) }
		a.Jobs.Register(jobs.Task{Name: "chatwoot.freshness", Every: freshnessEvery, Run: func(ctx context.Context) error {
			_, err := a.Freshness.Watch(ctx)
			return err
		}})
	}
	if !cw.Configured() {
		return nil
	}
	a.Jobs.Register(jobs.Task{Name: "chatwoot.health", Every: a.healthEvery(), Run: func(ctx context.Context) error {
		_, err := a.Health.Check(ctx)
		return err
	}})
	return nil
}

// healthEvery is how often the server checks Chatwoot (0: it does not).
func (a *App) healthEvery() time.Duration {
	cw := a.Settings.Chatwoot
	switch {
	case !cw.Configured():
		return 0
	case cw.HealthEvery == 0:
		return 5 * time.Minute
	}
	return cw.HealthEvery
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

// leadAlerter tells the support leads that Chatwoot's webhooks went quiet,
// once per quiet spell (the spell is named by its last event).
type leadAlerter struct{ c *center.Center }

func (l leadAlerter) WebhooksQuiet(ctx context.Context, f health.Freshness) error {
	spell, since := "never", "since HotDash started"
	if !f.LastEvent.IsZero() {
		spell, since = f.LastEvent.UTC().Format(time.RFC3339Nano), "since "+f.LastEvent.UTC().Format("Jan 2 15:04 MST")
	}
	_, err := l.c.Notify(ctx, center.Audience{Roles: []auth.Role{auth.Lead}}, center.Notification{
		Kind: center.Health, Severity: "warning",
		Title: "No Chatwoot event for " + f.Quiet.Round(time.Minute).String() + " of business hours",
		Body: fmt.Sprintf("HotDash has received no Chatwoot webhook %s. Check the webhook in Chatwoot's settings and run the Chatwoot health check; "+
			"conversations and SLA clocks are only as fresh as the last event (reconciliation repairs them every CHATWOOT_RECONCILE_EVERY, 1 minute by default).", since),
		Link: "/health",
		Key:  "webhooks_quiet:" + spell,
	})
	return err
}
