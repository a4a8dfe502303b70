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
// timeout. The first runner finishes the job; the test then puts the row
// back as a crash would have left it (running, not finalized).
func TestAJobADeadProcessLeftRunningRunsAgainOnSQLite(t *testing.T) {
	db := storetest.OpenSQLite(t)
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
	ran := make(chan string, 4)
	start := func(name string) *jobs.Runner {
		r := jobs.New(db.DB, logger)
		r.Handle(jobs.Handler{Kind: "test.send", Work: func(context.Context, jobs.Job) error {
			ran <- name
			return nil
		}})
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		return r
	}
	stop := func(r *jobs.Runner) {
		stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := r.Stop(stopCtx); err != nil {
			t.Error(err)
		}
	}
	dead := start("dead")
	if err := dead.Enqueue(ctx, "test.send", map[string]int{"n": 1}); err != nil {
		t.Fatal(err)
	}
	if got := <-ran; got != "dead" {
		t.Fatalf("ran on %s", got)
	}
	stop(dead)
	if _, err := db.Write.Exec(`UPDATE river_job SET state = 'running', finalized_at = NULL WHERE kind = 'hotdash.durable'`); err != nil {
		t.Fatal(err)
	}
	restarted := start("restarted")
	defer stop(restarted)
	select {
	case got := <-ran:
		if got != "restarted" {
			t.Fatalf("ran on %s", got)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the job left running was not run again")
	}
}
