// Package store holds what every persistent part of HotDash shares: the database
// handle with its read and write pools, transactions, migrations, and the errors
// that cross package lines (ErrNotFound, ErrConflict).
//
// HotDash speaks one SQL to both engines: queries use $N placeholders, times are
// passed in from the injected clock (never the database's now()), and booleans,
// JSON and timestamps use types both engines round-trip. What genuinely differs
// (opening, pragmas, locks, unique-violation detection, migrations, River's
// driver, full-text search) lives behind the Dialect interface, implemented by
// the sqlite and postgres subpackages. Domain packages own their SQL and take a
// *DB; their tests run against both engines through storetest.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"
)

// ErrNotFound is returned when a record asked for by key does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a write loses to a concurrent one or would break
// a uniqueness rule.
var ErrConflict = errors.New("conflict")

// Engine names a storage engine.
type Engine string

// The storage engines HotDash runs on.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Dialect is what differs between the engines.
type Dialect interface {
	// Engine names the engine.
	Engine() Engine
	// IsUniqueViolation reports whether err came from a unique constraint.
	IsUniqueViolation(err error) bool
	// ForUpdate is the clause that row-locks what a SELECT reads until the
	// transaction ends (" FOR UPDATE"), or "" where a write transaction
	// already excludes every other writer (SQLite).
	ForUpdate() string
	// HasPrefix is a condition true when the text expression expr starts
	// with the parameter placeholder's value, written so that an index on
	// expr can serve it; PrefixArg turns the prefix into that parameter.
	HasPrefix(expr, placeholder string) string
	PrefixArg(prefix string) string
	// PlanEach returns a query's arguments marked so the engine plans the
	// query for these values every time. PostgreSQL may otherwise switch a
	// prepared statement to a generic plan, which for a selective filter
	// (a contact search) can mean walking a whole index.
	PlanEach(args []any) []any
	// LockTx takes a lock named key that is held until tx ends, serialising
	// writers across every process that shares the database.
	LockTx(ctx context.Context, tx *sql.Tx, key string) error
	// GooseDialect names the dialect goose migrates with.
	GooseDialect() goose.Dialect
	// Migrations is the engine's migration directory.
	Migrations() fs.FS
	// MigrateOptions are extra goose options (a session lock on PostgreSQL).
	MigrateOptions() []goose.ProviderOption
	// RiverDriver is River's driver over the jobs pool.
	RiverDriver() riverdriver.Driver[*sql.Tx]
}

// DB is an open HotDash database.
type DB struct {
	Dialect
	// Write is the pool for writes and for reads that must see them. On
	// SQLite it holds a single connection: SQLite has one writer.
	Write *sql.DB
	// Read is the pool for reads that may run beside writes (dashboards,
	// lists, exports). On PostgreSQL it is the same pool as Write.
	Read *sql.DB
	// Jobs is the pool River uses. On SQLite it is Write; on PostgreSQL a
	// small pool of its own, so a busy application cannot starve leader
	// election.
	Jobs *sql.DB

	closers []func() error
}

// New assembles a DB. Engine packages call it; closers run on Close in order.
func New(d Dialect, write, read, jobs *sql.DB, closers ...func() error) *DB {
	return &DB{Dialect: d, Write: write, Read: read, Jobs: jobs, closers: closers}
}

// Close releases every pool.
func (db *DB) Close() error {
	var errs []error
	for _, c := range db.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}

// Ping checks that the write and read pools reach the database.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.Write.PingContext(ctx); err != nil {
		return fmt.Errorf("ping write pool: %w", err)
	}
	if err := db.Read.PingContext(ctx); err != nil {
		return fmt.Errorf("ping read pool: %w", err)
	}
	return nil
}

// InTx runs fn in a write transaction and commits it when fn returns nil. On
// SQLite the transaction takes the write lock at BEGIN (BEGIN IMMEDIATE).
func (db *DB) InTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	return nil
}

// Migrate brings HotDash's schema and River's up to date. It is safe to run
// from several replicas at once on PostgreSQL (goose holds an advisory lock).
func (db *DB) Migrate(ctx context.Context) error {
	p, err := db.goose()
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate hotdash schema: %w", err)
	}
	m, err := rivermigrate.New(db.RiverDriver(), nil)
	if err != nil {
		return fmt.Errorf("prepare job queue migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate job queue schema: %w", err)
	}
	return nil
}

// MigrationStatus reports the schema version applied and whether migrations
// are pending, for HotDash's schema and River's.
type MigrationStatus struct {
	Version     int64
	Latest      int64
	Pending     bool
	JobsPending bool
}

// Status reports how far the database is migrated.
func (db *DB) Status(ctx context.Context) (MigrationStatus, error) {
	var st MigrationStatus
	p, err := db.goose()
	if err != nil {
		return st, err
	}
	if st.Version, err = p.GetDBVersion(ctx); err != nil {
		return st, fmt.Errorf("read schema version: %w", err)
	}
	sources := p.ListSources()
	if len(sources) > 0 {
		st.Latest = sources[len(sources)-1].Version
	}
	st.Pending = st.Version < st.Latest
	m, err := rivermigrate.New(db.RiverDriver(), nil)
	if err != nil {
		return st, fmt.Errorf("prepare job queue migrations: %w", err)
	}
	res, err := m.Validate(ctx, nil)
	if err != nil {
		return st, fmt.Errorf("check job queue schema: %w", err)
	}
	st.JobsPending = !res.OK
	return st, nil
}

func (db *DB) goose() (*goose.Provider, error) {
	p, err := goose.NewProvider(db.GooseDialect(), db.Write, db.Migrations(), db.MigrateOptions()...)
	if err != nil {
		return nil, fmt.Errorf("prepare migrations: %w", err)
	}
	return p, nil
}

// NullTime turns a zero time into SQL NULL and anything else into UTC.
func NullTime(t time.Time) sql.NullTime {
	if t.IsZero() {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: t.UTC(), Valid: true}
}

// TimeOf returns the UTC time held by n, or the zero time for NULL.
func TimeOf(n sql.NullTime) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return n.Time.UTC()
}
