package web_test

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/web/webtest"
)

// Untrusted text the pages must escape.
const (
	xssMessage     = `<script>alert(1)</script><img src=x onerror=alert(2)>`
	xssMessageSafe = `&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;`
	xssContact     = `Ana <b onmouseover=alert(3)>Bold</b>`
	xssContactSafe = `Ana &lt;b onmouseover=alert(3)&gt;Bold&lt;/b&gt;`
)

// seeded are the conversations seed delivers, by display id.
type seeded map[int64]conversation.Conversation

// seed delivers five conversations that cover the queue's filters:
//
//	#101 web, open, breached 90 min ago, billing, Marco (14), XSS contact
//	     and message, a private note
//	#102 email, inbox 4, open, ok, label escalation, unassigned
//	#103 sms, pending (no clock runs), unassigned
//	#104 whatsapp, resolved on creation a minute ago (its resolution clock
//	     met); delivered after #103: without a clock, the newest come first
//	#105 web, open, urgent priority, warning (10 min left), Lee (21)
func seed(t *testing.T, s *server) seeded {
	t.Helper()
	now := time.Now()
	c101 := webtest.Conversation{DisplayID: 101, Contact: xssContact, Email: "ana@example.com", Phone: "+351 900 000 101",
		Labels: []string{"billing"}, AssigneeID: 14, Assignee: "Marco Reyes", TeamID: 3, Team: "billing", CreatedAt: now.Add(-2 * time.Hour)}
	c102 := webtest.Conversation{DisplayID: 102, Contact: "Customer Ops", Email: "ops@customer.example", Channel: "Channel::Email",
		InboxID: 4, InboxName: "Support mail", Labels: []string{"escalation"}, CreatedAt: now}
	c103 := webtest.Conversation{DisplayID: 103, Contact: "Sam Pending", Channel: "Channel::TwilioSms", Status: "pending", CreatedAt: now.Add(-time.Hour)}
	c104 := webtest.Conversation{DisplayID: 104, Contact: "Rui Resolved", Channel: "Channel::Whatsapp", Status: "resolved", CreatedAt: now.Add(-time.Minute)}
	c105 := webtest.Conversation{DisplayID: 105, Contact: "Lee Warning", Priority: "urgent", AssigneeID: 21, Assignee: "Lee Tanaka", CreatedAt: now.Add(-20 * time.Minute)}
	s.deliver(t,
		webtest.MessageCreated(c101, webtest.Message{ID: 1, Sender: xssContact, Content: xssMessage, At: now.Add(-2 * time.Hour)}),
		webtest.MessageCreated(c101, webtest.Message{ID: 2, Type: "outgoing", Private: true, Sender: "Marco Reyes",
			Content: "Check <i>Stripe</i> first\nthen refund.", At: now.Add(-time.Hour)}),
		webtest.MessageCreated(c102, webtest.Message{ID: 3, Sender: "Customer Ops", Content: "API returning 502", At: now}),
		webtest.MessageCreated(c103, webtest.Message{ID: 4, Sender: "Sam", Content: "Waiting on you", At: now.Add(-time.Hour)}),
		webtest.ConversationCreated(c104),
		webtest.MessageCreated(c105, webtest.Message{ID: 5, Sender: "Lee", Content: "Please hurry", At: now.Add(-20 * time.Minute)}),
	)
	out := seeded{}
	for d, msgs := range map[int64]int{101: 2, 102: 1, 103: 1, 104: 0, 105: 1} {
		out[d] = s.waitConversation(t, d, msgs)
	}
	return out
}

