package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/apptest"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/notify"
)

func TestIncidentsThroughTheAPI(t *testing.T) {
	for _, engine := range apptest.Engines() {
		t.Run(engine, func(t *testing.T) {
			clk := clock.NewManual(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
			a := apptest.Start(t, apptest.Options{Engine: engine, Clock: clk})
			ctx := context.Background()
			lead, manager, agent := a.Client(auth.Lead), a.Client(auth.Manager), a.Client(auth.Agent)

			_, err := agent.OpenIncident(ctx, client.NewIncident{Severity: "S2", Summary: "x"})
			apiError(t, err, http.StatusForbidden, "")
			_, err = lead.OpenIncident(ctx, client.NewIncident{Severity: "S5"})
			ce := apiError(t, err, http.StatusUnprocessableEntity, "invalid")
			if ce.Fields["severity"] == "" || ce.Fields["summary"] == "" {
				t.Fatalf("fields %v", ce.Fields)
			}
			i, err := lead.OpenIncident(ctx, client.NewIncident{Severity: "S2", Summary: "Email replies delayed", Channels: []string{"email"},
				CustomersAffected: true, Customers: "Acme, Globex"})
			if err != nil || i.Level != "L0" || len(i.EvidenceMissing) != 3 {
				t.Fatalf("opened %+v (%v)", i, err)
			}
			_, err = lead.ChangeIncident(ctx, i.ID, "escalate", client.IncidentChange{Version: i.Version})
			ce = apiError(t, err, http.StatusUnprocessableEntity, "evidence_missing")
			if !strings.Contains(ce.Message, "communication plan") {
				t.Fatalf("evidence message %q", ce.Message)
			}
			up, err := lead.ChangeIncident(ctx, i.ID, "escalate", client.IncidentChange{Version: i.Version, ActionsTaken: "Restarted the IMAP poller",
				EvidenceLink: "https://runbooks.example.com/email", CommsPlan: "Status page every 30 min"})
			if err != nil || up.Level != "L1" || len(up.EvidenceMissing) != 0 {
				t.Fatalf("escalated %+v (%v)", up, err)
			}
			_, err = lead.ChangeIncident(ctx, i.ID, "escalate", client.IncidentChange{Version: i.Version, Level: "L2"})
			apiError(t, err, http.StatusConflict, "stale")

			// The ladder's own step: 60 minutes unresolved → L2.
			clk.Advance(time.Hour)
			if _, err := a.Incidents.RunDue(ctx); err != nil {
				t.Fatal(err)
			}
			d, err := lead.Incident(ctx, i.ID)
			if err != nil || d.Level != "L2" || len(d.Escalations) != 2 || d.Escalations[1].Trigger != "timer:1h" {
				t.Fatalf("after an hour %+v (%v)", d.Incident, err)
			}
			if _, err := manager.ChangeIncident(ctx, i.ID, "acknowledge", client.IncidentChange{}); err != nil {
				t.Fatal(err)
			}
			done, err := manager.ChangeIncident(ctx, i.ID, "status", client.IncidentChange{Version: d.Version + 1, Status: "resolved", Note: "poller fixed"})
			if err != nil || done.Status != "resolved" {
				t.Fatalf("resolve %+v (%v)", done, err)
			}
			d, err = lead.Incident(ctx, i.ID)
			var actions []string
			for _, e := range d.Timeline {
				actions = append(actions, e.Action)
			}
			if err != nil || strings.Join(actions, ",") != "incident.open,incident.actions_taken,incident.escalate,incident.escalate,incident.acknowledge,incident.resolved" {
				t.Fatalf("timeline %v (%v)", actions, err)
			}
			active, err := lead.Incidents(ctx, "")
			if err != nil || len(active) != 0 {
				t.Fatalf("active incidents %+v (%v)", active, err)
			}

			// The on-call table: managers edit it, leads read it.
			err = lead.SetOnCall(ctx, "L1", []client.OnCallContact{{Name: "Lia", Slack: "@lia"}})
			apiError(t, err, http.StatusForbidden, "")
			err = manager.SetOnCall(ctx, "L1", []client.OnCallContact{{Name: "Nobody"}})
			apiError(t, err, http.StatusUnprocessableEntity, "invalid")
			if err := manager.SetOnCall(ctx, "L1", []client.OnCallContact{{Name: "Lia Lead", Slack: "@lia", Email: "lia@example.com"}}); err != nil {
				t.Fatal(err)
			}
			table, err := lead.OnCall(ctx)
			if err != nil || len(table) != 4 || table[0].Name != "support lead" || table[0].Contacts[0].Slack != "@lia" {
				t.Fatalf("on-call table %+v (%v)", table, err)
			}
		})
	}
}

// receiver is a fake Slack or PagerDuty that records what it is sent.
type receiver struct {
	mu     sync.Mutex
	bodies []map[string]any
	srv    *httptest.Server
}

func newReceiver(t *testing.T, status int, answer string) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
			t.Errorf("a notification that is not JSON: %v", err)
		}
		r.mu.Lock()
		r.bodies = append(r.bodies, body)
		r.mu.Unlock()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) got() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.bodies...)
}

