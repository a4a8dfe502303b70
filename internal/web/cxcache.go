package web

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// cxRefreshedTopic wakes this process's dashboards when the CX tiles'
// figures were read again. It is published locally only: every replica
// keeps its own figures.
const cxRefreshedTopic = "web.cx-tiles-refreshed"

// minCXRefreshGap is the least time between two reads of the CX tiles'
// figures; a read that took long spaces the next one further (twice its
// duration), so a large queue cannot keep a core busy counting.
const minCXRefreshGap = 500 * time.Millisecond

// cxCache keeps the CX tiles' figures for every dashboard this process
// serves. Counting conversations costs time in proportion to the unresolved
// ones, so once figures exist no request waits for a count: a caller that
// needs figures newer than the cached ones gets the cached ones at once,
// and one background refresh reads new figures and wakes the live streams
// (cxRefreshedTopic), which then render them.
type cxCache struct {
	read   func(context.Context) (cxTiles, error)
	wake   func()
	logger *slog.Logger
	done   <-chan struct{} // closed when the handler shuts down

	first sync.Mutex // held while the very first figures are read

	mu       sync.Mutex
	tiles    cxTiles
	readAt   time.Time // when the cached figures started being read; zero: none yet
	wanted   time.Time // the newest time a caller wanted figures read after
	running  bool      // a refresh loop is running
	lastTook time.Duration
	lastEnd  time.Time
}

// get returns figures and whether they were read after since. Without any
// figures yet it reads them on the caller's path; otherwise it never waits,
// and asks for a refresh when the figures are older than since.
func (c *cxCache) get(ctx context.Context, since time.Time) (cxTiles, bool, error) {
	if t, fresh, ok := c.cached(since); ok {
		return t, fresh, nil
	}
	c.first.Lock()
	defer c.first.Unlock()
	if t, fresh, ok := c.cached(since); ok {
		return t, fresh, nil
	}
	started := time.Now()
	t, err := c.read(ctx)
	if err != nil {
		return t, false, err
	}
	c.mu.Lock()
	c.tiles, c.readAt, c.lastTook, c.lastEnd = t, started, time.Since(started), time.Now()
	c.mu.Unlock()
	return t, true, nil
}

// cached returns the cached figures, if any, asking for a refresh when they
// are older than since.
func (c *cxCache) cached(since time.Time) (t cxTiles, fresh, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.readAt.IsZero() {
		return t, false, false
	}
	fresh = !c.readAt.Before(since)
	if !fresh {
		if since.After(c.wanted) {
			c.wanted = since
		}
		if !c.running {
			c.running = true
			go c.refresh()
		}
	}
	return c.tiles, fresh, true
}

// refresh reads figures until they are newer than every caller wanted,
// spacing its reads, then stops.
func (c *cxCache) refresh() {
	for {
		c.mu.Lock()
		if !c.wanted.After(c.readAt) {
			c.running = false
			c.mu.Unlock()
			return
		}
		wait := max(minCXRefreshGap, 2*c.lastTook) - time.Since(c.lastEnd)
		c.mu.Unlock()
		if wait > 0 {
			select {
			case <-time.After(wait):
			case <-c.done:
				c.stop()
				return
			}
		}
		started := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		t, err := c.read(ctx)
		cancel()
		c.mu.Lock()
		c.lastTook, c.lastEnd = time.Since(started), time.Now()
		if err != nil {
			// Give up until the next change asks again, rather than
			// retrying in a loop against a database that fails.
			c.running = false
			c.mu.Unlock()
			c.logger.Error("refresh the CX tiles", "error", err)
			return
		}
		c.tiles, c.readAt = t, started
		c.mu.Unlock()
		c.wake()
	}
}

func (c *cxCache) stop() {
	c.mu.Lock()
	c.running = false
	c.mu.Unlock()
}
