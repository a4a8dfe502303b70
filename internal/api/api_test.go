package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/api"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/httpx"
	"github.com/hotdash/hotdash/internal/store/storetest"
)

// server is the API on a real store behind a real loopback HTTP server.
type server struct {
	url       string
	auth      *auth.Service
	decisions *decisionlog.Log
	logs      *syncBuffer
	clock     *clock.Manual
}

func start(t *testing.T, db *storetest.DB) *server {
	t.Helper()
	clk := clock.NewManual(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	a, err := auth.New(db.DB, clk, auth.Config{BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	log := decisionlog.New(db.DB, clk, decisionlog.Options{})
	t.Cleanup(log.Close)
	r := httpx.NewRouter(a, logger, httpx.NewMetrics(prometheus.NewRegistry()))
	api.New(api.Deps{DB: db.DB, Auth: a, Decisions: log, Clock: clk, Logger: logger}).Register(r)
	ts := httptest.NewServer(r)
	t.Cleanup(ts.Close)
	return &server{url: ts.URL, auth: a, decisions: log, logs: logs, clock: clk}
}

func (s *server) token(t *testing.T, role auth.Role) string {
	t.Helper()
	secret, _, err := s.auth.CreateToken(context.Background(), "t-"+string(role), role, "test")
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// call sends a raw request and returns status, headers and body.
func call(t *testing.T, method, url, token, contentType string, body io.Reader, headers ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

type envelope struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

func decodeEnvelope(t *testing.T, b []byte) envelope {
	t.Helper()
	var e envelope
	if err := json.Unmarshal(b, &e); err != nil || e.Error.Code == "" {
		t.Fatalf("body is not the error envelope: %s", b)
	}
	return e
}

func TestBadInputGetsAClearErrorAndWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		s := start(t, db)
		tok := s.token(t, auth.Operator)
		valid := `{"scope":"build","actor":"support","action":"a","rationale":"r"}`
		cases := []struct {
			name        string
			contentType string
			body        string
			status      int
			code        string
			mention     string
		}{
			{"malformed JSON", "application/json", `{"scope":`, 400, "malformed", "ends too early"},
			{"not JSON", "application/json", `scope=build`, 400, "malformed", "not valid JSON"},
			{"empty body", "application/json", ``, 400, "malformed", "empty"},
			{"an array", "application/json", `[1]`, 400, "malformed", "object"},
			{"unknown field", "application/json", `{"scope":"build","actr":"x"}`, 400, "malformed", `"actr"`},
			{"wrong type", "application/json", `{"scope":"build","evidence":"http://x"}`, 400, "malformed", `evidence`},
			{"two objects", "application/json", valid + valid, 400, "malformed", "nothing after"},
			{"form post", "application/x-www-form-urlencoded", `scope=build`, 415, "unsupported_media_type", "application/json"},
			{"too large", "application/json", `{"scope":"build","rationale":"` + strings.Repeat("x", 1<<20) + `"}`, 413, "too_large", "larger than"},
			{"invalid values", "application/json", `{"scope":"weekly","severity":"S7","payload":[1]}`, 422, "invalid", ""},
			{"bad due time", "application/json", `{"scope":"build","actor":"a","action":"a","rationale":"r","next_action":"x","next_action_due":"tomorrow"}`, 422, "invalid", ""},
			{"dangling reference", "application/json", `{"scope":"build","actor":"a","action":"a","rationale":"r","corrects_id":42}`, 422, "invalid", ""},
		}
		for _, c := range cases {
			status, _, body := call(t, "POST", s.url+"/api/v1/decisions", tok, c.contentType, strings.NewReader(c.body))
			if status != c.status {
				t.Errorf("%s: status %d, want %d (%s)", c.name, status, c.status, body)
				continue
			}
			e := decodeEnvelope(t, body)
			if e.Error.Code != c.code || !strings.Contains(e.Error.Message, c.mention) {
				t.Errorf("%s: error %+v, want code %s mentioning %q", c.name, e.Error, c.code, c.mention)
			}
		}
		_, _, body := call(t, "POST", s.url+"/api/v1/decisions", tok, "application/json", strings.NewReader(cases[9].body))
		fields := decodeEnvelope(t, body).Error.Fields
		for _, f := range []string{"scope", "severity", "payload", "actor", "action", "rationale"} {
			if fields[f] == "" {
				t.Errorf("422 fields %v lack %s", fields, f)
			}
		}
		_, _, body = call(t, "POST", s.url+"/api/v1/decisions", tok, "application/json", strings.NewReader(cases[10].body))
		if decodeEnvelope(t, body).Error.Fields["next_action_due"] == "" {
			t.Errorf("bad due time not named: %s", body)
		}
		if n, _ := s.decisions.Count(context.Background(), decisionlog.Filter{}); n != 0 {
			t.Fatalf("bad requests wrote %d entries", n)
		}
	})
}

func TestLogDecisionIsIdempotentAndListable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		s := start(t, db)
		c := client.New(s.url, s.token(t, auth.Lead))
		ctx := context.Background()
		in := client.NewDecision{Scope: "ops", Actor: "support", Action: "chatwoot.escalate", Rationale: "VIP refund",
			Evidence: []string{"https://runbooks.example.com/refunds"}, Severity: "S2",
			NextAction: "call back", NextActionOwner: "maria", NextActionDue: "2026-11-30T08:00:00Z",
			Payload: json.RawMessage(`{"amount": 180}`)}
		d, err := c.LogDecision(ctx, in, "key-1")
		if err != nil {
			t.Fatal(err)
		}
		if d.ID != 1 || d.RecordedBy != "token:t-lead" || string(d.Payload) != `{"amount":180}` || d.NextActionDue == nil || len(d.Hash) != 64 {
			t.Fatalf("created %+v", d)
		}
		status, hdr, _ := call(t, "POST", s.url+"/api/v1/decisions", s.token(t, auth.Lead), "application/json",
			strings.NewReader(`{"scope":"ops","actor":"support","action":"chatwoot.escalate","rationale":"VIP refund"}`), "Idempotency-Key", "key-1")
		if status != http.StatusOK || hdr.Get("Location") != "/api/v1/decisions/1" {
			t.Fatalf("replayed idempotency key: %d %v, want 200 with the first entry", status, hdr.Get("Location"))
		}
		for i := range 4 {
			if _, err := c.LogDecision(ctx, client.NewDecision{Scope: "build", Actor: "support", Action: fmt.Sprintf("n%d", i), Rationale: "r"}, ""); err != nil {
				t.Fatal(err)
			}
		}
		page, err := c.Decisions(ctx, client.DecisionQuery{Limit: 2})
		if err != nil || len(page.Decisions) != 2 || page.Decisions[0].ID != 5 || page.NextCursor == "" {
			t.Fatalf("first page %+v %v", page, err)
		}
		page, err = c.Decisions(ctx, client.DecisionQuery{Limit: 2, Cursor: page.NextCursor})
		if err != nil || page.Decisions[0].ID != 3 {
			t.Fatalf("second page %+v %v", page, err)
		}
		overdue, err := c.Decisions(ctx, client.DecisionQuery{Overdue: true})
		if err != nil || len(overdue.Decisions) != 1 || overdue.Decisions[0].ID != 1 {
			t.Fatalf("overdue %+v %v", overdue, err)
		}
		got, err := c.Decision(ctx, 1)
		if err != nil || got.Hash != d.Hash {
			t.Fatalf("get = %+v %v", got, err)
		}
		var apiErr *client.Error
		if _, err := c.Decision(ctx, 99); !errors.As(err, &apiErr) || apiErr.Status != 404 {
			t.Fatalf("missing decision: %v", err)
		}
		if _, err := c.Decisions(ctx, client.DecisionQuery{Scope: "weekly"}); !errors.As(err, &apiErr) || apiErr.Status != 422 || apiErr.Fields["scope"] == "" {
			t.Fatalf("bad filter: %v", err)
		}
		res, err := client.New(s.url, s.token(t, auth.DevOps)).VerifyDecisions(ctx)
		if err != nil || !res.OK || res.Entries != 5 {
			t.Fatalf("verify %+v %v", res, err)
		}
	})
}

