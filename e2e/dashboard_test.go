package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/auth"
)

// password is every test user's password.
const password = "correct horse battery"

// liveWait bounds how long a live update may take to reach a page.
const liveWait = 10 * time.Second

// signIn signs in through the sign-in form and lands on the dashboard.
func signIn(t *testing.T, tab context.Context, base, email string) {
	t.Helper()
	step(t, tab, "open the sign-in page", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.ID("f-email")))
	step(t, tab, "fill in the sign-in form",
		chromedp.SendKeys(chromedp.ID("f-email"), email),
		chromedp.SendKeys(chromedp.ID("f-password"), password))
	submit(t, tab, "sign in", `form[action="/login"] button[type="submit"]`)
	waitFor(t, tab, "the dashboard", `location.pathname === "/" && !!document.getElementById("decision-tile-body")`, liveWait)
}

// submit clicks a form's button and waits for the page it leads to.
func submit(t *testing.T, tab context.Context, what, button string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(tab, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(sctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(button)))); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// logThroughForm logs a decision with the new-decision form of a tab; the
// form sends the tab back to the dashboard.
func logThroughForm(t *testing.T, tab context.Context, base, action, nextAction, due string) {
	t.Helper()
	step(t, tab, "open the new-decision form", chromedp.Navigate(base+"/decisions/new"), chromedp.WaitVisible(chromedp.ID("f-action")))
	step(t, tab, "fill in the decision",
		chromedp.SetValue(chromedp.ID("f-scope"), "ops"),
		chromedp.SendKeys(chromedp.ID("f-action"), action),
		chromedp.SendKeys(chromedp.ID("f-rationale"), "Logged from the browser test."),
		chromedp.SetValue(chromedp.ID("f-severity"), "S1"),
		chromedp.SendKeys(chromedp.ID("f-next_action"), nextAction),
		chromedp.SendKeys(chromedp.ID("f-next_action_owner"), "maria"),
		chromedp.SetValue(chromedp.ID("f-next_action_due"), due))
	submit(t, tab, "log "+action, `#decision-form button[type="submit"]`)
	waitFor(t, tab, "the dashboard after logging "+action,
		`location.pathname === "/" && (document.querySelector(".flash-ok") || {textContent: ""}).textContent.includes("logged")`, liveWait)
}

func TestDecisionsAppearLiveOnTheDashboard(t *testing.T) {
	path := chromium(t)
	a := startApp(t)
	base := a.URL()
	if _, err := a.Auth.CreateUser(context.Background(), auth.NewUser{Email: "lead@example.com", Name: "Maria Lead", Role: auth.Admin, Password: password}); err != nil {
		t.Fatal(err)
	}
	tab := newBrowser(t, path)
	console := watchConsole(tab)

	signIn(t, tab, base, "lead@example.com")
	waitFor(t, tab, "the empty state", `document.getElementById("decision-tile-body").innerText.includes("No decisions logged yet")`, liveWait)

	// Through the form in this tab: back on the dashboard, the flash and
	// the tile show it.
	logThroughForm(t, tab, base, "Pause refunds over 100 EUR", "Review refund rules", "2020-01-02T09:30")
	waitFor(t, tab, "decision #1 in the flash and the tile",
		`document.querySelector(".flash-ok").textContent.includes("Decision #1 logged") &&
		 document.getElementById("decision-tile-body").innerText.includes("Pause refunds over 100 EUR") &&
		 document.querySelector("#decision-tile-body .overdue .overdue-label").textContent === "Overdue"`, liveWait)

	// From now on this page must not reload: the marker would be lost.
	eval[chromedp.Void](t, tab, `window.hotdashMarker = "kept"`)
	waitFor(t, tab, "the live stream to connect", `document.querySelector("[data-live]").dataset.live === "open"`, liveWait)
	eval[chromedp.Void](t, tab, `document.getElementById("tile-latest-1").focus()`)

	// Through the form in a second tab.
	second := newTab(t, tab)
	logThroughForm(t, second, base, "Escalate checkout outage to L3", "Post a status update", "2099-01-01T12:00")
	waitFor(t, tab, "decision #2 to appear live",
		`document.getElementById("decision-tile-body").innerText.includes("Escalate checkout outage to L3")`, liveWait)
	assertNoReloadAndFocusKept(t, tab)
	waitFor(t, tab, "the announcement", `document.getElementById("live-announcer").textContent === "1 new decision"`, liveWait)

	// Through the API with a token.
	logThroughAPI(t, a.Auth, base, "Refund order 1042 approved")
	waitFor(t, tab, "decision #3 to appear live",
		`document.getElementById("decision-tile-body").innerText.includes("Refund order 1042 approved") &&
		 document.querySelector("#decision-tile-body [data-head]").dataset.head === "3"`, liveWait)
	assertNoReloadAndFocusKept(t, tab)
	if n := eval[int](t, tab, `document.querySelectorAll("#decision-tile-body .headline-number").length`); n != 1 {
		t.Fatalf("%d headline numbers in the tile, want 1", n)
	}
	if got := eval[string](t, tab, `document.querySelector("#decision-tile-body .headline-number").textContent`); got != "2" {
		t.Fatalf("headline %q, want 2 open next actions", got)
	}
	t.Logf("screenshot: %s", screenshot(t, tab, "dashboard"))

	// Keyboard: ? opens the shortcuts, Escape closes them, g l opens the log.
	eval[chromedp.Void](t, tab, `document.activeElement.blur()`)
	step(t, tab, "press ?", chromedp.KeyEvent("?"))
	waitFor(t, tab, "the shortcuts dialog", `document.getElementById("shortcuts").open`, liveWait)
	step(t, tab, "press Escape", chromedp.KeyEvent("\u001b"))
	waitFor(t, tab, "the dialog to close", `!document.getElementById("shortcuts").open`, liveWait)
	sctx, cancel := context.WithTimeout(tab, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(sctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.KeyEvent("gl"))); err != nil {
		t.Fatalf("g l: %v", err)
	}
	waitFor(t, tab, "the Decision Log", `location.pathname === "/decisions" && document.querySelectorAll("table.data tbody tr").length === 3`, liveWait)
	t.Logf("screenshot: %s", screenshot(t, tab, "decisions"))

	for _, p := range console.problems() {
		t.Errorf("browser console: %s", p)
	}
}

// assertNoReloadAndFocusKept checks the page survived the live update: the
// marker set after load is still there, and focus stayed on the tile link.
func assertNoReloadAndFocusKept(t *testing.T, tab context.Context) {
	t.Helper()
	if got := eval[string](t, tab, `String(window.hotdashMarker)`); got != "kept" {
		t.Fatalf("the dashboard reloaded (marker = %q)", got)
	}
	if got := eval[string](t, tab, `document.activeElement ? document.activeElement.id : ""`); got != "tile-latest-1" {
		t.Fatalf("focus moved to %q during the update, want it kept on tile-latest-1", got)
	}
}

// logThroughAPI logs a decision with a fresh API token, as a script would.
func logThroughAPI(t *testing.T, svc *auth.Service, base, action string) {
	t.Helper()
	secret, _, err := svc.CreateToken(context.Background(), "e2e-script", auth.Lead, "e2e")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(client.NewDecision{Scope: "ops", Actor: "script", Action: action, Rationale: "from the API"})
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/decisions", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("API log: %d", resp.StatusCode)
	}
}
