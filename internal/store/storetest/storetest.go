// Package storetest runs tests against every storage engine HotDash supports:
// a fresh SQLite file always, and a fresh PostgreSQL schema whenever
// HOTDASH_TEST_POSTGRES_URL is set. With HOTDASH_TEST_REQUIRE_ALL=1 a missing
// PostgreSQL fails the test instead of skipping it, so CI cannot pass by
// quietly testing one engine.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to create schemas

	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/store/postgres"
	"github.com/hotdash/hotdash/internal/store/sqlite"
)

// PostgresURLEnv names the variable holding the PostgreSQL server tests use.
const PostgresURLEnv = "HOTDASH_TEST_POSTGRES_URL"

// RequireAllEnv names the variable that turns skips into failures.
const RequireAllEnv = "HOTDASH_TEST_REQUIRE_ALL"

// RequireAll reports whether tests must not skip for missing services.
func RequireAll() bool { return os.Getenv(RequireAllEnv) == "1" }

// SkipOrFail skips the test with reason, or fails it when RequireAll is set.
func SkipOrFail(t testing.TB, reason string) {
	t.Helper()
	if RequireAll() {
		t.Fatalf("%s (and %s=1 forbids skipping)", reason, RequireAllEnv)
	}
	t.Skip(reason)
}

// Engine opens a fresh, migrated database of one engine.
type Engine struct {
	Name string
	// Open returns a new empty database with the full schema, closed when
	// the test ends. On PostgreSQL, URL is set to reach the same schema.
	Open func(t testing.TB) *DB
}

// DB is a test database and the URL that opens it again (as another
// replica or process would).
type DB struct {
	*store.DB
	URL string
}

// Engines lists the engines to test on. PostgreSQL is listed even when it is
// not configured; opening it then skips (or fails under RequireAll).
func Engines() []Engine {
	return []Engine{
		{Name: "sqlite", Open: OpenSQLite},
		{Name: "postgres", Open: OpenPostgres},
	}
}

// Each runs fn as a subtest on every engine with a fresh database.
func Each(t *testing.T, fn func(t *testing.T, db *DB)) {
	t.Helper()
	for _, e := range Engines() {
		t.Run(e.Name, func(t *testing.T) {
			fn(t, e.Open(t))
		})
	}
}

// OpenSQLite opens a migrated SQLite database in the test's temp directory.
// The schema is migrated once per test binary and copied, which keeps each
// test's setup to a few milliseconds.
func OpenSQLite(t testing.TB) *DB {
	t.Helper()
	tmpl, err := sqliteTemplate()
	if err != nil {
		t.Fatalf("prepare sqlite template: %v", err)
	}
	path := filepath.Join(t.TempDir(), "hotdash.db")
	if err := os.WriteFile(path, tmpl, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return &DB{DB: db, URL: "sqlite:" + path}
}

// sqliteTemplate returns the bytes of a freshly migrated SQLite database.
var sqliteTemplate = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "hotdash-storetest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "template.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(context.Background()); err != nil {
		_ = db.Close()
		return nil, err
	}
	// Fold the WAL into the main file so one file holds everything.
	if _, err := db.Write.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		_ = db.Close()
		return nil, err
	}
	if err := db.Close(); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
})

// OpenPostgres creates an empty schema on the test server, migrates it and
// drops it when the test ends.
func OpenPostgres(t testing.TB) *DB {
	t.Helper()
	u := PostgresURL(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return &DB{DB: db, URL: u}
}

// PostgresURL creates an empty schema on the test server and returns a URL
// whose search_path points at it; the schema is dropped when the test ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresURLEnv)
	if base == "" {
		SkipOrFail(t, "PostgreSQL tests need "+PostgresURLEnv+" (for example postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", PostgresURLEnv, err)
	}
	defer admin.Close()
	schema := "hdtest_" + randomHex(6)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := withSearchPath(base, schema)
	if err != nil {
		t.Fatalf("%s: %v", PostgresURLEnv, err)
	}
	return u
}

func withSearchPath(base, schema string) (string, error) {
	if !strings.Contains(base, "://") {
		return base + " search_path=" + schema, nil
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("parse url: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
