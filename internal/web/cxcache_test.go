package web

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

// countingReads is a cxCache whose reads return their own sequence number
// as the escalation count, after blocking on gate when it is set.
func countingReads(t *testing.T, gate chan struct{}) (*cxCache, *atomic.Int32, chan struct{}) {
	t.Helper()
	var reads atomic.Int32
	woken := make(chan struct{}, 16)
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	c := &cxCache{
		read: func(context.Context) (cxTiles, error) {
			n := reads.Add(1)
			if gate != nil && n > 1 {
				<-gate
			}
			return cxTiles{Escalated: int(n)}, nil
		},
		wake:   func() { woken <- struct{}{} },
		logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		done:   done,
	}
	return c, &reads, woken
}

func waitWoken(t *testing.T, woken chan struct{}) {
	t.Helper()
	select {
	case <-woken:
	case <-time.After(10 * time.Second):
		t.Fatal("the refresh never woke the streams")
	}
}

func TestCXCacheNeverMakesARequestWaitOnceItHasFigures(t *testing.T) {
	gate := make(chan struct{})
	c, reads, woken := countingReads(t, gate)
	ctx := context.Background()

	first, fresh, err := c.get(ctx, time.Now())
	if err != nil || !fresh || first.Escalated != 1 {
		t.Fatalf("first get: %+v fresh=%v %v, want the figures read on the spot", first, fresh, err)
	}
	// A change: every dashboard asks for newer figures while the refresh
	// is blocked. None waits, and they share one read.
	for range 20 {
		got, fresh, err := c.get(ctx, time.Now())
		if err != nil || fresh || got.Escalated != 1 {
			t.Fatalf("get during a refresh: %+v fresh=%v %v, want the cached figures at once", got, fresh, err)
		}
	}
	close(gate)
	waitWoken(t, woken)
	got, fresh, err := c.get(ctx, time.Time{})
	if err != nil || !fresh || got.Escalated != 2 {
		t.Fatalf("after the refresh: %+v fresh=%v %v, want the second read", got, fresh, err)
	}
	// Figures read after every wanted time: no further read.
	time.Sleep(3 * minCXRefreshGap)
	if n := reads.Load(); n != 2 {
		t.Fatalf("%d reads for one change, want 2 (the first figures and one refresh)", n)
	}
}

func TestCXCacheRefreshesAgainForAChangeDuringARefresh(t *testing.T) {
	gate := make(chan struct{})
	c, reads, woken := countingReads(t, gate)
	ctx := context.Background()
	if _, _, err := c.get(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	c.get(ctx, time.Now()) // a change starts refresh #2, which blocks
	for reads.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	c.get(ctx, time.Now()) // a change after refresh #2 started reading
	gate <- struct{}{}
	waitWoken(t, woken)
	gate <- struct{}{}
	waitWoken(t, woken)
	got, fresh, _ := c.get(ctx, time.Time{})
	if got.Escalated != 3 || !fresh {
		t.Fatalf("%+v: the change made during refresh #2 must be read by a refresh #3", got)
	}
}
