package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/apptest"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/clock"
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
