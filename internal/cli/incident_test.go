package cli_test

import (
	"strings"
	"testing"

	"github.com/hotdash/hotdash/internal/apptest"
	"github.com/hotdash/hotdash/internal/auth"
)

func TestIncidentCommands(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	env := []string{"HOTDASH_SERVER=" + a.URL(), "HOTDASH_TOKEN=" + a.Token(auth.Lead)}
	r := run(t, env, "", "incident", "open", "--severity", "S2", "--summary", "Email delayed", "--channel", "email")
	if r.code != 0 || r.stdout != "opened incident #1 (S2) at L0\n" {
		t.Fatalf("incident open: %+v", r)
	}
	r = run(t, env, "", "incident", "escalate", "1")
	if r.code == 0 || !strings.Contains(r.stderr, "needs its evidence first") || !strings.Contains(r.stderr, "runbook or health-check link") {
		t.Fatalf("escalate without evidence: %+v", r)
	}
	r = run(t, env, "", "incident", "escalate", "1", "--actions-taken", "Restarted IMAP", "--evidence-link", "https://runbooks.example.com/email")
	if r.code != 0 || r.stdout != "incident #1 is at L1\n" {
		t.Fatalf("escalate: %+v", r)
	}
	r = run(t, env, "", "incident", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "1   S2   open    L1") || !strings.Contains(r.stdout, "s2_l2") {
		t.Fatalf("incident list: %+v", r)
	}
	if r = run(t, env, "", "incident", "acknowledge", "1"); r.code != 0 {
		t.Fatalf("acknowledge: %+v", r)
	}
	r = run(t, env, "", "incident", "resolve", "1", "--note", "fixed")
	if r.code != 0 || r.stdout != "incident #1 is resolved\n" {
		t.Fatalf("resolve: %+v", r)
	}
	r = run(t, env, "", "incident", "show", "1")
	if r.code != 0 || !strings.Contains(r.stdout, `"action": "incident.resolved"`) {
		t.Fatalf("show: %+v", r)
	}
}
