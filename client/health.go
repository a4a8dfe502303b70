package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// HealthRun is one run of both Chatwoot health checks, as
// `hotdash ops check-chatwoot-health --json` prints it and as
// POST /api/v1/health/checks records it.
type HealthRun struct {
	BaseURL   string           `json:"base_url"`
	AccountID int64            `json:"account_id"`
	At        time.Time        `json:"at"`
	Checks    []HealthCheckRun `json:"checks"`
	ExitCode  int              `json:"exit_code"`
}

// HealthCheckRun is one check of a run: "platform" or "authenticated".
type HealthCheckRun struct {
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	// Status is the last HTTP status (0: no answer).
	Status    int    `json:"status"`
	LatencyNS int64  `json:"latency_ns"`
	Reason    string `json:"reason,omitempty"`
	Detail    string `json:"detail,omitempty"`
}

// HealthCheck is a stored run.
type HealthCheck struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	ExitCode int       `json:"exit_code"`
	// Source is "schedule" (the server's own check) or "cli" (sent in with
	// --server); RecordedBy names who sent it.
	Source        string            `json:"source"`
	RecordedBy    string            `json:"recorded_by,omitempty"`
	Platform      HealthCheckResult `json:"platform"`
	Authenticated HealthCheckResult `json:"authenticated"`
	Reason        string            `json:"reason,omitempty"`
}

// HealthCheckResult is what the history keeps of one check.
type HealthCheckResult struct {
	OK        bool    `json:"ok"`
	Status    int     `json:"status"`
	LatencyMS float64 `json:"latency_ms"`
}

// HealthSummary is Chatwoot's health as HotDash sees it.
type HealthSummary struct {
	// State is "ok", "failing" or "unknown" (no check yet).
	State  string       `json:"state"`
	Latest *HealthCheck `json:"latest"`
	// Failures is the current run of failed checks, since FailingSince.
	Failures     int        `json:"failures"`
	FailingSince *time.Time `json:"failing_since"`
	// Scheduled reports whether the server checks on its own.
	Scheduled bool           `json:"scheduled"`
	Uptime    []HealthUptime `json:"uptime"`
	// PlatformLatency and AuthenticatedLatency cover the last 24 hours.
	PlatformLatency      HealthLatency `json:"platform_latency"`
	AuthenticatedLatency HealthLatency `json:"authenticated_latency"`
	// Webhooks is their freshness; nil when webhooks are not configured.
	Webhooks *WebhookFreshness `json:"webhooks"`
}

// HealthUptime is the share of checks that passed over a window.
type HealthUptime struct {
	Window string `json:"window"`
	Checks int    `json:"checks"`
	Passed int    `json:"passed"`
	// Percent is nil when no check was made in the window.
	Percent *float64 `json:"percent"`
}

// HealthLatency are latency percentiles in milliseconds.
type HealthLatency struct {
	Count int     `json:"count"`
	P50MS float64 `json:"p50_ms"`
	P90MS float64 `json:"p90_ms"`
	P99MS float64 `json:"p99_ms"`
}

// WebhookFreshness is how recently Chatwoot delivered an event.
type WebhookFreshness struct {
	LastEventAt *time.Time `json:"last_event_at"`
	// QuietMinutes is the business time since then; Stale is true when it
	// reached LimitMinutes while business hours are open.
	QuietMinutes      float64 `json:"quiet_minutes"`
	LimitMinutes      float64 `json:"limit_minutes"`
	Stale             bool    `json:"stale"`
	BusinessHoursOpen bool    `json:"business_hours_open"`
}

// HealthCheckPage is a page of stored runs, newest first.
type HealthCheckPage struct {
	Items []HealthCheck `json:"items"`
}

// RecordHealthCheck records a run made elsewhere; it counts towards
// paging like the server's own.
func (c *Client) RecordHealthCheck(ctx context.Context, run HealthRun) (HealthCheck, error) {
	var out HealthCheck
	err := c.do(ctx, http.MethodPost, "/api/v1/health/checks", nil, run, "", &out)
	return out, err
}

// HealthSummary returns the current state, uptime and latency.
func (c *Client) HealthSummary(ctx context.Context) (HealthSummary, error) {
	var out HealthSummary
	err := c.do(ctx, http.MethodGet, "/api/v1/health", nil, nil, "", &out)
	return out, err
}

// HealthChecks returns the runs made since since (zero: the last 24
// hours), newest first, at most limit (0: the server's default).
func (c *Client) HealthChecks(ctx context.Context, since time.Time, limit int) (HealthCheckPage, error) {
	q := url.Values{}
	if !since.IsZero() {
		q.Set("since", since.UTC().Format(time.RFC3339))
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out HealthCheckPage
	err := c.do(ctx, http.MethodGet, "/api/v1/health/checks", q, nil, "", &out)
	return out, err
}
