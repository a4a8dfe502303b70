package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/report"
)

func newDecision(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "decision",
		Aliases: []string{"decisions"},
		Short:   "Log, list, export and verify Decision Log entries",
		Long: `The Decision Log is HotDash's append-only, hash-chained record of what was
decided, by whom, why, and what happens next (the SOP's logDecision()).

log, list and export talk to a running server (--server, --token or
HOTDASH_SERVER, HOTDASH_TOKEN). verify reads the database directly, so it
checks the log independently of any server.`,
	}
	cmd.AddCommand(decisionLog(e), decisionList(e), decisionExport(e), decisionVerify(e))
	return cmd
}

func (e *env) client() (*client.Client, error) {
	if e.token == "" {
		return nil, errors.New("an API token is needed: pass --token or set HOTDASH_TOKEN (create one with hotdash token create)")
	}
	return client.New(e.serverURL(), e.token), nil
}

func decisionLog(e *env) *cobra.Command {
	var in client.NewDecision
	var payload string
	var asJSON, promise bool
	cmd := &cobra.Command{
		Use:   "log",
		Short: "Append a decision (the SOP's logDecision())",
		Example: `  hotdash decision log --scope build --actor support --action daily_shutdown \
    --rationale "Queue cleared; two refunds waiting on finance" \
    --next-action "Finance to approve refunds #4312, #4318" --next-action-owner maria \
    --next-action-due 2026-12-01T15:00:00Z`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := e.client()
			if err != nil {
				return err
			}
			if payload != "" {
				in.Payload = json.RawMessage(payload)
			}
			if promise {
				in.Payload = report.MarkCustomerPromise(in.Payload)
			}
			d, err := c.LogDecision(cmd.Context(), in, client.NewIdempotencyKey())
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(e.Stdout, d)
			}
			_, _ = fmt.Fprintf(e.Stdout, "logged decision #%d (hash %s)\n", d.ID, d.Hash)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.Scope, "scope", "build", "build or ops")
	f.StringVar(&in.Actor, "actor", "", "who decided, e.g. support or an email (required)")
	f.StringVar(&in.Action, "action", "", "what was decided, e.g. chatwoot.escalate (required)")
	f.StringVar(&in.Rationale, "rationale", "", "why (required)")
	f.StringArrayVar(&in.Evidence, "evidence", nil, "an evidence link (http(s) URL or /path); repeat for more")
	f.StringVar(&in.Severity, "severity", "", "S0, S1, S2 or S3")
	f.StringVar(&in.Status, "status", "", "pending, in_progress, completed, blocked or cancelled")
	f.StringVar(&in.IncidentRef, "incident", "", "incident reference")
	f.StringVar(&in.ConversationRef, "conversation", "", "conversation reference")
	f.StringVar(&in.ApprovalRef, "approval", "", "approval reference")
	f.Int64Var(&in.CorrectsID, "corrects", 0, "id of an earlier entry this one corrects")
	f.Int64Var(&in.ClosesID, "closes", 0, "id of an earlier entry whose next action this one closes")
	f.StringVar(&in.NextAction, "next-action", "", "the follow-up this decision needs")
	f.StringVar(&in.NextActionOwner, "next-action-owner", "", "who owns the follow-up")
	f.StringVar(&in.NextActionDue, "next-action-due", "", "when the follow-up is due (RFC 3339, e.g. 2026-12-01T15:00:00Z)")
	f.StringVar(&payload, "payload", "", "a JSON object with details")
	f.BoolVar(&promise, "customer-promise", false, `the next action is a promise to a customer (sets "customer_promise": true in the payload)`)
	f.BoolVar(&asJSON, "json", false, "print the stored entry as JSON")
	e.serverFlags(cmd)
	return cmd
}

// queryFlags adds listing filters to cmd.
func queryFlags(cmd *cobra.Command, q *client.DecisionQuery, from, to *string) {
	f := cmd.Flags()
	f.StringVar(&q.Scope, "scope", "", "only this scope (build or ops)")
	f.StringVar(&q.Actor, "actor", "", "only this actor")
	f.StringVar(&q.Action, "action", "", "only this action")
	f.StringVar(&q.Severity, "severity", "", "only this severity")
	f.StringVar(&q.Text, "text", "", "entries mentioning this text")
	f.StringVar(from, "from", "", "entries at or after this time (RFC 3339 or YYYY-MM-DD)")
	f.StringVar(to, "to", "", "entries before this time (RFC 3339 or YYYY-MM-DD)")
	f.BoolVar(&q.OpenNextActions, "open", false, "only entries whose next action is still open")
	f.BoolVar(&q.Overdue, "overdue", false, "only open next actions past their due time")
}

// queryClient completes q's time filters and returns a client for the server.
func (e *env) queryClient(q *client.DecisionQuery, from, to string) (*client.Client, error) {
	if err := parseQueryTimes(q, from, to); err != nil {
		return nil, err
	}
	return e.client()
}

func parseQueryTimes(q *client.DecisionQuery, from, to string) error {
	for _, t := range []struct {
		s    string
		dst  *time.Time
		name string
	}{{from, &q.From, "--from"}, {to, &q.To, "--to"}} {
		if t.s == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339, t.s)
		if err != nil {
			v, err = time.Parse(time.DateOnly, t.s)
		}
		if err != nil {
			return fmt.Errorf("%s %q is not an RFC 3339 time or YYYY-MM-DD date", t.name, t.s)
		}
		*t.dst = v
	}
	return nil
}

