package center

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hotdash/hotdash/internal/store"
)

// Item is a notification as its person sees it.
type Item struct {
	ID       int64
	Kind     Kind
	Severity string
	Urgent   bool
	Title    string
	Body     string
	Link     string
	// CreatedAt is when it happened.
	CreatedAt time.Time
	// ShownAt is when it appeared: CreatedAt, or the end of the quiet
	// hours it was held through.
	ShownAt time.Time
	// ReadAt is when it was marked read; zero while unread.
	ReadAt time.Time
}

// Unread reports whether the item is unread.
func (i Item) Unread() bool { return i.ReadAt.IsZero() }

// Held reports whether the item waited out quiet hours.
func (i Item) Held() bool { return i.ShownAt.After(i.CreatedAt) }

// Page asks for up to Limit notifications with ids below Cursor (0: from
// the newest), optionally unread ones only.
type Page struct {
	Limit      int
	Cursor     int64
	UnreadOnly bool
}

// Page sizes.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// visible is the condition of notifications that have appeared by $2
// (not held for quiet hours, or held until no later than $2).
const visible = `(held_until IS NULL OR held_until <= $2)`

const selectItems = `SELECT id, kind, severity, urgent, title, body, link, created_at, read_at, held_until FROM notifications`

// List returns a person's notifications that have appeared, newest first,
// and the Cursor of the next page (0 when there is none).
func (c *Center) List(ctx context.Context, userID int64, p Page) ([]Item, int64, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = DefaultPageSize
	}
	limit = min(limit, MaxPageSize)
	q := selectItems + ` WHERE user_id = $1 AND ` + visible
	args := []any{userID, c.clk.Now().UTC()}
	if p.UnreadOnly {
		q += ` AND read_at IS NULL`
	}
	if p.Cursor > 0 {
		args = append(args, p.Cursor)
		q += ` AND id < $` + strconv.Itoa(len(args))
	}
	args = append(args, limit+1)
	q += ` ORDER BY id DESC LIMIT $` + strconv.Itoa(len(args))
	rows, err := c.db.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list notifications: %w", err)
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("list notifications: %w", err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list notifications: %w", err)
	}
	var next int64
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, next, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanItem(s scanner) (Item, error) {
	var it Item
	var kind string
	var read, held sql.NullTime
	if err := s.Scan(&it.ID, &kind, &it.Severity, &it.Urgent, &it.Title, &it.Body, &it.Link, &it.CreatedAt, &read, &held); err != nil {
		return Item{}, err
	}
	it.Kind = Kind(kind)
	it.CreatedAt = it.CreatedAt.UTC()
	it.ReadAt = store.TimeOf(read)
	it.ShownAt = it.CreatedAt
	if h := store.TimeOf(held); h.After(it.CreatedAt) {
		it.ShownAt = h
	}
	return it, nil
}

// Unread counts a person's unread notifications that have appeared.
func (c *Center) Unread(ctx context.Context, userID int64) (int, error) {
	var n int
	err := c.db.Read.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL AND `+visible,
		userID, c.clk.Now().UTC()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count unread notifications: %w", err)
	}
	return n, nil
}

// Summary is what the header's bell shows.
type Summary struct {
	// Unread counts the unread notifications that have appeared.
	Unread int
	// LatestUrgent is the newest unread urgent one (ID 0 when none), for
	// pages to announce once.
	LatestUrgent Item
}

// Summary returns the bell's figures for a person.
func (c *Center) Summary(ctx context.Context, userID int64) (Summary, error) {
	var s Summary
	var err error
	if s.Unread, err = c.Unread(ctx, userID); err != nil || s.Unread == 0 {
		return s, err
	}
	s.LatestUrgent, err = scanItem(c.db.Read.QueryRowContext(ctx, selectItems+`
		WHERE user_id = $1 AND read_at IS NULL AND urgent = TRUE AND `+visible+`
		ORDER BY id DESC LIMIT 1`, userID, c.clk.Now().UTC()))
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("read latest urgent notification: %w", err)
	}
	return s, nil
}

// MarkRead marks one of a person's notifications read and returns it. A
// notification that is someone else's, or has not appeared yet, is
// store.ErrNotFound; one already read stays as it was.
func (c *Center) MarkRead(ctx context.Context, userID, id int64) (Item, error) {
	now := c.clk.Now().UTC()
	var it Item
	var changed int64
	err := c.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = $2
			WHERE id = $1 AND user_id = $3 AND read_at IS NULL AND (held_until IS NULL OR held_until <= $2)`, id, now, userID)
		if err != nil {
			return fmt.Errorf("mark notification %d read: %w", id, err)
		}
		if changed, err = res.RowsAffected(); err != nil {
			return fmt.Errorf("mark notification %d read: %w", id, err)
		}
		it, err = scanItem(tx.QueryRowContext(ctx, selectItems+` WHERE id = $1 AND user_id = $3 AND `+visible, id, now, userID))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("notification %d: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("read notification %d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return Item{}, err
	}
	if changed > 0 {
		c.publish([]int64{userID})
	}
	return it, nil
}

// MarkAllRead marks read every unread notification of a person that has
// appeared, up to and including id through (0: all of them), and returns
// how many it marked. Passing the newest id the person was shown keeps a
// notification that arrived since then unread.
func (c *Center) MarkAllRead(ctx context.Context, userID, through int64) (int, error) {
	q := `UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL AND ` + visible
	args := []any{userID, c.clk.Now().UTC()}
	if through > 0 {
		q += ` AND id <= $3`
		args = append(args, through)
	}
	res, err := c.db.Write.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("mark notifications read: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("mark notifications read: %w", err)
	}
	if n > 0 {
		c.publish([]int64{userID})
	}
	return int(n), nil
}

// Prune deletes the notifications that arrived before before (read or
// not; one still held for quiet hours is kept until it is released), and
// returns how many.
func (c *Center) Prune(ctx context.Context, before time.Time) (int64, error) {
	return c.db.DeleteOldest(ctx, "notifications", "created_at < $1 AND (held_until IS NULL OR held_until < $1)", before.UTC())
}
