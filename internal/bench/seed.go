package bench

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/hotdash/hotdash/internal/store"
)

// seeded is one conversation row the benchmarks insert directly (projection
// is measured by the ingest benchmark; these measure what reads the rows).
type seeded struct {
	status, channel, band, clock string
	labels                       string
	assignee                     int64
	due, next                    time.Time
}

var conversationColumns = []string{"source", "account_id", "display_id", "inbox_id", "inbox_name", "channel", "status",
	"priority", "labels", "assignee_id", "assignee_name", "team_id", "team_name", "contact_id", "contact_name",
	"contact_email", "contact_phone", "preview", "created_at", "source_updated_at", "last_activity_at", "projected_at",
	"sla_policy", "sla_clock", "sla_due_at", "sla_band", "sla_next_at", "sla_clocks"}

// seedConversations inserts n conversations with display ids from first+1,
// described by row(i) for i in [first, first+n), in transactions of 20,000
// rows.
func seedConversations(ctx context.Context, db *store.DB, n, first int, now time.Time, row func(i int) seeded) error {
	in := store.NewInserter(db, "conversations", conversationColumns, "", 16)
	defer in.Close()
	if err := in.Prepare(ctx); err != nil {
		return err
	}
	const perTx = 20_000
	for start := first; start < first+n; start += perTx {
		end := min(start+perTx, first+n)
		rows := make([][]any, 0, end-start)
		for i := start; i < end; i++ {
			s := row(i)
			var assignee sql.NullInt64
			if s.assignee != 0 {
				assignee = sql.NullInt64{Int64: s.assignee, Valid: true}
			}
			created := now.Add(-time.Duration(i%86400) * time.Second)
			rows = append(rows, []any{"chatwoot", int64(1), int64(i + 1), int64(1 + i%5), "Inbox", s.channel, s.status,
				"", s.labels, assignee, "Agent", sql.NullInt64{}, "", int64(i + 1), fmt.Sprintf("Customer %d", i),
				fmt.Sprintf("c%d@example.com", i), "", "Where is my order?", created, created, created, now,
				"default", s.clock, store.NullTime(s.due), s.band, store.NullTime(s.next), "[]"})
		}
		err := db.InTx(ctx, func(tx *sql.Tx) error { return in.Exec(ctx, tx, rows) })
		if err != nil {
			return fmt.Errorf("seed conversations: %w", err)
		}
	}
	// PostgreSQL's autovacuum would have gathered statistics on a table
	// that grew to this size; without them the planner guesses, and a
	// selective filter (a contact search) can walk the whole deadline
	// index. SQLite gathers none unless asked, and HotDash does not ask.
	if db.Engine() == store.Postgres {
		if _, err := db.Write.ExecContext(ctx, "ANALYZE conversations"); err != nil {
			return fmt.Errorf("analyze conversations: %w", err)
		}
	}
	return nil
}
