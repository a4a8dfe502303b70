package conversation

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/hotdash/hotdash/internal/store"
)

// BandChanges returns one conversation's recorded SLA band changes, oldest
// first (at most the newest limit): the conversation page's SLA timeline.
func (q *Queue) BandChanges(ctx context.Context, id int64, limit int) ([]BandChange, error) {
	rows, err := q.db.Read.QueryContext(ctx, `SELECT conversation_id, clock, band_from, band_to, due_at, at
		FROM sla_events WHERE conversation_id = $1 ORDER BY id DESC LIMIT $2`, id, limit)
	if err != nil {
		return nil, fmt.Errorf("list SLA band changes: %w", err)
	}
	defer rows.Close()
	var out []BandChange
	for rows.Next() {
		var ch BandChange
		var due sql.NullTime
		if err := rows.Scan(&ch.ConversationID, &ch.Clock, &ch.From, &ch.To, &due, &ch.At); err != nil {
			return nil, fmt.Errorf("read SLA band change: %w", err)
		}
		ch.Due, ch.At = store.TimeOf(due), ch.At.UTC()
		out = append(out, ch)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, rows.Err()
}

// Compliance counts how SLA clocks fared in a period.
type Compliance struct {
	// Met counts clocks that stopped within their target during the
	// period (an agent's reply, or the resolution, in time). For the
	// next-response clock only its latest cycle is known.
	Met int
	// Missed counts deadlines that breached during the period, as the
	// deadline loop and the projection recorded them (band changes to
	// "breached"; each conversation, clock and deadline once).
	Missed int
}

// Ended is how many clocks the figure is about.
func (c Compliance) Ended() int { return c.Met + c.Missed }

// Percent is the share met, rounded down (so 100 only when none was
// missed); ok is false when no clock ended.
func (c Compliance) Percent() (pct int, ok bool) {
	if c.Ended() == 0 {
		return 0, false
	}
	return c.Met * 100 / c.Ended(), true
}

// Compliance counts the SLA clock cycles met and missed in [from, to): met
// ones from sla_met, missed ones from the recorded breaches. Both are read
// through their time index, so the count costs the period's cycles, not the
// table's.
func (q *Queue) Compliance(ctx context.Context, from, to time.Time) (Compliance, error) {
	var c Compliance
	err := q.db.Read.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT DISTINCT conversation_id, clock, due_at FROM sla_events
		WHERE band_to = 'breached' AND at >= $1 AND at < $2) breaches`, from.UTC(), to.UTC()).Scan(&c.Missed)
	if err != nil {
		return c, fmt.Errorf("count SLA breaches: %w", err)
	}
	err = q.db.Read.QueryRowContext(ctx, `SELECT count(*) FROM sla_met WHERE met_at >= $1 AND met_at < $2`, from.UTC(), to.UTC()).Scan(&c.Met)
	if err != nil {
		return c, fmt.Errorf("count met SLA clocks: %w", err)
	}
	return c, nil
}
