package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotdash/hotdash/internal/app"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/demo"
)

// shutdownGrace bounds how long a stopping server waits for requests in flight.
const shutdownGrace = 30 * time.Second

// demoTrafficRate is how many changes a second the demo's simulated Chatwoot
// makes: a calm support floor.
const demoTrafficRate = 0.5

// demoDraftEvery is how often the demo's pretend AI agent drafts.
const demoDraftEvery = 20 * time.Second

func newServe(e *env) *cobra.Command {
	var withDemo bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the HotDash server",
		Long: `Run the HotDash server until interrupted (Ctrl-C or SIGTERM), then shut down
gracefully: requests in flight finish and every accepted write is committed.

On a new installation it prints a one-time setup link that creates the first
admin. With --demo it uses a separate demo database (demo.db in --data-dir),
fills it with sample data, prints a demo sign-in, and (unless CHATWOOT_BASE_URL
is set) runs a simulated Chatwoot in-process that sends support traffic, so
the queue and its SLA clocks are live at once.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if withDemo && e.settings.DatabaseURL == "" {
				e.settings.DatabaseURL = "sqlite:" + filepath.Join(e.settings.DataDir, "demo.db")
			}
			return serve(cmd.Context(), e, withDemo)
		},
	}
	cmd.Flags().BoolVar(&withDemo, "demo", false, "run with sample data and a demo sign-in")
	return cmd
}

func serve(ctx context.Context, e *env, withDemo bool) error {
	policy, err := config.LoadPolicy(e.settings.ConfigFile)
	if err != nil {
		return err
	}
	logger := e.logger()
	var sim *demo.Chatwoot
	if withDemo && !e.settings.Chatwoot.Configured() {
		if sim, err = demo.StartChatwoot(logger); err != nil {
			return err
		}
		defer sim.Close()
		e.settings.Chatwoot = sim.Settings()
	}
	a, err := app.New(ctx, app.Options{Settings: e.settings, Policy: policy, Logger: logger, Console: e.Stdout})
	if err != nil {
		return err
	}
	if withDemo {
		creds, err := demo.Seed(ctx, a)
		if err != nil {
			_ = a.Close()
			return fmt.Errorf("seed demo data: %w", err)
		}
		_, _ = fmt.Fprintf(e.Stdout, "Demo mode: sign in as %s with password %s\n", creds.Email, creds.Password)
	}
	if err := a.Start(ctx); err != nil {
		_ = a.Close()
		return err
	}
	if withDemo {
		if err := demo.SeedIncidents(ctx, a); err != nil {
			logger.Warn("seed demo incidents", "error", err)
		}
	}
	if sim != nil {
		if err := sim.Connect(a.URL(), demoTrafficRate); err != nil {
			_ = a.Stop(ctx)
			return err
		}
		_, _ = fmt.Fprintf(e.Stdout, "Demo mode: a simulated Chatwoot at %s sends support traffic to HotDash (a change every %s)\n",
			sim.URL(), time.Duration(float64(time.Second)/demoTrafficRate))
		agentCtx, stopAgent := context.WithCancel(ctx)
		defer stopAgent()
		go demo.NewAgent(a.Approvals, a.Conversations(), logger).Run(agentCtx, demoDraftEvery)
		_, _ = fmt.Fprintf(e.Stdout, "Demo mode: a pretend AI agent drafts a reply for the approvals queue every %s\n", demoDraftEvery)
	}
	select {
	case <-ctx.Done():
		logger.Info("shutting down: finishing requests in flight")
	case err := <-a.Served():
		logger.Error("server stopped", "error", err)
	}
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := a.Stop(stopCtx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	logger.Info("stopped")
	return nil
}
