// Package app builds and runs the whole HotDash server: settings and policy →
// store (migrated) → domain services → background jobs → HTTP. New assembles
// it, Start serves, Stop shuts down gracefully. The hotdash serve command and
// the end-to-end tests both run it this way.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hotdash/hotdash/internal/api"
	"github.com/hotdash/hotdash/internal/approval"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/events"
	"github.com/hotdash/hotdash/internal/health"
	"github.com/hotdash/hotdash/internal/helpcenter"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/incident"
	"github.com/hotdash/hotdash/internal/jobs"
	"github.com/hotdash/hotdash/internal/notify"
	"github.com/hotdash/hotdash/internal/notify/center"
	"github.com/hotdash/hotdash/internal/report"
	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/store/postgres"
	"github.com/hotdash/hotdash/internal/web"
)

// TopicDecisions is the live-update topic of the Decision Log.
const TopicDecisions = "decisions"

// Options configure an App.
type Options struct {
	Settings config.Settings
	Policy   config.Policy
	// Logger receives structured logs; nil means JSON on stderr.
	Logger *slog.Logger
	// Console receives what is meant for the person who started HotDash
	// (the URL, a one-time setup link); nil means io.Discard.
	Console io.Writer
	// Clock defaults to the system clock.
	Clock clock.Clock
	// BcryptCost overrides the password hashing cost (tests lower it).
	BcryptCost int
}

// App is a running (or ready to run) HotDash server.
type App struct {
	Settings  config.Settings
	Logger    *slog.Logger
	Clock     clock.Clock
	DB        *store.DB
	Auth      *auth.Service
	Decisions *decisionlog.Log
	// Approvals is the queue of AI drafts held for review.
	Approvals *approval.Service
	// Incidents runs incidents and the escalation ladder.
	Incidents *incident.Service
	// Notifications is each person's notification center.
	Notifications *center.Center
	// Help is the Help Center.
	Help *helpcenter.Service
	// Reports keeps handoffs and computes the daily and weekly reports.
	Reports *report.Service
	// Health records Chatwoot health checks (on a schedule when Chatwoot
	// is configured) and pages on repeated failure.
	Health *health.Monitor
	// Freshness watches Chatwoot's webhooks for silence (nil when webhooks
	// are not configured).
	Freshness *health.FreshnessWatch
	// Outbox carries notifications to Slack, PagerDuty, email and
	// webhooks.
	Outbox   *notify.Outbox
	Events   *events.Broker
	Jobs     *jobs.Runner
	Registry *prometheus.Registry
	Router   *httpx.Router

	console io.Writer
	// loops are the background loops Start runs; Stop waits for them
	// before closing what they use.
	loops sync.WaitGroup
	// retention is the policy's retention section (Prune).
	retention config.RetentionPolicy
	web       *web.Handler
	cx        *cx
	server    *httpx.Server
	cancel    context.CancelFunc
	served    chan error
}

// New opens and migrates the store and assembles every service.
func New(ctx context.Context, o Options) (*App, error) {
	o = withDefaults(o)
	if err := o.Settings.Validate(); err != nil {
		return nil, err
	}
	db, err := OpenStore(ctx, o.Settings)
	if err != nil {
		return nil, err
	}
	a := &App{Settings: o.Settings, Logger: o.Logger, Clock: o.Clock, DB: db, console: o.Console,
		Registry: prometheus.NewRegistry(), served: make(chan error, 1)}
	if err := a.build(ctx, o); err != nil {
		_ = db.Close()
		return nil, err
	}
	return a, nil
}

func withDefaults(o Options) Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	if o.Console == nil {
		o.Console = io.Discard
	}
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	return o
}

// AuthConfig is the auth policy of p; bcryptCost 0 means bcrypt's default.
func AuthConfig(p config.Policy, bcryptCost int) auth.Config {
	a := p.Auth
	return auth.Config{
		SessionLifetime: a.SessionLifetime.D(), MaxFailuresPerAccount: a.MaxFailuresPerAccount,
		MaxFailuresPerAddress: a.MaxFailuresPerAddress, FailureWindow: a.FailureWindow.D(),
		SetupLinkLifetime: a.SetupLinkLifetime.D(), BcryptCost: bcryptCost,
	}
}

