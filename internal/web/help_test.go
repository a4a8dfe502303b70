package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/decisionlog"
)

// withHelp starts the app with the Help Center's test articles imported.
func withHelp(t *testing.T) *server {
	t.Helper()
	s := start(t)
	if _, err := s.Help.Import(context.Background(), os.DirFS("../helpcenter/testdata/articles"), "admin@example.com"); err != nil {
		t.Fatalf("import test articles: %v", err)
	}
	return s
}

func TestHelpListsSearchesAndOpensTopics(t *testing.T) {
	s := withHelp(t)
	s.user(t, "op@example.com", auth.Operator)
	b := s.browser(t)
	b.signIn("op@example.com")

	b.get("/help").want(t, http.StatusOK, "Tutorials", "How-to guides", "Reference", "Explanation",
		`href="/help/chatwoot-health"`, `aria-current="page">Help</a>`, "stale: review was due 2026-11-01")

	p := b.get("/help?q=" + url.QueryEscape("exit code 3"))
	p.want(t, http.StatusOK, `href="/help/chatwoot-health#health-exit-3"`, "<mark>", "Exit code 3: the token or account")
	if !strings.Contains(p.body, "<html") {
		t.Error("/help?q= should be a full page")
	}

	req, _ := http.NewRequest(http.MethodGet, s.url+"/help?q=webhook", nil)
	req.Header.Set("HX-Request", "true")
	frag := b.do(req)
	frag.want(t, http.StatusOK, `href="/help/webhook-setup#configure-the-webhook"`)
	if strings.Contains(frag.body, "<html") {
		t.Error("an htmx search should answer with the results fragment only")
	}

	topic := b.get("/help?topic=health-exit-3")
	if topic.status != http.StatusSeeOther || topic.location != "/help/chatwoot-health#health-exit-3" {
		t.Fatalf("topic: %d %q", topic.status, topic.location)
	}
	b.get("/help/chatwoot-health").want(t, http.StatusOK, `<h2 id="health-exit-3">`, "Runbook kept by <strong>support-lead</strong>")
	if p := b.get("/help?topic=chatwoot-health"); p.location != "/help/chatwoot-health" {
		t.Errorf("article topic: %q", p.location)
	}

	b.get("/help?topic=zyxwv-quokka").want(t, http.StatusNotFound, "There is no help topic “zyxwv-quokka”", `value="zyxwv quokka"`)
	b.get("/help/no-such-article").want(t, http.StatusNotFound, "There is no help topic")
}

func TestHelpSearchTextIsEscapedOnThePage(t *testing.T) {
	s := withHelp(t)
	s.user(t, "op@example.com", auth.Operator)
	b := s.browser(t)
	b.signIn("op@example.com")
	for _, q := range []string{`<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`, `<b>webhook</b>`} {
		p := b.get("/help?q=" + url.QueryEscape(q))
		p.want(t, http.StatusOK)
		for _, bad := range []string{"<script>alert", "<img src=x", "<b>webhook"} {
			if strings.Contains(p.body, bad) {
				t.Errorf("query %q put %q into the page unescaped", q, bad)
			}
		}
	}
	// The query's own <mark> stays text; only the engine's matches are marked.
	b.get("/help?q="+url.QueryEscape(`<mark>webhook</mark>`)).want(t, http.StatusOK, "&lt;mark&gt;webhook&lt;/mark&gt;", "<mark>")
}

