package notify

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/store/storetest"
)

// gather renders the harness's metrics as the /metrics page would.
func gather(t *testing.T, h *harness) string {
	t.Helper()
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(h.reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

// echo answers with the status given and a body quoting the request's
// path, query and body, as a careless receiver's error page might.
func echo(status int) func(request) (int, http.Header, string) {
	return func(r request) (int, http.Header, string) {
		return status, nil, fmt.Sprintf("bad request to %s?%s: %s", r.Path, r.Query, r.Body)
	}
}

// visible is everything a person or a scraper could see of the outbox:
// logs, every delivery's last error, every attempt's error, the metrics
// and the endpoint list.
func visible(t *testing.T, h *harness) string {
	t.Helper()
	var sb strings.Builder
	sb.WriteString(h.logs.String())
	for _, d := range h.all(t) {
		sb.WriteString(d.LastError + "\n")
		for _, a := range h.attempts(t, d.ID) {
			sb.WriteString(a.Error + "\n")
		}
	}
	sb.WriteString(gather(t, h))
	sb.WriteString(fmt.Sprint(h.Endpoints()))
	return sb.String()
}

// assertNoSecret fails if any secret (or an escaped form) shows.
func assertNoSecret(t *testing.T, h *harness, secrets ...string) {
	t.Helper()
	text := visible(t, h)
	for _, s := range secrets {
		for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			if strings.Contains(text, form) {
				t.Errorf("secret %q is visible:\n%s", form, text)
			}
		}
	}
	for _, d := range h.all(t) {
		if d.LastError == "" {
			t.Errorf("delivery %d recorded no error: the test forced none", d.ID)
		}
	}
}

func TestNoSecretLeaksFromSlack(t *testing.T) {
	const token = "XoXbSeCrEtToKeN0123456789"
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		for name, base := range map[string]string{"refused": closedURL(t, ""), "echoed": newReceiver(t, echo(404)).URL} {
			t.Run(name, func(t *testing.T) {
				h := newHarness(t, db.DB, harnessOptions{
					cfg: endpoints("slack-"+name, config.NotifyEndpoint{Type: config.EndpointSlack, URLEnv: "SLACK_URL"}),
					env: map[string]string{"SLACK_URL": base + "/services/T0/B0/" + token}})
				h.enqueue(t, []string{"slack-" + name}, sample(), "k")
				h.deliverDue(t)
				assertNoSecret(t, h, token, "/services/T0/B0/"+token)
			})
		}
	})
}

func TestNoSecretLeaksFromPagerDuty(t *testing.T) {
	const key = "R0UT1NGKEYsecret99999999999999AB"
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		for name, base := range map[string]string{"refused": closedURL(t, "/v2/enqueue"), "echoed": newReceiver(t, echo(400)).URL + "/v2/enqueue"} {
			t.Run(name, func(t *testing.T) {
				h := newHarness(t, db.DB, harnessOptions{
					cfg:   endpoints("pd-"+name, config.NotifyEndpoint{Type: config.EndpointPagerDuty, RoutingKeyEnv: "PD_KEY"}),
					env:   map[string]string{"PD_KEY": key},
					pdURL: base})
				h.enqueue(t, []string{"pd-" + name}, sample(), "k")
				h.deliverDue(t)
				assertNoSecret(t, h, key)
			})
		}
	})
}

func TestNoSecretLeaksFromWebhooks(t *testing.T) {
	const token, signing = "hooktoken-0123456789abcdef", "signing-secret-0123456789"
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		for name, base := range map[string]string{"refused": closedURL(t, ""), "echoed": newReceiver(t, echo(500)).URL} {
			t.Run(name, func(t *testing.T) {
				h := newHarness(t, db.DB, harnessOptions{
					cfg: endpoints("hook-"+name, config.NotifyEndpoint{Type: config.EndpointWebhook, URLEnv: "HOOK_URL", SecretEnv: "HOOK_SECRET"}),
					env: map[string]string{"HOOK_URL": base + "/in/" + token + "?token=" + token, "HOOK_SECRET": signing}})
				h.enqueue(t, []string{"hook-" + name}, sample(), "k")
				h.deliverDue(t)
				assertNoSecret(t, h, token, signing)
			})
		}
	})
}

func TestNoSecretLeaksFromEmail(t *testing.T) {
	const password = "smtp-Pa55word-secret"
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		echoing := newFakeSMTP(t, "hotdash", "another", map[string]string{"AUTH": "535 5.7.8 bad credentials for hotdash:" + password})
		for name, addr := range map[string]string{"refused": strings.TrimPrefix(closedURL(t, ""), "http://"), "echoed": echoing.addr()} {
			t.Run(name, func(t *testing.T) {
				h := newHarness(t, db.DB, harnessOptions{
					cfg:  endpoints("mail-"+name, config.NotifyEndpoint{Type: config.EndpointEmail, To: []string{"a@example.com"}}),
					smtp: config.SMTP{URL: "smtp://hotdash:" + password + "@" + addr, From: "hotdash@example.com"}})
				h.enqueue(t, []string{"mail-" + name}, sample(), "k")
				h.deliverDue(t)
				assertNoSecret(t, h, password, "hotdash:"+password)
			})
		}
	})
}

func TestNoSecretInAnInvalidURLsProblem(t *testing.T) {
	const secret = "not a url but a SECRET-0123"
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		h := newHarness(t, db.DB, harnessOptions{
			cfg: endpoints("slack", config.NotifyEndpoint{Type: config.EndpointSlack, URLEnv: "SLACK_URL"}),
			env: map[string]string{"SLACK_URL": secret}})
		h.enqueue(t, []string{"slack"}, sample(), "k")
		h.deliverDue(t)
		if d := h.only(t); !strings.Contains(d.LastError, "SLACK_URL does not hold an http(s) URL") {
			t.Fatalf("last error %q should name the variable", d.LastError)
		}
		assertNoSecret(t, h, secret)
	})
}

func TestDescribeDropsTheURLOfAURLError(t *testing.T) {
	inner := errors.New("connection reset by peer")
	err := fmt.Errorf("send: %w", &url.Error{Op: "Post", URL: "https://hooks.slack.com/services/T/B/SECRET", Err: inner})
	if got, want := describe(err), "send: post: connection reset by peer"; got != want {
		t.Fatalf("describe = %q, want %q", got, want)
	}
}