// TestAnS2LeftAlonePagesSlackThenPagerDutyOnceEach: the ladder takes an
// untouched S2 to L1 (Slack) at 30 minutes and L2 (Slack and PagerDuty)
// at 60; resolving closes the PagerDuty alert. Each receiver gets each
// message once.
func TestAnS2LeftAlonePagesSlackThenPagerDutyOnceEach(t *testing.T) {
	slack := newReceiver(t, http.StatusOK, "ok")
	pd := newReceiver(t, http.StatusAccepted, `{"status":"success","message":"Event processed"}`)
	t.Setenv("HOTDASH_TEST_SLACK_URL", slack.srv.URL+"/services/T000/B000/XXXX")
	t.Setenv("HOTDASH_TEST_PD_KEY", "R0UT1NGKEY0000000000000000000000")
	policy := config.DefaultPolicy()
	policy.Notify = config.NotifyConfig{Endpoints: map[string]config.NotifyEndpoint{
		"support-slack":    {Type: config.EndpointSlack, URLEnv: "HOTDASH_TEST_SLACK_URL"},
		"oncall-pagerduty": {Type: config.EndpointPagerDuty, RoutingKeyEnv: "HOTDASH_TEST_PD_KEY"},
	}}
	policy.Escalation.Levels = map[string]config.LevelConfig{
		"L1": {Contacts: []config.Contact{{Name: "Lia Lead", Slack: "@lia"}}, Notify: []string{"support-slack"}},
		"L2": {Contacts: []config.Contact{{Name: "Max Manager", PagerDuty: "oncall-pagerduty"}}, Notify: []string{"support-slack", "oncall-pagerduty"}},
	}
	if err := policy.Validate(); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewManual(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	a := apptest.Start(t, apptest.Options{Clock: clk, Policy: &policy, Settings: func(s *config.Settings) { s.PagerDutyURL = pd.srv.URL + "/v2/enqueue" }})
	ctx := context.Background()
	lead := a.Client(auth.Lead)
	i, err := lead.OpenIncident(ctx, client.NewIncident{Severity: "S2", Summary: "Email replies delayed", Channels: []string{"email"}})
	if err != nil {
		t.Fatal(err)
	}
	step := func(d time.Duration, slackWant, pdWant int) {
		t.Helper()
		clk.Advance(d)
		if _, err := a.Incidents.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(15 * time.Second)
		// Wait for the messages, and for the outbox to have recorded every
		// try: the next step moves the clock, and a try still marked as
		// sending would look like a lease a dead process left behind.
		for len(slack.got()) < slackWant || len(pd.got()) < pdWant || outboxBusy(t, a.Outbox) {
			if time.Now().After(deadline) {
				t.Fatalf("Slack got %d (want %d), PagerDuty got %d (want %d)", len(slack.got()), slackWant, len(pd.got()), pdWant)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	step(29*time.Minute, 0, 0)
	step(time.Minute, 1, 0)
	step(30*time.Minute, 2, 1)
	step(3*time.Hour, 2, 1)
	d, err := lead.Incident(ctx, i.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lead.ChangeIncident(ctx, i.ID, "status", client.IncidentChange{Version: d.Version, Status: "resolved"}); err != nil {
		t.Fatal(err)
	}
	step(0, 3, 2)
	time.Sleep(500 * time.Millisecond) // room for a duplicate to show
	s, p := slack.got(), pd.got()
	if len(s) != 3 || len(p) != 2 {
		t.Fatalf("Slack got %d messages, PagerDuty %d events", len(s), len(p))
	}
	for k, want := range []string{"[S2] L1 escalation: Email replies delayed", "[S2] L2 escalation: Email replies delayed", "[S2] Resolved: Email replies delayed"} {
		if text, _ := s[k]["text"].(string); !strings.Contains(text, want) || strings.Count(text, "[S2]") != 1 {
			t.Errorf("Slack message %d: %q lacks %q", k+1, text, want)
		}
	}
	// Every escalation links its level's section of the shipped incident
	// runbook, as a link that works outside HotDash.
	for k, level := range []string{"l1", "l2"} {
		if blocks, _ := json.Marshal(s[k]["blocks"]); !strings.Contains(string(blocks), a.URL()+"/help?topic=runbook-"+level) {
			t.Errorf("Slack message %d does not link the %s runbook: %s", k+1, level, blocks)
		}
	}
	// Each delivery is visible with its attempts.
	resp, err := http.Get(a.URL() + "/api/v1/deliveries?incident_ref=incident:1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("deliveries without a token: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, a.URL()+"/api/v1/deliveries?incident_ref=incident:1", nil)
	req.Header.Set("Authorization", "Bearer "+a.Token(auth.Lead))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Deliveries []struct {
			Endpoint, State string
			Attempts        int
		}
	}
	err = json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	if err != nil || len(page.Deliveries) != 5 {
		t.Fatalf("deliveries %+v (%v)", page, err)
	}
	for _, d := range page.Deliveries {
		if d.State != "delivered" || d.Attempts != 1 {
			t.Errorf("delivery %+v", d)
		}
	}
	for k, action := range []string{"trigger", "resolve"} {
		if p[k]["event_action"] != action || p[k]["dedup_key"] != "hotdash-incident-1-L2" || p[k]["routing_key"] != "R0UT1NGKEY0000000000000000000000" {
			t.Errorf("PagerDuty event %d: %v", k+1, p[k])
		}
	}
}

// outboxBusy reports whether any delivery is still pending or sending.
func outboxBusy(t *testing.T, o *notify.Outbox) bool {
	t.Helper()
	for _, state := range []string{"pending", "sending"} {
		list, _, err := o.Deliveries(context.Background(), notify.Filter{State: state, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) > 0 {
			return true
		}
	}
	return false
}
