// Package bench runs HotDash's named benchmarks in-process (hotdash bench
// <scenario>): a real server on a loopback port, real clients, a real store,
// and figures a person can compare with the targets in the issues.
package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // to create and drop the bench schema

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/app"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/store"
)

// DecisionsOptions configure the decisions benchmark.
type DecisionsOptions struct {
	// Engine is "sqlite" or "postgres".
	Engine string
	// PostgresURL is the server to use; the benchmark works in a schema of
	// its own and drops it afterwards.
	PostgresURL string
	Clients     int
	Duration    time.Duration
	// VerifyEntries is how many entries the log holds when verify is timed
	// (0 skips the verify figure).
	VerifyEntries int
	// Progress receives progress lines; nil discards them.
	Progress io.Writer
}

// DecisionsResult holds the figures.
type DecisionsResult struct {
	Engine         string        `json:"engine"`
	Clients        int           `json:"clients"`
	Duration       time.Duration `json:"duration_ns"`
	Appends        int           `json:"appends"`
	Errors         int           `json:"errors"`
	PerSecond      float64       `json:"appends_per_second"`
	P50            time.Duration `json:"p50_ns"`
	P90            time.Duration `json:"p90_ns"`
	P99            time.Duration `json:"p99_ns"`
	Max            time.Duration `json:"max_ns"`
	VerifyEntries  int64         `json:"verify_entries"`
	VerifyDuration time.Duration `json:"verify_duration_ns"`
	LoadDuration   time.Duration `json:"load_duration_ns"`
}

// Decisions measures appends per second through the API with concurrent
// clients, then how long verify takes over VerifyEntries entries.
func Decisions(ctx context.Context, o DecisionsOptions) (DecisionsResult, error) {
	progress := o.Progress
	if progress == nil {
		progress = io.Discard
	}
	res := DecisionsResult{Engine: o.Engine, Clients: o.Clients}
	a, cleanup, err := startServer(ctx, o.Engine, o.PostgresURL, nil)
	if err != nil {
		return res, err
	}
	defer cleanup()
	secret, _, err := a.Auth.CreateToken(ctx, "bench", auth.Lead, "bench")
	if err != nil {
		return res, err
	}
	_, _ = fmt.Fprintf(progress, "%s: %d clients appending through %s for %s…\n", o.Engine, o.Clients, a.URL(), o.Duration)
	lat, errs, elapsed := hammer(ctx, client.New(a.URL(), secret), o.Clients, o.Duration)
	res.Duration, res.Appends, res.Errors = elapsed, len(lat), errs
	res.PerSecond = float64(len(lat)) / elapsed.Seconds()
	res.P50, res.P90, res.P99, res.Max = percentile(lat, 50), percentile(lat, 90), percentile(lat, 99), percentile(lat, 100)
	if o.VerifyEntries > 0 {
		if err := timeVerify(ctx, a, o, &res, progress); err != nil {
			return res, err
		}
	}
	return res, nil
}

