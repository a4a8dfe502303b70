package cli

import (
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotdash/hotdash/internal/bench"
)

func newBench(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Run a named benchmark in-process and print its figures",
	}
	var o bench.DecisionsOptions
	var engines []string
	var asJSON bool
	var cpuProfile string
	decisions := &cobra.Command{
		Use:   "decisions",
		Short: "Decision Log appends per second through the API, and verify time",
		Long: `Start HotDash in-process on a throwaway database, append decisions through
the JSON API from concurrent clients for --duration, then fill the log to
--verify-entries and time a full hash-chain verify. Targets (issue 2):
>= 3,000 appends/s with p99 <= 50 ms from 16 clients; verify of 1,000,000
entries <= 5 s.`,
		Example: `  hotdash bench decisions
  hotdash bench decisions --engine postgres --postgres-url postgres://postgres@127.0.0.1/postgres?sslmode=disable --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cpuProfile != "" {
				stop, err := startCPUProfile(cpuProfile)
				if err != nil {
					return err
				}
				defer stop()
			}
			var results []bench.DecisionsResult
			for _, engine := range engines {
				o.Engine = engine
				if !asJSON {
					o.Progress = e.Stderr
				}
				res, err := bench.Decisions(cmd.Context(), o)
				if err != nil {
					return fmt.Errorf("%s: %w", engine, err)
				}
				results = append(results, res)
			}
			if asJSON {
				return writeJSON(e.Stdout, results)
			}
			for _, r := range results {
				printDecisionsResult(e, r)
			}
			return nil
		},
	}
	f := decisions.Flags()
	f.StringSliceVar(&engines, "engine", []string{"sqlite"}, "engines to run on: sqlite, postgres (comma-separated)")
	f.StringVar(&o.PostgresURL, "postgres-url", lookup(e.Environ, "HOTDASH_TEST_POSTGRES_URL"), "PostgreSQL server for --engine postgres (a throwaway schema is used and dropped)")
	f.IntVar(&o.Clients, "clients", 16, "concurrent API clients")
	f.DurationVar(&o.Duration, "duration", 10*time.Second, "how long to append")
	f.IntVar(&o.VerifyEntries, "verify-entries", 1_000_000, "entries in the log when verify is timed (0 skips it)")
	f.BoolVar(&asJSON, "json", false, "print the figures as JSON")
	f.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file (read it with go tool pprof)")
	cmd.AddCommand(decisions)
	return cmd
}

func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("start cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}

func printDecisionsResult(e *env, r bench.DecisionsResult) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	_, _ = fmt.Fprintf(e.Stdout, "decisions on %s: %d clients for %s\n", r.Engine, r.Clients, r.Duration.Round(time.Millisecond))
	_, _ = fmt.Fprintf(e.Stdout, "  appends        %d (%d errors)\n", r.Appends, r.Errors)
	_, _ = fmt.Fprintf(e.Stdout, "  throughput     %.0f appends/s (target >= 3000)\n", r.PerSecond)
	_, _ = fmt.Fprintf(e.Stdout, "  latency        p50 %s, p90 %s, p99 %s (target <= 50 ms), max %s\n", ms(r.P50), ms(r.P90), ms(r.P99), ms(r.Max))
	if r.VerifyEntries > 0 {
		_, _ = fmt.Fprintf(e.Stdout, "  verify         %d entries in %s (target <= 5 s for 1,000,000); loading took %s\n",
			r.VerifyEntries, r.VerifyDuration.Round(time.Millisecond), r.LoadDuration.Round(time.Second))
	}
}