func TestExportsStreamEveryEntryAndDefuseFormulas(t *testing.T) {
	db := storetest.OpenSQLite(t)
	s := start(t, db)
	c := client.New(s.url, s.token(t, auth.Manager))
	ctx := context.Background()
	for i := range 3 {
		if _, err := c.LogDecision(ctx, client.NewDecision{Scope: "ops", Actor: "=HYPERLINK(\"http://evil\")",
			Action: fmt.Sprintf("a%d", i), Rationale: "line one\nline \"two\", with comma"}, ""); err != nil {
			t.Fatal(err)
		}
	}
	var jsonl bytes.Buffer
	if err := c.ExportDecisions(ctx, client.DecisionQuery{}, "jsonl", &jsonl); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(jsonl.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("jsonl has %d lines", len(lines))
	}
	var first client.Decision
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first.ID != 1 {
		t.Fatalf("first jsonl line %q: %v", lines[0], err)
	}
	var raw bytes.Buffer
	if err := c.ExportDecisions(ctx, client.DecisionQuery{Action: "a2"}, "csv", &raw); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&raw).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0][0] != "id" || rows[1][0] != "3" {
		t.Fatalf("csv rows %v", rows)
	}
	if rows[1][3] != `'=HYPERLINK("http://evil")` || rows[1][5] != "line one\nline \"two\", with comma" {
		t.Fatalf("csv actor %q rationale %q", rows[1][3], rows[1][5])
	}
	status, _, _ := call(t, "GET", s.url+"/api/v1/decisions/export?format=xml", s.token(t, auth.Lead), "", nil)
	if status != 422 {
		t.Fatalf("unknown format: %d", status)
	}
}

func TestUsersAndTokensThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		s := start(t, db)
		ctx := context.Background()
		admin := client.New(s.url, s.token(t, auth.Admin))
		u, err := admin.CreateUser(ctx, client.NewUser{Email: "Lead@Example.com", Role: "lead", Password: "long enough password"})
		if err != nil || u.Email != "lead@example.com" {
			t.Fatalf("create user %+v %v", u, err)
		}
		var apiErr *client.Error
		if _, err := admin.CreateUser(ctx, client.NewUser{Email: "lead@example.com", Role: "lead", Password: "long enough password"}); !errors.As(err, &apiErr) || apiErr.Status != 422 || apiErr.Fields["email"] == "" {
			t.Fatalf("duplicate email: %v", err)
		}
		role, yes := "manager", true
		u, err = admin.UpdateUser(ctx, u.ID, client.UserChange{Role: &role, Disabled: &yes})
		if err != nil || u.Role != "manager" || !u.Disabled {
			t.Fatalf("update %+v %v", u, err)
		}
		created, err := admin.CreateToken(ctx, client.NewToken{Name: "drafter", Role: "agent"})
		if err != nil || !strings.HasPrefix(created.Secret, "hdt_") {
			t.Fatalf("create token %+v %v", created, err)
		}
		agent := client.New(s.url, created.Secret)
		me, err := agent.Me(ctx)
		if err != nil || me.Kind != "token" || me.Role != "agent" {
			t.Fatalf("me %+v %v", me, err)
		}
		if _, err := agent.Decisions(ctx, client.DecisionQuery{}); !errors.As(err, &apiErr) || apiErr.Status != 403 {
			t.Fatalf("agent reading decisions: %v", err)
		}
		tokens, err := admin.Tokens(ctx)
		if err != nil || len(tokens) != 2 {
			t.Fatalf("tokens %+v %v", tokens, err)
		}
		listed, _ := json.Marshal(tokens)
		if strings.Contains(string(listed), created.Secret) {
			t.Fatal("the token list shows a secret")
		}
		if err := admin.RevokeToken(ctx, created.Token.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := agent.Me(ctx); !errors.As(err, &apiErr) || apiErr.Status != 401 {
			t.Fatalf("revoked token: %v", err)
		}
	})
}

func TestNoSecretReachesTheLog(t *testing.T) {
	db := storetest.OpenSQLite(t)
	s := start(t, db)
	ctx := context.Background()
	adminToken := s.token(t, auth.Admin)
	admin := client.New(s.url, adminToken)
	password := "s3cret-password-for-log-test"
	if _, err := admin.CreateUser(ctx, client.NewUser{Email: "x@example.com", Role: "operator", Password: password}); err != nil {
		t.Fatal(err)
	}
	created, err := admin.CreateToken(ctx, client.NewToken{Name: "n", Role: "lead"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.New(s.url, created.Secret).Me(ctx); err != nil {
		t.Fatal(err)
	}
	_, _ = client.New(s.url, "hdt_wrongwrongwrong").Me(ctx)
	status, _, _ := call(t, "GET", s.url+"/api/v1/decisions?q="+password, adminToken, "", nil)
	if status != 200 {
		t.Fatalf("search: %d", status)
	}
	logs := s.logs.String()
	if !strings.Contains(logs, `"route":"POST /api/v1/users"`) {
		t.Fatalf("requests were not logged at all:\n%s", logs)
	}
	for _, secret := range []string{password, created.Secret, adminToken, "hdt_wrongwrongwrong", "Bearer"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains %q:\n%s", secret, logs)
		}
	}
}

func TestUnknownRoutesAndMethodsAnswerInJSON(t *testing.T) {
	s := start(t, storetest.OpenSQLite(t))
	status, _, body := call(t, "GET", s.url+"/api/v1/nope", "", "", nil)
	if status != 404 || decodeEnvelope(t, body).Error.Code != "not_found" {
		t.Fatalf("unknown route: %d %s", status, body)
	}
	status, hdr, body := call(t, "PUT", s.url+"/api/v1/decisions", "", "", nil)
	if status != 405 || !strings.Contains(hdr.Get("Allow"), "POST") || decodeEnvelope(t, body).Error.Code != "method_not_allowed" {
		t.Fatalf("wrong method: %d %v %s", status, hdr, body)
	}
	status, hdr, _ = call(t, "GET", s.url+"/api/v1/decisions", "", "", nil)
	if status != 401 || hdr.Get("WWW-Authenticate") == "" {
		t.Fatalf("no credentials: %d %v", status, hdr)
	}
	status, _, _ = call(t, "GET", s.url+"/api/v1/decisions", "", "", nil, "Authorization", "Basic abc")
	if status != 401 {
		t.Fatalf("basic auth: %d", status)
	}
}

// syncBuffer collects log output from concurrent handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
