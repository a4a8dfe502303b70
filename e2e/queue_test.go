package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/hotdash/hotdash/internal/apptest"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/conversation"
	"github.com/hotdash/hotdash/internal/web/webtest"
)

// startCXApp runs the server accepting Chatwoot webhooks signed with
// webtest.Secret, with a Chatwoot base URL for the "Open in Chatwoot" link
// (nothing listens there: no test follows it).
func startCXApp(t *testing.T) *apptest.App {
	t.Helper()
	return apptest.Start(t, apptest.Options{Settings: func(s *config.Settings) {
		webtest.Settings(s)
		s.Chatwoot.BaseURL, s.Chatwoot.APIToken = "http://127.0.0.1:9", "e2e-token"
	}})
}

// TestQueueUpdatesLiveAndPagesPassAxe opens the empty queue, delivers
// webhooks through HTTP and watches rows appear without a reload, then
// opens a conversation, and runs axe-core on the queue, the conversation
// (a private note, a breached clock) and the dashboard's CX tiles.
func TestQueueUpdatesLiveAndPagesPassAxe(t *testing.T) {
	path := chromium(t)
	a := startCXApp(t)
	base := a.URL()
	if _, err := a.Auth.CreateUser(context.Background(), auth.NewUser{Email: "op@example.com", Name: "Olga Operator", Role: auth.Operator, Password: password}); err != nil {
		t.Fatal(err)
	}
	tab := newBrowser(t, path)
	console := watchConsole(tab)
	src := axeSource(t)
	var summary []string
	axe := func(name string) {
		t.Helper()
		summary = append(summary, name+": "+violationSummary(checkAxe(t, tab, src, name)))
	}

	signIn(t, tab, base, "op@example.com")
	waitFor(t, tab, "the empty CX tiles", `document.getElementById("sla-tile-body").innerText.includes("No conversation is at risk")`, liveWait)
	step(t, tab, "open the queue", chromedp.Navigate(base+"/queue"), chromedp.WaitReady(chromedp.ID("queue-results")))
	waitFor(t, tab, "the empty state", `document.getElementById("queue-results").innerText.includes("when Chatwoot sends its first webhook")`, liveWait)
	waitFor(t, tab, "the live stream to connect", `document.querySelector("[data-live]").dataset.live === "open"`, liveWait)
	axe("queue (empty)")
	eval[chromedp.Void](t, tab, `window.hotdashMarker = "kept"`)

	now := time.Now()
	dana := webtest.Conversation{DisplayID: 501, Contact: "Dana <em>Silva</em>", Email: "dana@example.com", Labels: []string{"billing", "vip"},
		AssigneeID: 14, Assignee: "Marco Reyes", Priority: "high", CreatedAt: now.Add(-50 * time.Minute)}
	webtest.Deliver(t, base, webtest.MessageCreated(dana, webtest.Message{ID: 1, Sender: "Dana Silva", At: now.Add(-50 * time.Minute),
		Content: "Hi, my invoice INV-2291 was charged twice.\nCan you refund one? <script>alert(1)</script><img src=x onerror=alert(2)>"}))
	waitFor(t, tab, "#501 to appear live", `!!document.querySelector("#queue-results tr[data-breach] a[href^='/conversations/']")`, liveWait)
	assertKept(t, tab)
	waitFor(t, tab, "the breach announcement", `document.getElementById("live-announcer").textContent === "#501 breached first response"`, liveWait)
	if got := eval[string](t, tab, `document.querySelector("#queue-results time[data-deadline]").textContent`); !strings.HasPrefix(got, "breached ") || !strings.HasSuffix(got, " ago") {
		t.Fatalf("the deadline reads %q, want \"breached … ago\"", got)
	}
	if got := eval[string](t, tab, `document.querySelector("#queue-results .contact-name").textContent`); got != "Dana <em>Silva</em>" {
		t.Fatalf("the contact cell reads %q: customer text must show as typed, never as markup", got)
	}

	// Focus stays on a row link while others arrive.
	eval[chromedp.Void](t, tab, `document.querySelector("#queue-results a[id^='queue-conv-']").focus()`)
	focused := eval[string](t, tab, `document.activeElement.id`)
	more := []webtest.Conversation{
		{DisplayID: 502, Contact: "Customer Ops", Email: "ops@customer.example", Channel: "Channel::Email", InboxID: 4, InboxName: "Support mail",
			Labels: []string{"escalation", "outage"}, Priority: "urgent", TeamID: 5, Team: "tier2", CreatedAt: now.Add(-18 * time.Minute)},
		{DisplayID: 503, Contact: "Lee Park", Channel: "Channel::Whatsapp", CreatedAt: now.Add(-27 * time.Minute), AssigneeID: 21, Assignee: "Lee Tanaka"},
		{DisplayID: 504, Contact: "Sam Rivera", Channel: "Channel::TwilioSms", CreatedAt: now.Add(-2 * time.Minute)},
		{DisplayID: 505, Contact: "Priya N.", Channel: "Channel::Api", Status: "pending", CreatedAt: now.Add(-3 * time.Hour)},
		{DisplayID: 506, Contact: "Jonas Weber", Email: "jonas@example.de", Labels: []string{"refund"}, CreatedAt: now.Add(-2 * time.Hour)},
	}
	texts := []string{"API returning 502 since 08:00. Still failing, please escalate to someone who can look at the gateway logs.",
		"Order 7781 arrived damaged", "Can I change my delivery address?", "Thanks, waiting for the courier.",
		"Where is my refund? It has been two weeks."}
	for i, c := range more {
		webtest.Deliver(t, base, webtest.MessageCreated(c, webtest.Message{ID: int64(10 + i), Sender: c.Contact, Content: texts[i], At: c.CreatedAt}))
	}
	waitFor(t, tab, "all six rows", `document.querySelectorAll("#queue-results tbody tr").length === 6`, liveWait)
	assertKept(t, tab)
	if got := eval[string](t, tab, `document.activeElement.id`); got != focused {
		t.Fatalf("focus moved from %q to %q during the update", focused, got)
	}
	eval[chromedp.Void](t, tab, `document.activeElement.blur()`)
	t.Logf("screenshot: %s", screenshot(t, tab, "queue"))
	axe("queue")

	// A private note and an agent reply on #501; then open it from its row.
	webtest.Deliver(t, base, webtest.MessageCreated(dana, webtest.Message{ID: 2, Type: "outgoing", Private: true, Sender: "Marco Reyes",
		Content: "[@Priya](mention://user/19/Priya) please confirm the duplicate charge in Stripe before we refund.", At: now.Add(-20 * time.Minute)}))
	webtest.Deliver(t, base, webtest.MessageCreated(dana, webtest.Message{ID: 3, Type: "outgoing", Sender: "Marco Reyes",
		Content: "Sorry for the wait, Dana. I'm checking the charge now.", At: now.Add(-time.Minute)}))
	waitMessages(t, a, 501, 3)
	// The reply shows live as the row's latest message (the note does not:
	// customers never see it). Then follow the row's link; a live update
	// may replace the row at any moment, so by its address.
	waitFor(t, tab, "the reply in #501's row", `[...document.querySelectorAll("#queue-results tbody tr")].some(r =>
		r.querySelector("a").textContent === "#501" && r.querySelector(".preview").textContent.startsWith("Sorry for the wait"))`, liveWait)
	href := eval[string](t, tab, `[...document.querySelectorAll("#queue-results a[id^='queue-conv-']")].find(a => a.textContent === "#501").getAttribute("href")`)
	step(t, tab, "open #501", chromedp.Navigate(base+href))
	waitFor(t, tab, "the conversation page", `document.querySelector("h1").textContent.startsWith("#501") && document.querySelectorAll(".msg").length === 3`, liveWait)
	if got := eval[string](t, tab, `document.querySelector(".msg-note .note-label").textContent`); got != "Private note" {
		t.Fatalf("the private note is labelled %q", got)
	}
	if got := eval[string](t, tab, `document.querySelector(".msg-in .msg-body").textContent`); !strings.Contains(got, "<script>alert(1)</script>") || !strings.Contains(got, "twice.\nCan you") {
		t.Fatalf("the customer's message reads %q: want its text as typed, line breaks kept", got)
	}
	if n := eval[int](t, tab, `document.querySelectorAll(".msg-body script, .msg-body img").length`); n != 0 {
		t.Fatalf("%d elements made from customer text", n)
	}
	if ws := eval[string](t, tab, `getComputedStyle(document.querySelector(".msg-body")).whiteSpace`); ws != "pre-wrap" {
		t.Fatalf("message white-space %q", ws)
	}
	waitFor(t, tab, "the missed first response", `[...document.querySelectorAll("table.clocks tr")].some(r => r.textContent.includes("first response") && r.textContent.includes("missed"))`, liveWait)
	if got := eval[string](t, tab, `document.querySelector("a[href*='/app/accounts/7/conversations/501']").textContent`); !strings.Contains(got, "Open in Chatwoot") {
		t.Fatalf("the Chatwoot link reads %q", got)
	}
	t.Logf("screenshot: %s", screenshot(t, tab, "conversation"))
	axe("conversation (private note, missed clock)")

	// The breached clock, still running, on another conversation.
	step(t, tab, "search #502 in the header", chromedp.Navigate(base+"/decisions?go=1&q=%23502"), chromedp.WaitReady(chromedp.CSS("table.clocks")))
	waitFor(t, tab, "conversation #502", `document.querySelector("h1").textContent.startsWith("#502")`, liveWait)
	axe("conversation (running clock)")

	step(t, tab, "open the dashboard", chromedp.Navigate(base+"/"), chromedp.WaitReady(chromedp.ID("cx-escalations-body")))
	waitFor(t, tab, "the live dashboard", `document.querySelector("[data-live]").dataset.live === "open"`, liveWait)
	waitFor(t, tab, "the escalations", `document.getElementById("cx-escalations-body").innerText.includes("#506") &&
		document.getElementById("cx-escalations-body").innerText.includes("#502")`, liveWait)
	t.Logf("screenshot: %s", screenshot(t, tab, "dashboard-cx"))
	axe("dashboard with CX tiles")

	// A conversation that arrives breached is announced once, live.
	eval[chromedp.Void](t, tab, `window.hotdashMarker = "kept"`)
	late := webtest.Conversation{DisplayID: 507, Contact: "Late Arrival", CreatedAt: now.Add(-time.Hour)}
	webtest.Deliver(t, base, webtest.MessageCreated(late, webtest.Message{ID: 30, Sender: "Late Arrival", Content: "Hello?", At: now.Add(-time.Hour)}))
	waitFor(t, tab, "#507 in the escalations", `document.getElementById("cx-escalations-body").innerText.includes("#507")`, liveWait)
	waitFor(t, tab, "the breach announcement", `document.getElementById("live-announcer").textContent === "#507 breached first response"`, liveWait)
	assertKept(t, tab)

	// g then q opens the queue.
	sctx2, cancel2 := context.WithTimeout(tab, 20*time.Second)
	defer cancel2()
	if _, err := chromedp.Run(sctx2, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.KeyEvent("gq"))); err != nil {
		t.Fatalf("g q: %v", err)
	}
	waitFor(t, tab, "the queue", `location.pathname === "/queue" && document.querySelectorAll("#queue-results tbody tr").length === 7`, liveWait)

	step(t, tab, "open the queue with bad filters", chromedp.Navigate(base+"/queue?band=purple&inbox_id=x"), chromedp.WaitReady(chromedp.CSS(".error-state")))
	axe("queue (invalid filters)")
	step(t, tab, "open the queue with no match", chromedp.Navigate(base+"/queue?label=nothing"), chromedp.WaitReady(chromedp.CSS(".empty")))
	axe("queue (nothing matches)")

	t.Log("axe-core results:\n  " + strings.Join(summary, "\n  "))
	for _, p := range console.problems() {
		t.Errorf("browser console: %s", p)
	}
}

// waitMessages waits until the projector has stored n messages of
// conversation display.
func waitMessages(t *testing.T, a *apptest.App, display int64, n int) {
	t.Helper()
	q := conversation.NewQueue(a.DB)
	ctx := context.Background()
	for deadline := time.Now().Add(liveWait); ; {
		if c, err := q.ByDisplayID(ctx, webtest.AccountID, display); err == nil {
			if msgs, err := q.Messages(ctx, c.ID, 100); err == nil && len(msgs) >= n {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("conversation #%d did not get %d messages in time", display, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// assertKept checks the page did not reload since the marker was set.
func assertKept(t *testing.T, tab context.Context) {
	t.Helper()
	if got := eval[string](t, tab, `String(window.hotdashMarker)`); got != "kept" {
		t.Fatalf("the page reloaded (marker = %q)", got)
	}
}
