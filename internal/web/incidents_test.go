package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hotdash/hotdash/internal/auth"
)

func TestAnIncidentFromTheFormUpTheLadder(t *testing.T) {
	s := start(t)
	s.user(t, "lead@example.com", auth.Lead)
	b := s.browser(t)
	b.signIn("lead@example.com")

	b.get("/incidents").want(t, http.StatusOK, "No open incidents", `href="/incidents/new"`)
	p := b.post("/incidents/new", url.Values{"severity": {"S9"}})
	p.want(t, http.StatusUnprocessableEntity, "fields need attention", `href="#f-summary"`)
	p = b.post("/incidents/new", url.Values{"severity": {"S2"}, "summary": {"WhatsApp <b>replies</b> delayed"}, "channels": {"whatsapp"},
		"customers_affected": {"on"}, "customers": {"Acme"}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/incidents/") {
		t.Fatalf("open: %d → %q\n%s", p.status, p.location, p.body)
	}
	path := p.location
	page := b.get(path)
	page.want(t, http.StatusOK, "Incident #1 opened at L0", "WhatsApp &lt;b&gt;replies&lt;/b&gt; delayed", `aria-current="step"><strong>L0</strong>`,
		"S2 needs the evidence above", "S2 → L1")
	p = b.post(path+"/escalate", url.Values{"version": {"1"}, "level": {"L1"}})
	p.want(t, http.StatusUnprocessableEntity, "Nothing was changed: this escalation needs its evidence first", "customer communication plan")
	p = b.post(path+"/escalate", url.Values{"version": {"1"}, "level": {"L2"}, "actions_taken": {"Restarted the WhatsApp bridge"},
		"evidence_link": {"https://runbooks.example.com/whatsapp"}, "comms_plan": {"Status page every 30 min"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("escalate: %d\n%s", p.status, p.body)
	}
	page = b.get(path)
	page.want(t, http.StatusOK, "Escalated to L2.", `aria-current="step"><strong>L2</strong>`, "incident.escalate", "Acknowledge L2")
	b.post(path+"/acknowledge", url.Values{})
	b.get("/").want(t, http.StatusOK, "Incidents &amp; escalations", "#1 WhatsApp &lt;b&gt;replies&lt;/b&gt; delayed", "<strong>L2</strong>")
	p = b.post(path+"/status", url.Values{"version": {"1"}, "status": {"resolved"}})
	p.want(t, http.StatusConflict, "Nothing was changed")
	page = b.get(path)
	version := between(page.body, `name="version" value="`, `"`)
	if b.post(path+"/status", url.Values{"version": {version}, "status": {"resolved"}, "note": {"bridge back"}}).status != http.StatusSeeOther {
		t.Fatal("resolving failed")
	}
	b.get("/incidents").want(t, http.StatusOK, "No open incidents")
}

func TestTheOnCallPage(t *testing.T) {
	s := start(t)
	s.user(t, "lead@example.com", auth.Lead)
	s.user(t, "mgr@example.com", auth.Manager)
	lead := s.browser(t)
	lead.signIn("lead@example.com")
	page := lead.get("/oncall")
	page.want(t, http.StatusOK, "L1 support lead", "Nobody is on call for this level", "Managers and admins edit it")
	if strings.Contains(page.body, "Edit L1 contacts") {
		t.Fatal("a lead sees the edit form")
	}
	if lead.post("/oncall/L1", url.Values{"name0": {"Lia"}}).status != http.StatusForbidden {
		t.Fatal("a lead could edit the on-call table")
	}
	mgr := s.browser(t)
	mgr.signIn("mgr@example.com")
	mgr.post("/oncall/L1", url.Values{"name0": {"Lia"}}).want(t, http.StatusUnprocessableEntity, "Nothing was saved for L1")
	p := mgr.post("/oncall/L1", url.Values{"name0": {"Lia Lead"}, "slack0": {"@lia"}, "email0": {"lia@example.com"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", p.status, p.body)
	}
	mgr.get("/oncall").want(t, http.StatusOK, "<td>Lia Lead</td><td>@lia</td><td>lia@example.com</td>", "Edit L1 contacts")
}

// between returns the text between the first from and the next to.
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}
