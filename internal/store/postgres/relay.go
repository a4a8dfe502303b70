package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// eventsChannel is the NOTIFY channel live updates travel on.
const eventsChannel = "hotdash_events"

// Relay carries live-update topics between replicas with LISTEN/NOTIFY.
type Relay struct {
	pool *pgxpool.Pool
}

// NewRelay returns a Relay over a PostgreSQL listener pool.
func NewRelay(pool *pgxpool.Pool) *Relay { return &Relay{pool: pool} }

// Publish notifies every listening replica.
func (r *Relay) Publish(ctx context.Context, payload string) error {
	if _, err := r.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, eventsChannel, payload); err != nil {
		return fmt.Errorf("notify %s: %w", eventsChannel, err)
	}
	return nil
}

// Listen holds one connection listening on the channel and calls deliver
// with each payload until ctx ends or the connection fails.
func (r *Relay) Listen(ctx context.Context, deliver func(payload string)) error {
	conn, err := r.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire listener connection: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+eventsChannel); err != nil {
		return fmt.Errorf("listen on %s: %w", eventsChannel, err)
	}
	defer func() {
		// The connection goes back to the pool: stop listening first.
		_, _ = conn.Exec(context.WithoutCancel(ctx), "UNLISTEN *")
	}()
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait for notification: %w", err)
		}
		deliver(n.Payload)
	}
}
