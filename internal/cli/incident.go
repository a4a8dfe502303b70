package cli

import (
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hotdash/hotdash/client"
)

func newIncident(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "incident",
		Aliases: []string{"incidents"},
		Short:   "Open, list, escalate, acknowledge and resolve incidents",
		Long: `Incidents S0–S3 walk up the escalation ladder L0–L4 by rules (see docs/incidents.md).
These commands talk to a running server (--server, --token or HOTDASH_SERVER,
HOTDASH_TOKEN).`,
	}
	cmd.AddCommand(incidentOpen(e), incidentList(e), incidentShow(e), incidentEscalate(e),
		incidentAction(e, "acknowledge", "Acknowledge the incident's current level (stops re-notification)"),
		incidentStatus(e, "mitigate", "mitigated"), incidentStatus(e, "resolve", "resolved"))
	return cmd
}

func incidentOpen(e *env) *cobra.Command {
	var in client.NewIncident
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "open",
		Short:   "Open an incident (S0 → L4 and S1 → L3 at once; S2 climbs by timer)",
		Example: `  hotdash incident open --severity S2 --summary "WhatsApp replies delayed" --channel whatsapp --customers-affected --customers "Acme"`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := e.client()
			if err != nil {
				return err
			}
			i, err := c.OpenIncident(cmd.Context(), in)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(e.Stdout, i)
			}
			_, _ = fmt.Fprintf(e.Stdout, "opened incident #%d (%s) at %s\n", i.ID, i.Severity, i.Level)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.Severity, "severity", "", "S0, S1, S2 or S3 (required)")
	f.StringVar(&in.Summary, "summary", "", "one line (required)")
	f.StringVar(&in.Description, "description", "", "what is happening")
	f.StringArrayVar(&in.Channels, "channel", nil, "an affected channel; repeat for more")
	f.StringVar(&in.Customers, "customers", "", "affected customers")
	f.BoolVar(&in.CustomersAffected, "customers-affected", false, "customers are affected (a comms plan becomes part of the evidence)")
	f.BoolVar(&in.LegalRisk, "legal-risk", false, "legal or compliance risk (goes to L4)")
	f.StringVar(&in.Owner, "owner", "", "who owns it (default: the token)")
	f.StringVar(&in.EvidenceLink, "evidence-link", "", "a runbook or health-check link")
	f.StringVar(&in.CommsPlan, "comms-plan", "", "the customer communication plan")
	f.BoolVar(&asJSON, "json", false, "print the incident as JSON")
	e.serverFlags(cmd)
	return cmd
}

func incidentList(e *env) *cobra.Command {
	var status string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List incidents, most severe first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := e.client()
			if err != nil {
				return err
			}
			list, err := c.Incidents(cmd.Context(), status)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(e.Stdout, list)
			}
			tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
			_, _ = fmt.Fprintln(tw, "ID\tSEV\tSTATUS\tLEVEL\tNEXT\tSUMMARY")
			for _, i := range list {
				next := "-"
				if i.NextTimer != nil {
					next = i.NextTimer.Kind + " " + i.NextTimer.DueAt.Format("15:04Z")
				}
				flag := ""
				if i.EvidenceFlagged {
					flag = " [evidence missing]"
				}
				_, _ = fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s%s\n", i.ID, i.Severity, i.Status, i.Level, next, i.Summary, flag)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "active (default), all, open, mitigated or resolved")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	e.serverFlags(cmd)
	return cmd
}

func incidentShow(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show an incident with its escalations, timers and timeline (JSON)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, c, err := e.incidentArgs(args)
			if err != nil {
				return err
			}
			d, err := c.Incident(cmd.Context(), id)
			if err != nil {
				return err
			}
			return writeJSON(e.Stdout, d)
		},
	}
	e.serverFlags(cmd)
	return cmd
}

func (e *env) incidentArgs(args []string) (int64, *client.Client, error) {
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil || id <= 0 {
		return 0, nil, fmt.Errorf("%q is not an incident id", args[0])
	}
	c, err := e.client()
	return id, c, err
}

func incidentEscalate(e *env) *cobra.Command {
	var in client.IncidentChange
	cmd := &cobra.Command{
		Use:   "escalate ID",
		Short: "Escalate by hand (S2/S3 need the evidence: an entry or --actions-taken, a link, and a comms plan when customers are affected)",
		Example: `  hotdash incident escalate 12 --level L2 --actions-taken "Restarted the bridge" \
    --evidence-link https://runbooks.example.com/whatsapp --comms-plan "Status page every 30 min"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, c, err := e.incidentArgs(args)
			if err != nil {
				return err
			}
			cur, err := c.Incident(cmd.Context(), id)
			if err != nil {
				return err
			}
			in.Version = cur.Version
			i, err := c.ChangeIncident(cmd.Context(), id, "escalate", in)
			if err != nil {
				return err
			}
			_, _ = fmt.Fprintf(e.Stdout, "incident #%d is at %s\n", i.ID, i.Level)
			if i.EvidenceFlagged {
				_, _ = fmt.Fprintf(e.Stdout, "evidence still missing: %v\n", i.EvidenceMissing)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.Level, "level", "", "target level, e.g. L2 (default: the next)")
	f.Int64Var(&in.DecisionID, "decision", 0, "an existing Decision Log entry as evidence")
	f.StringVar(&in.ActionsTaken, "actions-taken", "", "actions taken (written to the Decision Log as evidence)")
	f.StringVar(&in.EvidenceLink, "evidence-link", "", "a runbook or health-check link")
	f.StringVar(&in.CommsPlan, "comms-plan", "", "the customer communication plan")
	e.serverFlags(cmd)
	return cmd
}

func incidentAction(e *env, action, short string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   action + " ID",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, c, err := e.incidentArgs(args)
			if err != nil {
				return err
			}
			i, err := c.ChangeIncident(cmd.Context(), id, action, client.IncidentChange{})
			if err != nil {
				return err
			}
			_, _ = fmt.Fprintf(e.Stdout, "incident #%d: %s at %s\n", i.ID, action, i.Level)
			return nil
		},
	}
	e.serverFlags(cmd)
	return cmd
}

func incidentStatus(e *env, verb, status string) *cobra.Command {
	var note string
	cmd := &cobra.Command{
		Use:   verb + " ID",
		Short: "Mark the incident " + status,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, c, err := e.incidentArgs(args)
			if err != nil {
				return err
			}
			cur, err := c.Incident(cmd.Context(), id)
			if err != nil {
				return err
			}
			i, err := c.ChangeIncident(cmd.Context(), id, "status", client.IncidentChange{Version: cur.Version, Status: status, Note: note})
			if err != nil {
				return err
			}
			_, _ = fmt.Fprintf(e.Stdout, "incident #%d is %s\n", i.ID, i.Status)
			return nil
		},
	}
	cmd.Flags().StringVar(&note, "note", "", "why")
	e.serverFlags(cmd)
	return cmd
}
