package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/apptest"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/health"
	"github.com/hotdash/hotdash/internal/notify/center"
)

// Records that only grow are pruned past the policy's retention (90 days
// by default): health checks, notification center entries and finished
// outside deliveries with their attempts. Newer ones, and deliveries still
// waiting to be sent, stay.
func TestPruneDeletesOnlyWhatIsPastRetention(t *testing.T) {
	for _, engine := range apptest.Engines() {
		t.Run(engine, func(t *testing.T) {
			start := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			clk := clock.NewManual(start)
			a := apptest.Start(t, apptest.Options{Engine: engine, Clock: clk})
			ctx := context.Background()
			if _, err := a.Auth.CreateUser(ctx, auth.NewUser{Email: "lead@example.com", Name: "Lia", Role: auth.Lead, Password: "a long enough password"}); err != nil {
				t.Fatal(err)
			}
			check := health.Result{Checks: []health.Check{{Name: health.Platform, OK: true, Status: 200}, {Name: health.Authenticated, OK: true, Status: 200}}}
			// Day 0: a check, a notification and two outside deliveries.
			if _, err := a.Health.History().Add(ctx, check, clk.Now(), health.SourceSchedule, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Notifications.Notify(ctx, center.Everyone(), center.Notification{Kind: center.Health, Title: "old"}); err != nil {
				t.Fatal(err)
			}
			delivery := func(state string, at time.Time) {
				t.Helper()
				var id int64
				if err := a.DB.Write.QueryRow(`INSERT INTO deliveries (endpoint, kind, dedup_key, incident_ref, message, state, attempts,
					next_attempt_at, last_error, last_status, created_at) VALUES ('slack', 'slack', $1, '', '{}', $2, 1, $3, '', 200, $3) RETURNING id`,
					state+at.String(), state, at).Scan(&id); err != nil {
					t.Fatal(err)
				}
				if _, err := a.DB.Write.Exec(`INSERT INTO delivery_attempts (delivery_id, attempt, at, status, error, duration_us) VALUES ($1, 1, $2, 200, '', 5)`, id, at); err != nil {
					t.Fatal(err)
				}
			}
			delivery("delivered", clk.Now())
			delivery("pending", clk.Now())
			// Day 89: one of each again.
			clk.Advance(89 * 24 * time.Hour)
			if _, err := a.Health.History().Add(ctx, check, clk.Now(), health.SourceSchedule, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Notifications.Notify(ctx, center.Everyone(), center.Notification{Kind: center.Health, Title: "new"}); err != nil {
				t.Fatal(err)
			}
			delivery("delivered", clk.Now())

			count := func(table string) int {
				t.Helper()
				var n int
				if err := a.DB.Read.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			want := func(when string, checks, notes, deliveries, attempts int) {
				t.Helper()
				got := [4]int{count("health_checks"), count("notifications"), count("deliveries"), count("delivery_attempts")}
				if got != [4]int{checks, notes, deliveries, attempts} {
					t.Fatalf("%s: checks, notifications, deliveries, attempts = %v, want %v", when, got, [4]int{checks, notes, deliveries, attempts})
				}
			}
			if err := a.Prune(ctx); err != nil {
				t.Fatal(err)
			}
			want("on day 89", 2, 2, 3, 3)
			clk.Advance(2 * 24 * time.Hour) // day 91: the first day's records are 91 days old
			if err := a.Prune(ctx); err != nil {
				t.Fatal(err)
			}
			want("on day 91", 1, 1, 2, 2)
		})
	}
}
