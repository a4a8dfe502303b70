package notify

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/config"
)

// httpEndpoint builds a notifier of kind posting to url.
func httpEndpoint(t *testing.T, kind, url string) Notifier {
	t.Helper()
	env := map[string]string{"URL": url, "SECRET": "s3cret-signing", "KEY": "R0UT1NGKEY0000000000000000000000"}
	e := buildEndpoint("e", config.NotifyEndpoint{Type: kind, URLEnv: "URL", SecretEnv: "SECRET", RoutingKeyEnv: "KEY"},
		endpointDeps{env: func(k string) string { return env[k] }, http: &http.Client{Timeout: 5 * time.Second}, pagerDutyURL: url})
	if e.notifier == nil {
		t.Fatalf("%s endpoint: %s", kind, e.problem)
	}
	return e.notifier
}

func TestEveryHTTPNotifierClassifiesStatusesAlike(t *testing.T) {
	cases := []struct {
		status     int
		header     string
		retry      bool
		retryAfter time.Duration
	}{
		{200, "", false, 0},
		{202, "", false, 0},
		{400, "", false, 0},
		{401, "", false, 0},
		{403, "", false, 0},
		{404, "", false, 0},
		{410, "", false, 0},
		{408, "", true, 0},
		{429, "30", true, 30 * time.Second},
		{429, "", true, 0},
		{500, "", true, 0},
		{502, "", true, 0},
		{503, "7", true, 7 * time.Second},
	}
	var mu sync.Mutex
	var current struct {
		status int
		header string
	}
	rc := newReceiver(t, func(request) (int, http.Header, string) {
		mu.Lock()
		defer mu.Unlock()
		h := http.Header{}
		if current.header != "" {
			h.Set("Retry-After", current.header)
		}
		return current.status, h, http.StatusText(current.status)
	})
	for _, kind := range []string{config.EndpointSlack, config.EndpointPagerDuty, config.EndpointWebhook} {
		n := httpEndpoint(t, kind, rc.URL)
		for _, c := range cases {
			mu.Lock()
			current.status, current.header = c.status, c.header
			mu.Unlock()
			out := n.Notify(context.Background(), Envelope{DeliveryID: 1, Message: sample(), Now: t0})
			delivered := c.status < 300
			if out.Delivered() != delivered || out.Retry != c.retry || out.Status != c.status || out.RetryAfter != c.retryAfter {
				t.Errorf("%s, %d: delivered %v, retry %v, status %d, retry after %s; want %v, %v, %d, %s",
					kind, c.status, out.Delivered(), out.Retry, out.Status, out.RetryAfter, delivered, c.retry, c.status, c.retryAfter)
			}
		}
		out := httpEndpoint(t, kind, closedURL(t, "/x")).Notify(context.Background(), Envelope{Message: sample(), Now: t0})
		if out.Delivered() || !out.Retry || out.Status != 0 {
			t.Errorf("%s, refused connection: %+v, want a retry without status", kind, out)
		}
	}
}

func TestRetryAfterReadsSecondsAndDatesWithinBounds(t *testing.T) {
	cases := map[string]time.Duration{
		"":                              0,
		"120":                           2 * time.Minute,
		"-5":                            0,
		"999999":                        maxRetryAfter,
		"Mon, 02 Mar 2026 10:01:30 GMT": 90 * time.Second,
		"Mon, 02 Mar 2026 09:00:00 GMT": 0,
		"soon":                          0,
	}
	for v, want := range cases {
		if got := retryAfter(v, t0); got != want {
			t.Errorf("Retry-After %q = %s, want %s", v, got, want)
		}
	}
}

func TestSMTPRepliesAreClassified(t *testing.T) {
	cases := []struct {
		name    string
		replies map[string]string
		status  int
		retry   bool
	}{
		{"accepted", nil, 250, false},
		{"mailbox busy", map[string]string{"RCPT": "450 4.2.1 mailbox busy"}, 450, true},
		{"try later", map[string]string{"END": "451 4.3.0 try again later"}, 451, true},
		{"closing", map[string]string{"MAIL": "421 4.7.0 closing"}, 421, true},
		{"no such user", map[string]string{"RCPT": "550 5.1.1 no such user"}, 550, false},
		{"rejected", map[string]string{"END": "554 5.7.1 rejected as spam"}, 554, false},
		{"bad password", map[string]string{"AUTH": "535 5.7.8 authentication failed"}, 535, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newFakeSMTP(t, "u", "p", c.replies)
			n := emailNotifierFor(t, "smtp://u:p@"+srv.addr())
			out := n.Notify(context.Background(), Envelope{DeliveryID: 1, Message: sample(), Now: t0})
			if out.Status != c.status || out.Retry != c.retry || out.Delivered() != (c.status == 250) {
				t.Fatalf("outcome %+v (%v), want status %d, retry %v", out, out.Err, c.status, c.retry)
			}
		})
	}
	out := emailNotifierFor(t, "smtp://u:p@"+strings.TrimPrefix(closedURL(t, ""), "http://")).Notify(context.Background(),
		Envelope{Message: sample(), Now: t0})
	if !out.Retry || out.Status != 0 {
		t.Fatalf("refused connection: %+v, want a retry", out)
	}
}

func TestSMTPRefusesToSendInClearToARemoteRelay(t *testing.T) {
	srv := newFakeSMTP(t, "", "", nil)
	n := emailNotifierFor(t, "smtp://"+srv.addr())
	n.relay.requireTLS = true // as for a relay that is not on loopback
	out := n.Notify(context.Background(), Envelope{Message: sample(), Now: t0})
	if out.Delivered() || out.Retry || !strings.Contains(out.Err.Error(), "STARTTLS") || len(srv.messages()) != 0 {
		t.Fatalf("outcome %+v, %d sent; want refused for good, nothing sent", out, len(srv.messages()))
	}
	for raw, want := range map[string]bool{
		"smtp://relay.example.com":          true,
		"smtp://relay.example.com?tls=none": false,
		"smtp://127.0.0.1:25":               false,
		"smtp://localhost":                  false,
		"smtps://relay.example.com":         false,
	} {
		r, err := parseRelay(raw, nil)
		if err != nil || r.requireTLS != want {
			t.Errorf("%s: require STARTTLS %v (%v), want %v", raw, r.requireTLS, err, want)
		}
	}
}

func emailNotifierFor(t *testing.T, relay string) *emailNotifier {
	t.Helper()
	e := buildEndpoint("mail", config.NotifyEndpoint{Type: config.EndpointEmail, To: []string{"a@example.com"}},
		endpointDeps{smtp: config.SMTP{URL: relay, From: "hotdash@example.com"}})
	if e.notifier == nil {
		t.Fatalf("email endpoint: %s", e.problem)
	}
	return e.notifier.(*emailNotifier)
}
