package chatwoot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hotdash/hotdash/internal/clock"
)

// Config configures a Client. BaseURL, Token and AccountID are required.
type Config struct {
	// BaseURL is the Chatwoot installation, e.g. https://chat.example.com
	// (a trailing slash is ignored).
	BaseURL string
	// Token is a user's (or agent bot's) access token, sent in the
	// api_access_token header. It never appears in errors or logs.
	Token     string
	AccountID int64
	// HTTP sends the requests. Default: a client with a 10 s timeout.
	HTTP *http.Client
	// Retries is how many times a failed request that is safe to repeat is
	// sent again (so at most Retries+1 attempts). 0 means the default, 3;
	// a negative value disables retries.
	Retries int
	// Backoff is the wait before retry number attempt (1, 2, …) when the
	// server gave no Retry-After. Default: exponential from 250 ms with
	// jitter, capped at 5 s.
	Backoff func(attempt int) time.Duration
	// Sleep waits d or until ctx ends (default: a timer). Tests inject one
	// that returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
	// Clock reads Retry-After dates. Default: the system clock.
	Clock clock.Clock
	// Logger receives a warning per retry (method, path, attempt, status or
	// error). Default: discard.
	Logger *slog.Logger
}

// Client calls Chatwoot's Application API for one account. It is safe for
// concurrent use.
//
// Retries: a request is retried after a network error, a timeout, 429 Too
// Many Requests (waiting what Retry-After says, up to a minute) or any 5xx,
// with backoff, when repeating it cannot do something twice:
//
//   - every GET;
//   - the POSTs that set a value rather than add one: toggle_status,
//     toggle_priority, assignments and labels (SetLabels, and the write of
//     AddLabels/RemoveLabels);
//   - CreateMessage only when Chatwoot cannot have received it: the
//     connection failed before any of the request was written (connection
//     refused, DNS failure), or the answer was 429 (Chatwoot's rate limiter
//     refuses before the message is created). After a timeout, a reset or a
//     5xx the message may exist, so the error is returned for the caller to
//     reconcile (exactly-once sending belongs to the approvals work).
type Client struct {
	base      string
	token     string
	accountID int64
	http      *http.Client
	retries   int
	backoff   func(int) time.Duration
	sleep     func(context.Context, time.Duration) error
	clock     clock.Clock
	log       *slog.Logger
}

