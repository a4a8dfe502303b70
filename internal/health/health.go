// Package health checks a Chatwoot installation the way the SOP's hourly
// rhythm asks: a platform check (GET /api, whose body must report its
// queue and data services ok, since Chatwoot answers 200 even when they
// fail) and an authenticated check (GET /api/v1/profile, whose accounts
// must include the configured one).
package health

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/chatwoot"
	"github.com/hotdash/hotdash/internal/clock"
)

// Check names.
const (
	Platform      = "platform"
	Authenticated = "authenticated"
)

// Exit codes of hotdash ops check-chatwoot-health.
const (
	ExitOK            = 0
	ExitConfig        = 1
	ExitPlatform      = 2
	ExitAuthenticated = 3
	ExitBoth          = 4
)

// Check is one check's outcome.
type Check struct {
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	// Status is the last HTTP status (0: no answer).
	Status  int           `json:"status"`
	Latency time.Duration `json:"latency_ns"`
	// Reason says why it failed; Detail what it found (version, account).
	Reason string `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Result is a run of both checks.
type Result struct {
	BaseURL   string    `json:"base_url"`
	AccountID int64     `json:"account_id"`
	At        time.Time `json:"at"`
	Checks    []Check   `json:"checks"`
	ExitCode  int       `json:"exit_code"`
}

// OK reports whether every check passed.
func (r Result) OK() bool { return r.ExitCode == ExitOK }

// Options say which Chatwoot to check and how patiently.
type Options struct {
	BaseURL   string
	Token     string
	AccountID int64
	// Timeout bounds each request (default 10 s).
	Timeout time.Duration
	// Retries repeats a request after a network error or a 5xx (default 2;
	// negative: none).
	Retries int
	Clock   clock.Clock
	// HTTP, when set, sends the requests (tests); its Timeout is replaced.
	HTTP *http.Client
}

// ConfigError is a missing or invalid configuration (exit 1).
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

func (o Options) validate() error {
	var missing []string
	if o.BaseURL == "" {
		missing = append(missing, "CHATWOOT_BASE_URL (--chatwoot-url)")
	}
	if o.Token == "" {
		missing = append(missing, "CHATWOOT_API_TOKEN (--chatwoot-token)")
	}
	if o.AccountID <= 0 {
		missing = append(missing, "CHATWOOT_ACCOUNT_ID (--account-id)")
	}
	if len(missing) > 0 {
		return &ConfigError{Err: errors.New("set " + strings.Join(missing, ", "))}
	}
	return nil
}

// Run runs both checks. It returns a *ConfigError when the options cannot
// make a check; otherwise the Result says what passed (its ExitCode is the
// command's).
func Run(ctx context.Context, o Options) (Result, error) {
	if err := o.validate(); err != nil {
		return Result{ExitCode: ExitConfig}, err
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Retries == 0 {
		o.Retries = 2
	}
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	hc := &http.Client{Timeout: o.Timeout}
	if o.HTTP != nil {
		c := *o.HTTP
		c.Timeout = o.Timeout
		hc = &c
	}
	cw, err := chatwoot.NewClient(chatwoot.Config{BaseURL: o.BaseURL, Token: o.Token, AccountID: o.AccountID, HTTP: hc,
		Retries: o.Retries, Clock: o.Clock})
	if err != nil {
		return Result{ExitCode: ExitConfig}, &ConfigError{Err: err}
	}
	r := Result{BaseURL: strings.TrimRight(o.BaseURL, "/"), AccountID: o.AccountID, At: o.Clock.Now().UTC()}
	p := platform(ctx, cw)
	a := authenticated(ctx, cw, o.AccountID)
	r.Checks = []Check{p, a}
	r.ExitCode = ExitCodeOf(p.OK, a.OK)
	return r, nil
}

// ExitCodeOf is the command's exit code for the checks' outcomes.
func ExitCodeOf(platformOK, authOK bool) int {
	switch {
	case platformOK && authOK:
		return ExitOK
	case !platformOK && !authOK:
		return ExitBoth
	case !platformOK:
		return ExitPlatform
	}
	return ExitAuthenticated
}

// platform checks GET /api: reachable, 2xx, and both services ok.
func platform(ctx context.Context, cw *chatwoot.Client) Check {
	c := Check{Name: Platform}
	start := time.Now()
	h, err := cw.Health(ctx)
	c.Latency = time.Since(start)
	if err != nil {
		c.Status, c.Reason = describe(err)
		return c
	}
	c.Status = http.StatusOK
	c.Detail = "version " + orUnknown(h.Version)
	if !h.OK() {
		c.Reason = fmt.Sprintf("Chatwoot answers but reports its services failing (queue_services %s, data_services %s): Redis or PostgreSQL behind it is down",
			orUnknown(h.QueueServices), orUnknown(h.DataServices))
		return c
	}
	c.OK = true
	return c
}

// authenticated checks GET /api/v1/profile: the token works and reaches
// the account.
func authenticated(ctx context.Context, cw *chatwoot.Client, account int64) Check {
	c := Check{Name: Authenticated}
	start := time.Now()
	p, err := cw.Profile(ctx)
	c.Latency = time.Since(start)
	if err != nil {
		c.Status, c.Reason = describe(err)
		if chatwoot.IsUnauthorized(err) {
			c.Reason = "the API token was refused (401): set a valid CHATWOOT_API_TOKEN (a user's or agent bot's access token)"
		}
		return c
	}
	c.Status = http.StatusOK
	c.Detail = "signed in as " + orUnknown(p.Email)
	if !p.HasAccount(account) {
		var ids []string
		for _, a := range p.Accounts {
			ids = append(ids, fmt.Sprintf("%d", a.ID))
		}
		c.Reason = fmt.Sprintf("account %d is not among the token's accounts (%s): check CHATWOOT_ACCOUNT_ID", account, orUnknown(strings.Join(ids, ", ")))
		return c
	}
	c.OK = true
	return c
}

// describe turns a client error into a status and a reason.
func describe(err error) (int, string) {
	var api *chatwoot.APIError
	if errors.As(err, &api) {
		return api.Status, fmt.Sprintf("Chatwoot answered %d %s", api.Status, http.StatusText(api.Status))
	}
	if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "Client.Timeout") {
		return 0, "no answer within the timeout: " + err.Error()
	}
	return 0, "could not reach Chatwoot: " + err.Error()
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
