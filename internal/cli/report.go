package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newReport(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "report",
		Aliases: []string{"reports"},
		Short:   "Print or save the daily summary and the weekly gaps report",
		Long: `The daily summary and the weekly gaps report, as the /reports pages show them
(see docs/reports.md). These commands talk to a running server (--server,
--token or HOTDASH_SERVER, HOTDASH_TOKEN), so figures and Decision Log
entries come from the same place the pages read.`,
	}
	cmd.AddCommand(reportDaily(e), reportWeekly(e))
	return cmd
}

func reportDaily(e *env) *cobra.Command {
	var date, format string
	var save, again bool
	cmd := &cobra.Command{
		Use:   "daily",
		Short: "Print the daily summary (Markdown by default), or save it to the Decision Log",
		Example: `  hotdash report daily --date 2026-11-30
  hotdash report daily --format csv > day.csv
  hotdash report daily --save            # once per day; --again logs a correcting entry`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := e.client()
			if err != nil {
				return err
			}
			if save || again {
				s, err := c.SaveDaily(cmd.Context(), date, again)
				if err != nil {
					return err
				}
				if s.Created {
					_, _ = fmt.Fprintf(e.Stdout, "saved the daily summary of %s as decision #%d\n", s.Date, s.DecisionID)
				} else {
					_, _ = fmt.Fprintf(e.Stdout, "the daily summary of %s was already saved as decision #%d (--again logs a new one)\n", s.Date, s.DecisionID)
				}
				return nil
			}
			return c.Report(cmd.Context(), "daily", date, format, e.Stdout)
		},
	}
	f := cmd.Flags()
	f.StringVar(&date, "date", "", "the day, YYYY-MM-DD in the shifts' time zone (default today)")
	f.StringVar(&format, "format", "md", "md, csv or json")
	f.BoolVar(&save, "save", false, "save the summary to the Decision Log (scope build, actor support) instead of printing it")
	f.BoolVar(&again, "again", false, "with --save: log a new summary even if the day has one (it corrects the previous)")
	e.serverFlags(cmd)
	return cmd
}

func reportWeekly(e *env) *cobra.Command {
	var week, format string
	cmd := &cobra.Command{
		Use:     "weekly",
		Short:   "Print the weekly gaps report (Markdown by default)",
		Example: `  hotdash report weekly --week 2026-11-23 --format md`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := e.client()
			if err != nil {
				return err
			}
			return c.Report(cmd.Context(), "weekly", week, format, e.Stdout)
		},
	}
	f := cmd.Flags()
	f.StringVar(&week, "week", "", "any day of the week, YYYY-MM-DD (default this week)")
	f.StringVar(&format, "format", "md", "md, csv or json")
	e.serverFlags(cmd)
	return cmd
}
