// Package groupcommit lets many goroutines share one database commit. Each
// caller hands an item to Do and waits; a writer goroutine takes every item
// waiting (up to a limit), commits them together, and answers each caller
// with its own result. While one batch commits the next one gathers, so
// throughput grows with concurrency instead of being capped by the number of
// commits per second the database can do.
package groupcommit

import (
	"context"
	"errors"
)

// ErrClosed is returned by Do once the Committer has been closed.
var ErrClosed = errors.New("closed")

// Result is one item's outcome.
type Result[R any] struct {
	Value R
	Err   error
}

// CommitFunc writes a batch and returns one result per item, in order.
type CommitFunc[T, R any] func(items []T) []Result[R]

// Committer batches items for a CommitFunc.
type Committer[T, R any] struct {
	commit  CommitFunc[T, R]
	max     int
	queue   chan *request[T, R]
	stop    chan struct{}
	stopped chan struct{}
}

type request[T, R any] struct {
	item  T
	reply chan Result[R]
}

// New starts a Committer whose batches hold at most max items.
func New[T, R any](max int, commit CommitFunc[T, R]) *Committer[T, R] {
	c := &Committer[T, R]{
		commit:  commit,
		max:     max,
		queue:   make(chan *request[T, R]),
		stop:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
	go c.run()
	return c
}

// Do commits item with whatever else is waiting and returns its result. If
// ctx ends while the item is being committed, Do returns ctx's error but the
// item may still be committed.
func (c *Committer[T, R]) Do(ctx context.Context, item T) (R, error) {
	var zero R
	req := &request[T, R]{item: item, reply: make(chan Result[R], 1)}
	select {
	case c.queue <- req:
	case <-c.stop:
		return zero, ErrClosed
	case <-ctx.Done():
		return zero, ctx.Err()
	}
	select {
	case r := <-req.reply:
		return r.Value, r.Err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// Close commits every item already handed over, then stops. Do fails with
// ErrClosed afterwards.
func (c *Committer[T, R]) Close() {
	select {
	case <-c.stop:
	default:
		close(c.stop)
	}
	<-c.stopped
}

func (c *Committer[T, R]) run() {
	defer close(c.stopped)
	for {
		select {
		case req := <-c.queue:
			c.flush(c.fill([]*request[T, R]{req}))
		case <-c.stop:
			for {
				select {
				case req := <-c.queue:
					c.flush(c.fill([]*request[T, R]{req}))
				default:
					return
				}
			}
		}
	}
}

// fill adds the requests already waiting, without waiting for more.
func (c *Committer[T, R]) fill(batch []*request[T, R]) []*request[T, R] {
	for len(batch) < c.max {
		select {
		case req := <-c.queue:
			batch = append(batch, req)
		default:
			return batch
		}
	}
	return batch
}

func (c *Committer[T, R]) flush(batch []*request[T, R]) {
	items := make([]T, len(batch))
	for i, req := range batch {
		items[i] = req.item
	}
	results := c.commit(items)
	for i, req := range batch {
		if i < len(results) {
			req.reply <- results[i]
		} else {
			req.reply <- Result[R]{Err: errors.New("groupcommit: the commit returned too few results")}
		}
	}
}
