package web_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/decisionlog"
)

// rowIDs lists the decision ids of a listing's rows, in order.
func rowIDs(body string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`<td class="num"><a href="/decisions/(\d+)">`).FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

var olderLink = regexp.MustCompile(`<a class="btn" href="([^"]+)" rel="next">Older</a>`)

func TestDecisionLogListsFiltersAndPages(t *testing.T) {
	s := start(t)
	s.user(t, "lead@example.com", auth.Lead)
	b := s.browser(t)
	b.signIn("lead@example.com")

	b.get("/decisions").want(t, http.StatusOK, "No decisions logged yet", `href="/decisions/new"`)

	past := time.Now().Add(-time.Hour)
	for i, d := range []decisionlog.Draft{
		{Scope: "build", Actor: "support", Action: "Daily summary", Rationale: "r"},
		{Scope: "ops", Actor: "maria", Action: "Escalate to L2", Rationale: "r", Severity: "S1", NextAction: "Call the customer", NextActionDue: past},
		{Scope: "ops", Actor: "maria", Action: "Refund", Rationale: "r", Severity: "S3"},
		{Scope: "ops", Actor: "li", Action: "Pause macros", Rationale: "r", NextAction: "Resume macros", NextActionDue: time.Now().Add(time.Hour)},
		{Scope: "build", Actor: "support", Action: "Daily summary", Rationale: "r"},
	} {
		d.RecordedBy = "seed"
		if e := appendDecision(t, s, d); e.ID != int64(i+1) {
			t.Fatalf("appended #%d, want #%d", e.ID, i+1)
		}
	}

	all := b.get("/decisions")
	all.want(t, http.StatusOK, `<table class="data">`, `<span class="sev sev-S1">`, `<span class="overdue-label">Overdue</span>`, `<tr class="overdue">`)
	if got := strings.Join(rowIDs(all.body), ","); got != "5,4,3,2,1" {
		t.Fatalf("rows %s, want newest first", got)
	}
	if strings.Count(all.body, `<tr class="overdue">`) != 1 {
		t.Fatal("want exactly one overdue row (#2)")
	}

	var seen []string
	p := b.get("/decisions?scope=ops&limit=2")
	for pages := 0; ; pages++ {
		p.want(t, http.StatusOK)
		seen = append(seen, rowIDs(p.body)...)
		m := olderLink.FindStringSubmatch(p.body)
		if m == nil {
			break
		}
		if pages > 0 && !strings.Contains(p.body, ">Newest</a>") {
			t.Fatal("a later page has no link back to the newest")
		}
		older := html.UnescapeString(m[1])
		if !strings.Contains(older, "scope=ops") || !strings.Contains(older, "limit=2") || !strings.Contains(older, "cursor=") {
			t.Fatalf("older link %q drops the filters", older)
		}
		p = b.get(older)
	}
	if got := strings.Join(seen, ","); got != "4,3,2" {
		t.Fatalf("ops pages gave %s, want 4,3,2", got)
	}

	cases := []struct {
		query string
		want  string
	}{
		{"?actor=maria&severity=S1", "2"},
		{"?q=MACROS", "4"},
		{"?open=true", "4,2"},
		{"?overdue=true", "2"},
		{"?action=Daily+summary", "5,1"},
		{"?from=2000-01-01&to=2999-01-01&scope=build", "5,1"},
	}
	for _, c := range cases {
		p := b.get("/decisions" + c.query)
		p.want(t, http.StatusOK)
		if got := strings.Join(rowIDs(p.body), ","); got != c.want {
			t.Errorf("%s: rows %s, want %s", c.query, got, c.want)
		}
	}
	none := b.get("/decisions?actor=nobody")
	none.want(t, http.StatusOK, "No decision matches these filters", `value="nobody"`, "Clear filters")
	none.want(t, http.StatusOK, `href="/api/v1/decisions/export?actor=nobody&amp;format=csv"`, `href="/api/v1/decisions/export?actor=nobody&amp;format=jsonl"`)

	export := b.get("/api/v1/decisions/export?format=csv&scope=build")
	if export.status != http.StatusOK || !strings.HasPrefix(export.header.Get("Content-Type"), "text/csv") || strings.Count(export.body, "Daily summary") != 2 || strings.Contains(export.body, "Refund") {
		t.Fatalf("the export link with the session cookie answered %d %q\n%s", export.status, export.header.Get("Content-Type"), export.body)
	}

	invalid := b.get("/decisions?severity=S9&from=yesterday&cursor=abc&actor=%3Cb%3Ex")
	invalid.want(t, http.StatusUnprocessableEntity, `id="severity-error">must be one of S0, S1, S2, S3`,
		`id="from-error">must be an RFC 3339 time or a date`, "is not a page of this listing", `value="&lt;b&gt;x"`)
	if strings.Contains(invalid.body, "<b>x") {
		t.Fatal("an echoed filter is not escaped")
	}

	if p := b.get("/decisions?q=4&go=1"); p.status != http.StatusSeeOther || p.location != "/decisions/4" {
		t.Fatalf("searching 4 answered %d → %q", p.status, p.location)
	}
	b.get("/decisions?q=4").want(t, http.StatusOK) // the filter form's text search stays a search
}

func TestDecisionPageShowsEverythingAndUnknownIdsAre404(t *testing.T) {
	s := start(t)
	s.user(t, "op@example.com", auth.Operator)
	b := s.browser(t)
	b.signIn("op@example.com")
	first := appendDecision(t, s, decisionlog.Draft{
		Scope: "ops", Actor: "maria <i>", Action: "Escalate", Rationale: "line one\nline two",
		Evidence: []string{"https://status.example/incidents/7", "/help?topic=escalation"},
		Severity: "S0", Status: "in_progress", IncidentRef: "INC-7", ConversationRef: "cw-4182",
		NextAction: "Page on-call", NextActionOwner: "li", NextActionDue: time.Now().Add(-time.Minute),
		Payload: []byte(`{"level":"L3","pages":2}`),
	})
	appendDecision(t, s, decisionlog.Draft{Scope: "ops", Actor: "li", Action: "Correct the level", Rationale: "was L2", CorrectsID: first.ID})

	p := b.get("/decisions/1")
	p.want(t, http.StatusOK, "<title>Decision #1 · HotDash</title>", "maria &lt;i&gt;", `<span class="sev sev-S0">`,
		`<a href="https://status.example/incidents/7" rel="noopener noreferrer">`, `<a href="/help?topic=escalation"`,
		"INC-7", "cw-4182", `<span class="hash" title="`+first.Hash+`">`, "none (first entry)",
		"&#34;level&#34;: &#34;L3&#34;", "Corrected by", `href="/decisions/2"`, "Record a correction")
	if strings.Contains(p.body, "Mark next action done") {
		t.Fatal("a corrected entry's next action is offered as open")
	}
	second := b.get("/decisions/2")
	second.want(t, http.StatusOK, `title="`+first.Hash+`"`, `<dt>Corrects</dt><dd><a href="/decisions/1">#1</a>`)

	b.get("/decisions/99").want(t, http.StatusNotFound, "There is no decision #99", `<nav class="app-nav"`)
	b.get("/decisions/abc").want(t, http.StatusNotFound, "positive numbers")
	b.get("/nowhere").want(t, http.StatusNotFound, "there is nothing at /nowhere")
}
