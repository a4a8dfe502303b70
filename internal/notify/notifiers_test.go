package notify

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/store/storetest"
)

// endpoints is a notify section with one endpoint.
func endpoints(name string, e config.NotifyEndpoint) config.NotifyConfig {
	return config.NotifyConfig{Endpoints: map[string]config.NotifyEndpoint{name: e}}
}

// sendOne enqueues m to the endpoint, delivers it, and returns the
// delivery.
func sendOne(t *testing.T, h *harness, endpoint string, m Message) Delivery {
	t.Helper()
	h.enqueue(t, []string{endpoint}, m, "key-"+strconv.Itoa(len(h.all(t))))
	if n := h.deliverDue(t); n != 1 {
		t.Fatalf("DeliverDue tried %d deliveries, want 1", n)
	}
	ds := h.all(t)
	return ds[len(ds)-1]
}

func TestSlackPostsHeadlineFactsEvidenceAndLinks(t *testing.T) {
	rc := newReceiver(t, nil)
	h := newHarness(t, storetest.OpenSQLite(t).DB, harnessOptions{
		cfg: endpoints("support-slack", config.NotifyEndpoint{Type: config.EndpointSlack, URLEnv: "SLACK_URL"}),
		env: map[string]string{"SLACK_URL": rc.URL + "/services/T0001/B0001/abcdef"}})
	d := sendOne(t, h, "support-slack", sample())
	if d.State != StateDelivered || d.LastStatus != 200 || d.Attempts != 1 || d.DeliveredAt.IsZero() {
		t.Fatalf("delivery = %+v, want delivered on the first try with 200", d)
	}
	reqs := rc.requests()
	if len(reqs) != 1 || reqs[0].Path != "/services/T0001/B0001/abcdef" || reqs[0].Header.Get("Content-Type") != "application/json" {
		t.Fatalf("requests = %+v, want one JSON POST to the webhook's path", reqs)
	}
	golden(t, "slack_trigger.json", indentJSON(t, reqs[0].Body))
}

func TestSlackTextCannotMentionChannelsOrForgeLinks(t *testing.T) {
	m := Message{Event: EventTrigger, Summary: "<!channel> <https://evil.example|click>", Details: "a & b"}
	p := slackPayload(m)
	body, _ := json.Marshal(p)
	for _, bad := range []string{"<!channel>", "<https://evil"} {
		if strings.Contains(string(body), bad) {
			t.Errorf("payload contains %q unescaped: %s", bad, body)
		}
	}
	if !strings.Contains(p.Blocks[len(p.Blocks)-1].Text.Text, "a &amp; b") {
		t.Errorf("details not escaped: %+v", p.Blocks)
	}
}

func TestPagerDutyTriggersAndResolvesWithOneDedupKey(t *testing.T) {
	rc := newReceiver(t, func(request) (int, http.Header, string) {
		return http.StatusAccepted, nil, `{"status":"success","message":"Event processed","dedup_key":"incident:12:L3"}`
	})
	h := newHarness(t, storetest.OpenSQLite(t).DB, harnessOptions{
		cfg:   endpoints("oncall", config.NotifyEndpoint{Type: config.EndpointPagerDuty, RoutingKeyEnv: "PD_KEY"}),
		env:   map[string]string{"PD_KEY": "R0UT1NGKEY0000000000000000000000"},
		pdURL: rc.URL + "/v2/enqueue"})
	trigger := sample()
	resolve := sample()
	resolve.Event, resolve.At = EventResolve, resolve.At.Add(40*time.Minute)
	for _, m := range []Message{trigger, resolve} {
		if d := sendOne(t, h, "oncall", m); d.State != StateDelivered || d.LastStatus != 202 {
			t.Fatalf("%s: delivery = %+v, want delivered with 202", m.Event, d)
		}
	}
	reqs := rc.requests()
	if len(reqs) != 2 || reqs[0].Path != "/v2/enqueue" {
		t.Fatalf("requests = %+v, want two POSTs to /v2/enqueue", reqs)
	}
	golden(t, "pagerduty_trigger.json", indentJSON(t, reqs[0].Body))
	golden(t, "pagerduty_resolve.json", indentJSON(t, reqs[1].Body))
}