func TestQueueFiltersSortsAndPages(t *testing.T) {
	s := startCX(t)
	s.user(t, "op@example.com", auth.Operator)
	b := s.browser(t)
	b.signIn("op@example.com")
	seed(t, s)

	all := b.get("/queue")
	all.want(t, http.StatusOK, `<title>Queue · HotDash</title>`, `<a class="nav-link" href="/queue" aria-current="page">Queue</a>`,
		`sse-connect="/events/queue"`, `<span class="band band-breached">`, `<span class="band band-warning">`,
		`data-breach="#101 breached first response"`, "first response", `data-deadline`, "breached 1 h 30 min ago")
	if got := strings.Join(queueRows(all.body), ","); got != "101,105,102,103" {
		t.Fatalf("rows %s, want unresolved by deadline: breached #101, warning #105, ok #102, then #103 (no clock)", got)
	}

	cases := []struct {
		query, want string
	}{
		{"band=breached", "101"},
		{"band=warning", "105"},
		{"band=ok", "102"},
		{"status=all", "101,105,102,104,103"},
		{"status=resolved", "104"},
		{"status=pending", "103"},
		{"channel=email", "102"},
		{"channel=sms", "103"},
		{"label=billing", "101"},
		{"label=escalation", "102"},
		{"assignee=unassigned", "102,103"},
		{"assignee=UNASSIGNED", "102,103"},
		{"assignee=14", "101"},
		{"inbox_id=4", "102"},
		{"q=ana", "101"},
		{"q=%23102", "102"},
		{"escalated=true", "101,102"},
		{"channel=web&assignee=21", "105"},
	}
	for _, c := range cases {
		p := b.get("/queue?" + c.query)
		p.want(t, http.StatusOK, `sse-connect="/events/queue?`)
		if got := strings.Join(queueRows(p.body), ","); got != c.want {
			t.Errorf("/queue?%s lists %q, want %q", c.query, got, c.want)
		}
	}
	b.get("/queue?label=nothing-has-this").want(t, http.StatusOK, "No conversation matches these filters", `href="/queue">clear all filters`)
	b.get("/queue?status=all&channel=whatsapp").want(t, http.StatusOK, `<option value="all" selected>`, `<option value="whatsapp" selected>`)
	b.get("/queue?escalated=true").want(t, http.StatusOK, `name="escalated" value="true" checked`, `sse-connect="/events/queue?escalated=true"`)

	// Keyset pages of two, keeping the filters.
	var seen []string
	p := b.get("/queue?status=all&limit=2")
	for pages := 0; ; pages++ {
		p.want(t, http.StatusOK)
		seen = append(seen, queueRows(p.body)...)
		if pages > 0 && !strings.Contains(p.body, ">First page</a>") {
			t.Fatal("a later page has no link to the first")
		}
		m := nextPage.FindStringSubmatch(p.body)
		if m == nil {
			break
		}
		next := html.UnescapeString(m[1])
		if !strings.Contains(next, "status=all") || !strings.Contains(next, "limit=2") || !strings.Contains(next, "cursor=") {
			t.Fatalf("next page link %q drops the filters", next)
		}
		if pages > 5 {
			t.Fatal("the pages never end")
		}
		p = b.get(next)
	}
	if got := strings.Join(seen, ","); got != "101,105,102,104,103" {
		t.Fatalf("pages of two gave %s", got)
	}
}

var nextPage = regexp.MustCompile(`<a class="btn" id="queue-next-page" href="([^"]+)" rel="next">Next page</a>`)

func TestQueueShowsInvalidFiltersBesideTheirFields(t *testing.T) {
	s := startCX(t)
	s.user(t, "op@example.com", auth.Operator)
	b := s.browser(t)
	b.signIn("op@example.com")
	p := b.get("/queue?band=purple&status=closed&inbox_id=abc&assignee=bob&channel=fax&escalated=maybe&limit=9999&label=%3Cb%3Ex")
	p.want(t, http.StatusUnprocessableEntity,
		`id="f-band-error">must be one of ok, warning, urgent, breached`,
		`id="f-status-error">must be one of open, pending, snoozed, resolved, all`,
		`id="f-inbox-error">must be a positive number`,
		`id="f-assignee-error">must be an agent&#39;s id (a number) or “unassigned”`,
		`id="f-channel-error">must be one of web, email`,
		`id="f-escalated-error">must be true or false`,
		"page size must be a number from 1 to 200",
		`aria-invalid="true"`, `value="&lt;b&gt;x"`, "These filters cannot be applied")
	if strings.Contains(p.body, "<b>x") || strings.Contains(p.body, `sse-connect="/events/queue`) {
		t.Fatal("an echoed filter is not escaped, or invalid filters still stream")
	}
	b.get("/queue?cursor=bogus").want(t, http.StatusUnprocessableEntity, "the page link is not a cursor this API returned")
	if p := b.get("/events/queue?band=purple"); p.status != http.StatusUnprocessableEntity {
		t.Fatalf("a stream with invalid filters answered %d", p.status)
	}
}