// startServer runs a whole HotDash on a throwaway store; adjust, if set,
// changes its settings first.
func startServer(ctx context.Context, engine, postgresURL string, adjust func(*config.Settings)) (*app.App, func(), error) {
	dir, err := os.MkdirTemp("", "hotdash-bench-")
	if err != nil {
		return nil, nil, err
	}
	drop := func() {}
	s := config.Settings{Addr: "127.0.0.1:0", Env: config.Development, LogLevel: "warn", DataDir: dir,
		DatabaseURL: "sqlite:" + filepath.Join(dir, "bench.db")}
	s.Chatwoot.ReconcileEvery = time.Minute
	if engine == "postgres" {
		if postgresURL == "" {
			_ = os.RemoveAll(dir)
			return nil, nil, errors.New("the postgres benchmark needs --postgres-url (or HOTDASH_TEST_POSTGRES_URL)")
		}
		if s.DatabaseURL, drop, err = benchSchema(postgresURL); err != nil {
			_ = os.RemoveAll(dir)
			return nil, nil, err
		}
	}
	if adjust != nil {
		adjust(&s)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(ctx, app.Options{Settings: s, Policy: config.DefaultPolicy(), Logger: logger})
	if err == nil {
		err = a.Start(ctx)
	}
	if err != nil {
		drop()
		_ = os.RemoveAll(dir)
		return nil, nil, err
	}
	return a, func() {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		_ = a.Stop(stopCtx)
		drop()
		_ = os.RemoveAll(dir)
	}, nil
}

// openStore opens a throwaway, migrated store on engine.
func openStore(ctx context.Context, engine, postgresURL string) (*store.DB, func(), error) {
	dir, err := os.MkdirTemp("", "hotdash-bench-")
	if err != nil {
		return nil, nil, err
	}
	drop := func() {}
	s := config.Settings{DatabaseURL: "sqlite:" + filepath.Join(dir, "bench.db")}
	if engine == "postgres" {
		if postgresURL == "" {
			_ = os.RemoveAll(dir)
			return nil, nil, errors.New("the postgres benchmark needs --postgres-url (or HOTDASH_TEST_POSTGRES_URL)")
		}
		if s.DatabaseURL, drop, err = benchSchema(postgresURL); err != nil {
			_ = os.RemoveAll(dir)
			return nil, nil, err
		}
	}
	db, err := app.OpenStore(ctx, s)
	if err == nil {
		err = db.Migrate(ctx)
	}
	if err != nil {
		drop()
		_ = os.RemoveAll(dir)
		return nil, nil, err
	}
	return db, func() { _ = db.Close(); drop(); _ = os.RemoveAll(dir) }, nil
}

// benchSchema creates a throwaway schema and returns a URL that uses it.
func benchSchema(base string) (string, func(), error) {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	schema := "hotdash_bench_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, fmt.Errorf("open postgres: %w", err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		_ = admin.Close()
		return "", nil, fmt.Errorf("create bench schema: %w", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		_ = admin.Close()
		return "", nil, fmt.Errorf("parse postgres url: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		_ = admin.Close()
	}, nil
}

// hammer runs clients that append until d has passed, and returns every
// successful append's latency, the error count and the elapsed time.
func hammer(ctx context.Context, c *client.Client, clients int, d time.Duration) ([]time.Duration, int, time.Duration) {
	var mu sync.Mutex
	var all []time.Duration
	errs := 0
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range clients {
		wg.Go(func() {
			var mine []time.Duration
			bad := 0
			for i := 0; time.Now().Before(deadline); i++ {
				t := time.Now()
				_, err := c.LogDecision(ctx, client.NewDecision{Scope: "build", Actor: fmt.Sprintf("bench-%d", w),
					Action: "bench.append", Rationale: fmt.Sprintf("append %d of client %d", i, w),
					NextAction: "none", NextActionOwner: "bench"}, "")
				if err != nil {
					bad++
					continue
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			all, errs = append(all, mine...), errs+bad
			mu.Unlock()
		})
	}
	wg.Wait()
	return all, errs, time.Since(start)
}

// timeVerify fills the log up to VerifyEntries (in-process, many appenders
// so the group commit fills its batches) and times a full verify.
func timeVerify(ctx context.Context, a *app.App, o DecisionsOptions, res *DecisionsResult, progress io.Writer) error {
	have, err := a.Decisions.Count(ctx, decisionlog.Filter{})
	if err != nil {
		return err
	}
	missing := o.VerifyEntries - have
	_, _ = fmt.Fprintf(progress, "%s: loading %d more entries for verify…\n", o.Engine, max(missing, 0))
	start := time.Now()
	if err := load(ctx, a.Decisions, missing); err != nil {
		return err
	}
	res.LoadDuration = time.Since(start)
	_, _ = fmt.Fprintf(progress, "%s: verifying…\n", o.Engine)
	start = time.Now()
	v, err := decisionlog.Verify(ctx, a.DB, nil, nil)
	if err != nil {
		return err
	}
	res.VerifyDuration, res.VerifyEntries = time.Since(start), v.Entries
	if v.Broken != nil {
		return fmt.Errorf("verify found a broken chain in a fresh log: %w", v.Broken)
	}
	return nil
}

func load(ctx context.Context, log *decisionlog.Log, n int) error {
	const workers = 512
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	next := make(chan int, workers)
	go func() {
		defer close(next)
		for i := range n {
			next <- i
		}
	}()
	for range workers {
		wg.Go(func() {
			for i := range next {
				_, _, err := log.Append(ctx, decisionlog.Draft{Scope: "ops", Actor: "bench", Action: "bench.load",
					Rationale: fmt.Sprintf("bulk entry %d", i), RecordedBy: "bench"})
				if err != nil {
					mu.Lock()
					firstErr = errors.Join(firstErr, err)
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	if !slices.IsSorted(sorted) {
		slices.Sort(sorted)
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}
