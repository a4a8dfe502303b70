package e2e

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/apptest"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/demo"
)

// dashboardTiles are the tiles the home page brings together, in the
// order a reader meets them.
var dashboardTiles = []string{"Decision Log", "Approvals", "Incidents & escalations", "Chatwoot health", "Notifications", "Handoff", "CX Escalations", "SLA"}

// TestTheDashboardHomeWithDemoData runs what `hotdash serve --demo` runs
// (a simulated Chatwoot sending traffic, the pretend AI agent, the sample
// decisions and incidents) and checks the home page a lead opens: every
// tile, each linking to its page and its Help Center topic; screenshots at 1366×768 and on a phone
// for a human eye; nothing wider than a phone's screen; and a new
// high-risk draft arriving on the Approvals tile without a reload.
func TestTheDashboardHomeWithDemoData(t *testing.T) {
	path := chromium(t)
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	sim, err := demo.StartChatwoot(logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	a := apptest.Start(t, apptest.Options{Settings: func(s *config.Settings) { s.Chatwoot = sim.Settings() }})
	if _, err := demo.Seed(ctx, a.App); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Auth.CreateUser(ctx, auth.NewUser{Email: "lead@example.com", Name: "Lia Lead", Role: auth.Lead, Password: password}); err != nil {
		t.Fatal(err)
	}
	if err := demo.SeedIncidents(ctx, a.App); err != nil {
		t.Fatal(err)
	}
	if err := sim.Connect(a.URL(), 5); err != nil {
		t.Fatal(err)
	}
	openConversation(t, a)
	agentCtx, stopAgent := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		demo.NewAgent(a.Approvals, a.Conversations(), logger).Run(agentCtx, 100*time.Millisecond)
	}()
	time.Sleep(time.Second)
	stopAgent()
	<-done

	tab := newBrowser(t, path)
	console := watchConsole(tab)
	signIn(t, tab, a.URL(), "lead@example.com")
	waitFor(t, tab, "the live stream to connect", `document.querySelector("[data-live]").dataset.live === "open"`, liveWait)
	titles := eval[[]string](t, tab, `[...document.querySelectorAll(".tile .tile-title")].map(e => e.textContent.trim())`)
	for _, want := range dashboardTiles {
		if !contains(titles, want) {
			t.Errorf("the dashboard lacks the %q tile (it has %q)", want, titles)
		}
	}
	if bad := eval[[]string](t, tab, `[...document.querySelectorAll(".tile")].filter(s => !s.querySelector(".tile-head a.tile-all[href^='/']")).map(s => s.querySelector(".tile-title").textContent)`); len(bad) > 0 {
		t.Errorf("tiles without a link to their page: %q", bad)
	}
	if bad := eval[[]string](t, tab, `[...document.querySelectorAll(".tile")].filter(s => !s.querySelector(".tile-head a[href^='/help?topic=']")).map(s => s.querySelector(".tile-title").textContent)`); len(bad) > 0 {
		t.Errorf("tiles without a link to their Help Center topic: %q", bad)
	}
	screenshot(t, tab, "dashboard-1366x768")

	// Hold the simulated account still: a conversation it resolves would
	// expire its drafts and move the count the test is about to watch.
	sim.StopTraffic()
	before := settledApprovals(t, tab, a)
	eval[chromedp.Void](t, tab, `window.hotdashMarker = "kept"`)
	d := submitHighRisk(t, a)
	if d.Risk != "high" {
		t.Fatalf("the draft is %s risk", d.Risk)
	}
	waitFor(t, tab, "the new draft on the Approvals tile",
		`document.querySelector("#approvals-tile-body .headline-number").textContent.trim() === "`+strconv.Itoa(before+1)+`"`, liveWait)
	if got := eval[string](t, tab, `window.hotdashMarker || ""`); got != "kept" {
		t.Fatal("the page reloaded to show the new draft")
	}
	if text := eval[string](t, tab, `document.getElementById("approvals-tile-body").innerText`); !strings.Contains(text, "high") {
		t.Errorf("the Approvals tile does not show the high-risk count: %q", text)
	}

	step(t, tab, "turn into a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Reload(), chromedp.WaitReady(chromedp.ID("approvals-tile-body")))
	if over := eval[bool](t, tab, `document.documentElement.scrollWidth > window.innerWidth + 1`); over {
		wide := eval[[]string](t, tab, `[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5).map(e => e.tagName + "." + e.className)`)
		t.Errorf("the dashboard is wider than a phone: %q", wide)
	}
	screenshot(t, tab, "dashboard-phone")
	if p := console.problems(); len(p) > 0 {
		t.Errorf("console problems: %q", p)
	}
}

// openConversation waits for the simulated traffic to bring in open
// conversations and returns their display ids.
func openConversation(t *testing.T, a *apptest.App) []int64 {
	t.Helper()
	c := a.Client(auth.Agent)
	deadline := time.Now().Add(30 * time.Second)
	for {
		page, err := c.Conversations(context.Background(), client.ConversationQuery{Statuses: []string{"open"}, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Conversations) > 0 {
			var ids []int64
			for _, cv := range page.Conversations {
				ids = append(ids, cv.DisplayID)
			}
			return ids
		}
		if time.Now().After(deadline) {
			t.Fatal("no open conversation arrived from the simulated Chatwoot")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// submitHighRisk drafts a refund reply on an open conversation; the
// simulated traffic may resolve one at any moment, so it tries the next.
func submitHighRisk(t *testing.T, a *apptest.App) client.Draft {
	t.Helper()
	agent := a.Client(auth.Agent)
	deadline := time.Now().Add(liveWait)
	for {
		for _, display := range openConversation(t, a) {
			d, err := agent.SubmitDraft(context.Background(), client.NewDraft{ConversationDisplayID: display, Kind: "reply",
				Text: "We have refunded the chargeback of $120 to your card.", Agent: "e2e-bot", Model: "m1"}, "")
			if err == nil {
				return d
			}
			if time.Now().After(deadline) {
				t.Fatalf("submit a high-risk draft: %v", err)
			}
		}
	}
}

// settledApprovals waits until the Approvals tile's headline agrees with
// the number of drafts the API says wait for review, and returns it. The
// pretend agent's last drafts may still be on their way to the tile, so
// reading the headline at once could count one too few.
func settledApprovals(t *testing.T, tab context.Context, a *apptest.App) int {
	t.Helper()
	deadline := time.Now().Add(liveWait)
	for {
		page, err := a.Client(auth.Agent).Drafts(context.Background(), client.DraftQuery{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, n := range page.Pending {
			want += n
		}
		shown := eval[string](t, tab, `document.querySelector("#approvals-tile-body .headline-number").textContent.trim()`)
		if shown == strconv.Itoa(want) {
			return want
		}
		if time.Now().After(deadline) {
			t.Fatalf("the Approvals tile shows %s waiting, the API %d", shown, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
