package cli

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hotdash/hotdash/internal/bench"
)

func newBench(e *env) *cobra.Command {
	var cpuProfile string
	var stopProfile func()
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Run a named benchmark in-process and print its figures",
		PersistentPreRunE: func(*cobra.Command, []string) error {
			if e.envErr != nil || cpuProfile == "" {
				return e.envErr
			}
			var err error
			stopProfile, err = startCPUProfile(cpuProfile)
			return err
		},
		PersistentPostRun: func(*cobra.Command, []string) {
			if stopProfile != nil {
				stopProfile()
			}
		},
	}
	cmd.PersistentFlags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file (read it with go tool pprof)")
	var o bench.DecisionsOptions
	var engines []string
	var asJSON bool
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
			return perEngine(e, engines, asJSON, func(engine string, progress io.Writer) (bench.DecisionsResult, error) {
				o.Engine, o.Progress = engine, progress
				return bench.Decisions(cmd.Context(), o)
			}, printDecisionsResult)
		},
	}
	f := decisions.Flags()
	benchFlags(e, f, &engines, &o.PostgresURL, &asJSON)
	f.IntVar(&o.Clients, "clients", 16, "concurrent API clients")
	f.DurationVar(&o.Duration, "duration", 10*time.Second, "how long to append")
	f.IntVar(&o.VerifyEntries, "verify-entries", 1_000_000, "entries in the log when verify is timed (0 skips it)")
	cmd.AddCommand(decisions, benchDeadlines(e), benchIngest(e), benchQueue(e), benchApprovals(e), benchNotify(e), benchHelp(e))
	return cmd
}

func benchDeadlines(e *env) *cobra.Command {
	var o bench.DeadlinesOptions
	var engines []string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "deadlines",
		Short: "SLA band changes among a million open conversations: lateness, idle CPU, memory",
		Long: `Seed --conversations open conversations (directly, not through webhooks),
--due of which change SLA band during --window, run the deadline loop on the
real clock, and report how late the changes were recorded, then how much CPU
the loop uses with nothing due, and the process's resident memory. Targets
(issue 3): with 1,000,000 conversations, p99 lateness <= 1 s, idle CPU < 2%
of a core, RSS < 512 MiB.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return perEngine(e, engines, asJSON, func(engine string, progress io.Writer) (bench.DeadlinesResult, error) {
				o.Engine, o.Progress = engine, progress
				return bench.Deadlines(cmd.Context(), o)
			}, printDeadlinesResult)
		},
	}
	f := cmd.Flags()
	benchFlags(e, f, &engines, &o.PostgresURL, &asJSON)
	f.IntVar(&o.Conversations, "conversations", 1_000_000, "open conversations")
	f.IntVar(&o.Due, "due", 20_000, "band changes that fall due during --window")
	f.DurationVar(&o.Window, "window", 30*time.Second, "how long the due changes are spread over")
	f.DurationVar(&o.Idle, "idle", 20*time.Second, "how long idle CPU is measured")
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

func printDecisionsResult(w io.Writer, r bench.DecisionsResult) {
	_, _ = fmt.Fprintf(w, "decisions on %s: %d clients for %s\n", r.Engine, r.Clients, r.Duration.Round(time.Millisecond))
	_, _ = fmt.Fprintf(w, "  appends        %d (%d errors)\n", r.Appends, r.Errors)
	_, _ = fmt.Fprintf(w, "  throughput     %.0f appends/s (target >= 3000)\n", r.PerSecond)
	_, _ = fmt.Fprintf(w, "  latency        p50 %s, p90 %s, p99 %s (target <= 50 ms), max %s\n", ms(r.P50), ms(r.P90), ms(r.P99), ms(r.Max))
	if r.VerifyEntries > 0 {
		_, _ = fmt.Fprintf(w, "  verify         %d entries in %s (target <= 5 s for 1,000,000); loading took %s\n",
			r.VerifyEntries, r.VerifyDuration.Round(time.Millisecond), r.LoadDuration.Round(time.Second))
	}
}

func benchIngest(e *env) *cobra.Command {
	var o bench.IngestOptions
	var engines []string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Signed Chatwoot webhooks per second through POST /webhooks/chatwoot",
		Long: `Start HotDash in-process on a throwaway store, post signed Chatwoot webhooks
(a realistic mix: customer messages, agent replies, notes, updates, status
changes) from --senders concurrent senders for --duration, check that every
acknowledged event is stored, then time how long projection takes to catch
up. Targets (issue 3): >= 5,000 events/s with p99 <= 50 ms from 32 senders.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return perEngine(e, engines, asJSON, func(engine string, progress io.Writer) (bench.IngestResult, error) {
				o.Engine, o.Progress = engine, progress
				return bench.Ingest(cmd.Context(), o)
			}, printIngestResult)
		},
	}
	f := cmd.Flags()
	benchFlags(e, f, &engines, &o.PostgresURL, &asJSON)
	f.IntVar(&o.Senders, "senders", 32, "concurrent senders")
	f.DurationVar(&o.Duration, "duration", 10*time.Second, "how long to send")
	f.IntVar(&o.Conversations, "conversations", 2000, "conversations the events are about")
	return cmd
}