func TestHelpFeedbackAndZeroResultSearchesReachTheGapsPage(t *testing.T) {
	s := withHelp(t)
	s.user(t, "op@example.com", auth.Operator)
	s.user(t, "mgr@example.com", auth.Manager)
	op := s.browser(t)
	op.signIn("op@example.com")
	op.get("/help?q="+url.QueryEscape("zyxwv quokka")).want(t, http.StatusOK, "No article matches")
	p := op.post("/help/sla-clocks/feedback", url.Values{"helpful": {"no"}, "comment": {"Says nothing about <holidays>"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("feedback: %d %s", p.status, p.body)
	}
	op.get(p.location).want(t, http.StatusOK, "Thank you")
	op.get("/help/gaps").want(t, http.StatusForbidden)

	mgr := s.browser(t)
	mgr.signIn("mgr@example.com")
	mgr.get("/help/gaps").want(t, http.StatusOK, "zyxwv quokka", `href="/help/sla-clocks"`, "Says nothing about &lt;holidays&gt;",
		"Webhook setup", "devops")
}

func TestHelpEditorsSaveWithPreviewAndConflictsKeepTheText(t *testing.T) {
	s := withHelp(t)
	s.user(t, "lead@example.com", auth.Lead)
	s.user(t, "op@example.com", auth.Operator)
	op := s.browser(t)
	op.signIn("op@example.com")
	op.get("/help/sla-clocks/edit").want(t, http.StatusForbidden)

	lead := s.browser(t)
	lead.signIn("lead@example.com")
	cur, err := s.Help.Get(context.Background(), "sla-clocks")
	if err != nil {
		t.Fatal(err)
	}
	v := strconv.FormatInt(cur.Version, 10)
	lead.get("/help/sla-clocks/edit").want(t, http.StatusOK, `name="version" value="`+v+`"`, "Each conversation runs three clocks")
	prev := lead.post("/help/preview", url.Values{"body": {"## Hi {#hi}\n\n<script>alert(1)</script>\n\n**bold**"}})
	prev.want(t, http.StatusOK, `<h2 id="hi">Hi</h2>`, "<strong>bold</strong>")
	if strings.Contains(prev.body, "<script") {
		t.Errorf("preview let script through: %s", prev.body)
	}

	form := url.Values{"version": {v}, "title": {"SLA clocks"}, "kind": {"reference"}, "keywords": {"deadline"}, "body": {"First edit wins."}}
	lead.post("/help/sla-clocks/edit", form).want(t, http.StatusSeeOther)
	form.Set("body", "My careful second edit, typed for ten minutes.")
	lead.post("/help/sla-clocks/edit", form).want(t, http.StatusConflict, "changed by someone else", "My careful second edit, typed for ten minutes.",
		`name="version" value="`+strconv.FormatInt(cur.Version+1, 10)+`"`)

	bad := url.Values{"id": {"Bad Id"}, "title": {""}, "kind": {"how-to"}, "body": {"x"}}
	lead.post("/help/new", bad).want(t, http.StatusUnprocessableEntity, "Topic id", "Title")
	ok := url.Values{"id": {"zyxwv-quokka"}, "title": {"Refund policy"}, "kind": {"how-to"}, "body": {"Refunds over 100 EUR need a lead."},
		"runbook": {"on"}, "owner": {"finance"}, "review_by": {"2027-01-31"}}
	if p := lead.post("/help/new", ok); p.status != http.StatusSeeOther || p.location != "/help/zyxwv-quokka" {
		t.Fatalf("create: %d %q %s", p.status, p.location, p.body)
	}
	entries, _, err := s.Decisions.List(context.Background(), decisionlog.Filter{}, decisionlog.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action+" by "+e.Actor)
	}
	if got := strings.Join(actions, ", "); !strings.Contains(got, "help.create by lead@example.com") || !strings.Contains(got, "help.edit by lead@example.com") ||
		!strings.Contains(got, "help.import by admin@example.com") {
		t.Errorf("decision log: %s", got)
	}
}

func TestDashboardTilesAndErrorPagesLinkTheirHelpTopics(t *testing.T) {
	s := withHelp(t)
	s.user(t, "lead@example.com", auth.Lead)
	b := s.browser(t)
	b.signIn("lead@example.com")
	b.get("/").want(t, http.StatusOK, `href="/help?topic=decision-log"`, `href="/help?topic=reviewing-drafts"`,
		`href="/help?topic=escalation-ladder"`, `href="/help?topic=sla-clocks"`, `href="/help?topic=sla-bands"`, "Help: SLA bands",
		`href="/help?topic=chatwoot-health"`, `href="/help?topic=notifications"`, `href="/help?topic=handoff"`)
	b.get("/decisions/999999").want(t, http.StatusNotFound, `href="/help?topic=error-404"`)
	b.get("/admin/users").want(t, http.StatusForbidden, `href="/help?topic=error-403"`)
}

func TestHelpAPISearchesAndReadsArticles(t *testing.T) {
	s := withHelp(t)
	c := s.Client(auth.Operator)
	ctx := context.Background()
	res, err := c.SearchHelp(ctx, "signature")
	if err != nil || len(res.Hits) == 0 || res.Hits[0].URL != "/help/webhook-setup#webhook-signature" || !strings.Contains(res.Hits[0].Snippet, "<mark>") {
		t.Fatalf("search: %+v %v", res, err)
	}
	for _, q := range []string{`"`, `title:`, `NOT`, `*`, strings.Repeat("🔥", 1000), `'; DROP TABLE help_articles; --`} {
		if _, err := c.SearchHelp(ctx, q); err != nil {
			t.Errorf("search %q: %v", q, err)
		}
	}
	list, err := c.HelpArticles(ctx)
	if err != nil || len(list) < 6 {
		t.Fatalf("list: %d %v", len(list), err)
	}
	a, err := c.HelpArticle(ctx, "chatwoot-health")
	if err != nil || a.Version < 1 || !a.Runbook || len(a.Sections) != 3 || !a.Sections[1].Topic || a.Sections[1].Anchor != "health-exit-3" {
		t.Fatalf("article: %+v %v", a, err)
	}
	var apiErr *client.Error
	if _, err := c.HelpArticle(ctx, "nope"); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Errorf("missing article: %v", err)
	}
}