func TestPagerDutyLimitsAndSeverities(t *testing.T) {
	for sev, want := range map[string]string{"S0": "critical", "S1": "error", "S2": "warning", "S3": "info", "": "error"} {
		if got := PagerDutySeverity(sev); got != want {
			t.Errorf("PagerDutySeverity(%q) = %q, want %q", sev, got, want)
		}
	}
	m := sample()
	m.Summary = strings.Repeat("é", 3000)
	ev := (&pagerDutyNotifier{routingKey: "k"}).event(m)
	if n := len([]rune(ev.Payload.Summary)); n != pagerDutySummaryMax {
		t.Errorf("summary is %d characters, want %d", n, pagerDutySummaryMax)
	}
	m.DedupKey = strings.Repeat("k", 300)
	if k := PagerDutyDedupKey(m); len(k) > 255 || k != PagerDutyDedupKey(m) || !strings.HasPrefix(k, "hotdash:") {
		t.Errorf("dedup key for a long key = %q, want a stable hash under 256 characters", k)
	}
	m.DedupKey = ""
	if k := PagerDutyDedupKey(m); k != "hotdash:incident:12:L3" {
		t.Errorf("dedup key without DedupKey = %q, want hotdash:incident:12:L3", k)
	}
}

func TestWebhookIsSignedAndVerifiable(t *testing.T) {
	const secret = "whsec-test-0123456789"
	rc := newReceiver(t, nil)
	h := newHarness(t, storetest.OpenSQLite(t).DB, harnessOptions{
		cfg: endpoints("audit", config.NotifyEndpoint{Type: config.EndpointWebhook, URLEnv: "HOOK_URL", SecretEnv: "HOOK_SECRET"}),
		env: map[string]string{"HOOK_URL": rc.URL + "/hotdash", "HOOK_SECRET": secret}})
	d := sendOne(t, h, "audit", sample())
	reqs := rc.requests()
	if d.State != StateDelivered || len(reqs) != 1 {
		t.Fatalf("delivery = %+v, %d requests; want delivered once", d, len(reqs))
	}
	r := reqs[0]
	golden(t, "webhook_trigger.json", indentJSON(t, r.Body))
	if got := r.Header.Get(HeaderTimestamp); got != strconv.FormatInt(t0.Unix(), 10) {
		t.Errorf("%s = %q, want the clock's unix seconds %d", HeaderTimestamp, got, t0.Unix())
	}
	if got := r.Header.Get(HeaderDelivery); got != strconv.FormatInt(d.ID, 10) {
		t.Errorf("%s = %q, want the delivery id %d", HeaderDelivery, got, d.ID)
	}
	if got := r.Header.Get(HeaderEvent); got != EventTrigger {
		t.Errorf("%s = %q, want trigger", HeaderEvent, got)
	}
	// The signature is HMAC-SHA256(secret, timestamp "." body), by hand.
	if want := SignWebhook(secret, r.Header.Get(HeaderTimestamp), r.Body); r.Header.Get(HeaderSignature) != want {
		t.Errorf("%s = %q, want %q", HeaderSignature, r.Header.Get(HeaderSignature), want)
	}
	checks := []struct {
		name   string
		secret string
		body   []byte
		now    time.Time
		want   error
	}{
		{"as sent", secret, r.Body, t0.Add(time.Minute), nil},
		{"wrong secret", "other", r.Body, t0, ErrWebhookSignature},
		{"altered body", secret, append([]byte(" "), r.Body...), t0, ErrWebhookSignature},
		{"too late", secret, r.Body, t0.Add(DefaultWebhookTolerance + time.Second), ErrWebhookStale},
		{"too early", secret, r.Body, t0.Add(-DefaultWebhookTolerance - time.Second), ErrWebhookStale},
	}
	for _, c := range checks {
		if err := VerifyWebhook(c.secret, r.Header, c.body, c.now, DefaultWebhookTolerance); err != c.want {
			t.Errorf("%s: VerifyWebhook = %v, want %v", c.name, err, c.want)
		}
	}
}

