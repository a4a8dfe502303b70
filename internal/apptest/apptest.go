// Package apptest starts a whole HotDash server in-process for tests: real
// store (a fresh SQLite file, or a fresh PostgreSQL schema), real HTTP server
// on a loopback port, real jobs. It stops with the test.
package apptest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/hotdash/hotdash/client"
	"github.com/hotdash/hotdash/internal/app"
	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/store/storetest"
)

// Password is the password of users made with CreateUser.
const Password = "apptest password 1"

// Options adjust the server.
type Options struct {
	// Engine is "sqlite" (the default) or "postgres".
	Engine string
	Clock  clock.Clock
	Policy *config.Policy
	// Settings, if set, adjusts the settings before the app is built
	// (a Chatwoot webhook secret, an account id).
	Settings func(*config.Settings)
}

// App is a running server and what a test needs around it.
type App struct {
	*app.App
	// Logs holds everything the server logged.
	Logs *SyncBuffer
	// Console holds what the server printed for its operator.
	Console *SyncBuffer
	t       testing.TB
}

// Start runs a server for the rest of the test.
func Start(t testing.TB, o Options) *App {
	t.Helper()
	return StartIn(t, o, t.TempDir())
}

// StartIn runs a server whose SQLite data directory is dataDir, so the test
// can reach the database file (as hotdash decision verify does).
func StartIn(t testing.TB, o Options, dataDir string) *App {
	t.Helper()
	s, err := config.FromEnv(nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = "127.0.0.1:0"
	s.DataDir = dataDir
	if o.Engine == "postgres" {
		s.DatabaseURL = storetest.PostgresURL(t)
	}
	if o.Settings != nil {
		o.Settings(&s)
	}
	policy := config.DefaultPolicy()
	// The daily summary is saved on demand only, so a test run after
	// 18:00 UTC does not find an entry it did not make.
	policy.Reports.DailyAt = config.DailyOff
	if o.Policy != nil {
		policy = *o.Policy
	}
	logs, console := &SyncBuffer{}, &SyncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx := context.Background()
	a, err := app.New(ctx, app.Options{Settings: s, Policy: policy, Logger: logger, Console: console, Clock: o.Clock, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatalf("assemble app: %v", err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatalf("start app: %v", err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = a.Stop(stopCtx)
		if t.Failed() {
			logErrors(t, logs.String())
		}
	})
	return &App{App: a, Logs: logs, Console: console, t: t}
}

// logErrors shows a failed test the server's warnings and errors, which
// name the cause of a 500 page.
func logErrors(t testing.TB, logs string) {
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, `"level":"ERROR"`) || strings.Contains(line, `"level":"WARN"`) {
			t.Logf("server log: %s", line)
		}
	}
}

// Engines lists the engines to run a test on.
func Engines() []string { return []string{"sqlite", "postgres"} }

// CreateUser adds a user with Password.
func (a *App) CreateUser(email string, role auth.Role) auth.User {
	a.t.Helper()
	u, err := a.Auth.CreateUser(context.Background(), auth.NewUser{Email: email, Role: role, Password: Password})
	if err != nil {
		a.t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// Token creates an API token with role and returns its secret.
func (a *App) Token(role auth.Role) string {
	a.t.Helper()
	secret, _, err := a.Auth.CreateToken(context.Background(), "test-"+string(role), role, "apptest")
	if err != nil {
		a.t.Fatalf("create token: %v", err)
	}
	return secret
}

// Client returns an API client authenticating as a new token with role.
func (a *App) Client(role auth.Role) *client.Client {
	a.t.Helper()
	return client.New(a.URL(), a.Token(role))
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var _ io.Writer = (*SyncBuffer)(nil)

// SetupLink returns the setup link the server printed on its console.
func (a *App) SetupLink() string {
	for _, line := range strings.Split(a.Console.String(), "\n") {
		if i := strings.Index(line, "/setup?token="); i >= 0 {
			return strings.TrimSpace(line)
		}
	}
	return ""
}
