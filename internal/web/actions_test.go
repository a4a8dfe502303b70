package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/simulator"
)

// simulated is HotDash wired both ways to a simulated Chatwoot: actions go
// to its REST API, its webhooks come back signed.
type simulated struct {
	*server
	sim     *simulator.Simulator
	display int64 // the conversation the simulator started
	page    string
}

// startSimulated runs HotDash against a simulated Chatwoot holding one open
// conversation, and waits until HotDash shows it.
func startSimulated(t *testing.T, dryRun bool) *simulated {
	t.Helper()
	sim, err := simulator.New(simulator.Options{Token: "sim-token", AccountID: 1, Contacts: 3, Seed: 5,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	cw := httptest.NewServer(sim.Handler())
	t.Cleanup(cw.Close)
	s := startCX(t, func(st *config.Settings) {
		st.Chatwoot = config.Chatwoot{BaseURL: cw.URL, APIToken: "sim-token", AccountID: 1, WebhookSecret: "sim-secret",
			ReconcileEvery: time.Hour, DryRun: &dryRun}
	})
	sim.AddWebhook(simulator.Webhook{URL: s.url + "/webhooks/chatwoot", Secret: "sim-secret"})
	display, err := sim.NewConversation(sim.Inboxes()[0].ID, 0, "My parcel never arrived")
	if err != nil {
		t.Fatal(err)
	}
	c := s.waitConversationIn(t, 1, display, 1)
	return &simulated{server: s, sim: sim, display: display, page: "/conversations/" + strconv.FormatInt(c.ID, 10)}
}

// status is the conversation's status in the simulated Chatwoot.
func (s *simulated) status(t *testing.T) string {
	t.Helper()
	c, ok := s.sim.Conversation(s.display)
	if !ok {
		t.Fatalf("the simulator lost conversation #%d", s.display)
	}
	return c.Status
}

// act presses an Actions button and returns the page it lands on.
func (s *simulated) act(b *browser, form url.Values) page {
	b.t.Helper()
	p := b.post(s.page+"/actions", form)
	if p.status != http.StatusSeeOther || p.location != s.page+"#actions" {
		b.t.Fatalf("action %v: %d → %q\n%s", form, p.status, p.location, p.body)
	}
	return b.get(s.page)
}

func TestResolvingFromTheConversationPageChangesChatwoot(t *testing.T) {
	s := startSimulated(t, false)
	s.user(t, "op@example.com", auth.Operator)
	b := s.browser(t)
	b.signIn("op@example.com")

	before := b.get(s.page)
	before.want(t, http.StatusOK, `action="`+s.page+`/actions"`, `name="kind" value="resolve"`, `name="kind" value="escalate"`,
		"Nothing has been done to this conversation from HotDash.")
	if strings.Contains(before.body, "Dry run:") {
		t.Fatal("the page warns of a dry run while actions are sent")
	}

	after := s.act(b, url.Values{"kind": {"resolve"}, "note": {"Carrier confirmed <b>delivery</b>"}})
	after.want(t, http.StatusOK, "Resolve: sent to Chatwoot (decision #", "Resolve by op@example.com — ")
	if got := s.status(t); got != "resolved" {
		t.Fatalf("Chatwoot status %q after Resolve, want resolved", got)
	}

	// Chatwoot's webhook confirms the change: the page shows it resolved,
	// offers Reopen, and the action as confirmed.
	deadline := time.Now().Add(15 * time.Second)
	for {
		p := b.get(s.page)
		if strings.Contains(p.body, `<span class="status">confirmed</span>`) && strings.Contains(p.body, `name="kind" value="reopen"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the resolve was never confirmed by Chatwoot's webhook\n%s", p.body)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// The note went into the Decision Log, escaped where it is shown.
	b.get("/decisions/1").want(t, http.StatusOK, "chatwoot.resolve", "Carrier confirmed &lt;b&gt;delivery&lt;/b&gt;", "op@example.com")

	s.act(b, url.Values{"kind": {"reopen"}})
	if got := s.status(t); got != "open" {
		t.Fatalf("Chatwoot status %q after Reopen, want open", got)
	}

	// A label added from HotDash can be removed from HotDash; Chatwoot
	// keeps the others.
	if err := s.sim.SetLabels(s.display, "vip"); err != nil {
		t.Fatal(err)
	}
	s.act(b, url.Values{"kind": {"add_label"}, "label": {"refund"}})
	deadline = time.Now().Add(15 * time.Second)
	for !strings.Contains(b.get(s.page).body, `<input type="hidden" name="label" value="refund"><button class="btn btn-small" name="kind" value="remove_label">`) {
		if time.Now().After(deadline) {
			t.Fatal("the added label never showed with its Remove button")
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.act(b, url.Values{"kind": {"remove_label"}, "label": {"refund"}})
	if c, _ := s.sim.Conversation(s.display); strings.Join(c.Labels, ",") != "vip" {
		t.Fatalf("Chatwoot labels %v after add and remove, want [vip]", c.Labels)
	}
}

func TestConversationActionsRefuseBadInputAndReportChatwootFailures(t *testing.T) {
	s := startSimulated(t, false)
	s.user(t, "op@example.com", auth.Operator)
	b := s.browser(t)
	b.signIn("op@example.com")

	p := s.act(b, url.Values{"kind": {"snooze"}, "snooze": {"forever"}})
	p.want(t, http.StatusOK, "Nothing was done:", "choose how long to snooze")
	p = s.act(b, url.Values{"kind": {"assign"}, "assignee_id": {"-3"}})
	p.want(t, http.StatusOK, "Nothing was done:", "must be a Chatwoot id")
	if got := s.status(t); got != "open" {
		t.Fatalf("Chatwoot status %q after refused actions, want open", got)
	}

	s.sim.SetDown(true)
	p = s.act(b, url.Values{"kind": {"resolve"}})
	p.want(t, http.StatusOK, "Resolve failed:", "It is recorded; try again or act in Chatwoot.", `<span class="status">failed</span>`)
	s.sim.SetDown(false)
	if got := s.status(t); got != "open" {
		t.Fatalf("Chatwoot status %q after a failed resolve, want open", got)
	}

	missing := b.post("/conversations/999999/actions", url.Values{"kind": {"resolve"}})
	missing.want(t, http.StatusNotFound, "That conversation does not exist in HotDash.")
}

func TestDryRunActionsAreRecordedButNotSent(t *testing.T) {
	s := startSimulated(t, true)
	s.user(t, "lead@example.com", auth.Lead)
	b := s.browser(t)
	b.signIn("lead@example.com")

	b.get(s.page).want(t, http.StatusOK, "Dry run: actions are recorded in the Decision Log but not sent to Chatwoot")
	p := s.act(b, url.Values{"kind": {"priority"}, "priority": {"urgent"}})
	p.want(t, http.StatusOK, "Set priority: recorded as a dry run (decision #", `<span class="status">dry_run</span>`)
	if c, _ := s.sim.Conversation(s.display); c.Priority != "" {
		t.Fatalf("a dry run set Chatwoot's priority to %q", c.Priority)
	}
}

func TestReadOnlyRolesSeeNoActions(t *testing.T) {
	s := startSimulated(t, false)
	s.user(t, "exec@example.com", auth.Executive)
	b := s.browser(t)
	b.signIn("exec@example.com")

	p := b.get(s.page)
	p.want(t, http.StatusOK, "Your role can see conversations but not change them")
	if strings.Contains(p.body, `name="kind"`) {
		t.Fatal("an executive is offered action buttons")
	}
	refused := b.post(s.page+"/actions", url.Values{"kind": {"resolve"}})
	if refused.status != http.StatusForbidden {
		t.Fatalf("an executive's resolve answered %d, want 403", refused.status)
	}
	if got := s.status(t); got != "open" {
		t.Fatalf("Chatwoot status %q after a refused resolve, want open", got)
	}
}

func TestResolvingFromTheCXEscalationsTile(t *testing.T) {
	s := startSimulated(t, false)
	s.user(t, "op@example.com", auth.Operator)
	s.user(t, "exec@example.com", auth.Executive)
	if err := s.sim.AddLabels(s.display, "escalation"); err != nil {
		t.Fatal(err)
	}
	op := s.browser(t)
	op.signIn("op@example.com")
	form := `action="` + s.page + `/actions"`
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(op.get("/").body, form) {
		if time.Now().After(deadline) {
			t.Fatal("the escalated conversation never showed in the tile with its actions")
		}
		time.Sleep(50 * time.Millisecond)
	}
	exec := s.browser(t)
	exec.signIn("exec@example.com")
	if p := exec.get("/"); !strings.Contains(p.body, `href="`+s.page+`"`) || strings.Contains(p.body, form) {
		t.Fatal("an executive should see the escalated conversation in the tile, without action buttons")
	}

	p := op.post(s.page+"/actions", url.Values{"kind": {"resolve"}, "return": {"dashboard"}})
	if p.status != http.StatusSeeOther || p.location != "/#cx-escalations-title" {
		t.Fatalf("resolve from the tile: %d → %q, want back to the tile", p.status, p.location)
	}
	op.get("/").want(t, http.StatusOK, "Resolve: sent to Chatwoot")
	if got := s.status(t); got != "resolved" {
		t.Fatalf("Chatwoot status %q after Resolve from the tile, want resolved", got)
	}
}