func TestSignatureKnownAnswer(t *testing.T) {
	// Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
	got := SignWebhook("secret", "1700000000", []byte(`{"a":1}`))
	if want := "v1=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686"; got != want {
		t.Errorf("SignWebhook = %s, want %s", got, want)
	}
	h := http.Header{}
	h.Set(HeaderTimestamp, "1700000000")
	h.Set(HeaderSignature, "v1=00, "+got)
	if err := VerifyWebhook("secret", h, []byte(`{"a":1}`), time.Unix(1700000000, 0), time.Minute); err != nil {
		t.Errorf("a list holding the right signature after a wrong one: %v, want accepted", err)
	}
	h.Set(HeaderSignature, "v2="+strings.TrimPrefix(got, "v1="))
	if err := VerifyWebhook("secret", h, []byte(`{"a":1}`), time.Unix(1700000000, 0), time.Minute); err != ErrWebhookSignature {
		t.Errorf("a v2 signature: %v, want refused", err)
	}
}

func TestEmailIsPlainTextWithSafeHeaders(t *testing.T) {
	srv := newFakeSMTP(t, "hotdash", "relay-pass-0001", nil)
	h := newHarness(t, storetest.OpenSQLite(t).DB, harnessOptions{
		cfg:  endpoints("managers", config.NotifyEndpoint{Type: config.EndpointEmail, To: []string{"Managers <managers@example.com>", "lead@example.com"}}),
		smtp: config.SMTP{URL: "smtp://hotdash:relay-pass-0001@" + srv.addr(), From: "HotDash <hotdash@example.com>"}})
	d := sendOne(t, h, "managers", sample())
	if d.State != StateDelivered || d.LastStatus != 250 {
		t.Fatalf("delivery = %+v, want delivered (250)", d)
	}
	got := srv.messages()
	if len(got) != 1 || got[0].From != "<hotdash@example.com>" || strings.Join(got[0].To, ",") != "<managers@example.com>,<lead@example.com>" {
		t.Fatalf("envelopes = %+v, want one from hotdash@ to both recipients", got)
	}
	golden(t, "email_trigger.eml", []byte(got[0].Data))

	evil := sample()
	evil.Summary = "Disk full\r\nBcc: attacker@example.com\nX-Evil: 1"
	evil.Severity = "S1\r\nReply-To: attacker@example.com"
	sendOne(t, h, "managers", evil)
	got = srv.messages()
	head, _, _ := strings.Cut(got[1].Data, "\r\n\r\n")
	for _, line := range strings.Split(head, "\r\n") {
		for _, bad := range []string{"Bcc:", "X-Evil:", "Reply-To:"} {
			if strings.HasPrefix(line, bad) {
				t.Errorf("message text became a header: %q\n%s", line, head)
			}
		}
	}
	if !strings.Contains(head, "Subject: [S1 Reply-To: attacker@example.com] L3 escalation: Disk full Bcc:") {
		t.Errorf("subject should keep the text on one line:\n%s", head)
	}
}

func TestEmailSubjectEncodesNonASCII(t *testing.T) {
	m := Message{Event: EventTrigger, Severity: "S2", Level: "L1", Summary: "Café orders stuck"}
	if got, want := EmailSubject(m), "=?utf-8?q?[S2]_L1_escalation:_Caf=C3=A9_orders_stuck?="; got != want {
		t.Errorf("EmailSubject = %q, want %q", got, want)
	}
	if got, want := EmailSubject(Message{Event: EventResolve, Severity: "S1", Summary: "API down"}), "[S1] Resolved: API down"; got != want {
		t.Errorf("EmailSubject = %q, want %q", got, want)
	}
}
