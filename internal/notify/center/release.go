package center

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// maxReleaseWait bounds how long Run sleeps: a notification held by
// another replica, whose AfterCommit this process never sees, still
// appears on this replica's pages within it.
const maxReleaseWait = time.Minute

// Run wakes people's pages when notifications held for their quiet hours
// appear, until ctx ends. Every replica runs it (each wakes the pages it
// serves; a repeated wake-up costs a page one re-render). It sleeps until
// the next end of someone's quiet hours, at most maxReleaseWait, and is
// woken early by AfterCommit and SetPrefs when they hold a notification.
func (c *Center) Run(ctx context.Context) {
	last := c.clk.Now().UTC()
	for {
		now := c.clk.Now().UTC()
		wait := maxReleaseWait
		users, next, err := c.release(ctx, last, now)
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			c.logger.Warn("notification center: look for notifications leaving quiet hours; retrying", "error", err)
			wait = 5 * time.Second
		default:
			last = now
			if len(users) > 0 {
				c.publish(users)
			}
			if !next.IsZero() {
				wait = min(wait, max(next.Sub(now), 0))
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-c.nudge:
			t.Stop()
		}
	}
}

// release returns the people with notifications held until a time in
// (from, to], which appeared in that window, and the next time a held
// notification appears after to (zero when none waits).
func (c *Center) release(ctx context.Context, from, to time.Time) ([]int64, time.Time, error) {
	var users []int64
	if to.After(from) {
		rows, err := c.db.Read.QueryContext(ctx, `
			SELECT DISTINCT user_id FROM notifications
			WHERE held_until > $1 AND held_until <= $2 AND read_at IS NULL ORDER BY user_id`, from.UTC(), to.UTC())
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("find notifications leaving quiet hours: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, time.Time{}, fmt.Errorf("find notifications leaving quiet hours: %w", err)
			}
			users = append(users, id)
		}
		if err := rows.Err(); err != nil {
			return nil, time.Time{}, fmt.Errorf("find notifications leaving quiet hours: %w", err)
		}
	}
	// Not min(held_until): SQLite would hand an aggregate back as text.
	var next time.Time
	err := c.db.Read.QueryRowContext(ctx, `
		SELECT held_until FROM notifications WHERE held_until > $1 ORDER BY held_until LIMIT 1`, to.UTC()).Scan(&next)
	if errors.Is(err, sql.ErrNoRows) {
		return users, time.Time{}, nil
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("find the next end of quiet hours: %w", err)
	}
	return users, next.UTC(), nil
}