func TestQueueEmptyStatesSayWhatTheyMean(t *testing.T) {
	s := startCX(t)
	s.user(t, "op@example.com", auth.Operator)
	b := s.browser(t)
	b.signIn("op@example.com")
	b.get("/queue").want(t, http.StatusOK, "No open conversations — when Chatwoot sends its first webhook they appear here")
	b.get("/queue?band=breached").want(t, http.StatusOK, "No open conversations — when Chatwoot sends its first webhook they appear here")
	dash := b.get("/")
	dash.want(t, http.StatusOK, "CX Escalations", "No conversation is escalated or breached.",
		"No conversation is at risk: no SLA clock is running.", "no SLA clock has ended today")

	s.deliver(t, webtest.ConversationCreated(webtest.Conversation{DisplayID: 7, Contact: "Done Already", Status: "resolved"}))
	s.waitConversation(t, 7, 0)
	done := b.get("/queue")
	done.want(t, http.StatusOK, "<strong>No open conversations</strong>", "Every conversation is resolved", `href="/queue?status=all"`)
	b.get("/queue?status=all").want(t, http.StatusOK, "#7</a>", "Done Already")
	b.get("/queue?channel=email").want(t, http.StatusOK, "No conversation matches these filters")
}

func TestConversationPageShowsEverythingEscaped(t *testing.T) {
	s := startCX(t, func(st *config.Settings) {
		st.Chatwoot.BaseURL, st.Chatwoot.APIToken = "http://127.0.0.1:9", "test-token"
	})
	s.user(t, "op@example.com", auth.Operator)
	b := s.browser(t)
	b.signIn("op@example.com")
	cs := seed(t, s)
	c := cs[101]

	p := b.get("/conversations/" + strconv.FormatInt(c.ID, 10))
	p.want(t, http.StatusOK, "<title>Conversation #101 · HotDash</title>", "#101", xssContactSafe, "ana@example.com", "&#43;351 900 000 101",
		"Website Chat", "Marco Reyes", "billing", `<span class="tag">billing</span>`,
		`href="http://127.0.0.1:9/app/accounts/7/conversations/101" target="_blank" rel="noopener noreferrer">Open in Chatwoot`,
		xssMessageSafe, "Check &lt;i&gt;Stripe&lt;/i&gt; first\nthen refund.", `<span class="note-label">Private note</span>`,
		`class="msg msg-note"`, `class="msg msg-in"`, "Customer · to the team",
		// The SLA panel and timeline.
		"Policy <strong class=\"policy\">default</strong>", `<span class="band band-breached">breached</span>`, "first response",
		"<th scope=\"row\">resolution</th>", "30 min", "24 h", "SLA bands",
		// The lead's actions go here.
		`<section class="panel" id="actions" aria-labelledby="actions-title">`, `action="/conversations/`+strconv.FormatInt(c.ID, 10)+`/actions"`, `value="remove_label">Remove <span class="tag">billing</span>`)
	for _, raw := range []string{"<script>", "<img src=x", "<i>Stripe", "<b onmouseover"} {
		if strings.Contains(p.body, raw) {
			t.Fatalf("the conversation page carries %q unescaped", raw)
		}
	}
	if strings.Index(p.body, xssMessageSafe) > strings.Index(p.body, "Stripe") {
		t.Fatal("messages are not oldest first")
	}
	if !regexp.MustCompile(`<li><span class="status">open</span>`).MatchString(p.body) {
		t.Fatal("the status timeline lacks the opening")
	}
	if strings.Count(p.body, `class="band band-`) < 3 {
		t.Fatal("the band timeline lacks the changes")
	}

	// The queue and the dashboard escape the same text.
	for _, path := range []string{"/queue", "/"} {
		page := b.get(path)
		page.want(t, http.StatusOK, xssContactSafe)
		if strings.Contains(page.body, "<b onmouseover") || strings.Contains(page.body, "<script>alert") || strings.Contains(page.body, "<img src=x") {
			t.Fatalf("%s carries customer text unescaped", path)
		}
	}
	b.get("/queue").want(t, http.StatusOK, `title="`+xssMessageSafe+`"`)
}

