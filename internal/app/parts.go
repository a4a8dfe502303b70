package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/events"
	"github.com/hotdash/hotdash/internal/jobs"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/store/sqlite"
)

func openSQLite(ctx context.Context, path string) (*store.DB, error) {
	return sqlite.Open(ctx, path)
}

// registerTasks lists the periodic work every replica registers.
func (a *App) registerTasks() {
	a.Jobs.Register(jobs.Task{Name: "auth.sweep", Every: 10 * time.Minute, Run: func(ctx context.Context) error {
		swept, err := a.Auth.Sweep(ctx)
		if err == nil && (swept.Sessions+swept.LoginFailures+swept.SetupLinks) > 0 {
			a.Logger.Info("swept expired sign-in data", "sessions", swept.Sessions,
				"login_failures", swept.LoginFailures, "setup_links", swept.SetupLinks)
		}
		return err
	}})
	// The head's hash, logged hourly, is an anchor outside the database:
	// `hotdash decision verify --anchor ID:HASH` proves the log was not cut
	// back and rewritten past it.
	a.Jobs.Register(jobs.Task{Name: "decisionlog.anchor", Every: time.Hour, Run: func(ctx context.Context) error {
		id, hash, err := a.Decisions.Head(ctx)
		if err == nil && id > 0 {
			a.Logger.Info("decision log head", "id", id, "hash", hash, "anchor", fmt.Sprintf("%d:%s", id, hash))
		}
		return err
	}})
}

// announce tells whoever started HotDash where it is and, on a new install,
// prints the one-time setup link. The link goes to the console, never to the
// structured log: it is a secret.
func (a *App) announce(ctx context.Context) error {
	_, _ = fmt.Fprintf(a.console, "HotDash is running at %s (%s store)\n", a.URL(), a.DB.Engine())
	link, err := a.Auth.NewSetupLink(ctx)
	if errors.Is(err, auth.ErrSetupDone) {
		return nil
	}
	if err != nil {
		return err
	}
	_, _ = fmt.Fprintf(a.console, "\nNo one can sign in yet. Open this one-time link to create the first admin\n(valid %s, or run `hotdash user create --role admin`):\n\n    %s/setup?token=%s\n\n",
		a.Auth.Config().SetupLinkLifetime, a.URL(), link)
	return nil
}

// decisionMetrics counts appends, tracks the head, and wakes live pages.
type decisionMetrics struct {
	appends prometheus.Counter
	head    prometheus.Gauge
	events  *events.Broker
}

func newDecisionMetrics(reg prometheus.Registerer, ev *events.Broker) *decisionMetrics {
	m := &decisionMetrics{
		appends: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hotdash_decision_log_appends_total",
			Help: "Entries appended to the Decision Log by this process.",
		}),
		head: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hotdash_decision_log_head_id",
			Help: "Id of the newest Decision Log entry this process appended.",
		}),
		events: ev,
	}
	reg.MustRegister(m.appends, m.head)
	return m
}

func (m *decisionMetrics) observe(entries []decisionlog.Entry) {
	m.appends.Add(float64(len(entries)))
	m.head.Set(float64(entries[len(entries)-1].ID))
	m.events.Publish(TopicDecisions)
}
