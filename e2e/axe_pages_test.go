package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hotdash/hotdash/internal/apptest"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/health"
	"github.com/hotdash/hotdash/internal/incident"
)

func TestMainPagesHaveNoSeriousAccessibilityProblems(t *testing.T) {
	path := chromium(t)
	a := startApp(t)
	base := a.URL()
	ctx := context.Background()
	link, err := a.Auth.NewSetupLink(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tab := newBrowser(t, path)
	console := watchConsole(tab)
	src := axeSource(t)
	var summary []string
	visit := func(name, url string, ready string) {
		t.Helper()
		step(t, tab, "open "+name, chromedp.Navigate(base+url), chromedp.WaitReady(chromedp.CSS(ready)))
		found := checkAxe(t, tab, src, name)
		screenshot(t, tab, "page-"+strings.NewReplacer(" ", "-", "(", "", ")", "").Replace(name))
		summary = append(summary, name+": "+violationSummary(found))
	}

	visit("sign in", "/login", "#f-email")
	visit("setup", "/setup?token="+link, "#f-password")
	visit("setup (invalid link)", "/setup?token=hdsetup_NOPE", ".error-state")

	if _, err := a.Auth.CreateUser(ctx, auth.NewUser{Email: "admin@example.com", Name: "Ada Admin", Role: auth.Admin, Password: password}); err != nil {
		t.Fatal(err)
	}
	seed(t, a.Decisions)
	signIn(t, tab, base, "admin@example.com")

	visit("dashboard", "/", "#decision-tile-body .tile-list")
	visit("decision log", "/decisions", "table.data")
	visit("decision log (nothing matches)", "/decisions?actor=nobody", ".empty")
	visit("decision log (invalid filters)", "/decisions?severity=S9&from=soon", ".error-state")
	visit("decision entry", "/decisions/1", "dl.props")
	visit("new decision", "/decisions/new?corrects=1", "#decision-form")
	visit("users", "/admin/users", "table.data")
	visit("API tokens", "/admin/tokens", "#f-name")
	visit("account", "/account", "#f-current_password")
	visit("not found", "/decisions/999", ".error-state")
	visit("approvals (empty)", "/approvals", "#approvals-results .empty")
	visit("approvals (sent, empty)", "/approvals?state=sent", "#approvals-results .empty")
	visit("grading (no graded replies)", "/approvals/grading", "main h1")
	visit("incidents (none)", "/incidents", "#incidents-results .empty")
	visit("new incident", "/incidents/new", "#incident-form")
	visit("on call", "/oncall", "#level-L1")
	visit("notifications", "/notifications", "main h1")
	visit("notification preferences", "/notifications/preferences", "main h1")
	if _, err := a.Incidents.Open(ctx, incident.NewIncident{Severity: incident.S1, Summary: "Chatwoot API down", CustomersAffected: true, Actor: "admin@example.com"}); err != nil {
		t.Fatal(err)
	}
	visit("incident (S1 at L3, evidence missing)", "/incidents/1", "#ladder")
	visit("chatwoot health (no check)", "/health", "#health-body .empty")
	for i, ok := range []bool{true, true, false} {
		res := health.Result{ExitCode: health.ExitCodeOf(ok, true), Checks: []health.Check{
			{Name: health.Platform, OK: ok, Status: 200, Latency: time.Duration(40+10*i) * time.Millisecond, Reason: map[bool]string{false: "services failing"}[ok]},
			{Name: health.Authenticated, OK: true, Status: 200, Latency: 20 * time.Millisecond}}}
		if _, err := a.Health.Observe(ctx, res, health.SourceCLI, "token:ci"); err != nil {
			t.Fatal(err)
		}
	}
	visit("chatwoot health (failing)", "/health", "svg.trend")
	visit("dashboard (health failing)", "/", "#health-tile-body svg.sparkline")
	visit("header search", "/search?q=webhook+secret", "#search-decisions-title")
	seedReports(t, a)
	visit("reports", "/reports", "main h1")
	visit("daily summary", "/reports/daily", "#daily-drafts")
	visit("weekly gaps", "/reports/weekly", "#missing-runbooks-title")
	visit("handoffs", "/handoffs", "#handoff-list")
	visit("handoff (draft)", "/handoffs/1", "#handoff-form")

	step(t, tab, "go to the tokens page", chromedp.Navigate(base+"/admin/tokens"), chromedp.WaitReady(chromedp.ID("f-name")))
	step(t, tab, "name the token", chromedp.SendKeys(chromedp.ID("f-name"), "nightly-export"))
	submit(t, tab, "create a token", `form[action="/admin/tokens"] button[type="submit"]`)
	waitFor(t, tab, "the new secret", `!!document.querySelector("input.secret-once")`, liveWait)
	summary = append(summary, "API tokens (new secret shown): "+violationSummary(checkAxe(t, tab, src, "API tokens (new secret shown)")))
	screenshot(t, tab, "page-API-tokens-new-secret")

	step(t, tab, "open the form", chromedp.Navigate(base+"/decisions/new"), chromedp.WaitReady(chromedp.ID("f-action")))
	step(t, tab, "fill in a bad decision",
		chromedp.SetValue(chromedp.ID("f-scope"), "ops"),
		chromedp.SendKeys(chromedp.ID("f-action"), "Bad payload"),
		chromedp.SendKeys(chromedp.ID("f-rationale"), "Checks the error state."),
		chromedp.SendKeys(chromedp.ID("f-payload"), "not json"))
	submit(t, tab, "send the bad decision", `#decision-form button[type="submit"]`)
	waitFor(t, tab, "the error summary", `!!document.querySelector(".form-errors") && document.activeElement === document.querySelector(".form-errors")`, liveWait)
	summary = append(summary, "new decision (errors): "+violationSummary(checkAxe(t, tab, src, "new decision (errors)")))
	screenshot(t, tab, "page-new-decision-errors")

	t.Log("axe-core results:\n  " + strings.Join(summary, "\n  "))
	for _, p := range console.problems() {
		t.Errorf("browser console: %s", p)
	}
}

// seed logs entries that use every field, an overdue next action and a
// correction, so the pages show all they can.
func seed(t *testing.T, log *decisionlog.Log) {
	t.Helper()
	ctx := context.Background()
	drafts := []decisionlog.Draft{
		{Scope: "ops", Actor: "maria", Action: "Escalate checkout outage", Rationale: "Checkout failing for 12 minutes.\nSecond line.",
			Evidence: []string{"https://status.example/incidents/7", "/help?topic=escalation"}, Severity: "S0", Status: "in_progress",
			IncidentRef: "INC-7", ConversationRef: "cw-4182", ApprovalRef: "apr-9", NextAction: "Post a customer update",
			NextActionOwner: "li", NextActionDue: time.Now().Add(-10 * time.Minute), Payload: []byte(`{"level":"L3","pages":2}`)},
		{Scope: "build", Actor: "support", Action: "Daily summary", Rationale: "End of day.", Severity: "S3", NextAction: "Ship help article", NextActionDue: time.Now().Add(3 * time.Hour)},
		{Scope: "ops", Actor: "li", Action: "Correct the level", Rationale: "It was L2.", CorrectsID: 2, Severity: "S2"},
		{Scope: "ops", Actor: "li", Action: "Refund approved", Rationale: "Charged twice.", Severity: "S1", Status: "completed"},
	}
	for _, d := range drafts {
		d.RecordedBy = "seed"
		if _, _, err := log.Append(ctx, d); err != nil {
			t.Fatalf("seed %q: %v", d.Action, err)
		}
	}
}

func violationSummary(found []axeViolation) string {
	if len(found) == 0 {
		return "no violations"
	}
	parts := make([]string, len(found))
	for i, v := range found {
		parts[i] = v.ID + " (" + v.Impact + ")"
	}
	return strings.Join(parts, ", ")
}

// seedReports gives the report pages a conversation to chart (one first
// response met today) and a drafted handoff.
func seedReports(t *testing.T, a *apptest.App) {
	t.Helper()
	now := a.Clock.Now().Add(-time.Minute)
	var conv int64
	err := a.DB.Write.QueryRow(`INSERT INTO conversations (source, account_id, display_id, inbox_id, inbox_name, channel, status, priority, labels,
		assignee_name, team_name, contact_name, contact_email, contact_phone, preview, created_at, source_updated_at, projected_at,
		sla_policy, sla_clock, sla_band, sla_clocks)
		VALUES ('chatwoot', 1, 7, 1, 'inbox', 'email', 'open', '', '[]', '', '', 'Ann', '', '', '', $1, $1, $1, 'default', '', '', '[]')
		RETURNING id`, now).Scan(&conv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.DB.Write.Exec(`INSERT INTO sla_met (conversation_id, clock, started_at, met_at) VALUES ($1, 'first_response', $2, $2)`, conv, now); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Reports.Start(context.Background(), "admin@example.com"); err != nil {
		t.Fatal(err)
	}
}
