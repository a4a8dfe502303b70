package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/health"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/validation"
)

// Health is what the health endpoints need.
type Health struct {
	Monitor *health.Monitor
	// Freshness watches webhooks (nil: not configured).
	Freshness *health.FreshnessWatch
	// Scheduled reports whether the server checks on its own.
	Scheduled bool
}

// Limits on a run sent in.
const (
	maxHealthReason  = 2000
	maxHealthDetail  = 500
	maxHealthLatency = 10 * time.Minute
	maxHealthChecks  = 1000
	defHealthChecks  = 300
)

func (a *API) registerHealth(r *httpx.Router) {
	r.API("GET /api/v1/health", auth.ReadHealth, a.healthSummary)
	r.API("GET /api/v1/health/checks", auth.ReadHealth, a.healthChecks)
	r.API("POST /api/v1/health/checks", auth.RecordHealth, a.recordHealthCheck)
}

func (a *API) recordHealthCheck(w http.ResponseWriter, r *http.Request) {
	var in client.HealthRun
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	res, err := healthRun(in)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	p, _ := httpx.PrincipalFrom(r.Context())
	id, err := a.Health.Monitor.Observe(r.Context(), res, health.SourceCLI, p.Name)
	if err != nil && id == 0 {
		httpx.WriteError(w, r, err)
		return
	}
	if err != nil {
		// Stored; paging failed and is retried by the next check.
		a.Logger.Error("health check recorded, paging failed", "error", err)
	}
	rec, err := a.Health.Monitor.History().Get(r.Context(), id)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, wireHealthCheck(rec))
}

// healthRun checks a run sent in and turns it into a result: both checks,
// once each, and an exit code that agrees with them.
func healthRun(in client.HealthRun) (health.Result, error) {
	errs := validation.Errors{}
	res := health.Result{BaseURL: in.BaseURL, AccountID: in.AccountID, At: in.At}
	seen := map[string]health.Check{}
	for i, c := range in.Checks {
		f := fmt.Sprintf("checks[%d]", i)
		errs.OneOf(f+".name", c.Name, health.Platform, health.Authenticated)
		if _, dup := seen[c.Name]; dup {
			errs.Add(f+".name", "%s appears twice", c.Name)
		}
		if c.Status < 0 || c.Status > 599 {
			errs.Add(f+".status", "must be an HTTP status (0 for no answer)")
		}
		if c.LatencyNS < 0 || time.Duration(c.LatencyNS) > maxHealthLatency {
			errs.Add(f+".latency_ns", "must be from 0 to %s", maxHealthLatency)
		}
		errs.MaxLen(f+".reason", c.Reason, maxHealthReason)
		errs.MaxLen(f+".detail", c.Detail, maxHealthDetail)
		seen[c.Name] = health.Check{Name: c.Name, OK: c.OK, Status: c.Status, Latency: time.Duration(c.LatencyNS), Reason: c.Reason, Detail: c.Detail}
	}
	p, hasP := seen[health.Platform]
	au, hasA := seen[health.Authenticated]
	if !hasP || !hasA || len(in.Checks) != 2 {
		errs.Add("checks", "must hold the platform and the authenticated check, once each")
	}
	if want := health.ExitCodeOf(p.OK, au.OK); hasP && hasA && in.ExitCode != want {
		errs.Add("exit_code", "is %d, but the checks say %d", in.ExitCode, want)
	}
	errs.MaxLen("base_url", in.BaseURL, 2000)
	if err := errs.Err(); err != nil {
		return res, err
	}
	res.Checks, res.ExitCode = []health.Check{p, au}, in.ExitCode
	return res, nil
}

func (a *API) healthChecks(w http.ResponseWriter, r *http.Request) {
	now := a.Clock.Now()
	since := now.Add(-24 * time.Hour)
	errs := validation.Errors{}
	if s := r.URL.Query().Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			errs.Add("since", "must be an RFC 3339 time")
		}
		since = t
	}
	limit := defHealthChecks
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxHealthChecks {
			errs.Add("limit", "must be from 1 to %d", maxHealthChecks)
		}
		limit = n
	}
	if err := errs.Err(); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	list, err := a.Health.Monitor.History().Between(r.Context(), since, now.Add(time.Second), limit)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	out := client.HealthCheckPage{Items: make([]client.HealthCheck, 0, len(list))}
	for i := len(list) - 1; i >= 0; i-- {
		out.Items = append(out.Items, wireHealthCheck(list[i]))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (a *API) healthSummary(w http.ResponseWriter, r *http.Request) {
	s, err := a.Health.Monitor.History().Summarize(r.Context(), a.Clock.Now())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	out := client.HealthSummary{State: s.State, Failures: s.Failures, FailingSince: optionalTimePtr(s.FailingSince), Scheduled: a.Health.Scheduled,
		PlatformLatency: wireLatency(s.Platform), AuthenticatedLatency: wireLatency(s.Auth)}
	if s.Latest != nil {
		l := wireHealthCheck(*s.Latest)
		out.Latest = &l
	}
	for _, u := range s.Uptime {
		wu := client.HealthUptime{Window: u.Label, Checks: u.Checks, Passed: u.Passed}
		if u.Percent >= 0 {
			pc := u.Percent
			wu.Percent = &pc
		}
		out.Uptime = append(out.Uptime, wu)
	}
	if a.Health.Freshness != nil {
		f, err := a.Health.Freshness.Now(r.Context())
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		out.Webhooks = &client.WebhookFreshness{LastEventAt: optionalTimePtr(f.LastEvent), QuietMinutes: f.Quiet.Minutes(),
			LimitMinutes: f.Limit.Minutes(), Stale: f.Stale, BusinessHoursOpen: f.Open}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func wireHealthCheck(rec health.Record) client.HealthCheck {
	return client.HealthCheck{ID: rec.ID, At: rec.At, ExitCode: rec.ExitCode, Source: rec.Source, RecordedBy: rec.RecordedBy,
		Platform:      client.HealthCheckResult{OK: rec.Platform.OK, Status: rec.Platform.Status, LatencyMS: rec.Platform.LatencyMS},
		Authenticated: client.HealthCheckResult{OK: rec.Auth.OK, Status: rec.Auth.Status, LatencyMS: rec.Auth.LatencyMS},
		Reason:        rec.Reason}
}

func wireLatency(p health.Percentiles) client.HealthLatency {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return client.HealthLatency{Count: p.Count, P50MS: ms(p.P50), P90MS: ms(p.P90), P99MS: ms(p.P99)}
}