func decisionList(e *env) *cobra.Command {
	var q client.DecisionQuery
	var from, to string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List decisions, newest first",
		Example: `  hotdash decision list --open            # follow-ups still open
  hotdash decision list --overdue --json
  hotdash decision list --scope ops --from 2026-11-01 --limit 100`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := e.queryClient(&q, from, to)
			if err != nil {
				return err
			}
			page, err := c.Decisions(cmd.Context(), q)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(e.Stdout, page)
			}
			return printDecisions(e.Stdout, page)
		},
	}
	queryFlags(cmd, &q, &from, &to)
	cmd.Flags().IntVar(&q.Limit, "limit", 50, "entries per page (at most 500)")
	cmd.Flags().StringVar(&q.Cursor, "cursor", "", "continue from a previous page's cursor")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the page as JSON")
	e.serverFlags(cmd)
	return cmd
}

func printDecisions(w io.Writer, page client.DecisionPage) error {
	if len(page.Decisions) == 0 {
		_, _ = fmt.Fprintln(w, "no decisions match")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "ID\tTIME (UTC)\tSCOPE\tACTOR\tACTION\tSEV\tNEXT ACTION\tDUE")
	for _, d := range page.Decisions {
		due := ""
		if d.NextActionDue != nil {
			due = d.NextActionDue.Format("2006-01-02 15:04")
		}
		_, _ = fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.CreatedAt.Format("2006-01-02 15:04"),
			d.Scope, oneLine(d.Actor, 24), oneLine(d.Action, 32), d.Severity, oneLine(d.NextAction, 40), due)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if page.NextCursor != "" {
		_, _ = fmt.Fprintf(w, "more: --cursor %s\n", page.NextCursor)
	}
	return nil
}

// oneLine keeps table cells on one line and within n characters.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func decisionExport(e *env) *cobra.Command {
	var q client.DecisionQuery
	var from, to, format, out string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export decisions, oldest first, as JSON Lines or CSV",
		Example: `  hotdash decision export --format csv -o decisions.csv
  hotdash decision export --scope ops --from 2026-11-01 > november.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := e.queryClient(&q, from, to)
			if err != nil {
				return err
			}
			w := e.Stdout
			if out != "" && out != "-" {
				f, err := os.Create(out)
				if err != nil {
					return fmt.Errorf("create %s: %w", out, err)
				}
				defer f.Close()
				w = f
			}
			return c.ExportDecisions(cmd.Context(), q, format, w)
		},
	}
	queryFlags(cmd, &q, &from, &to)
	cmd.Flags().StringVar(&format, "format", "jsonl", "jsonl or csv")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to this file instead of stdout")
	e.serverFlags(cmd)
	return cmd
}

func decisionVerify(e *env) *cobra.Command {
	var anchors []string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Walk the hash chain and name the first altered entry",
		Long: `Walk the Decision Log's hash chain in the database named by the settings.

Exit status: 0 the chain holds; 1 an entry was removed, altered or re-linked
(the first one is named); 2 the check could not run. An --anchor ID:HASH taken
earlier (the server logs one every hour as "decision log head") also proves
the log was not cut back past that entry.`,
		Example: `  hotdash decision verify
  HOTDASH_DATABASE_URL=postgres://… hotdash decision verify --anchor 1200:9f86d081884c…`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			parsed, err := parseAnchors(anchors)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			res, err := e.verify(cmd.Context(), parsed)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			return e.reportVerify(res, asJSON)
		},
	}
	cmd.Flags().StringArrayVar(&anchors, "anchor", nil, "ID:HASH of an entry recorded earlier; repeat for more")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

func (e *env) verify(ctx context.Context, anchors []decisionlog.Anchor) (decisionlog.Result, error) {
	db, err := e.openStore(ctx)
	if err != nil {
		return decisionlog.Result{}, err
	}
	defer db.Close()
	return decisionlog.Verify(ctx, db, anchors, func(n int64) {
		_, _ = fmt.Fprintf(e.Stderr, "checked %d entries…\n", n)
	})
}

func (e *env) reportVerify(res decisionlog.Result, asJSON bool) error {
	if asJSON {
		out := map[string]any{"ok": res.Broken == nil, "entries": res.Entries, "head_id": res.HeadID, "head_hash": res.HeadHash}
		if res.Broken != nil {
			out["broken_id"], out["reason"] = res.Broken.ID, res.Broken.Reason
		}
		if err := writeJSON(e.Stdout, out); err != nil {
			return err
		}
	}
	if res.Broken != nil {
		return &ExitError{Code: 1, Err: fmt.Errorf("the decision log does not verify: %w (%d entries before it hold)", res.Broken, res.Entries)}
	}
	if !asJSON {
		_, _ = fmt.Fprintf(e.Stdout, "ok: %d entries verified; head #%d %s\n", res.Entries, res.HeadID, res.HeadHash)
	}
	return nil
}

func parseAnchors(in []string) ([]decisionlog.Anchor, error) {
	out := make([]decisionlog.Anchor, 0, len(in))
	for _, a := range in {
		idText, hash, ok := strings.Cut(a, ":")
		id, err := strconv.ParseInt(idText, 10, 64)
		if !ok || err != nil || id < 1 || len(hash) != 64 {
			return nil, fmt.Errorf("--anchor %q: want ID:HASH with a 64-character hash", a)
		}
		out = append(out, decisionlog.Anchor{ID: id, Hash: strings.ToLower(hash)})
	}
	return out, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
