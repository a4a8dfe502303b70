package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotdash/hotdash/internal/simulator"
)

// newDev is "hotdash dev": tools for working on HotDash without the real
// services it sits beside.
func newDev(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Development tools: a simulated Chatwoot",
	}
	cmd.AddCommand(newChatwootSim(e))
	return cmd
}

type chatwootSimOptions struct {
	addr          string
	webhookURLs   []string
	secret        string
	unsigned      bool
	legacy        bool
	token         string
	accountID     int64
	rate          float64
	seed          uint64
	conversations int
	flaws         simulator.Flaws
}

func newChatwootSim(e *env) *cobra.Command {
	var o chatwootSimOptions
	cmd := &cobra.Command{
		Use:   "chatwoot-sim",
		Short: "Run a simulated Chatwoot account: its REST API, and signed webhooks for live traffic",
		Long: `Run an in-memory Chatwoot account (inboxes on five channels, agents, teams,
labels, contacts) until interrupted. It serves the part of Chatwoot's REST API
HotDash uses at --addr, generates support traffic at --rate changes per second
(new conversations, customer messages, replies, notes, status, label, priority
and assignee changes) and sends each change as a Chatwoot webhook to
--webhook-url, signed with --webhook-secret like Chatwoot 4.11.2+.

It prints the CHATWOOT_* settings that point HotDash at it. --token,
--webhook-secret and --account-id default to CHATWOOT_API_TOKEN,
CHATWOOT_WEBHOOK_SECRET and CHATWOOT_ACCOUNT_ID from the environment, so both
commands can share one shell; an unset token or secret is generated.

--drop, --duplicate and --delay reproduce Chatwoot's delivery flaws (it sends
each webhook once, sometimes twice, in no guaranteed order).`,
		Example: `  hotdash dev chatwoot-sim
  hotdash dev chatwoot-sim --addr 127.0.0.1:3001 --webhook-url http://127.0.0.1:8080/webhooks/chatwoot \
      --webhook-secret S --token T --account-id 1 --rate 2 --seed 1
  hotdash dev chatwoot-sim --drop 0.05 --duplicate 0.02 --delay 0.1   # an unreliable Chatwoot
  hotdash dev chatwoot-sim --unsigned --webhook-url 'http://127.0.0.1:8080/webhooks/chatwoot?token=…'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runChatwootSim(cmd.Context(), e, o)
		},
	}
	account := int64(1)
	if v, err := strconv.ParseInt(lookup(e.Environ, "CHATWOOT_ACCOUNT_ID"), 10, 64); err == nil && v > 0 {
		account = v
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:3001", "address the simulated Chatwoot listens on")
	f.StringSliceVar(&o.webhookURLs, "webhook-url", []string{e.settings.BaseURL() + "/webhooks/chatwoot"}, "where to send webhooks (repeatable; empty: none)")
	f.StringVar(&o.secret, "webhook-secret", lookup(e.Environ, "CHATWOOT_WEBHOOK_SECRET"), "webhook signing secret (default: CHATWOOT_WEBHOOK_SECRET, else generated)")
	f.BoolVar(&o.unsigned, "unsigned", false, "send webhooks unsigned (no X-Chatwoot-Signature), like a webhook without a secret")
	f.BoolVar(&o.legacy, "legacy", false, "send no X-Chatwoot-* headers at all, like Chatwoot up to 4.11.1")
	f.StringVar(&o.token, "token", lookup(e.Environ, "CHATWOOT_API_TOKEN"), "API access token to accept (default: CHATWOOT_API_TOKEN, else generated)")
	f.Int64Var(&o.accountID, "account-id", account, "account id (default: CHATWOOT_ACCOUNT_ID, else 1)")
	f.Float64Var(&o.rate, "rate", 1, "random changes per second (0: none, only the REST API)")
	f.Uint64Var(&o.seed, "seed", 1, "random seed: the same seed gives the same account and traffic")
	f.IntVar(&o.conversations, "conversations", 20, "unresolved conversations to keep going")
	f.Float64Var(&o.flaws.Drop, "drop", 0, "fraction of webhooks never sent")
	f.Float64Var(&o.flaws.Duplicate, "duplicate", 0, "fraction of webhooks sent twice (two delivery ids)")
	f.Float64Var(&o.flaws.Redeliver, "redeliver", 0, "fraction of webhooks sent twice with the same delivery id")
	f.Float64Var(&o.flaws.Delay, "delay", 0, "fraction of webhooks held back up to --max-delay (so they arrive out of order)")
	f.DurationVar(&o.flaws.MaxDelay, "max-delay", 2*time.Second, "longest hold-back for --delay")
	// Never show the environment's secrets as flag defaults in --help.
	f.Lookup("webhook-secret").DefValue = ""
	f.Lookup("token").DefValue = ""
	return cmd
}

func runChatwootSim(ctx context.Context, e *env, o chatwootSimOptions) error {
	if o.accountID <= 0 {
		return errors.New("--account-id must be positive")
	}
	if o.rate < 0 {
		return errors.New("--rate must not be negative")
	}
	if o.token == "" {
		o.token = randomHex(12)
	}
	if o.secret == "" && !o.unsigned && !o.legacy {
		o.secret = randomHex(16)
	}
	if o.unsigned {
		o.secret = ""
	}
	var hooks []simulator.Webhook
	for _, u := range o.webhookURLs {
		if u != "" {
			hooks = append(hooks, simulator.Webhook{URL: u, Secret: o.secret, Legacy: o.legacy})
		}
	}
	logger := e.logger()
	sim, err := simulator.New(simulator.Options{Seed: o.seed, Token: o.token, AccountID: o.accountID,
		Webhooks: hooks, Flaws: o.flaws, Logger: logger})
	if err != nil {
		return err
	}
	defer sim.Close()
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	base := "http://" + reachable(ln.Addr())
	out := e.Stdout
	_, _ = fmt.Fprintf(out, "Simulated Chatwoot (account %d, seed %d) at %s, %g changes/s\n", o.accountID, o.seed, base, o.rate)
	for _, h := range hooks {
		mode := "signed"
		switch {
		case h.Legacy:
			mode = "legacy, no X-Chatwoot-* headers"
		case h.Secret == "":
			mode = "unsigned"
		}
		_, _ = fmt.Fprintf(out, "Webhooks to %s (%s)\n", hideQuery(h.URL), mode)
	}
	_, _ = fmt.Fprintf(out, "\nSettings for HotDash:\n\nCHATWOOT_BASE_URL=%s\nCHATWOOT_API_TOKEN=%s\nCHATWOOT_ACCOUNT_ID=%d\n", base, o.token, o.accountID)
	if o.secret != "" {
		_, _ = fmt.Fprintf(out, "CHATWOOT_WEBHOOK_SECRET=%s\n", o.secret)
	}
	_, _ = fmt.Fprintln(out)

	trafficCtx, stopTraffic := context.WithCancel(ctx)
	defer stopTraffic()
	trafficDone := make(chan struct{})
	go func() {
		defer close(trafficDone)
		if o.rate > 0 {
			_ = sim.Traffic(trafficCtx, simulator.TrafficOptions{Rate: o.rate, Conversations: o.conversations})
		}
	}()

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	stopTraffic()
	<-trafficDone
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(stopCtx)
	st := sim.Stats()
	logger.Info("chatwoot simulator stopped", "webhooks", st.Events, "sent", st.Sent, "failed", st.Failed,
		"dropped", st.Dropped, "duplicated", st.Duplicated, "delayed", st.Delayed)
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", serveErr)
	}
	return nil
}

// reachable turns a listener address into one a client on this machine can
// dial (0.0.0.0 and :: become loopback).
func reachable(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// hideQuery shows a URL without its query values (a fallback token may be
// there).
func hideQuery(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery == "" {
		return raw
	}
	q := u.Query()
	for k := range q {
		q.Set(k, "redacted")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
