// Package cli is the hotdash command line, built with cobra. Commands are
// thin: serve runs internal/app; migrate, user, token and decision verify work
// on the database directly (they are for whoever runs the server); the other
// decision commands talk to a running server through package client.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/hotdash/hotdash/internal/config"
)

// IO is the process's standard streams and environment.
type IO struct {
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Environ []string
}

// ExitError ends a command with a specific exit code.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// Run executes the command line args and returns the exit code.
func Run(ctx context.Context, args []string, io IO) int {
	root := newRoot(io)
	root.SetArgs(args)
	root.SetIn(io.Stdin)
	root.SetOut(io.Stdout)
	root.SetErr(io.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var exit *ExitError
	if errors.As(err, &exit) {
		if exit.Err != nil {
			_, _ = fmt.Fprintln(io.Stderr, "hotdash:", exit.Err)
		}
		return exit.Code
	}
	_, _ = fmt.Fprintln(io.Stderr, "hotdash:", err)
	return 1
}

// env holds what every command shares: streams and the settings, read from
// the environment and overridden by flags.
type env struct {
	IO
	settings config.Settings
	envErr   error
	server   string
	token    string
}

func newRoot(io IO) *cobra.Command {
	e := &env{IO: io}
	e.settings, e.envErr = config.FromEnv(io.Environ)
	root := &cobra.Command{
		Use:   "hotdash",
		Short: "HotDash runs a support floor beside Chatwoot: queue, SLAs, approvals, incidents, Decision Log",
		Long: `HotDash is a support-operations control center. It runs as one binary on an
embedded SQLite file (the default) or on PostgreSQL with several replicas.

Start it with "hotdash serve" and open the URL it prints. Settings come from
HOTDASH_* environment variables, each also a flag below.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			return e.envErr
		},
	}
	f := root.PersistentFlags()
	f.StringVar(&e.settings.Addr, "addr", e.settings.Addr, "address to listen on (HOTDASH_ADDR)")
	f.StringVar(&e.settings.DatabaseURL, "database-url", e.settings.DatabaseURL, "postgres://… or sqlite:PATH; empty: SQLite in --data-dir (HOTDASH_DATABASE_URL)")
	// The URL may hold a password: never show it as the flag's default.
	f.Lookup("database-url").DefValue = ""
	f.StringVar(&e.settings.DataDir, "data-dir", e.settings.DataDir, "directory of the embedded SQLite database (HOTDASH_DATA_DIR)")
	f.StringVar(&e.settings.Env, "env", e.settings.Env, "development or production (HOTDASH_ENV)")
	f.StringVar(&e.settings.ConfigFile, "config", e.settings.ConfigFile, "policy YAML file (HOTDASH_CONFIG)")
	f.StringVar(&e.settings.PublicURL, "public-url", e.settings.PublicURL, "URL people reach HotDash at (HOTDASH_PUBLIC_URL)")
	f.StringVar(&e.settings.LogLevel, "log-level", e.settings.LogLevel, "debug, info, warn or error (HOTDASH_LOG_LEVEL)")
	root.AddCommand(newServe(e), newMigrate(e), newConfigCmd(e), newUser(e), newToken(e), newDecision(e), newIncident(e), newReport(e), newOps(e), newBench(e), newDev(e), newVersion(e))
	root.SetHelpCommand(newHelp(e))
	return root
}

// serverFlags adds --server and --token to commands that talk to a running
// HotDash.
func (e *env) serverFlags(cmd *cobra.Command) {
	server := lookup(e.Environ, "HOTDASH_SERVER")
	cmd.Flags().StringVar(&e.server, "server", server, "HotDash server URL (HOTDASH_SERVER; default: the --addr/--public-url of this machine)")
	cmd.Flags().StringVar(&e.token, "token", lookup(e.Environ, "HOTDASH_TOKEN"), "API token (HOTDASH_TOKEN)")
}

func (e *env) serverURL() string {
	if e.server != "" {
		return e.server
	}
	return e.settings.BaseURL()
}

func lookup(environ []string, key string) string {
	for _, kv := range environ {
		if len(kv) > len(key) && kv[:len(key)] == key && kv[len(key)] == '=' {
			return kv[len(key)+1:]
		}
	}
	return ""
}

// logger writes JSON logs to stderr at the configured level.
func (e *env) logger() *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(e.settings.LogLevel))
	return slog.New(slog.NewJSONHandler(e.Stderr, &slog.HandlerOptions{Level: level}))
}
