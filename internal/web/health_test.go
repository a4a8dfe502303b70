package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/health"
)

// TestTheHealthPageAndTile records checks as the CLI would send them in and
// reads the page and the dashboard tile: state, uptime, latency, the
// chart's failure marks, and a reason shown escaped.
func TestTheHealthPageAndTile(t *testing.T) {
	s := start(t)
	s.user(t, "op@example.com", auth.Operator)
	c := s.Client(auth.DevOps)
	ctx := context.Background()
	b := s.browser(t)
	b.signIn("op@example.com")
	b.get("/health").want(t, http.StatusOK, "No check yet", "No check in the last 24 hours", "hotdash ops check-chatwoot-health --server URL --token T")
	b.get("/").want(t, http.StatusOK, "Chatwoot health", "No health check recorded yet")

	send := func(platformOK bool, ms int, reason string) {
		t.Helper()
		p := client.HealthCheckRun{Name: health.Platform, OK: platformOK, Status: 200, LatencyNS: int64(time.Duration(ms) * time.Millisecond), Reason: reason}
		a := client.HealthCheckRun{Name: health.Authenticated, OK: true, Status: 200, LatencyNS: int64(20 * time.Millisecond)}
		if _, err := c.RecordHealthCheck(ctx, client.HealthRun{Checks: []client.HealthCheckRun{p, a}, ExitCode: health.ExitCodeOf(platformOK, true)}); err != nil {
			t.Fatal(err)
		}
	}
	send(true, 40, "")
	send(true, 60, "")
	send(false, 80, `<script>alert("x")</script> services failing`)

	page := b.get("/health")
	page.want(t, http.StatusOK, `health-failing">Failing`, "1 failed check in a row", "66.67 %", "2 of 3 checks passed",
		"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; services failing", "platform failed", `class="health-fail-mark"`, "token:")
	if strings.Contains(page.body, `<script>alert("x")`) {
		t.Fatal("a reason sent in is rendered as HTML")
	}
	// p50 of 40, 60, 80 ms is 60 ms; p99 is 80 ms.
	if row := between(page.body, "Platform (GET /api)", "</tr>"); !strings.Contains(row, "60.0 ms") || !strings.Contains(row, "80.0 ms") {
		t.Errorf("platform latency row: %s", row)
	}
	b.get("/").want(t, http.StatusOK, `health-failing">Failing`, `class="spark-fail"`, "uptime 24 h: <strong>66.67 %</strong>")

	send(true, 30, "")
	b.get("/").want(t, http.StatusOK, `health-ok">Passing`, "uptime 24 h: <strong>75.00 %</strong>")
}