func benchQueue(e *env) *cobra.Command {
	var o bench.QueueOptions
	var engines []string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "queue",
		Short: "Queue API and page latency over a million conversations",
		Long: `Seed --conversations conversations (70% resolved; the rest open, pending or
snoozed across bands, channels, labels and assignees) and time the queue API
under the filters operators use, then the queue page and the dashboard
(whose CX tiles count every unresolved conversation), from --clients
concurrent clients. Target (issue 3): p99 <= 50 ms with 1,000,000
conversations.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return perEngine(e, engines, asJSON, func(engine string, progress io.Writer) (bench.QueueResult, error) {
				o.Engine, o.Progress = engine, progress
				return bench.Queue(cmd.Context(), o)
			}, printQueueResult)
		},
	}
	f := cmd.Flags()
	benchFlags(e, f, &engines, &o.PostgresURL, &asJSON)
	f.IntVar(&o.Conversations, "conversations", 1_000_000, "conversations in the store")
	f.IntVar(&o.Requests, "requests", 200, "requests per query shape")
	f.IntVar(&o.Clients, "clients", 4, "concurrent clients")
	return cmd
}

func benchApprovals(e *env) *cobra.Command {
	var o bench.ApprovalsOptions
	var engines []string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "approvals",
		Short: "Approvals queue latency over 100,000 pending drafts, and approve-to-delivered time",
		Long: `Seed --drafts pending drafts (15% high, 60% medium, 25% low risk; 2% more
with changes requested) over --conversations open conversations, and time the
drafts API under the reviewers' filters and a deep page, the approvals page
and the dashboard, from --clients concurrent clients. Then point HotDash (not
in dry run) at an in-process simulated Chatwoot, approve fresh drafts with
grades through the API at --rate a second for --duration, and time each from
its approve call's return to the reply's arrival in Chatwoot. The run fails
if a reply arrives twice, or not within 30 s. Targets (issue 4): reads p99
<= 50 ms with 100,000 pending drafts; approve-to-delivered p99 <= 2 s under
20 approvals a second.`,
		Example: `  hotdash bench approvals
  hotdash bench approvals --engine sqlite,postgres --postgres-url postgres://postgres@127.0.0.1/postgres?sslmode=disable --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return perEngine(e, engines, asJSON, func(engine string, progress io.Writer) (bench.ApprovalsResult, error) {
				o.Engine, o.Progress = engine, progress
				return bench.Approvals(cmd.Context(), o)
			}, printApprovalsResult)
		},
	}
	f := cmd.Flags()
	benchFlags(e, f, &engines, &o.PostgresURL, &asJSON)
	f.IntVar(&o.Drafts, "drafts", 100_000, "drafts pending review")
	f.IntVar(&o.Conversations, "conversations", 20_000, "open conversations the drafts are spread over")
	f.IntVar(&o.Requests, "requests", 200, "requests per read shape")
	f.IntVar(&o.Clients, "clients", 4, "concurrent clients")
	f.Float64Var(&o.Rate, "rate", 20, "approvals per second")
	f.DurationVar(&o.Duration, "duration", 30*time.Second, "how long to approve at --rate")
	return cmd
}

