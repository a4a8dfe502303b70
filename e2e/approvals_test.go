package e2e

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/approval"
	"github.com/hotdash/hotdash/internal/apptest"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/chatwoot"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/simulator"
)

// TestAReviewerWorksTheQueueWithTheKeyboard: a high-risk draft arrives live
// on the approvals queue; the reviewer moves to it with j, opens it, is
// told to grade first, grades it with G and 1–5, approves with a, and the
// simulated Chatwoot receives exactly one outgoing message.
func TestAReviewerWorksTheQueueWithTheKeyboard(t *testing.T) {
	path := chromium(t)
	sim, err := simulator.New(simulator.Options{Token: "sim-token", AccountID: 1, Contacts: 3, Seed: 21,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	cw := httptest.NewServer(sim.Handler())
	t.Cleanup(cw.Close)
	display, err := sim.NewConversation(sim.Inboxes()[0].ID, 0, "Hi, my order has not arrived yet.")
	if err != nil {
		t.Fatal(err)
	}
	live := false
	a := apptest.Start(t, apptest.Options{Settings: func(s *config.Settings) {
		s.Chatwoot = config.Chatwoot{BaseURL: cw.URL, APIToken: "sim-token", AccountID: 1, WebhookSecret: "sim-secret",
			ReconcileEvery: time.Hour, DryRun: &live}
	}})
	sim.AddWebhook(simulator.Webhook{URL: a.URL() + "/webhooks/chatwoot", Secret: "sim-secret"})
	if _, err := a.Auth.CreateUser(context.Background(), auth.NewUser{Email: "lead@example.com", Name: "Lia Lead", Role: auth.Lead, Password: password}); err != nil {
		t.Fatal(err)
	}
	agent := a.Client(auth.Agent)
	submit := func(text string) client.Draft {
		t.Helper()
		deadline := time.Now().Add(liveWait)
		for {
			d, err := agent.SubmitDraft(context.Background(), client.NewDraft{ConversationDisplayID: display, Kind: "reply", Text: text, Agent: "helper-bot", Model: "m1"}, "")
			if err == nil {
				return d
			}
			if time.Now().After(deadline) { // the conversation's webhook may still be on its way
				t.Fatalf("submit draft: %v", err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	calm := submit("Thanks for your patience, we are checking.")

	tab := newBrowser(t, path)
	console := watchConsole(tab)
	src := axeSource(t)
	signIn(t, tab, a.URL(), "lead@example.com")
	step(t, tab, "open the approvals queue", chromedp.Navigate(a.URL()+"/approvals"), chromedp.WaitReady(chromedp.ID("approvals-results")))
	waitFor(t, tab, "the live stream to connect", `document.querySelector("[data-live]").dataset.live === "open"`, liveWait)
	risky := submit("We have refunded the duplicate charge of $40.")
	riskyLink := "draft-link-" + strconv.FormatInt(risky.ID, 10)
	waitFor(t, tab, "the high-risk draft to appear live, first", `document.querySelector("#approvals-results a[id^='draft-link-']").id === "`+riskyLink+`"`, liveWait)
	checkAxe(t, tab, src, "approvals queue")

	step(t, tab, "press j", chromedp.KeyEvent("j"))
	if got := eval[string](t, tab, `document.activeElement.id`); got != riskyLink {
		t.Fatalf("j focused %q, want the high-risk draft", got)
	}
	pressAndLoad(t, tab, "press Enter", "\r")
	waitFor(t, tab, "the review page", `!!document.querySelector("[data-review-form]")`, liveWait)
	if got := eval[string](t, tab, `document.querySelector("#agent-text mark").textContent`); got != "refunded" {
		t.Fatalf("the highlighted words are %q", got)
	}
	checkAxe(t, tab, src, "draft review")

	step(t, tab, "press a before grading", chromedp.KeyEvent("a"))
	waitFor(t, tab, "the grade-first hint", `document.querySelector("[data-review-hint]").textContent.includes("Grade tone")`, liveWait)
	step(t, tab, "press G", chromedp.KeyEvent("G"))
	if got := eval[string](t, tab, `document.activeElement.name`); got != "tone" {
		t.Fatalf("G focused %q, want the tone grades", got)
	}
	step(t, tab, "grade 5, 4, 5", chromedp.KeyEvent("5"), chromedp.KeyEvent("4"), chromedp.KeyEvent("5"))
	grades := eval[string](t, tab, `["tone","accuracy","policy"].map(n => document.querySelector("input[name='"+n+"']:checked").value).join("")`)
	if grades != "545" {
		t.Fatalf("grades %q", grades)
	}
	pressAndLoad(t, tab, "press a", "a")
	calmPath := "/approvals/" + strconv.FormatInt(calm.ID, 10)
	waitFor(t, tab, "the next draft after approving", `location.pathname === "`+calmPath+`" && document.body.innerText.includes("approved; it is being sent")`, liveWait)

	deadline := time.Now().Add(liveWait)
	for {
		d, err := a.Approvals.Get(context.Background(), risky.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.State == approval.StateSent && !d.ConfirmedAt.IsZero() {
			if d.Grades == nil || *d.Grades != (approval.Grades{Tone: 5, Accuracy: 4, Policy: 5}) || d.Reviewer != "lead@example.com" {
				t.Fatalf("approved draft %+v", d)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the draft is %s (%s), not sent and confirmed", d.State, d.StateReason)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var out []string
	for _, m := range sim.Messages(display) {
		if m.Type == chatwoot.MessageOutgoing && !m.Private {
			out = append(out, m.Content)
		}
	}
	if len(out) != 1 || out[0] != risky.Text {
		t.Fatalf("Chatwoot received %q, want the one approved reply", out)
	}
	step(t, tab, "open the grading page", chromedp.Navigate(a.URL()+"/approvals/grading"), chromedp.WaitReady(chromedp.CSS("main h1")))
	checkAxe(t, tab, src, "grading (one graded reply)")
	if p := console.problems(); len(p) > 0 {
		t.Fatalf("browser console: %s", strings.Join(p, "\n"))
	}
}

// pressAndLoad presses a key that leads to another page and waits for it
// to load.
func pressAndLoad(t *testing.T, tab context.Context, what, key string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(tab, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(sctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.KeyEvent(key))); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
