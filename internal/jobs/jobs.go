// Package jobs runs HotDash's durable background work on River, over SQLite
// (riversqlite, sharing the single writer) or PostgreSQL (riverdatabasesql
// with LISTEN/NOTIFY). Every replica works jobs; River elects one leader,
// which alone enqueues periodic tasks, so a task registered here runs once per
// interval across the whole deployment.
//
// Domain packages do not see River: they hand Register a plain function and
// an interval, or Handle a durable job handler (arguments, retries with
// backoff) and enqueue its jobs inside their own transactions (EnqueueTx).
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/hotdash/hotdash/internal/store"
)

// Task is a periodic task: a name and the function it runs.
type Task struct {
	Name  string
	Every time.Duration
	Run   func(ctx context.Context) error
}

// periodicArgs are the arguments of the one River job kind that runs tasks.
type periodicArgs struct {
	Task string `json:"task"`
}

// Kind names the River job kind.
func (periodicArgs) Kind() string { return "hotdash.periodic" }

// InsertOpts keep at most one pending run of a task at a time.
func (periodicArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		MaxAttempts: 3,
		UniqueOpts:  river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable}},
	}
}

// Runner owns the River client.
type Runner struct {
	client  *river.Client[*sql.Tx]
	workers *river.Workers
	tasks   map[string]Task
	// handlers work durable jobs, by kind.
	handlers map[string]Handler
	db       *store.DB
	logger   *slog.Logger
}

// New prepares a Runner over db. Register tasks and workers, then Start.
func New(db *store.DB, logger *slog.Logger) *Runner {
	return &Runner{workers: river.NewWorkers(), tasks: map[string]Task{}, handlers: map[string]Handler{}, db: db, logger: logger}
}

// Workers is River's worker registry, for jobs with arguments.
func (r *Runner) Workers() *river.Workers { return r.workers }

// Register adds a periodic task. All replicas must register the same tasks.
func (r *Runner) Register(t Task) { r.tasks[t.Name] = t }

// Start starts working jobs and, on the leader, scheduling periodic tasks.
func (r *Runner) Start(ctx context.Context) error {
	if err := r.requeueOrphans(ctx); err != nil {
		return err
	}
	river.AddWorker(r.workers, river.WorkFunc(func(ctx context.Context, j *river.Job[periodicArgs]) error {
		t, ok := r.tasks[j.Args.Task]
		if !ok {
			return river.JobCancel(fmt.Errorf("no task %q is registered on this replica", j.Args.Task))
		}
		if err := t.Run(ctx); err != nil {
			return fmt.Errorf("task %s: %w", t.Name, err)
		}
		return nil
	}))
	river.AddWorker(r.workers, &durableWorker{handlers: r.handlers})
	var periodic []*river.PeriodicJob
	for _, t := range r.tasks {
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(t.Every),
			func() (river.JobArgs, *river.InsertOpts) { return periodicArgs{Task: t.Name}, nil },
			&river.PeriodicJobOpts{RunOnStart: true, ID: t.Name}))
	}
	host, _ := os.Hostname()
	client, err := river.NewClient(r.db.RiverDriver(), &river.Config{
		ID:           fmt.Sprintf("%s-%d", host, os.Getpid()) + "-" + strconv.FormatInt(time.Now().UnixNano()%1e6, 10),
		Logger:       r.logger.With("component", "jobs"),
		Queues:       map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 8}},
		Workers:      r.workers,
		PeriodicJobs: periodic,
		JobTimeout:   5 * time.Minute,
		// Poll often: SQLite and database/sql PostgreSQL have no job
		// notifications, and a send waits for the next poll.
		FetchPollInterval: 200 * time.Millisecond,
		// A job whose process died (a crash, SIGKILL) runs again after
		// this long; durable jobs are written to be safe to repeat.
		RescueStuckJobsAfter: 10 * time.Minute,
	})
	if err != nil {
		return fmt.Errorf("create job runner: %w", err)
	}
	r.client = client
	if err := client.Start(ctx); err != nil {
		return fmt.Errorf("start job runner: %w", err)
	}
	return nil
}

// Stop lets running jobs finish (until ctx ends) and stops.
func (r *Runner) Stop(ctx context.Context) error {
	if r.client == nil {
		return nil
	}
	if err := r.client.Stop(ctx); err != nil {
		return fmt.Errorf("stop job runner: %w", err)
	}
	return nil
}

// Client is the River client, for inserting jobs in a transaction.
func (r *Runner) Client() *river.Client[*sql.Tx] { return r.client }

// requeueOrphans makes jobs left running by a process that died (SIGKILL,
// power loss) available again at once. On SQLite HotDash runs as a single
// process, so at start nothing else can be running them; River's rescuer
// would wait RescueStuckJobsAfter, and a periodic task stuck as running
// would not be scheduled again until then. On PostgreSQL other replicas
// may be running jobs, so the rescuer's timeout stands.
func (r *Runner) requeueOrphans(ctx context.Context) error {
	if r.db.Engine() != store.SQLite {
		return nil
	}
	// A running job was scheduled in the past, so available runs it now.
	res, err := r.db.Write.ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running'`)
	if err != nil {
		return fmt.Errorf("requeue jobs a previous process left running: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		r.logger.Warn("requeued jobs a previous process left running", "jobs", n)
	}
	return nil
}