func printApprovalsResult(w io.Writer, r bench.ApprovalsResult) {
	_, _ = fmt.Fprintf(w, "approvals on %s: %d drafts pending, %d with changes requested, over %d conversations (seeded in %s)\n",
		r.Engine, r.Drafts, r.ChangesRequested, r.Conversations, r.SeedDuration.Round(time.Second))
	for _, s := range r.Shapes {
		size := fmt.Sprintf("%d rows", s.Rows)
		if s.Page {
			size = fmt.Sprintf("%d rows, %d KiB", s.Rows, s.Bytes>>10)
		}
		line := fmt.Sprintf("  %-26s p50 %8s  p99 %8s (target <= 50 ms)  %s", s.Name, ms(s.P50), ms(s.P99), size)
		if s.Error != "" {
			line += "  ERROR: " + s.Error
		}
		_, _ = fmt.Fprintln(w, line)
	}
	d := r.Delivery
	_, _ = fmt.Fprintf(w, "  approvals      %d at %.0f/s for %s (%d errors); approve call p50 %s, p99 %s\n",
		d.Approved, d.Rate, d.Duration.Round(time.Millisecond), d.ApproveErrors, ms(d.ApproveP50), ms(d.ApproveP99))
	_, _ = fmt.Fprintf(w, "  delivered      %d of %d within 30 s, %d more than once, %d missing; %d shown sent\n", d.Delivered, d.Approved, d.Duplicates, d.Missing, d.Sent)
	_, _ = fmt.Fprintf(w, "  approve-to-delivered  p50 %s, p95 %s, p99 %s (target <= 2 s), max %s\n", ms(d.P50), ms(d.P95), ms(d.P99), ms(d.Max))
}

// perEngine runs a benchmark on each engine in turn, reporting progress on
// stderr, then prints every result as JSON or through show.
func perEngine[R any](e *env, engines []string, asJSON bool, run func(engine string, progress io.Writer) (R, error), show func(io.Writer, R)) error {
	var results []R
	for _, engine := range engines {
		var progress io.Writer
		if !asJSON {
			progress = e.Stderr
		}
		res, err := run(engine, progress)
		if err != nil {
			return fmt.Errorf("%s: %w", engine, err)
		}
		results = append(results, res)
	}
	if asJSON {
		return writeJSON(e.Stdout, results)
	}
	for _, r := range results {
		show(e.Stdout, r)
	}
	return nil
}

// ms formats a duration in milliseconds with one decimal.
func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func printDeadlinesResult(w io.Writer, r bench.DeadlinesResult) {
	_, _ = fmt.Fprintf(w, "deadlines on %s: %d open conversations (seeded in %s)\n", r.Engine, r.Conversations, r.SeedDuration.Round(time.Second))
	_, _ = fmt.Fprintf(w, "  band changes   %d of %d fired\n", r.Fired, r.Due)
	_, _ = fmt.Fprintf(w, "  lateness       p50 %s, p99 %s (target <= 1 s), max %s\n", ms(r.LatenessP50), ms(r.LatenessP99), ms(r.LatenessMax))
	_, _ = fmt.Fprintf(w, "  idle CPU       %.2f%% of a core (target < 2%%)\n", r.IdleCPUPercent)
	_, _ = fmt.Fprintf(w, "  resident mem   %d MiB (target < 512 MiB)\n", r.RSSBytes>>20)
}

func printIngestResult(w io.Writer, r bench.IngestResult) {
	_, _ = fmt.Fprintf(w, "ingest on %s: %d senders for %s\n", r.Engine, r.Senders, r.Duration.Round(time.Millisecond))
	_, _ = fmt.Fprintf(w, "  acknowledged   %d (%d errors), all %d stored\n", r.Acked, r.Errors, r.Stored)
	_, _ = fmt.Fprintf(w, "  throughput     %.0f events/s (target >= 5000)\n", r.PerSecond)
	_, _ = fmt.Fprintf(w, "  latency        p50 %s, p90 %s, p99 %s (target <= 50 ms), max %s\n", ms(r.P50), ms(r.P90), ms(r.P99), ms(r.Max))
	_, _ = fmt.Fprintf(w, "  projection     caught up %s after the last delivery (%.0f events/s overall)\n", r.ProjectionLag.Round(time.Millisecond), r.ProjectedPerSec)
}

