package app_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/apptest"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/httpx"
)

var pathParam = regexp.MustCompile(`\{[^}]*\}`)

// request turns a route pattern into a concrete request line.
func request(pattern string) (string, string) {
	method, path, _ := strings.Cut(pattern, " ")
	path = pathParam.ReplaceAllStringFunc(path, func(p string) string {
		switch {
		case p == "{$}":
			return ""
		case strings.HasSuffix(p, "...}"):
			return "app.css"
		}
		// An id nothing has: the walk must not change the records it
		// authenticates with (revoking a token, disabling a user).
		return "999999"
	})
	return method, path
}

// noRedirect keeps 303s visible.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func send(t *testing.T, method, url, token string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if method != http.MethodGet && method != http.MethodHead {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	resp.Body.Close() // live streams end here: the status is all this test needs
	return resp.StatusCode
}

// TestEveryRouteChecksItsPermission walks every registered route with no
// credentials and with a token of every role: 401 (or the sign-in redirect)
// without credentials, 403 for a role that lacks the permission, and neither
// for a role that has it.
func TestEveryRouteChecksItsPermission(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	tokens := map[auth.Role]string{}
	for _, r := range auth.TokenRoles() {
		tokens[r] = a.Token(r)
	}
	routes := a.Router.Routes()
	if len(routes) < 20 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	for _, rt := range routes {
		method, path := request(rt.Pattern)
		t.Run(rt.Pattern, func(t *testing.T) {
			if rt.Permission == auth.Public {
				return // no guard to check; the handler decides (a failed sign-in is a 401)
			}
			want := 401
			if rt.Kind == httpx.Page && (method == http.MethodGet || method == http.MethodHead) {
				want = http.StatusSeeOther
			}
			if got := send(t, method, a.URL()+path, ""); got != want {
				t.Errorf("no credentials: %d, want %d", got, want)
			}
			for role, tok := range tokens {
				got := send(t, method, a.URL()+path, tok)
				allowed := auth.Principal{TokenID: 1, Role: role}.Can(rt.Permission)
				if allowed && (got == 401 || got == 403) {
					t.Errorf("%s may %s but got %d", role, rt.Permission, got)
				}
				if !allowed && got != 403 {
					t.Errorf("%s may not %s but got %d", role, rt.Permission, got)
				}
			}
		})
	}
}

func TestProbesAndMetrics(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	get := func(path string) (int, string) {
		resp, err := http.Get(a.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("healthz: %d %q", code, body)
	}
	if code, body := get("/readyz"); code != 200 || !strings.Contains(body, "ready") {
		t.Fatalf("readyz: %d %q", code, body)
	}
	if _, err := a.Client(auth.Lead).LogDecision(context.Background(), client.NewDecision{Scope: "ops", Actor: "a", Action: "b", Rationale: "c"}, ""); err != nil {
		t.Fatal(err)
	}
	_, metrics := get("/metrics")
	for _, want := range []string{
		`hotdash_http_requests_total{code="201",method="POST",route="POST /api/v1/decisions"} 1`,
		`hotdash_http_request_duration_seconds_bucket{method="GET",route="GET /readyz"`,
		`hotdash_decision_log_appends_total 1`,
		`hotdash_decision_log_head_id 1`,
		`hotdash_job_queue_depth{state="available"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// A database that stops answering makes the replica unready.
	_ = a.DB.Read.Close()
	if code, _ := get("/readyz"); code != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database gone: %d", code)
	}
}

func TestFirstStartPrintsASetupLinkButNeverLogsIt(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	link := a.SetupLink()
	if !strings.Contains(link, a.URL()+"/setup?token=hdsetup_") {
		t.Fatalf("console:\n%s", a.Console.String())
	}
	token := link[strings.Index(link, "hdsetup_"):]
	if strings.Contains(a.Logs.String(), token) {
		t.Fatal("the setup token reached the structured log")
	}
}
