// Package sqlite opens HotDash's embedded default store: one SQLite file in WAL
// mode with a single-connection writer pool (shared with River, so a state
// change and the job it schedules commit together) and a small read-only pool
// that runs beside it.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/hotdash/hotdash/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// readers is the size of the read pool.
const readers = 4

// Open opens (creating if needed) the SQLite database at path.
func Open(ctx context.Context, path string) (*store.DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory %q: %w", dir, err)
		}
	}
	write, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %q: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	read, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		_ = write.Close()
		return nil, fmt.Errorf("open sqlite %q for reading: %w", path, err)
	}
	read.SetMaxOpenConns(readers)
	read.SetMaxIdleConns(readers)
	d := dialect{write: write}
	db := store.New(d, write, read, write, read.Close, write.Close)
	if err := write.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open sqlite %q: %w", path, err)
	}
	return db, nil
}

func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_time_format", "sqlite")
	// SQLite's default page cache is 2 MB: with a million conversations every
	// index lookup would read pages from the OS. Negative sizes are KiB.
	if readOnly {
		q.Add("_pragma", "query_only(1)")
		q.Add("_pragma", "cache_size(-16384)")
	} else {
		q.Set("_txlock", "immediate")
		q.Add("_pragma", "cache_size(-65536)")
	}
	return "file:" + path + "?" + q.Encode()
}

type dialect struct {
	write *sql.DB
}

func (dialect) Engine() store.Engine { return store.SQLite }

func (dialect) IsUniqueViolation(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// ForUpdate is empty: SQLite has no row locks, and its write transactions
// already exclude every other writer.
func (dialect) ForUpdate() string { return "" }

// HasPrefix is a range: SQLite compares text byte by byte, and no UTF-8
// sequence sorts after U+10FFFF.
func (dialect) HasPrefix(expr, ph string) string {
	return "(" + expr + " >= " + ph + " AND " + expr + " < " + ph + " || char(1114111))"
}

// PrefixArg is the prefix itself.
func (dialect) PrefixArg(p string) string { return p }

// PlanEach leaves args as they are: SQLite plans each statement when it is
// prepared and re-plans when it sees new statistics.
func (dialect) PlanEach(args []any) []any { return args }

// LockTx is a no-op: SQLite transactions begin IMMEDIATE and so already hold
// the database's only write lock.
func (dialect) LockTx(context.Context, *sql.Tx, string) error { return nil }

func (dialect) GooseDialect() goose.Dialect { return goose.DialectSQLite3 }

func (dialect) Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

func (dialect) MigrateOptions() []goose.ProviderOption { return nil }

func (d dialect) RiverDriver() riverdriver.Driver[*sql.Tx] { return riversqlite.New(d.write) }
