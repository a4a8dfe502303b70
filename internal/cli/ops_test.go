package cli_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/apptest"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/health"
	"github.com/hotdash/hotdash/internal/incident"
	"github.com/hotdash/hotdash/internal/simulator"
)

// chatwootFor starts a simulated Chatwoot (account 1, token "sim-token")
// behind a handler that may answer first.
func chatwootFor(t *testing.T, front func(w http.ResponseWriter, r *http.Request) bool) (*simulator.Simulator, string) {
	t.Helper()
	sim, err := simulator.New(simulator.Options{Token: "sim-token", AccountID: 1, Contacts: 1, Seed: 4,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	h := sim.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if front != nil && front(w, r) {
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return sim, srv.URL
}

func TestCheckChatwootHealthOutcomes(t *testing.T) {
	apiDown := func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/api" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}
		return false
	}
	cases := []struct {
		name  string
		front func(w http.ResponseWriter, r *http.Request) bool
		setup func(*simulator.Simulator)
		args  []string
		code  int
		want  []string
	}{
		{name: "all good", code: 0, want: []string{"platform      ok    HTTP 200", "authenticated ok    HTTP 200", "all checks pass (exit 0)"}},
		{name: "platform down", front: apiDown, code: 2, want: []string{"platform      FAIL  HTTP 503", "Chatwoot answered 503 Service Unavailable", "the platform check failed (exit 2)"}},
		{name: "services failing behind a 200", setup: func(s *simulator.Simulator) { s.SetQueueFailing(true) }, code: 2,
			want: []string{"platform      FAIL  HTTP 200", "queue_services failing"}},
		{name: "token refused", args: []string{"--chatwoot-token", "wrong"}, code: 3, want: []string{"authenticated FAIL  HTTP 401", "the API token was refused"}},
		{name: "account missing", args: []string{"--account-id", "99"}, code: 3, want: []string{"account 99 is not among the token's accounts (1)"}},
		{name: "slow beyond the timeout", setup: func(s *simulator.Simulator) { s.SetLatency(time.Second) },
			args: []string{"--timeout", "200ms", "--retries", "0"}, code: 4, want: []string{"no answer within the timeout", "both checks failed (exit 4)"}},
		{name: "down", setup: func(s *simulator.Simulator) { s.SetDown(true) }, args: []string{"--retries", "-1"}, code: 4, want: []string{"could not reach Chatwoot"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sim, url := chatwootFor(t, c.front)
			if c.setup != nil {
				c.setup(sim)
			}
			env := []string{"CHATWOOT_BASE_URL=" + url, "CHATWOOT_API_TOKEN=sim-token", "CHATWOOT_ACCOUNT_ID=1"}
			r := run(t, env, "", append([]string{"ops", "check-chatwoot-health"}, c.args...)...)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d: %+v", r.code, c.code, r)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, r.stdout)
				}
			}
			if strings.Contains(r.stdout+r.stderr, "sim-token") {
				t.Error("the token appears in the output")
			}
			r = run(t, env, "", append([]string{"ops", "check-chatwoot-health", "--json"}, c.args...)...)
			var res health.Result
			if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != c.code || res.ExitCode != c.code || len(res.Checks) != 2 {
				t.Fatalf("--json: %+v (%v)", r, err)
			}
		})
	}
}