// OpenStore opens the store the settings name, without migrating it.
func OpenStore(ctx context.Context, s config.Settings) (*store.DB, error) {
	engine, target, err := s.Store()
	if err != nil {
		return nil, err
	}
	if engine == "postgres" {
		return postgres.Open(ctx, target)
	}
	return openSQLite(ctx, target)
}

func (a *App) build(ctx context.Context, o Options) error {
	if err := a.DB.Migrate(ctx); err != nil {
		return err
	}
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var relay events.Relay
	if pool, ok := postgres.ListenerPool(a.DB); ok {
		relay = postgres.NewRelay(pool)
	}
	a.Events = events.New(relay, a.Logger)
	a.Notifications = center.New(a.DB, a.Clock, func(userIDs []int64) {
		for _, id := range userIDs {
			a.Events.Publish(center.Topic(id))
		}
	}, a.Logger.With("component", "notifications"))
	var err error
	a.Auth, err = auth.New(a.DB, a.Clock, AuthConfig(o.Policy, o.BcryptCost))
	if err != nil {
		return err
	}
	a.Decisions = decisionlog.New(a.DB, a.Clock, decisionlog.Options{OnAppend: newDecisionMetrics(a.Registry, a.Events).observe})
	policies, bands, err := o.Policy.SLA.Build()
	if err != nil {
		return err
	}
	a.Jobs = jobs.New(a.DB, a.Logger)
	if err := a.buildCX(conversation.Rules{Policies: policies, Bands: bands}); err != nil {
		return err
	}
	a.buildApprovals(o.Policy.Risk)
	if a.Outbox, err = notify.New(ctx, notify.Deps{DB: a.DB, Clock: a.Clock, Config: o.Policy.Notify, SMTP: a.Settings.SMTP,
		Logger: a.Logger.With("component", "notify"), Registerer: a.Registry, PublicURL: a.URL,
		PagerDutyURL: a.Settings.PagerDutyURL}); err != nil {
		return fmt.Errorf("notification outbox: %w", err)
	}
	if err := a.buildIncidents(ctx, o.Policy); err != nil {
		return err
	}
	if err := a.buildHealth(o.Policy); err != nil {
		return err
	}
	if err := a.buildHelp(ctx); err != nil {
		return err
	}
	a.buildReports(o.Policy)
	a.registerRetention(o.Policy.Retention)
	a.registerTasks()
	a.Registry.MustRegister(jobs.NewQueueCollector(a.DB))
	a.Router = httpx.NewRouter(a.Auth, a.Logger, httpx.NewMetrics(a.Registry))
	a.web, err = web.New(web.Deps{
		Settings: a.Settings, Clock: a.Clock, Logger: a.Logger,
		Auth: a.Auth, Decisions: a.Decisions, Events: a.Events, TopicDecisions: TopicDecisions,
		Conversations: a.cx.queue, Actions: a.cx.actions, ChatwootBaseURL: a.Settings.Chatwoot.BaseURL, ChatwootAccountID: a.Settings.Chatwoot.AccountID,
		TopicConversations: TopicConversations, TopicSLA: TopicSLA, Bands: bands,
		Approvals: a.Approvals, TopicApprovals: TopicApprovals, Incidents: a.Incidents, TopicIncidents: TopicIncidents,
		Notifications: a.Notifications, Outbox: a.Outbox,
		Health: a.Health, Freshness: a.Freshness, HealthEvery: a.healthEvery(), TopicHealth: TopicHealth,
		Reports: a.Reports, TopicHandoffs: TopicHandoffs,
		Help: a.Help,
	})
	if err != nil {
		return err
	}
	a.routes()
	return nil
}