// NewClient returns a client for cfg.
func NewClient(cfg Config) (*Client, error) {
	base := strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("chatwoot: base url must be an absolute http(s) URL")
	}
	if cfg.Token == "" {
		return nil, errors.New("chatwoot: api token is required")
	}
	if cfg.AccountID <= 0 {
		return nil, errors.New("chatwoot: account id must be positive")
	}
	c := &Client{
		base:      base,
		token:     cfg.Token,
		accountID: cfg.AccountID,
		http:      cfg.HTTP,
		retries:   cfg.Retries,
		backoff:   cfg.Backoff,
		sleep:     cfg.Sleep,
		clock:     cfg.Clock,
		log:       cfg.Logger,
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: 10 * time.Second}
	}
	switch {
	case c.retries == 0:
		c.retries = 3
	case c.retries < 0:
		c.retries = 0
	}
	if c.backoff == nil {
		c.backoff = DefaultBackoff
	}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	if c.clock == nil {
		c.clock = clock.System{}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// DefaultBackoff waits 250 ms before the first retry and doubles each time,
// capped at 5 s, each wait drawn between half and all of that.
func DefaultBackoff(attempt int) time.Duration {
	d := 250 * time.Millisecond
	for i := 1; i < attempt && d < 5*time.Second; i++ {
		d *= 2
	}
	d = min(d, 5*time.Second)
	return d/2 + rand.N(d/2+1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// maxRetryAfter caps how long a Retry-After can make the client wait.
const maxRetryAfter = time.Minute

// maxResponse bounds a response body (updated_within lists are not paginated).
const maxResponse = 64 << 20

// APIError is a non-2xx answer from Chatwoot.
type APIError struct {
	Method string
	Path   string // the request path, without query string
	Status int
	// Body is the start of the response body (at most 512 bytes), with the
	// token removed should the server have echoed it.
	Body string
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("chatwoot: %s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// IsNotFound reports whether err is a 404 from Chatwoot.
func IsNotFound(err error) bool { return statusOf(err) == http.StatusNotFound }

// IsUnauthorized reports whether err is a 401 from Chatwoot (a bad token,
// or a token without access to the account).
func IsUnauthorized(err error) bool { return statusOf(err) == http.StatusUnauthorized }

func statusOf(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

// retryMode says when a request may be sent again.
type retryMode int

const (
	retryIdempotent retryMode = iota // network errors, 429, 5xx
	retryUnsent                      // only if nothing was written, or 429
)

// request is one API call.
type request struct {
	method string
	path   string // from the base URL, e.g. /api/v1/profile
	query  url.Values
	body   any
	mode   retryMode
}

func (c *Client) accountPath(format string, args ...any) string {
	return "/api/v1/accounts/" + strconv.FormatInt(c.accountID, 10) + fmt.Sprintf(format, args...)
}

// do sends r, retrying as its mode allows, and returns the body of a 2xx
// answer.
func (c *Client) do(ctx context.Context, r request) ([]byte, error) {
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = json.Marshal(r.body); err != nil {
			return nil, fmt.Errorf("chatwoot: %s %s: encode request: %w", r.method, r.path, err)
		}
	}
	for attempt := 0; ; attempt++ {
		body, wait, retry, err := c.once(ctx, r, payload)
		if err == nil {
			return body, nil
		}
		err = c.scrub(err)
		if !retry || attempt >= c.retries || ctx.Err() != nil {
			return nil, err
		}
		if wait <= 0 {
			wait = c.backoff(attempt + 1)
		}
		c.log.LogAttrs(ctx, slog.LevelWarn, "chatwoot request failed, retrying",
			slog.String("method", r.method), slog.String("path", r.path),
			slog.Int("attempt", attempt+1), slog.Duration("wait", wait), slog.String("error", err.Error()))
		if serr := c.sleep(ctx, wait); serr != nil {
			return nil, err
		}
	}
}

// once makes one attempt. It reports whether a failure may be retried and
// how long the server asked to wait.
func (c *Client) once(ctx context.Context, r request, payload []byte) (body []byte, wait time.Duration, retry bool, err error) {
	u := c.base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	var wrote atomic.Bool // set by the transport's goroutine
	trace := &httptrace.ClientTrace{WroteHeaders: func() { wrote.Store(true) }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), r.method, u, rd)
	if err != nil {
		return nil, 0, false, fmt.Errorf("chatwoot: %s %s: build request: %w", r.method, r.path, err)
	}
	req.Header.Set("api_access_token", c.token)
	req.Header.Set("User-Agent", "hotdash")
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the URL
		}
		retry = r.mode == retryIdempotent || !wrote.Load()
		if ctx.Err() != nil {
			retry = false
		}
		return nil, 0, retry, fmt.Errorf("chatwoot: %s %s: %w", r.method, r.path, err)
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err == nil && len(body) > maxResponse {
		err = errors.New("response larger than 64 MiB")
	}
	if err != nil {
		return nil, 0, r.mode == retryIdempotent && ctx.Err() == nil, fmt.Errorf("chatwoot: %s %s: read response: %w", r.method, r.path, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return body, 0, false, nil
	}
	apiErr := &APIError{Method: r.method, Path: r.path, Status: resp.StatusCode, Body: snippet(body)}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return nil, c.retryAfter(resp.Header.Get("Retry-After")), true, apiErr
	case resp.StatusCode >= 500:
		return nil, c.retryAfter(resp.Header.Get("Retry-After")), r.mode == retryIdempotent, apiErr
	}
	return nil, 0, false, apiErr
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func (c *Client) retryAfter(h string) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(h, 10, 64); err == nil {
		if secs < 0 {
			return 0
		}
		d = time.Duration(min(secs, int64(maxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(c.clock.Now())
	}
	return min(max(d, 0), maxRetryAfter)
}

func snippet(body []byte) string {
	const n = 512
	if len(body) > n {
		body = body[:n]
	}
	return strings.ToValidUTF8(strings.TrimSpace(string(body)), "")
}

// scrub removes the token from an error's message, whatever produced it.
// Tokens shorter than 6 characters (real ones are 24) are left alone: they
// would match ordinary words.
func (c *Client) scrub(err error) error {
	if len(c.token) < 6 {
		return err
	}
	var ae *APIError
	if errors.As(err, &ae) && strings.Contains(ae.Body, c.token) {
		ae.Body = strings.ReplaceAll(ae.Body, c.token, "[redacted]")
	}
	if strings.Contains(err.Error(), c.token) {
		return &redactedError{msg: strings.ReplaceAll(err.Error(), c.token, "[redacted]"), err: err}
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// getJSON sends a GET and decodes the answer into out.
func (c *Client) getJSON(ctx context.Context, path string, q url.Values, out any) error {
	body, err := c.do(ctx, request{method: http.MethodGet, path: path, query: q, mode: retryIdempotent})
	if err != nil {
		return err
	}
	return c.decode(http.MethodGet, path, body, out)
}

func (c *Client) decode(method, path string, body []byte, out any) error {
	if err := json.Unmarshal(body, out); err != nil {
		return c.scrub(fmt.Errorf("chatwoot: %s %s: decode response: %w", method, path, err))
	}
	return nil
}
