// Package postgres opens HotDash on PostgreSQL, the engine for teams that run
// several replicas: a database/sql pool over pgx for the application, a small
// pool of its own for River, and a pgx pool for LISTEN/NOTIFY (River's wakeups
// and HotDash's cross-replica live updates).
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"github.com/hotdash/hotdash/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Pool sizes. The application pool serves requests and the decision log's
// group commit; River's pool only needs enough for its producers and leader.
const (
	appConns  = 16
	jobsConns = 6
)

// Open connects to the PostgreSQL database named by url (a postgres:// URL or
// a key=value DSN, as pgx accepts).
func Open(ctx context.Context, url string) (*store.DB, error) {
	app, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	app.SetMaxOpenConns(appConns)
	app.SetMaxIdleConns(appConns)
	jobs, err := sql.Open("pgx", url)
	if err != nil {
		_ = app.Close()
		return nil, fmt.Errorf("open postgres jobs pool: %w", err)
	}
	jobs.SetMaxOpenConns(jobsConns)
	listener, err := pgxpool.New(ctx, url)
	if err != nil {
		_ = app.Close()
		_ = jobs.Close()
		return nil, fmt.Errorf("open postgres listener pool: %s", redact(err))
	}
	closeListener := func() error { listener.Close(); return nil }
	d := &dialect{jobs: jobs, listener: listener}
	db := store.New(d, app, app, jobs, closeListener, jobs.Close, app.Close)
	if err := app.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("connect to postgres: %s", redact(err))
	}
	return db, nil
}

// redact keeps connection errors free of the URL (and so of its password):
// pgx's connect errors name the host and user, never the password, but a
// parse error quotes its input.
func redact(err error) string {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		return "invalid database URL"
	}
	return err.Error()
}

// ListenerPool returns the pgx pool a PostgreSQL DB keeps for LISTEN/NOTIFY,
// or false when db is not on PostgreSQL.
func ListenerPool(db *store.DB) (*pgxpool.Pool, bool) {
	d, ok := db.Dialect.(*dialect)
	if !ok {
		return nil, false
	}
	return d.listener, true
}

type dialect struct {
	jobs     *sql.DB
	listener *pgxpool.Pool
}

func (*dialect) Engine() store.Engine { return store.Postgres }

func (*dialect) IsUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

func (*dialect) ForUpdate() string { return " FOR UPDATE" }

// HasPrefix is LIKE 'p%': a text_pattern_ops index serves it whatever the
// database's collation (a range would not).
func (*dialect) HasPrefix(expr, ph string) string { return expr + " LIKE " + ph }

// PrefixArg escapes LIKE's wildcards in p and appends %.
func (*dialect) PrefixArg(p string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(p) + "%"
}

// PlanEach sends the query as pgx's unnamed statement, with its cached
// description: PostgreSQL plans an unnamed statement for the values bound
// to it, and it still takes one round trip.
func (*dialect) PlanEach(args []any) []any {
	return append([]any{pgx.QueryExecModeCacheDescribe}, args...)
}

func (*dialect) LockTx(ctx context.Context, tx *sql.Tx, key string) error {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, key); err != nil {
		return fmt.Errorf("lock %q: %w", key, err)
	}
	return nil
}

func (*dialect) GooseDialect() goose.Dialect { return goose.DialectPostgres }

func (*dialect) Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

func (*dialect) MigrateOptions() []goose.ProviderOption {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		panic(err) // only fails on invalid options, and none are given
	}
	return []goose.ProviderOption{goose.WithSessionLocker(locker)}
}

func (d *dialect) RiverDriver() riverdriver.Driver[*sql.Tx] {
	return riverdatabasesql.NewWithPgxListener(d.jobs, d.listener)
}
