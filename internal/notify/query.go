package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/validation"
)

// Page sizes for Deliveries.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Delivery is one message to one endpoint and how its delivery went.
type Delivery struct {
	ID       int64  `json:"id"`
	Endpoint string `json:"endpoint"`
	Kind     string `json:"kind"`
	// Key is the dedup key it was enqueued with.
	Key         string  `json:"key"`
	IncidentRef string  `json:"incident_ref,omitempty"`
	Message     Message `json:"message"`
	State       string  `json:"state"`
	Attempts    int     `json:"attempts"`
	// NextAttemptAt is when a pending delivery is tried next (or a
	// sending one's lease ends).
	NextAttemptAt time.Time `json:"next_attempt_at"`
	LastError     string    `json:"last_error,omitempty"`
	// LastStatus is the last HTTP status or SMTP reply code (0: none).
	LastStatus  int       `json:"last_status,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
}

// Attempt is one try of a delivery.
type Attempt struct {
	DeliveryID int64 `json:"delivery_id"`
	// Attempt counts tries, from 1.
	Attempt int       `json:"attempt"`
	At      time.Time `json:"at"`
	// Status is the HTTP status or SMTP reply code (0: no answer).
	Status   int           `json:"status,omitempty"`
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// Filter selects deliveries; empty fields match everything.
type Filter struct {
	IncidentRef string
	State       string
	Endpoint    string
	// Limit is the page size (DefaultLimit when 0, at most MaxLimit).
	Limit int
	// Cursor continues a previous page ("" for the first).
	Cursor string
}

const deliverySelect = `SELECT id, endpoint, kind, dedup_key, incident_ref, message, state, attempts, next_attempt_at,
	last_error, last_status, created_at, delivered_at FROM deliveries`

// Deliveries lists deliveries newest first, with the cursor of the next
// page ("" at the end).
func (o *Outbox) Deliveries(ctx context.Context, f Filter) ([]Delivery, string, error) {
	where, args, err := f.where()
	if err != nil {
		return nil, "", err
	}
	limit := f.Limit
	if limit <= 0 || limit > MaxLimit {
		limit = DefaultLimit
	}
	args = append(args, limit+1)
	q := deliverySelect + where + ` ORDER BY id DESC LIMIT $` + strconv.Itoa(len(args))
	rows, err := o.db.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, "", fmt.Errorf("list deliveries: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list deliveries: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = strconv.FormatInt(out[limit-1].ID, 10)
	}
	return out, next, nil
}

// where is f as a WHERE clause and its arguments.
func (f Filter) where() (string, []any, error) {
	errs := validation.Errors{}
	if f.State != "" {
		errs.OneOf("state", f.State, States()...)
	}
	var cursor int64
	if f.Cursor != "" {
		var err error
		if cursor, err = strconv.ParseInt(f.Cursor, 10, 64); err != nil || cursor <= 0 {
			errs.Add("cursor", "is not a cursor this API returned")
		}
	}
	if err := errs.Err(); err != nil {
		return "", nil, err
	}
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, cond+" $"+strconv.Itoa(len(args)))
	}
	if f.IncidentRef != "" {
		add("incident_ref =", f.IncidentRef)
	}
	if f.State != "" {
		add("state =", f.State)
	}
	if f.Endpoint != "" {
		add("endpoint =", f.Endpoint)
	}
	if cursor > 0 {
		add("id <", cursor)
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// Get returns one delivery, or store.ErrNotFound.
func (o *Outbox) Get(ctx context.Context, id int64) (Delivery, error) {
	d, err := scanDelivery(o.db.Read.QueryRowContext(ctx, deliverySelect+` WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, store.ErrNotFound
	}
	if err != nil {
		return d, fmt.Errorf("read delivery %d: %w", id, err)
	}
	return d, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanDelivery(sc scanner) (Delivery, error) {
	var d Delivery
	var body string
	var delivered sql.NullTime
	err := sc.Scan(&d.ID, &d.Endpoint, &d.Kind, &d.Key, &d.IncidentRef, &body, &d.State, &d.Attempts, &d.NextAttemptAt,
		&d.LastError, &d.LastStatus, &d.CreatedAt, &delivered)
	if err != nil {
		return d, err
	}
	_ = json.Unmarshal([]byte(body), &d.Message)
	d.NextAttemptAt, d.CreatedAt, d.DeliveredAt = d.NextAttemptAt.UTC(), d.CreatedAt.UTC(), store.TimeOf(delivered)
	return d, nil
}

// Attempts lists a delivery's tries, oldest first.
func (o *Outbox) Attempts(ctx context.Context, deliveryID int64) ([]Attempt, error) {
	rows, err := o.db.Read.QueryContext(ctx, `SELECT delivery_id, attempt, at, status, error, duration_us
		FROM delivery_attempts WHERE delivery_id = $1 ORDER BY id`, deliveryID)
	if err != nil {
		return nil, fmt.Errorf("read delivery attempts: %w", err)
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		var a Attempt
		var us int64
		if err := rows.Scan(&a.DeliveryID, &a.Attempt, &a.At, &a.Status, &a.Error, &us); err != nil {
			return nil, fmt.Errorf("read delivery attempts: %w", err)
		}
		a.At, a.Duration = a.At.UTC(), time.Duration(us)*time.Microsecond
		out = append(out, a)
	}
	return out, rows.Err()
}

// QueueStats describe the deliveries not yet settled.
type QueueStats struct {
	Pending int `json:"pending"`
	Sending int `json:"sending"`
	// Oldest is when the oldest of them was enqueued (zero when none).
	Oldest time.Time `json:"oldest,omitzero"`
}

// Queue counts the deliveries waiting for a try or being tried.
func (o *Outbox) Queue(ctx context.Context) (QueueStats, error) {
	var q QueueStats
	rows, err := o.db.Read.QueryContext(ctx, `SELECT state, count(*) FROM deliveries WHERE state IN ('pending', 'sending') GROUP BY state`)
	if err != nil {
		return q, fmt.Errorf("count queued deliveries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return q, fmt.Errorf("count queued deliveries: %w", err)
		}
		if state == StatePending {
			q.Pending = n
		} else {
			q.Sending = n
		}
	}
	if err := rows.Err(); err != nil {
		return q, fmt.Errorf("count queued deliveries: %w", err)
	}
	if q.Pending+q.Sending == 0 {
		return q, nil
	}
	for _, state := range []string{StatePending, StateSending} {
		var t time.Time
		err := o.db.Read.QueryRowContext(ctx, `SELECT created_at FROM deliveries WHERE state = $1 ORDER BY id LIMIT 1`, state).Scan(&t)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return q, fmt.Errorf("read oldest queued delivery: %w", err)
		}
		if !t.IsZero() && (q.Oldest.IsZero() || t.Before(q.Oldest)) {
			q.Oldest = t.UTC()
		}
	}
	return q, nil
}