func TestConversationPageWithoutChatwootLinkAndUnknownIDs(t *testing.T) {
	s := startCX(t)
	s.user(t, "op@example.com", auth.Operator)
	b := s.browser(t)
	b.signIn("op@example.com")
	s.deliver(t, webtest.ConversationCreated(webtest.Conversation{DisplayID: 9, Contact: "No Link", Status: "pending"}))
	c := s.waitConversation(t, 9, 0)
	p := b.get("/conversations/" + strconv.FormatInt(c.ID, 10))
	p.want(t, http.StatusOK, "No Link", "No messages yet", "No clock is running.")
	if strings.Contains(p.body, "Open in Chatwoot") {
		t.Fatal("a link into Chatwoot without CHATWOOT_BASE_URL")
	}
	b.get("/conversations/999999").want(t, http.StatusNotFound, "There is no conversation 999999", `<nav class="app-nav"`)
	b.get("/conversations/abc").want(t, http.StatusNotFound, "positive number")
}

func TestQueueAndConversationPermissions(t *testing.T) {
	s := startCX(t)
	cs := seed(t, s)
	conv := "/conversations/" + strconv.FormatInt(cs[105].ID, 10)
	for _, role := range []auth.Role{auth.Operator, auth.Executive} {
		s.user(t, string(role)+"@example.com", role)
		b := s.browser(t)
		b.signIn(string(role) + "@example.com")
		b.get("/queue").want(t, http.StatusOK, "#105")
		b.get(conv).want(t, http.StatusOK, "Lee Warning")
		b.get("/").want(t, http.StatusOK, "CX Escalations", `href="/queue"`)
	}
	agent := s.Token(auth.Agent)
	for path, want := range map[string]int{"/queue": 200, conv: 200, "/": 403, "/decisions": 403} {
		if got := s.bearer(t, agent, path); got != want {
			t.Errorf("agent token on %s: %d, want %d", path, got, want)
		}
	}
	if got := s.browser(t).get("/queue"); got.status != http.StatusSeeOther || !strings.HasPrefix(got.location, "/login") {
		t.Fatalf("signed out /queue answered %d → %q", got.status, got.location)
	}
}

func TestHeaderSearchOpensConversationsAndDecisions(t *testing.T) {
	s := startCX(t)
	s.user(t, "op@example.com", auth.Operator)
	b := s.browser(t)
	b.signIn("op@example.com")
	s.deliver(t, webtest.ConversationCreated(webtest.Conversation{DisplayID: 42, Contact: "Forty Two"}))
	c := s.waitConversation(t, 42, 0)
	if p := b.get("/decisions?q=%2342&go=1"); p.status != http.StatusSeeOther || p.location != "/conversations/"+strconv.FormatInt(c.ID, 10) {
		t.Fatalf("#42 answered %d → %q", p.status, p.location)
	}
	if p := b.get("/decisions?q=%23+43&go=1"); p.status != http.StatusSeeOther || p.location != "/queue?q=%2343&status=all" {
		t.Fatalf("#43 (unknown) answered %d → %q", p.status, p.location)
	}
	if p := b.get("/decisions?q=42&go=1"); p.status != http.StatusSeeOther || p.location != "/decisions/42" {
		t.Fatalf("42 answered %d → %q", p.status, p.location)
	}
	b.get("/").want(t, http.StatusOK, "Search help, customers, decisions · 42 · #42", "<kbd>#42</kbd> opens Chatwoot conversation #42", "Go to the queue")
}

