package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/health"
)

func newOps(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "ops", Short: "Operational checks (the SOP's ops: scripts)"}
	cmd.AddCommand(opsCheckChatwootHealth(e))
	return cmd
}

func opsCheckChatwootHealth(e *env) *cobra.Command {
	var asJSON bool
	o := health.Options{}
	cmd := &cobra.Command{
		Use:   "check-chatwoot-health",
		Short: "Check that Chatwoot is up and the API token reaches the account (no server needed)",
		Long: `Two checks, each with a timeout and retries on network errors and 5xx:
  platform       GET {base}/api answers 2xx and reports queue and data services ok
                 (Chatwoot answers 200 even when Redis or PostgreSQL fail);
  authenticated  GET {base}/api/v1/profile with the token answers 2xx and the
                 configured account is among the profile's accounts.
Configured by CHATWOOT_BASE_URL, CHATWOOT_API_TOKEN and CHATWOOT_ACCOUNT_ID, or flags.

With --server (or HOTDASH_SERVER) and --token (or HOTDASH_TOKEN) the result is
also recorded in that running HotDash, where it counts towards paging like the
server's own scheduled checks (the token's role must be operator, lead,
manager, devops or admin).

Exit codes: 0 all pass, 1 configuration missing or invalid, 2 platform check
failed, 3 authenticated check failed, 4 both failed. When the result cannot be
recorded the command says so on stderr and exits 1 if the checks passed (a
failed check's code wins).`,
		Example: `  hotdash ops check-chatwoot-health
  hotdash ops check-chatwoot-health --json --timeout 5s
  hotdash ops check-chatwoot-health --server https://hotdash.example.com --token "$HOTDASH_TOKEN"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cw := e.settings.Chatwoot
			if o.BaseURL == "" {
				o.BaseURL = cw.BaseURL
			}
			if o.Token == "" {
				o.Token = cw.APIToken
			}
			if o.AccountID == 0 {
				o.AccountID = cw.AccountID
			}
			var hd *client.Client
			if e.server != "" {
				c, err := e.client()
				if err != nil {
					return &ExitError{Code: health.ExitConfig, Err: fmt.Errorf("recording in HotDash at %s: %w", e.server, err)}
				}
				hd = c
			} else if e.token != "" {
				return &ExitError{Code: health.ExitConfig, Err: errors.New("--token names a HotDash API token: pass --server (or HOTDASH_SERVER) too, or neither")}
			}
			if o.Retries == 0 {
				o.Retries = -1 // the flag's 0 means none (the library's means its default)
			}
			res, err := health.Run(cmd.Context(), o)
			var cfg *health.ConfigError
			if errors.As(err, &cfg) {
				if asJSON {
					// Scripts reading stdout learn why, too.
					_ = writeJSON(e.Stdout, struct {
						ExitCode int    `json:"exit_code"`
						Error    string `json:"error"`
					}{health.ExitConfig, err.Error()})
				}
				return &ExitError{Code: health.ExitConfig, Err: fmt.Errorf("chatwoot health check: %w", err)}
			}
			if err != nil {
				return err
			}
			if asJSON {
				if err := writeJSON(e.Stdout, res); err != nil {
					return err
				}
			} else {
				printHealth(e, res)
			}
			if hd != nil {
				if err := recordHealth(cmd.Context(), e, hd, res); err != nil {
					return &ExitError{Code: max(res.ExitCode, health.ExitConfig), Err: err}
				}
			}
			if res.ExitCode != health.ExitOK {
				return &ExitError{Code: res.ExitCode}
			}
			return nil
		},
	}
	e.serverFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&o.BaseURL, "chatwoot-url", "", "Chatwoot's base URL (default CHATWOOT_BASE_URL)")
	f.StringVar(&o.Token, "chatwoot-token", "", "a Chatwoot access token (default CHATWOOT_API_TOKEN)")
	f.Int64Var(&o.AccountID, "account-id", 0, "the Chatwoot account id (default CHATWOOT_ACCOUNT_ID)")
	f.DurationVar(&o.Timeout, "timeout", 10*time.Second, "timeout of each request")
	f.IntVar(&o.Retries, "retries", 2, "retries after a network error or 5xx (0: none)")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

// recordHealth sends the result to a running HotDash, saying on stderr
// where it went.
func recordHealth(ctx context.Context, e *env, c *client.Client, r health.Result) error {
	run := client.HealthRun{BaseURL: r.BaseURL, AccountID: r.AccountID, At: r.At, ExitCode: r.ExitCode}
	for _, ch := range r.Checks {
		run.Checks = append(run.Checks, client.HealthCheckRun{Name: ch.Name, OK: ch.OK, Status: ch.Status, LatencyNS: int64(ch.Latency),
			Reason: ch.Reason, Detail: ch.Detail})
	}
	rec, err := c.RecordHealthCheck(ctx, run)
	if err != nil {
		return fmt.Errorf("the result was not recorded in HotDash at %s: %w", e.serverURL(), err)
	}
	_, _ = fmt.Fprintf(e.Stderr, "recorded in HotDash as health check %d: %s/health\n", rec.ID, strings.TrimRight(e.serverURL(), "/"))
	return nil
}

func printHealth(e *env, r health.Result) {
	_, _ = fmt.Fprintf(e.Stdout, "Chatwoot health of %s (account %d) at %s\n", r.BaseURL, r.AccountID, r.At.Format(time.RFC3339))
	for _, c := range r.Checks {
		state := "ok  "
		if !c.OK {
			state = "FAIL"
		}
		status := "-"
		if c.Status != 0 {
			status = fmt.Sprintf("%d", c.Status)
		}
		line := fmt.Sprintf("  %-13s %s  HTTP %-3s  %6s", c.Name, state, status, c.Latency.Round(time.Millisecond))
		if c.Detail != "" {
			line += "  " + c.Detail
		}
		_, _ = fmt.Fprintln(e.Stdout, line)
		if c.Reason != "" {
			_, _ = fmt.Fprintf(e.Stdout, "                 %s\n", c.Reason)
		}
	}
	verdict := map[int]string{health.ExitOK: "all checks pass", health.ExitPlatform: "the platform check failed",
		health.ExitAuthenticated: "the authenticated check failed", health.ExitBoth: "both checks failed"}[r.ExitCode]
	_, _ = fmt.Fprintf(e.Stdout, "%s (exit %d)\n", verdict, r.ExitCode)
}