func (a *App) routes() {
	r := a.Router
	r.Page("GET /healthz", auth.Public, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	r.Page("GET /readyz", auth.Public, a.readyz)
	r.Page("GET /metrics", auth.Public, promhttp.HandlerFor(a.Registry, promhttp.HandlerOpts{}).ServeHTTP)
	r.Handle("POST /webhooks/chatwoot", httpx.API, auth.Public, a.cx.receiver)
	api.New(api.Deps{DB: a.DB, Auth: a.Auth, Decisions: a.Decisions, Conversations: a.cx.queue, Actions: a.cx.actions,
		Approvals: a.Approvals, Incidents: a.Incidents, Notifications: a.Notifications, Outbox: a.Outbox, ChatwootBaseURL: a.Settings.Chatwoot.BaseURL, Clock: a.Clock, Logger: a.Logger, Help: a.Help,
		Chatwoot: api.ChatwootLink{Configured: a.Settings.Chatwoot.Configured(), DryRun: a.Settings.ChatwootDryRun(),
			WebhooksConfigured: a.cx.receiver.Configured()},
		Health:  api.Health{Monitor: a.Health, Freshness: a.Freshness, Scheduled: a.Settings.Chatwoot.Configured()},
		Reports: a.Reports, PublicURL: a.Settings.BaseURL()}).Register(r)
	a.web.Register(r)
}

// crossOriginRefused answers a request from another site: JSON for the API
// and webhooks, the error page for everything else.
func (a *App) crossOriginRefused(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/webhooks/") {
		httpx.WriteError(w, r, httpx.CrossOrigin())
		return
	}
	a.web.CrossOriginRefused(w, r)
}

// readyz answers 200 when the database answers and its schema is current.
func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := a.DB.Ping(ctx); err != nil {
		a.Logger.Warn("readiness: database unreachable", "error", err)
		http.Error(w, "database unreachable", http.StatusServiceUnavailable)
		return
	}
	st, err := a.DB.Status(ctx)
	if err != nil || st.Pending || st.JobsPending {
		a.Logger.Warn("readiness: migrations not current", "error", err, "version", st.Version, "latest", st.Latest)
		http.Error(w, "database migrations not current: run hotdash migrate", http.StatusServiceUnavailable)
		return
	}
	_, _ = fmt.Fprintf(w, "ready (schema %d, %s)\n", st.Version, a.DB.Engine())
}

// Start listens, starts background work and serves in the background.
func (a *App) Start(ctx context.Context) error {
	proxies, err := a.Settings.Proxies()
	if err != nil {
		return err
	}
	srv, err := httpx.Listen(a.Settings.Addr, httpx.TrustProxies(a.Router, proxies), http.HandlerFunc(a.crossOriginRefused), a.Logger)
	if err != nil {
		return err
	}
	a.server = srv
	srv.OnShutdown(a.web.Shutdown)
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.cancel = cancel
	go a.Events.Run(runCtx)
	a.startCX(runCtx)
	a.loops.Go(func() { a.Incidents.Run(runCtx) })
	a.loops.Go(func() { a.Notifications.Run(runCtx) })
	a.loops.Go(func() { a.Outbox.Run(runCtx) })
	if err := a.Jobs.Start(runCtx); err != nil {
		cancel()
		return err
	}
	go func() { a.served <- srv.Serve() }()
	a.Logger.Info("hotdash serving", "addr", srv.Addr(), "engine", a.DB.Engine(), "env", a.Settings.Env)
	return a.announce(ctx)
}

// URL is where the running server answers.
func (a *App) URL() string {
	if a.server == nil {
		return a.Settings.BaseURL()
	}
	if a.Settings.PublicURL != "" {
		return a.Settings.BaseURL()
	}
	return "http://" + a.server.Addr()
}

// Served delivers the server's exit error (nil after a clean Stop).
func (a *App) Served() <-chan error { return a.served }

// Stop shuts down in the order that keeps every accepted write: stop taking
// requests and let those in flight finish, then commit what the Decision
// Log and webhook intake still hold, then stop jobs and loops and close the
// store.
func (a *App) Stop(ctx context.Context) error {
	var errs []error
	if a.server != nil {
		errs = append(errs, a.server.Shutdown(ctx))
	}
	a.Decisions.Close()
	a.stopCX()
	errs = append(errs, a.Jobs.Stop(ctx))
	if a.cancel != nil {
		a.cancel()
	}
	loopsDone := make(chan struct{})
	go func() {
		a.loops.Wait() // tries under way finish and are recorded
		close(loopsDone)
	}()
	select {
	case <-loopsDone:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("background loops still running at shutdown: %w", ctx.Err()))
	}
	a.Outbox.Close()
	a.closeCX()
	errs = append(errs, a.DB.Close())
	return errors.Join(errs...)
}

// Close releases an App that was never started.
func (a *App) Close() error {
	a.Decisions.Close()
	a.Outbox.Close()
	a.stopCX()
	a.closeCX()
	return a.DB.Close()
}
