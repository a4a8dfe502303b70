package report_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/store/storetest"
)

// BenchmarkDailyAndWeekly computes the daily summary and the weekly report
// over a week of 20,000 conversations (with their SLA cycles, breaches and
// graded drafts) on SQLite.
func BenchmarkDailyAndWeekly(b *testing.B) {
	db := storetest.OpenSQLite(b)
	f := newFixture(b, db, day.AddDate(0, 0, 6).Add(20*time.Hour), nil)
	ctx := context.Background()
	channels := []string{"web", "email", "sms", "whatsapp"}
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		for i := range 20_000 {
			at := day.Add(time.Duration(i) * 30 * time.Second)
			var id int64
			err := tx.QueryRowContext(ctx, `INSERT INTO conversations (source, account_id, display_id, inbox_id, inbox_name, channel, status, priority, labels,
				assignee_name, team_name, contact_name, contact_email, contact_phone, preview, created_at, source_updated_at, projected_at,
				sla_policy, sla_clock, sla_band, sla_clocks)
				VALUES ('chatwoot', 1, $1, 1, 'inbox', $2, 'open', '', '[]', '', '', 'c', '', '', '', $3, $3, $3, 'default', '', '', '[]') RETURNING id`,
				i+1, channels[i%4], at).Scan(&id)
			if err != nil {
				return err
			}
			if i%5 == 0 {
				_, err = tx.ExecContext(ctx, `INSERT INTO sla_events (conversation_id, clock, band_from, band_to, due_at, at) VALUES ($1, 'first_response', 'urgent', 'breached', $2, $2)`, id, at.Add(30*time.Minute))
			} else {
				_, err = tx.ExecContext(ctx, `INSERT INTO sla_met (conversation_id, clock, started_at, met_at) VALUES ($1, 'first_response', $2, $3)`, id, at, at.Add(10*time.Minute))
			}
			if err != nil {
				return err
			}
			if i%4 == 0 {
				_, err = tx.ExecContext(ctx, `INSERT INTO drafts (conversation_id, kind, state, version, revision, text, final_text, labels, agent, model,
					citations, submitted_by, risk, risk_rank, risk_reasons, context_message_id, due_at, grade_tone, grade_accuracy, grade_policy,
					edit_distance, edit_ratio, reviewer, review_note, state_reason, created_at, updated_at, reviewed_at, send_attempts, dry_run)
					VALUES ($1, 'reply', 'sent', 1, 1, 'x', 'x', '[]', 'a', 'm', '[]', 't', 'medium', 1, '[]', 0, $2, $3, 4, 5, 0, 0, 'r', '', '', $2, $2, $2, 0, TRUE)`,
					id, at, 3+i%3)
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("daily", func(b *testing.B) {
		for b.Loop() {
			if _, err := f.svc.Daily(ctx, "2026-12-03"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("weekly", func(b *testing.B) {
		for b.Loop() {
			if _, err := f.svc.Weekly(ctx, "2026-12-03"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