func printQueueResult(w io.Writer, r bench.QueueResult) {
	_, _ = fmt.Fprintf(w, "queue on %s: %d conversations (seeded in %s)\n", r.Engine, r.Conversations, r.SeedDuration.Round(time.Second))
	for _, s := range r.Shapes {
		_, _ = fmt.Fprintf(w, "  %-26s p50 %8s  p99 %8s (target <= 50 ms)  %d rows\n", s.Name, ms(s.P50), ms(s.P99), s.Rows)
	}
}

func benchNotify(e *env) *cobra.Command {
	var o bench.NotifyOptions
	var engines []string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "notify",
		Short: "Notification outbox: deliveries per second and enqueue-to-arrival lag",
		Long: `Open a throwaway store and a delivery outbox whose endpoints are --endpoints
signed webhooks on a local receiver that verifies every signature. Two
phases each enqueue --messages escalation messages in transactions of
--batch (as an escalation pass does): "burst" as fast as the store takes
them (deliveries per second, first enqueue to last arrival), then "paced"
at --rate messages a second (each delivery's lag from its enqueue's commit
to its arrival under steady load; --rate 0 skips it). The run fails if a
delivery does not arrive. Targets (issue 5): >= 500 deliveries/s and lag
p99 <= 2 s on SQLite.`,
		Example: `  hotdash bench notify
  hotdash bench notify --engine sqlite,postgres --postgres-url postgres://postgres@127.0.0.1/postgres?sslmode=disable --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return perEngine(e, engines, asJSON, func(engine string, progress io.Writer) (bench.NotifyResult, error) {
				o.Engine, o.Progress = engine, progress
				return bench.Notify(cmd.Context(), o)
			}, printNotifyResult)
		},
	}
	f := cmd.Flags()
	benchFlags(e, f, &engines, &o.PostgresURL, &asJSON)
	f.IntVar(&o.Messages, "messages", 10_000, "escalation messages each phase enqueues")
	f.IntVar(&o.Endpoints, "endpoints", 1, "webhook endpoints each message goes to")
	f.IntVar(&o.Batch, "batch", 50, "messages per enqueueing transaction")
	f.Float64Var(&o.Rate, "rate", 1000, "messages per second in the paced phase (0 skips it)")
	f.IntVar(&o.Senders, "senders", 16, "the outbox's concurrent senders")
	return cmd
}

func printNotifyResult(w io.Writer, r bench.NotifyResult) {
	_, _ = fmt.Fprintf(w, "notify on %s: %d messages a phase to %d endpoint(s), batches of %d, %d senders\n", r.Engine, r.Messages, r.Endpoints, r.Batch, r.Senders)
	for _, p := range r.Phases {
		offered := "enqueued at once"
		if p.Rate > 0 {
			offered = fmt.Sprintf("offered at %.0f messages/s", p.Rate)
		}
		_, _ = fmt.Fprintf(w, "  %-6s %d deliveries %s (enqueued in %s)\n", p.Name, p.Deliveries, offered, p.EnqueueDuration.Round(time.Millisecond))
		_, _ = fmt.Fprintf(w, "         throughput %.0f deliveries/s over %s (target >= 500)\n", p.PerSecond, p.Duration.Round(time.Millisecond))
		_, _ = fmt.Fprintf(w, "         lag        p50 %s, p99 %s (target <= 2 s), max %s\n", ms(p.LagP50), ms(p.LagP99), ms(p.LagMax))
		_, _ = fmt.Fprintf(w, "         checks     %d missing, %d duplicates, %d bad signatures\n", p.Missing, p.Duplicates, p.BadSigs)
	}
	_, _ = fmt.Fprintf(w, "  unsettled after the run: %d\n", r.Unsettled)
}

// benchFlags adds the flags every scenario shares: the engines to run on,
// the PostgreSQL server for them (a throwaway schema, dropped after), and
// JSON output.
func benchFlags(e *env, f *pflag.FlagSet, engines *[]string, postgresURL *string, asJSON *bool) {
	f.StringSliceVar(engines, "engine", []string{"sqlite"}, "engines to run on: sqlite, postgres (comma-separated)")
	f.StringVar(postgresURL, "postgres-url", lookup(e.Environ, "HOTDASH_TEST_POSTGRES_URL"), "PostgreSQL server for --engine postgres (a throwaway schema is used and dropped)")
	f.BoolVar(asJSON, "json", false, "print the figures as JSON")
}
