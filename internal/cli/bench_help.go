package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotdash/hotdash/internal/bench"
)

func benchHelp(e *env) *cobra.Command {
	var o bench.HelpOptions
	var engines []string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "help",
		Short: "Help Center: import 10,000 articles, then search latency",
		Long: `Generate --articles markdown articles (front matter, an intro and four
headed sections each, words drawn with a Zipf distribution), time their
import into a fresh store (the import hotdash help import runs), then time
--searches searches through GET /api/v1/help/search from --clients clients:
common and rare words, two and three words with the last half typed, and
words found nowhere. Targets (issue 7): import of 10,000 < 30 s; search
p99 <= 10 ms on SQLite and on PostgreSQL.`,
		Example: `  hotdash bench help --engine sqlite,postgres --postgres-url postgres://postgres@127.0.0.1/postgres?sslmode=disable`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return perEngine(e, engines, asJSON, func(engine string, progress io.Writer) (bench.HelpResult, error) {
				o.Engine, o.Progress = engine, progress
				return bench.Help(cmd.Context(), o)
			}, printHelpResult)
		},
	}
	f := cmd.Flags()
	benchFlags(e, f, &engines, &o.PostgresURL, &asJSON)
	f.IntVar(&o.Articles, "articles", 10_000, "articles to generate and import")
	f.IntVar(&o.Searches, "searches", 2000, "searches to time")
	f.IntVar(&o.Clients, "clients", 1, "concurrent search clients")
	return cmd
}

func printHelpResult(w io.Writer, r bench.HelpResult) {
	_, _ = fmt.Fprintf(w, "help on %s: %d articles (%d sections)\n", r.Engine, r.Articles, r.Sections)
	_, _ = fmt.Fprintf(w, "  import         %s (target < 30 s)\n", r.ImportDuration.Round(time.Millisecond))
	_, _ = fmt.Fprintf(w, "  searches       %d from %d clients (%d errors, %d found nothing)\n", r.Searches, r.Clients, r.Errors, r.ZeroResults)
	_, _ = fmt.Fprintf(w, "  latency        p50 %s, p90 %s, p99 %s (target <= 10 ms), max %s\n", ms(r.P50), ms(r.P90), ms(r.P99), ms(r.Max))
}
