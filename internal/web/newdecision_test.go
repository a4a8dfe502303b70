package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/decisionlog"
)

var formKey = regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`)

// newForm opens the new-decision form and returns its idempotency key.
func (b *browser) newForm(query string) string {
	b.t.Helper()
	p := b.get("/decisions/new" + query)
	p.want(b.t, http.StatusOK, "Log a decision")
	m := formKey.FindStringSubmatch(p.body)
	if m == nil {
		b.t.Fatalf("the form has no idempotency key\n%s", p.body)
	}
	return m[1]
}

func TestLoggingADecisionThroughTheForm(t *testing.T) {
	s := start(t)
	s.user(t, "op@example.com", auth.Operator)
	b := s.browser(t)
	b.signIn("op@example.com")

	page := b.get("/decisions/new")
	page.want(t, http.StatusOK, `name="actor" type="text" value="op@example.com"`, `name="tz_offset"`)
	key := b.newForm("")

	const attack = `<script>alert(1)</script>`
	bad := url.Values{
		"idempotency_key": {key}, "scope": {"ops"}, "actor": {"op@example.com"}, "action": {""},
		"rationale": {"Refund approved " + attack}, "evidence": {"https://runbooks.example/refunds\njavascript:alert(1)"},
		"severity": {"S7"}, "payload": {"not json"}, "next_action_owner": {"maria"},
		"next_action_due": {"tomorrow-ish"},
	}
	p := b.post("/decisions/new", bad)
	p.want(t, http.StatusUnprocessableEntity, "Nothing was saved", "must be a date and time", `value="maria"`)
	bad.Set("next_action_due", "")
	p = b.post("/decisions/new", bad)
	p.want(t, http.StatusUnprocessableEntity,
		`<p class="field-error" id="f-action-error">is required</p>`,
		"must be one of S0, S1, S2, S3", "must be a JSON object", "is not an http(s) URL",
		"Refund approved &lt;script&gt;alert(1)&lt;/script&gt;", `value="`+key+`"`,
		`href="#f-action"`, `aria-invalid="true"`)
	if strings.Contains(p.body, attack) {
		t.Fatal("the rationale came back as a live <script> tag")
	}
	if n, _ := s.Decisions.Count(context.Background(), decisionlog.Filter{}); n != 0 {
		t.Fatalf("%d entries after a rejected form", n)
	}

	good := url.Values{
		"idempotency_key": {key}, "scope": {"ops"}, "actor": {"op@example.com"}, "action": {"Refund order 1042"},
		"rationale": {"Customer was charged twice " + attack}, "evidence": {"https://runbooks.example/refunds\r\n/help?topic=refunds\r\n"},
		"severity": {"S2"}, "status": {"completed"}, "next_action": {"Confirm the refund landed"},
		"next_action_owner": {"maria"}, "next_action_due": {"2030-12-01T17:00"}, "tz_offset": {"60"},
		"payload": {`{"order": 1042, "amount_eur": 40}`},
	}
	p = b.post("/decisions/new", good)
	if p.status != http.StatusSeeOther || p.location != "/" {
		t.Fatalf("log: %d → %q\n%s", p.status, p.location, p.body)
	}
	b.get("/").want(t, http.StatusOK, "Decision #1 logged.", "Refund order 1042", "Confirm the refund landed", `<span class="headline-number">1</span>`)

	e, err := s.Decisions.Get(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2030, 12, 1, 16, 0, 0, 0, time.UTC); !e.NextActionDue.Equal(want) {
		t.Errorf("due %v, want %v (17:00 at UTC+1)", e.NextActionDue, want)
	}
	if e.RecordedBy != "op@example.com" || len(e.Evidence) != 2 || e.IdempotencyKey != key {
		t.Errorf("stored %+v", e)
	}
}

func TestSubmittingTheSameFormTwiceLogsOnce(t *testing.T) {
	s := start(t)
	s.user(t, "op@example.com", auth.Operator)
	b := s.browser(t)
	b.signIn("op@example.com")
	key := b.newForm("")
	form := url.Values{"idempotency_key": {key}, "scope": {"build"}, "actor": {"support"}, "action": {"Daily summary"}, "rationale": {"End of day"}}

	first := b.post("/decisions/new", form)
	second := b.post("/decisions/new", form)
	for _, p := range []page{first, second} {
		if p.status != http.StatusSeeOther || p.location != "/" {
			t.Fatalf("submit: %d → %q\n%s", p.status, p.location, p.body)
		}
	}
	b.get("/").want(t, http.StatusOK, "Decision #1 was already logged")
	if n, _ := s.Decisions.Count(context.Background(), decisionlog.Filter{}); n != 1 {
		t.Fatalf("%d entries after a double submit, want 1", n)
	}
	if other := b.newForm(""); other == key {
		t.Fatal("two renders of the form share an idempotency key")
	}
}

func TestCorrectionsAndClosingNextActions(t *testing.T) {
	s := start(t)
	s.user(t, "op@example.com", auth.Operator)
	b := s.browser(t)
	b.signIn("op@example.com")
	appendDecision(t, s, decisionlog.Draft{Scope: "ops", Actor: "op", Action: "Pause refunds", Rationale: "r", NextAction: "Resume refunds"})

	b.get("/decisions/1").want(t, http.StatusOK, "Mark next action done", `href="/decisions/new?closes=1"`, `href="/decisions/new?corrects=1"`)
	b.get("/decisions/new?closes=1").want(t, http.StatusOK, "marks the next action of", "Resume refunds", `name="closes_id" value="1"`)
	key := b.newForm("?closes=1")
	p := b.post("/decisions/new", url.Values{"idempotency_key": {key}, "closes_id": {"1"}, "scope": {"ops"}, "actor": {"op"}, "action": {"Refunds resumed"}, "rationale": {"done"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("close: %d\n%s", p.status, p.body)
	}
	entry := b.get("/decisions/1")
	entry.want(t, http.StatusOK, "Next action closed by", `href="/decisions/2"`)
	if strings.Contains(entry.body, "Mark next action done") {
		t.Fatal("a closed next action still offers to be marked done")
	}
	key = b.newForm("?closes=1")
	b.post("/decisions/new", url.Values{"idempotency_key": {key}, "closes_id": {"1"}, "scope": {"ops"}, "actor": {"op"}, "action": {"Again"}, "rationale": {"x"}}).
		want(t, http.StatusUnprocessableEntity, "already closed by #2")
	b.get("/decisions/new?corrects=99").want(t, http.StatusOK, "decision #99 does not exist")
}

func appendDecision(t *testing.T, s *server, d decisionlog.Draft) decisionlog.Entry {
	t.Helper()
	if d.RecordedBy == "" {
		d.RecordedBy = "test"
	}
	e, _, err := s.Decisions.Append(context.Background(), d)
	if err != nil {
		t.Fatalf("append %+v: %v", d, err)
	}
	return e
}
