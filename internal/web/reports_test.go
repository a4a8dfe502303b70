package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/auth"
)

func TestAHandoffFromStartToAcknowledgement(t *testing.T) {
	s := start(t)
	s.user(t, "olga@example.com", auth.Operator)
	s.user(t, "lead@example.com", auth.Lead)
	op := s.browser(t)
	op.signIn("olga@example.com")
	op.get("/").want(t, http.StatusOK, `id="handoff-tile-title">Handoff`, "No handoff is waiting for acknowledgement", `action="/handoffs"`)
	op.get("/decisions/new").want(t, http.StatusOK, `name="customer_promise"`)
	if p := op.post("/decisions/new", url.Values{"idempotency_key": {"k-promise-1"}, "scope": {"ops"}, "actor": {"olga"}, "action": {"promise"},
		"rationale": {"Told ACME we would call"}, "next_action": {"Call ACME back"}, "next_action_owner": {"olga"},
		"customer_promise": {"1"}, "payload": {`{"order": 1042}`}}); p.status != http.StatusSeeOther {
		t.Fatalf("log a promise: %d\n%s", p.status, p.body)
	}

	p := op.post("/handoffs", url.Values{})
	if p.status != http.StatusSeeOther || p.location != "/handoffs/1" {
		t.Fatalf("start: %d → %q\n%s", p.status, p.location, p.body)
	}
	op.get("/handoffs/1").want(t, http.StatusOK, "Drafted from the live state", "## Open incidents", `name="version" value="1"`, "Save handoff",
		"## Customer promises\n- #1 Call ACME back (olga)", "Customer promise <a href=\"/decisions/1\">#1</a> Call ACME back")
	op.post("/handoffs/1/edit", url.Values{"version": {"1"}, "do": {"save"}, "summary": {"  "}}).
		want(t, http.StatusUnprocessableEntity, "fix the fields marked below", `id="f-summary-error"`)
	p = op.post("/handoffs/1/edit", url.Values{"version": {"1"}, "do": {"draft"}, "summary": {"All <b>quiet</b>"}, "notes": {"Printer jam"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("keep draft: %d\n%s", p.status, p.body)
	}
	op.post("/handoffs/1/edit", url.Values{"version": {"1"}, "do": {"save"}, "summary": {"stale"}}).
		want(t, http.StatusConflict, "Nothing was saved: the handoff changed since you opened it")
	p = op.post("/handoffs/1/edit", url.Values{"version": {"2"}, "do": {"save"}, "summary": {"All <b>quiet</b>"}, "blockers": {"Email inbox down"}, "notes": {"Printer jam"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", p.status, p.body)
	}
	op.get("/handoffs/1").want(t, http.StatusOK, "Handoff saved to the Decision Log as #2", "All &lt;b&gt;quiet&lt;/b&gt;", `id="handoff-state">saved`,
		"Email inbox down", `href="/decisions/2"`, "Acknowledge handoff")

	lead := s.browser(t)
	lead.signIn("lead@example.com")
	lead.get("/").want(t, http.StatusOK, `<span class="headline-number">1</span>
    <span class="headline-label">waiting for acknowledgement</span>`, `href="/handoffs/1"`)
	lead.post("/handoffs/1/acknowledge", url.Values{})
	lead.get("/handoffs/1").want(t, http.StatusOK, "Acknowledged handoff #1", "by lead@example.com")
	lead.post("/handoffs/1/acknowledge", url.Values{}).want(t, http.StatusConflict, "Only a saved handoff can be acknowledged")
	lead.get("/decisions/2").want(t, http.StatusOK, "shift_handoff")
	lead.get("/decisions/1").want(t, http.StatusOK, "customer_promise")
	lead.get("/").want(t, http.StatusOK, "No handoff is waiting for acknowledgement", "acknowledged")
}

func TestDailyAndWeeklyReportPagesAndExports(t *testing.T) {
	s := start(t)
	s.user(t, "lead@example.com", auth.Lead)
	s.user(t, "exec@example.com", auth.Executive)
	b := s.browser(t)
	b.signIn("lead@example.com")
	b.get("/reports").want(t, http.StatusOK, "Daily summary", "Weekly gaps", "None yet.")
	page := b.get("/reports/daily")
	page.want(t, http.StatusOK, "Not saved to the Decision Log yet", "No conversations came in", "Save to the Decision Log", "No open follow-ups")
	date := between(page.body, `name="date" value="`, `"`)
	p := b.post("/reports/daily", url.Values{"date": {date}})
	if p.status != http.StatusSeeOther || p.location != "/reports/daily?date="+date {
		t.Fatalf("save: %d → %q", p.status, p.location)
	}
	b.get(p.location).want(t, http.StatusOK, "Saved the summary of "+date+" to the Decision Log as #1", "Save again (corrects #1)")
	b.post("/reports/daily", url.Values{"date": {date}})
	b.get(p.location).want(t, http.StatusOK, "was already saved as #1; nothing new was logged")
	b.get("/reports").want(t, http.StatusOK, `href="/decisions/1"`, "Daily summary for "+date)

	md := b.get("/reports/daily?date=" + date + "&format=md")
	md.want(t, http.StatusOK, "# Daily summary — "+date, "Saved as Decision Log entry [#1]")
	if ct := md.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/markdown") {
		t.Errorf("markdown content type %q", ct)
	}
	b.get("/reports/daily?date="+date+"&format=csv").want(t, http.StatusOK, "section,name,measure,value\nsla,all,met,0")
	b.get("/reports/daily?date="+date+"&format=json").want(t, http.StatusOK, `"date":"`+date+`"`, `"decision_id":1`)
	b.get("/reports/daily?format=xml").want(t, http.StatusUnprocessableEntity)
	b.get("/reports/daily?date=yesterday").want(t, http.StatusUnprocessableEntity)

	b.get("/reports/weekly").want(t, http.StatusOK, "Every search found something.", "No runbook is past its review date.",
		"Every ladder level links a runbook.", "No cause escalated twice") // the shipped incident runbook's sections
	b.get("/reports/weekly?format=md").want(t, http.StatusOK, "# Weekly gaps — week of", "## Missing runbooks")

	exec := s.browser(t)
	exec.signIn("exec@example.com")
	exec.get("/reports/weekly").want(t, http.StatusOK, "Weekly gaps")
	exec.post("/reports/daily", url.Values{"date": {date}}).want(t, http.StatusForbidden)
	exec.post("/handoffs", url.Values{}).want(t, http.StatusForbidden)
}

func TestReportChartsDrawTheDaysFigures(t *testing.T) {
	s := start(t)
	s.user(t, "lead@example.com", auth.Lead)
	now := s.Clock.Now().Add(-time.Minute)
	var conv int64
	err := s.DB.Write.QueryRow(`INSERT INTO conversations (source, account_id, display_id, inbox_id, inbox_name, channel, status, priority, labels,
		assignee_name, team_name, contact_name, contact_email, contact_phone, preview, created_at, source_updated_at, projected_at,
		sla_policy, sla_clock, sla_band, sla_clocks)
		VALUES ('chatwoot', 1, 7, 1, 'inbox', 'email', 'open', '', '[]', '', '', 'Ann <b>', '', '', '', $1, $1, $1, 'default', '', '', '[]')
		RETURNING id`, now).Scan(&conv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB.Write.Exec(`INSERT INTO sla_met (conversation_id, clock, started_at, met_at) VALUES ($1, 'first_response', $2, $2)`, conv, now); err != nil {
		t.Fatal(err)
	}
	b := s.browser(t)
	b.signIn("lead@example.com")
	b.get("/reports/daily").want(t, http.StatusOK, `<title id="volume-chart-title">Conversations in and resolved by channel</title>`,
		`<title>email: 1 in</title>`, `<title>email: 0 resolved</title>`, `<th scope="row">first response</th><td>email</td><td class="num">1</td><td class="num">0</td><td class="num">100 %</td>`)
	b.get("/reports/weekly").want(t, http.StatusOK, `<title id="sla-chart-title">SLA compliance by channel and day</title>`,
		`class="series series-tone"`, `class="series-marker"`, `<a href="/queue?channel=email">email</a>`)
}
