package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hotdash/hotdash/internal/auth"
)

// Search as you type, open a result, land on its section highlighted; and
// a deep link (/help?topic=) opens the right section the same way.
func TestHelpSearchLandsOnTheHighlightedSection(t *testing.T) {
	path := chromium(t)
	a := startApp(t)
	base := a.URL()
	if _, err := a.Auth.CreateUser(context.Background(), auth.NewUser{Email: "op@example.com", Name: "Olga Operator", Role: auth.Operator, Password: password}); err != nil {
		t.Fatal(err)
	}
	tab := newBrowser(t, path)
	console := watchConsole(tab)
	signIn(t, tab, base, "op@example.com")

	step(t, tab, "open the Help Center", chromedp.Navigate(base+"/help"), chromedp.WaitVisible(chromedp.ID("help-q")))
	src := axeSource(t)
	checkAxe(t, tab, src, "help center")
	// Typed key by key: each keystroke may ask htmx for new results.
	step(t, tab, "type a query", chromedp.SendKeys(chromedp.ID("help-q"), "exit code 3"))
	result := `#help-results a[href="/help/chatwoot-health#health-exit-3"]`
	waitFor(t, tab, "the exit code 3 section among the results",
		`!!document.querySelector('`+result+`') && !!document.querySelector("#help-results mark")`, liveWait)
	waitFor(t, tab, "the address to carry the query", `new URLSearchParams(location.search).get("q") === "exit code 3"`, liveWait)
	checkAxe(t, tab, src, "help center search results")
	screenshot(t, tab, "help-search")
	submit(t, tab, "open the result", result)
	landedOn(t, tab, "health-exit-3")
	checkAxe(t, tab, src, "help article")
	screenshot(t, tab, "help-article-section")

	step(t, tab, "open a deep link", chromedp.Navigate(base+"/help?topic=webhook-signature"))
	waitFor(t, tab, "the webhook setup runbook", `location.pathname === "/help/webhook-setup"`, liveWait)
	landedOn(t, tab, "webhook-signature")

	step(t, tab, "open an unknown topic", chromedp.Navigate(base+"/help?topic=refund-policy-2031"))
	waitFor(t, tab, "the unknown-topic notice and its search",
		`document.querySelector(".error-state").innerText.includes("refund-policy-2031") && document.getElementById("help-q").value === "refund policy 2031"`, liveWait)

	if p := console.problems(); len(p) > 0 {
		t.Errorf("console problems: %v", p)
	}
}

// landedOn waits until the page shows the section id as the target:
// highlighted (its own background) and scrolled into view.
func landedOn(t *testing.T, tab context.Context, id string) {
	t.Helper()
	waitFor(t, tab, "section "+id+" highlighted and in view", `(() => {
		const el = document.getElementById(`+"`"+id+"`"+`);
		if (!el || location.hash !== "#`+id+`" || !el.matches(":target")) return false;
		const bg = getComputedStyle(el).backgroundColor;
		const r = el.getBoundingClientRect();
		return bg !== "rgba(0, 0, 0, 0)" && bg !== "transparent" && r.top >= 0 && r.top < window.innerHeight;
	})()`, liveWait)
}
