package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// Handler works one kind of durable job: work that must happen once it is
// committed (a message to send), survives restarts, and is retried with
// backoff until it succeeds, fails for good, or runs out of attempts.
type Handler struct {
	// Kind names the job kind; it is stored with each job.
	Kind string
	// MaxAttempts bounds the tries (default 5).
	MaxAttempts int
	// Backoff is the wait before attempt n+1 after attempt n failed
	// (default: River's exponential backoff).
	Backoff func(attempt int) time.Duration
	// Work does the job. A returned error is retried unless wrapped with
	// Permanent; Job.Final tells the last attempt, when Work should record
	// the failure where people see it.
	Work func(ctx context.Context, job Job) error
}

// Job is one run of a durable job.
type Job struct {
	ID          int64
	Kind        string
	Args        json.RawMessage
	Attempt     int
	MaxAttempts int
}

// Final reports whether this is the last attempt.
func (j Job) Final() bool { return j.Attempt >= j.MaxAttempts }

// Permanent marks an error that retrying cannot fix: the job stops.
func Permanent(err error) error { return river.JobCancel(err) }

// durableArgs carry a durable job's kind and arguments.
type durableArgs struct {
	Handler string          `json:"handler"`
	Args    json.RawMessage `json:"args"`
}

// Kind names the River job kind of every durable job.
func (durableArgs) Kind() string { return "hotdash.durable" }

// durableWorker dispatches durable jobs to their handlers.
type durableWorker struct {
	river.WorkerDefaults[durableArgs]
	handlers map[string]Handler
}

func (w *durableWorker) Work(ctx context.Context, j *river.Job[durableArgs]) error {
	h, ok := w.handlers[j.Args.Handler]
	if !ok {
		return river.JobCancel(fmt.Errorf("no handler %q is registered on this replica", j.Args.Handler))
	}
	return h.Work(ctx, Job{ID: j.ID, Kind: j.Args.Handler, Args: j.Args.Args, Attempt: j.Attempt, MaxAttempts: j.MaxAttempts})
}

func (w *durableWorker) NextRetry(j *river.Job[durableArgs]) time.Time {
	if h, ok := w.handlers[j.Args.Handler]; ok && h.Backoff != nil {
		return time.Now().Add(h.Backoff(j.Attempt))
	}
	return time.Time{}
}

// Handle registers a durable job handler. Call it before Start, on every
// replica.
func (r *Runner) Handle(h Handler) {
	if h.MaxAttempts <= 0 {
		h.MaxAttempts = 5
	}
	r.handlers[h.Kind] = h
}

// ErrNotStarted is returned when a job is enqueued before Start.
var ErrNotStarted = errors.New("jobs: the runner has not started")

// EnqueueTx adds a durable job inside tx: it runs only if tx commits.
func (r *Runner) EnqueueTx(ctx context.Context, tx *sql.Tx, kind string, args any) error {
	h, ok := r.handlers[kind]
	if !ok {
		return fmt.Errorf("jobs: no handler %q is registered", kind)
	}
	if r.client == nil {
		return ErrNotStarted
	}
	b, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("jobs: encode %s arguments: %w", kind, err)
	}
	if _, err := r.client.InsertTx(ctx, tx, durableArgs{Handler: kind, Args: b}, &river.InsertOpts{MaxAttempts: h.MaxAttempts}); err != nil {
		return fmt.Errorf("jobs: enqueue %s: %w", kind, err)
	}
	return nil
}

// Enqueue adds a durable job on its own (outside any transaction of the
// caller's).
func (r *Runner) Enqueue(ctx context.Context, kind string, args any) error {
	h, ok := r.handlers[kind]
	if !ok {
		return fmt.Errorf("jobs: no handler %q is registered", kind)
	}
	if r.client == nil {
		return ErrNotStarted
	}
	b, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("jobs: encode %s arguments: %w", kind, err)
	}
	if _, err := r.client.Insert(ctx, durableArgs{Handler: kind, Args: b}, &river.InsertOpts{MaxAttempts: h.MaxAttempts}); err != nil {
		return fmt.Errorf("jobs: enqueue %s: %w", kind, err)
	}
	return nil
}