func TestQueueStreamsAfterAWebhook(t *testing.T) {
	var held []*http.Response
	t.Cleanup(func() {
		for _, r := range held {
			r.Body.Close()
		}
	})
	s := startCX(t)
	s.user(t, "op@example.com", auth.Operator)
	b := s.browser(t)
	b.signIn("op@example.com")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	events, resp := b.openStreamAt(ctx, "/events/queue?channel=web")
	held = append(held, resp)
	first := nextNamed(t, ctx, events, "queue-results")
	if !strings.Contains(first.data, "when Chatwoot sends its first webhook") {
		t.Fatalf("first event %+v, want the empty queue", first)
	}
	dash, resp := b.openStream(ctx)
	held = append(held, resp)
	nextNamed(t, ctx, dash, "sla-tile")

	now := time.Now()
	s.deliver(t, webtest.MessageCreated(webtest.Conversation{DisplayID: 77, Contact: "Zoë <Live>", CreatedAt: now.Add(-time.Hour)},
		webtest.Message{ID: 70, Sender: "Zoë", Content: "Still broken", At: now.Add(-time.Hour)}))
	for {
		ev := nextNamed(t, ctx, events, "queue-results")
		if strings.Contains(ev.data, "#77</a>") {
			if !strings.Contains(ev.data, "Zoë &lt;Live&gt;") || strings.Contains(ev.data, "<Live>") {
				t.Fatalf("the streamed row is not escaped:\n%s", ev.data)
			}
			if !strings.Contains(ev.data, `data-breach="#77 breached first response"`) {
				t.Fatalf("the streamed row does not carry its breach:\n%s", ev.data)
			}
			break
		}
	}
	// The dashboard's CX tiles follow too.
	for {
		ev := nextNamed(t, ctx, dash, "cx-escalations-tile")
		if strings.Contains(ev.data, "#77</a>") {
			break
		}
	}
	// A burst of webhooks is coalesced: at most one render per 300 ms.
	burst := time.Now()
	for i := range 10 {
		s.deliver(t, webtest.MessageCreated(webtest.Conversation{DisplayID: 77, Contact: "Zoë <Live>", CreatedAt: now.Add(-time.Hour)},
			webtest.Message{ID: int64(80 + i), Sender: "Zoë", Content: "burst " + strconv.Itoa(i)}))
	}
	renders := 0
	for {
		ev := nextNamed(t, ctx, events, "queue-results")
		renders++
		if strings.Contains(ev.data, "burst 9") {
			break
		}
	}
	if took := time.Since(burst); renders > int(took/(300*time.Millisecond))+2 {
		t.Fatalf("ten quick webhooks caused %d renders of the queue in %s; they should be coalesced to one per 300 ms", renders, took)
	}
	// An email conversation is not on this filtered stream's page.
	s.deliver(t, webtest.ConversationCreated(webtest.Conversation{DisplayID: 78, Contact: "Mail Only", Channel: "Channel::Email"}))
	s.waitConversation(t, 78, 0)
	ev := nextNamed(t, ctx, events, "queue-results")
	if strings.Contains(ev.data, "#78</a>") {
		t.Fatal("the stream ignores its filters")
	}
}

func TestDashboardTilesCountEscalationsAndBands(t *testing.T) {
	s := startCX(t)
	s.user(t, "lead@example.com", auth.Lead)
	b := s.browser(t)
	b.signIn("lead@example.com")
	seed(t, s)
	p := b.get("/")
	p.want(t, http.StatusOK, `id="cx-escalations-title">CX Escalations`, `sse-swap="cx-escalations-tile"`, `sse-swap="sla-tile"`,
		`href="/queue?escalated=true&amp;status=open,pending"`, "escalated or breached", `data-breach="#101 breached first response"`,
		`<span class="tag">escalation</span>`, "at risk", "1 breached", "Compliance today", "50%", "1 met, 1 missed",
		`<span class="band-seg band-breached share-`)
	tile := p.body[strings.Index(p.body, `id="cx-escalations-body"`):strings.Index(p.body, `id="sla-tile-title"`)]
	if n := regexp.MustCompile(`<span class="headline-number">(\d+)</span>`).FindStringSubmatch(tile); n == nil || n[1] != "2" {
		t.Fatalf("escalations headline %v, want 2 (#101 breached, #102 labelled)", n)
	}
	if i, j := strings.Index(tile, "#101</a>"), strings.Index(tile, "#102</a>"); i < 0 || j < 0 || i > j {
		t.Fatal("the most urgent list is not by deadline")
	}
	sla := p.body[strings.Index(p.body, `id="sla-tile-body"`):]
	if n := regexp.MustCompile(`<span class="headline-number">(\d+)</span>`).FindStringSubmatch(sla); n == nil || n[1] != "1" {
		t.Fatalf("SLA headline %v, want 1 at risk (#105 warning)", n)
	}
}
