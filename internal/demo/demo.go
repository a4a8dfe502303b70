// Package demo fills a HotDash database with sample data for `hotdash serve
// --demo`: a demo admin and a morning's worth of Decision Log entries, so a
// newcomer sees every part of the dashboard working.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hotdash/hotdash/internal/app"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/incident"
)

// Email is the demo admin's sign-in.
const Email = "demo@hotdash.example"

// Credentials are the demo sign-in.
type Credentials struct {
	Email    string
	Password string
}

// Seed makes sure the demo admin exists with a fresh password (printed once
// per start) and, on an empty log, appends sample decisions.
func Seed(ctx context.Context, a *app.App) (Credentials, error) {
	creds := Credentials{Email: Email, Password: password()}
	if err := upsertAdmin(ctx, a.Auth, creds); err != nil {
		return creds, err
	}
	n, err := a.Decisions.Count(ctx, decisionlog.Filter{})
	if err != nil || n > 0 {
		return creds, err
	}
	now := a.Clock.Now()
	for _, d := range samples(now) {
		d.RecordedBy = Email
		if _, _, err := a.Decisions.Append(ctx, d); err != nil {
			return creds, fmt.Errorf("append sample %q: %w", d.Action, err)
		}
	}
	return creds, nil
}

func upsertAdmin(ctx context.Context, s *auth.Service, c Credentials) error {
	users, err := s.ListUsers(ctx)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.Email == c.Email {
			return s.SetPassword(ctx, u.ID, c.Password)
		}
	}
	_, err = s.CreateUser(ctx, auth.NewUser{Email: c.Email, Name: "Demo Lead", Role: auth.Admin, Password: c.Password})
	return err
}

func password() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return "demo-" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// samples is a support morning in the SOP's words.
func samples(now time.Time) []decisionlog.Draft {
	payload := func(v any) json.RawMessage {
		b, err := json.Marshal(v)
		if err != nil {
			panic(errors.New("demo payload does not marshal"))
		}
		return b
	}
	return []decisionlog.Draft{
		{Scope: "build", Actor: "support", Action: "shift.start", Rationale: "Morning shift on: approvals queue cleared high risk first; 3 drafts graded.", Status: "completed"},
		{Scope: "ops", Actor: "maria@example.com", Action: "chatwoot.escalate", Severity: "S2",
			Rationale: "Refund over the $100 limit requested twice on conversation 4312; customer is a VIP.",
			Evidence:  []string{"/decisions"}, ConversationRef: "cw:4312", Status: "in_progress",
			NextAction: "Finance to approve or decline the refund", NextActionOwner: "finance-lead", NextActionDue: now.Add(-40 * time.Minute),
			Payload: payload(map[string]any{"amount": 180, "currency": "USD", "customer_tier": "vip"})},
		{Scope: "ops", Actor: "devops", Action: "ops.check-chatwoot-health", Rationale: "Hourly health check passed: platform and authenticated checks ok.", Status: "completed"},
		{Scope: "build", Actor: "support", Action: "help.gap", Rationale: "Two customers asked how to export invoices; no Help Center article covers it.",
			NextAction: "Write a how-to on exporting invoices", NextActionOwner: "lead@example.com", NextActionDue: now.Add(26 * time.Hour)},
		{Scope: "ops", Actor: "lead@example.com", Action: "incident.update", Severity: "S1", IncidentRef: "INC-12",
			Rationale:  "Email channel delayed ~20 min; customers on the status page told, next update due in 30 min.",
			NextAction: "Post the next customer update", NextActionOwner: "lead@example.com", NextActionDue: now.Add(25 * time.Minute), Status: "in_progress"},
	}
}

// SeedIncidents opens two sample incidents on a store that has none: an S2
// the ladder will take to L1 and L2 while the demo runs, and an S3 that
// stays at L0. It needs the app started (the ladder records through jobs).
func SeedIncidents(ctx context.Context, a *app.App) error {
	list, err := a.Incidents.List(ctx, incident.Filter{Status: "all"}, 1)
	if err != nil || len(list) > 0 {
		return err
	}
	samples := []incident.NewIncident{
		{Severity: incident.S2, Summary: "WhatsApp replies delayed by up to 20 minutes", Channels: []string{"whatsapp"},
			CustomersAffected: true, Customers: "customers writing on WhatsApp", Actor: Email,
			Description: "Messages reach Chatwoot late; the provider's status page shows degraded delivery."},
		{Severity: incident.S3, Summary: "Help article on returns shows last year's address", Actor: Email},
	}
	for _, n := range samples {
		if _, err := a.Incidents.Open(ctx, n); err != nil {
			return fmt.Errorf("open sample incident %q: %w", n.Summary, err)
		}
	}
	return nil
}
