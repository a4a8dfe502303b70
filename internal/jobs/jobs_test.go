package jobs_test

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hotdash/hotdash/internal/jobs"
	"github.com/hotdash/hotdash/internal/store/storetest"
)

func TestPeriodicTasksRunOnStartOnEveryEngine(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		ctx := context.Background()
		r := jobs.New(db.DB, slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})))
		ran := make(chan struct{}, 10)
		var calls atomic.Int32
		r.Register(jobs.Task{Name: "sweep", Every: time.Hour, Run: func(context.Context) error {
			calls.Add(1)
			ran <- struct{}{}
			return nil
		}})
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer func() {
			stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if err := r.Stop(stopCtx); err != nil {
				t.Error(err)
			}
		}()
		select {
		case <-ran:
		case <-time.After(30 * time.Second):
			t.Fatal("the periodic task never ran (leader election or scheduling failed)")
		}
		reg := prometheus.NewRegistry()
		reg.MustRegister(jobs.NewQueueCollector(db.DB))
		expected := "# HELP hotdash_job_queue_scrape_ok 1 when the job queue could be read for this scrape, 0 when not.\n# TYPE hotdash_job_queue_scrape_ok gauge\nhotdash_job_queue_scrape_ok 1\n"
		if err := testutil.GatherAndCompare(reg, strings.NewReader(expected), "hotdash_job_queue_scrape_ok"); err != nil {
			t.Fatal(err)
		}
		if n, err := testutil.GatherAndCount(reg, "hotdash_job_queue_depth"); err != nil || n != 5 {
			t.Fatalf("queue depth series = %d (%v), want one per state", n, err)
		}
	})
}

// TestAJobADeadProcessLeftRunningRunsAgainOnSQLite: SQLite runs one
// process, so a job marked running when a runner starts belongs to a
// process that died; it runs again at once instead of after River's rescue
// timeout. (The first runner stands in for the dead process: it is stuck
// in the job when the second starts.)
func TestAJobADeadProcessLeftRunningRunsAgainOnSQLite(t *testing.T) {
	db := storetest.OpenSQLite(t)
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
	started, release := make(chan struct{}, 1), make(chan struct{})
	dead := jobs.New(db.DB, logger)
	dead.Handle(jobs.Handler{Kind: "test.send", Work: func(ctx context.Context, _ jobs.Job) error {
		started <- struct{}{}
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	}})
	if err := dead.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := dead.Enqueue(ctx, "test.send", map[string]int{"n": 1}); err != nil {
		t.Fatal(err)
	}
	<-started
	ranAgain := make(chan struct{}, 1)
	restarted := jobs.New(db.DB, logger)
	restarted.Handle(jobs.Handler{Kind: "test.send", Work: func(context.Context, jobs.Job) error {
		ranAgain <- struct{}{}
		return nil
	}})
	if err := restarted.Start(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ranAgain:
	case <-time.After(20 * time.Second):
		t.Fatal("the job left running was not run again")
	}
	close(release)
	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_ = restarted.Stop(stopCtx)
	_ = dead.Stop(stopCtx)
}