func TestCheckChatwootHealthWithoutConfiguration(t *testing.T) {
	r := run(t, []string{"CHATWOOT_BASE_URL="}, "", "ops", "check-chatwoot-health")
	if r.code != 1 || !strings.Contains(r.stderr, "CHATWOOT_BASE_URL") || !strings.Contains(r.stderr, "CHATWOOT_API_TOKEN") {
		t.Fatalf("no configuration: %+v", r)
	}
	r = run(t, []string{"CHATWOOT_BASE_URL="}, "", "ops", "check-chatwoot-health", "--json")
	var out struct {
		ExitCode int    `json:"exit_code"`
		Error    string `json:"error"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 1 || out.ExitCode != 1 || !strings.Contains(out.Error, "CHATWOOT_ACCOUNT_ID") {
		t.Fatalf("no configuration, --json: %+v (%v)", r, err)
	}
}

// TestCheckChatwootHealthRecordsInServer sends runs to a running HotDash
// with --server: they are stored with who sent them, three failures in a
// row page L3 as the server's own checks would, and a pass resolves it.
func TestCheckChatwootHealthRecordsInServer(t *testing.T) {
	sim, url := chatwootFor(t, nil)
	a := apptest.Start(t, apptest.Options{})
	ctx := context.Background()
	chatwoot := []string{"CHATWOOT_BASE_URL=" + url, "CHATWOOT_API_TOKEN=sim-token", "CHATWOOT_ACCOUNT_ID=1"}
	operator := a.Token(auth.Operator)
	send := func(want int) result {
		t.Helper()
		r := run(t, chatwoot, "", "ops", "check-chatwoot-health", "--retries", "-1", "--server", a.URL(), "--token", operator)
		if r.code != want || !strings.Contains(r.stderr, "recorded in HotDash as health check") {
			t.Fatalf("exit %d, want %d: %+v", r.code, want, r)
		}
		return r
	}
	sim.SetQueueFailing(true)
	send(2)
	send(2)
	if list, _ := a.Incidents.List(ctx, incident.Filter{}, 10); len(list) != 0 {
		t.Fatalf("two failures opened %+v", list)
	}
	send(2)
	list, err := a.Incidents.List(ctx, incident.Filter{}, 10)
	if err != nil || len(list) != 1 || list[0].Severity != incident.S1 || list[0].Level != 3 {
		t.Fatalf("three failures sent in: %+v (%v)", list, err)
	}
	sim.SetQueueFailing(false)
	send(0)
	if list, _ := a.Incidents.List(ctx, incident.Filter{}, 10); len(list) != 0 {
		t.Fatalf("a pass left %+v open", list)
	}
	recs, err := a.Health.History().Between(ctx, time.Time{}, time.Now().Add(time.Hour), 10)
	if err != nil || len(recs) != 4 {
		t.Fatalf("history: %+v (%v)", recs, err)
	}
	if r := recs[0]; r.Source != health.SourceCLI || !strings.HasPrefix(r.RecordedBy, "token:") || r.ExitCode != 2 ||
		!strings.Contains(r.Reason, "queue_services failing") || r.Platform.Status != 200 || !r.Auth.OK {
		t.Errorf("first record: %+v", r)
	}

	r := run(t, chatwoot, "", "ops", "check-chatwoot-health", "--server", a.URL())
	if r.code != 1 || !strings.Contains(r.stderr, "HOTDASH_TOKEN") || r.stdout != "" {
		t.Errorf("--server without a token must stop before checking: %+v", r)
	}
	r = run(t, chatwoot, "", "ops", "check-chatwoot-health", "--server", a.URL(), "--token", a.Token(auth.Agent))
	if r.code != 1 || !strings.Contains(r.stderr, "not recorded") || !strings.Contains(r.stdout, "all checks pass") {
		t.Errorf("a token that may not record: %+v", r)
	}
	sim.SetDown(true)
	r = run(t, chatwoot, "", "ops", "check-chatwoot-health", "--retries", "-1", "--server", "http://127.0.0.1:1", "--token", operator)
	if r.code != 4 || !strings.Contains(r.stderr, "not recorded") || strings.Contains(r.stderr, operator) {
		t.Errorf("HotDash unreachable: a failed check's code wins: %+v", r)
	}
}

// TestRecordHealthCheckRefusesBadRuns: a run sent in must hold both
// checks once, with an exit code that agrees with them.
func TestRecordHealthCheckRefusesBadRuns(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	c := a.Client(auth.DevOps)
	ok := client.HealthCheckRun{Name: health.Platform, OK: true, Status: 200, LatencyNS: int64(30 * time.Millisecond)}
	auth2 := client.HealthCheckRun{Name: health.Authenticated, OK: false, Status: 401, Reason: "refused"}
	cases := []struct {
		name  string
		run   client.HealthRun
		field string
	}{
		{"one check", client.HealthRun{Checks: []client.HealthCheckRun{ok}, ExitCode: 0}, "checks"},
		{"twice the same", client.HealthRun{Checks: []client.HealthCheckRun{ok, ok}, ExitCode: 0}, "checks[1].name"},
		{"unknown check", client.HealthRun{Checks: []client.HealthCheckRun{ok, {Name: "redis"}}, ExitCode: 0}, "checks[1].name"},
		{"exit code disagrees", client.HealthRun{Checks: []client.HealthCheckRun{ok, auth2}, ExitCode: 0}, "exit_code"},
		{"negative latency", client.HealthRun{Checks: []client.HealthCheckRun{{Name: health.Platform, OK: true, Status: 200, LatencyNS: -1}, auth2}, ExitCode: 3}, "checks[0].latency_ns"},
		{"not a status", client.HealthRun{Checks: []client.HealthCheckRun{ok, {Name: health.Authenticated, Status: 1000}}, ExitCode: 3}, "checks[1].status"},
	}
	for _, tc := range cases {
		_, err := c.RecordHealthCheck(context.Background(), tc.run)
		var apiErr *client.Error
		if !errors.As(err, &apiErr) || apiErr.Status != 422 || apiErr.Fields[tc.field] == "" {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	rec, err := c.RecordHealthCheck(context.Background(), client.HealthRun{Checks: []client.HealthCheckRun{ok, auth2}, ExitCode: 3})
	if err != nil || rec.ExitCode != 3 || rec.Authenticated.Status != 401 || rec.Platform.LatencyMS != 30 || rec.Source != "cli" {
		t.Fatalf("a good run: %+v (%v)", rec, err)
	}
	page, err := c.HealthChecks(context.Background(), time.Time{}, 0)
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != rec.ID {
		t.Fatalf("only the good run is stored: %+v (%v)", page, err)
	}
}
