// Package client is the Go client of HotDash's JSON API (/api/v1). The hotdash
// CLI's server-talking commands use it, and so can scripts and agents.
//
//	c := client.New("http://127.0.0.1:8080", os.Getenv("HOTDASH_TOKEN"))
//	d, err := c.LogDecision(ctx, client.NewDecision{Scope: "build", Actor: "support", Action: "daily_shutdown", Rationale: "…"})
package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client talks to one HotDash server.
type Client struct {
	base  string
	token string
	http  *http.Client
	// Retries is how many times a request that is safe to repeat (GET, or a
	// POST with an idempotency key) is retried after a network error or a
	// 502/503/504.
	Retries int
}

// New returns a client for the server at baseURL, authenticating with token.
// It is safe for concurrent use and keeps connections open for reuse.
func New(baseURL, token string) *Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// The default keeps 2 idle connections per host: a script with more
	// concurrent calls would open a new connection for most of them.
	t.MaxIdleConnsPerHost = 64
	return &Client{
		base:    strings.TrimRight(baseURL, "/"),
		token:   token,
		http:    &http.Client{Timeout: 60 * time.Second, Transport: t},
		Retries: 2,
	}
}

// WithHTTPClient returns a copy of c that sends through hc.
func (c *Client) WithHTTPClient(hc *http.Client) *Client {
	cp := *c
	cp.http = hc
	return &cp
}

// NewIdempotencyKey returns a random key for a write that may be retried.
func NewIdempotencyKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// LogDecision appends a decision. With a non-empty idempotencyKey, repeating
// the call returns the entry the first call created.
func (c *Client) LogDecision(ctx context.Context, d NewDecision, idempotencyKey string) (Decision, error) {
	var out Decision
	err := c.do(ctx, http.MethodPost, "/api/v1/decisions", nil, d, idempotencyKey, &out)
	return out, err
}

// Decision returns one entry.
func (c *Client) Decision(ctx context.Context, id int64) (Decision, error) {
	var out Decision
	err := c.do(ctx, http.MethodGet, "/api/v1/decisions/"+strconv.FormatInt(id, 10), nil, nil, "", &out)
	return out, err
}

// Decisions returns one page of entries.
func (c *Client) Decisions(ctx context.Context, q DecisionQuery) (DecisionPage, error) {
	var out DecisionPage
	err := c.do(ctx, http.MethodGet, "/api/v1/decisions", q.values(), nil, "", &out)
	return out, err
}

// ExportDecisions streams every entry matching q, oldest first, to w as
// "jsonl" (JSON Lines) or "csv".
func (c *Client) ExportDecisions(ctx context.Context, q DecisionQuery, format string, w io.Writer) error {
	v := q.values()
	v.Set("format", format)
	resp, err := c.send(ctx, http.MethodGet, "/api/v1/decisions/export", v, nil, "")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("read export: %w", err)
	}
	return nil
}

// VerifyDecisions asks the server to walk the hash chain.
func (c *Client) VerifyDecisions(ctx context.Context) (VerifyResult, error) {
	var out VerifyResult
	err := c.do(ctx, http.MethodGet, "/api/v1/decisions/verify", nil, nil, "", &out)
	return out, err
}

// Me returns who the client's token acts for.
func (c *Client) Me(ctx context.Context) (Principal, error) {
	var out Principal
	err := c.do(ctx, http.MethodGet, "/api/v1/me", nil, nil, "", &out)
	return out, err
}

// Users lists users (admins only).
func (c *Client) Users(ctx context.Context) ([]User, error) {
	var out struct {
		Users []User `json:"users"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/users", nil, nil, "", &out)
	return out.Users, err
}

// CreateUser adds a user (admins only).
func (c *Client) CreateUser(ctx context.Context, u NewUser) (User, error) {
	var out User
	err := c.do(ctx, http.MethodPost, "/api/v1/users", nil, u, "", &out)
	return out, err
}

// UpdateUser changes a user (admins only).
func (c *Client) UpdateUser(ctx context.Context, id int64, ch UserChange) (User, error) {
	var out User
	err := c.do(ctx, http.MethodPatch, "/api/v1/users/"+strconv.FormatInt(id, 10), nil, ch, "", &out)
	return out, err
}

// Tokens lists API tokens (admins only).
func (c *Client) Tokens(ctx context.Context) ([]Token, error) {
	var out struct {
		Tokens []Token `json:"tokens"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/tokens", nil, nil, "", &out)
	return out.Tokens, err
}

// CreateToken makes an API token (admins only).
func (c *Client) CreateToken(ctx context.Context, t NewToken) (CreatedToken, error) {
	var out CreatedToken
	err := c.do(ctx, http.MethodPost, "/api/v1/tokens", nil, t, "", &out)
	return out, err
}

// RevokeToken revokes an API token (admins only).
func (c *Client) RevokeToken(ctx context.Context, id int64) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/tokens/"+strconv.FormatInt(id, 10), nil, nil, "", nil)
}

func (q DecisionQuery) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("scope", q.Scope)
	set("actor", q.Actor)
	set("action", q.Action)
	set("severity", q.Severity)
	set("q", q.Text)
	set("cursor", q.Cursor)
	if !q.From.IsZero() {
		v.Set("from", q.From.UTC().Format(time.RFC3339))
	}
	if !q.To.IsZero() {
		v.Set("to", q.To.UTC().Format(time.RFC3339))
	}
	if q.OpenNextActions {
		v.Set("open", "true")
	}
	if q.Overdue {
		v.Set("overdue", "true")
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return v
}

// do sends a request and decodes a JSON answer into out (when not nil).
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body any, idemKey string, out any) error {
	resp, err := c.send(ctx, method, path, query, body, idemKey)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	return nil
}

// send performs the request, retrying when that is safe, and turns error
// answers into *Error. The caller closes the body of a successful answer.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, body any, idemKey string) (*http.Response, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("encode request: %w", err)
		}
	}
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	retryable := method == http.MethodGet || idemKey != ""
	var lastErr error
	for attempt := 0; attempt <= c.Retries; attempt++ {
		if attempt > 0 {
			if !retryable {
				break
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(attempt*attempt) * 200 * time.Millisecond):
			}
		}
		req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(payload))
		if err != nil {
			return nil, fmt.Errorf("build request: %w", err)
		}
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		req.Header.Set("Accept", "application/json")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if idemKey != "" {
			req.Header.Set("Idempotency-Key", idemKey)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			lastErr = fmt.Errorf("%s %s: %w", method, path, redactURL(err))
			continue
		}
		if resp.StatusCode < 400 {
			return resp, nil
		}
		apiErr := readError(resp)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			lastErr = apiErr
			continue
		}
		return nil, apiErr
	}
	return nil, lastErr
}

func readError(resp *http.Response) *Error {
	var env struct {
		Error Error `json:"error"`
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if json.Unmarshal(b, &env) != nil || env.Error.Message == "" {
		env.Error = Error{Code: "http_" + strconv.Itoa(resp.StatusCode), Message: strings.TrimSpace(http.StatusText(resp.StatusCode))}
	}
	env.Error.Status = resp.StatusCode
	return &env.Error
}

// redactURL drops the query string from a transport error's URL.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery = ""
			ue.URL = u.String()
		}
	}
	return err
}
