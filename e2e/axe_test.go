package e2e

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// axeViolation is one failed axe-core rule with the elements it failed on.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// axeRun runs axe-core on the page and reduces its violations to what the
// test reports.
const axeRun = `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({
	id: v.id, impact: v.impact || "", help: v.help,
	targets: v.nodes.map(n => [].concat(n.target).join(" "))
})))`

// axeSource reads the vendored axe-core (test-only; never served).
func axeSource(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("testdata/axe.min.js")
	if err != nil {
		t.Fatalf("read axe-core: %v", err)
	}
	return string(src)
}

// checkAxe runs axe-core on the tab's current page (injecting it by
// evaluation; DevTools evaluation is not subject to the page's CSP), logs
// every violation, and fails on serious or critical ones. It returns the
// violations for the summary.
func checkAxe(t *testing.T, ctx context.Context, src, page string) []axeViolation {
	t.Helper()
	actx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(actx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
		t.Fatalf("inject axe-core on %s: %v", page, err)
	}
	found, err := chromedp.Run(actx, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core on %s: %v", page, err)
	}
	for _, v := range found {
		line := page + ": " + v.ID + " (" + v.Impact + ") " + v.Help + " at " + strings.Join(v.Targets, ", ")
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Error("axe: " + line)
		} else {
			t.Log("axe, not failing: " + line)
		}
	}
	return found
}
