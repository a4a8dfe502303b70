package center

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/store/storetest"
)

// TestRunWakesPeopleWhenQuietHoursEnd holds a notification until 12:00 and
// checks that Run wakes its person's pages once the clock gets there.
func TestRunWakesPeopleWhenQuietHoursEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
		noon := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
		clk := clock.NewManual(t0)
		woke := make(chan []int64, 16)
		c := New(db.DB, clk, func(ids []int64) { woke <- ids }, slog.New(slog.NewTextHandler(io.Discard, nil)))
		var u int64
		if err := db.Write.QueryRowContext(ctx, `
			INSERT INTO users (email, name, role, password_hash, disabled, created_at, updated_at, password_changed_at)
			VALUES ('u@example.com', 'U', 'operator', 'x', FALSE, $1, $1, $1) RETURNING id`, t0).Scan(&u); err != nil {
			t.Fatal(err)
		}
		if _, err := c.SetPrefs(ctx, u, Prefs{QuietStart: "08:00", QuietEnd: "12:00"}); err != nil {
			t.Fatal(err)
		}
		d, err := c.Notify(ctx, Audience{UserIDs: []int64{u}}, Notification{Kind: Health, Title: "check failed"})
		if err != nil || len(d.Wake) != 0 || !d.HeldUntil.Equal(noon) {
			t.Fatalf("delivery %+v (%v), want held until noon", d, err)
		}

		users, next, err := c.release(ctx, t0, t0)
		if err != nil || len(users) != 0 || !next.Equal(noon) {
			t.Fatalf("release at 09:00: %v, next %v (%v)", users, next, err)
		}
		users, next, err = c.release(ctx, t0, noon)
		if err != nil || !slices.Equal(users, []int64{u}) || !next.IsZero() {
			t.Fatalf("release up to noon: %v, next %v (%v)", users, next, err)
		}

		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); c.Run(runCtx) }()
		defer func() { cancel(); <-done }()
		// The second send waits until Run took the first: Run is running,
		// and started before noon.
		c.nudge <- struct{}{}
		c.nudge <- struct{}{}
		clk.Set(noon)
		c.wakeRun()
		select {
		case ids := <-woke:
			if !slices.Equal(ids, []int64{u}) {
				t.Fatalf("Run woke %v, want %d", ids, u)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not wake the person when their quiet hours ended")
		}
	})
}
