package cli_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/health"
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
			args: []string{"--timeout", "200ms", "--retries", "-1"}, code: 4, want: []string{"no answer within the timeout", "both checks failed (exit 4)"}},
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
}
