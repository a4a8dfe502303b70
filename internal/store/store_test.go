package store_test

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/store"
	"github.com/hotdash/hotdash/internal/store/storetest"
)

func TestMigrateIsIdempotentAndReportsCurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		ctx := context.Background()
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		st, err := db.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Pending || st.JobsPending || st.Version == 0 || st.Version != st.Latest {
			t.Fatalf("status after migrate = %+v, want current", st)
		}
	})
}

func TestInTxRollsBackOnError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := db.InTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES ($1, $2, $3)`,
				"h1", time.Now().UTC(), time.Now().UTC())
			if err != nil {
				t.Fatal(err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx error = %v, want boom", err)
		}
		var n int
		if err := db.Read.QueryRowContext(ctx, `SELECT count(*) FROM setup_tokens`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("rolled-back insert left %d rows", n)
		}
	})
}

func TestUniqueViolationIsRecognised(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		ctx := context.Background()
		ins := func() error {
			_, err := db.Write.ExecContext(ctx, `INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES ($1, $2, $3)`,
				"same", time.Now().UTC(), time.Now().UTC())
			return err
		}
		if err := ins(); err != nil {
			t.Fatal(err)
		}
		err := ins()
		if err == nil || !db.IsUniqueViolation(err) {
			t.Fatalf("duplicate insert error = %v, want a unique violation", err)
		}
		if db.IsUniqueViolation(errors.New("other")) {
			t.Fatal("an unrelated error was taken for a unique violation")
		}
	})
}

func TestTimesRoundTripToTheMicrosecondInUTC(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		ctx := context.Background()
		at := time.Date(2026, 3, 29, 1, 30, 15, 123456000, time.FixedZone("CET", 3600))
		if _, err := db.Write.ExecContext(ctx, `INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES ($1, $2, $3)`,
			"t", at.UTC(), at.UTC()); err != nil {
			t.Fatal(err)
		}
		var got time.Time
		if err := db.Read.QueryRowContext(ctx, `SELECT created_at FROM setup_tokens`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(at) {
			t.Fatalf("stored %v, read back %v", at, got)
		}
		var n int
		if err := db.Read.QueryRowContext(ctx, `SELECT count(*) FROM setup_tokens WHERE created_at > $1`,
			at.Add(-time.Microsecond).UTC()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("time comparison in SQL found %d rows, want 1", n)
		}
	})
}

// TestLockTxSerialisesWriters shows that two transactions taking the same lock
// run one after the other, which the decision log relies on across replicas.
func TestLockTxSerialisesWriters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		ctx := context.Background()
		if _, err := db.Write.ExecContext(ctx, `INSERT INTO login_failures (key, failed_at) VALUES ('counter', $1)`, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for range 20 {
			wg.Go(func() {
				errs <- db.InTx(ctx, func(tx *sql.Tx) error {
					if err := db.LockTx(ctx, tx, "counter"); err != nil {
						return err
					}
					var n int
					if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM login_failures`).Scan(&n); err != nil {
						return err
					}
					_, err := tx.ExecContext(ctx, `INSERT INTO login_failures (key, failed_at) VALUES ($1, $2)`,
						"n"+strings.Repeat("x", n), time.Now().UTC())
					return err
				})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		// Each writer saw every earlier one, so all 20 keys are distinct.
		var distinct int
		if err := db.Read.QueryRowContext(ctx, `SELECT count(DISTINCT key) FROM login_failures`).Scan(&distinct); err != nil {
			t.Fatal(err)
		}
		if distinct != 21 {
			t.Fatalf("distinct keys = %d, want 21: two writers ran at once", distinct)
		}
	})
}

// TestSchemasMatchAcrossEngines guards the two migration directories against
// drift: the same tables, the same columns, the same nullability.
func TestSchemasMatchAcrossEngines(t *testing.T) {
	lite := storetest.OpenSQLite(t)
	pg := storetest.OpenPostgres(t)
	ctx := context.Background()
	a, err := sqliteColumns(ctx, lite.DB)
	if err != nil {
		t.Fatal(err)
	}
	b, err := postgresColumns(ctx, pg.DB)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) == 0 {
		t.Fatal("no columns read from sqlite")
	}
	for _, col := range union(a, b) {
		if a[col] != b[col] {
			t.Errorf("column %s: sqlite %q, postgres %q", col, a[col], b[col])
		}
	}
}

// owned reports whether a table belongs to HotDash (River and goose keep
// their own) and has the same shape on both engines: full-text indexes
// (tables named *_fts*) are engine-specific by nature.
func owned(table string) bool {
	return !strings.HasPrefix(table, "river_") && table != "goose_db_version" && !strings.HasPrefix(table, "sqlite_") &&
		!strings.Contains(table, "_fts")
}

func sqliteColumns(ctx context.Context, db *store.DB) (map[string]string, error) {
	rows, err := db.Read.QueryContext(ctx, `
		SELECT m.name, p.name, p."notnull", p.pk
		FROM sqlite_master m JOIN pragma_table_info(m.name) p
		WHERE m.type = 'table'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var table, col string
		var notNull, pk int
		if err := rows.Scan(&table, &col, &notNull, &pk); err != nil {
			return nil, err
		}
		if owned(table) {
			out[table+"."+col] = nullability(notNull == 1 || pk > 0)
		}
	}
	return out, rows.Err()
}

func postgresColumns(ctx context.Context, db *store.DB) (map[string]string, error) {
	rows, err := db.Read.QueryContext(ctx, `
		SELECT table_name, column_name, is_nullable
		FROM information_schema.columns
		WHERE table_schema = current_schema()`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var table, col, nullable string
		if err := rows.Scan(&table, &col, &nullable); err != nil {
			return nil, err
		}
		if owned(table) {
			out[table+"."+col] = nullability(nullable == "NO")
		}
	}
	return out, rows.Err()
}

func nullability(notNull bool) string {
	if notNull {
		return "NOT NULL"
	}
	return "NULL"
}

func union(a, b map[string]string) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestInserterWritesAnyNumberOfRowsAndReturns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *storetest.DB) {
		ctx := context.Background()
		in := store.NewInserter(db.DB, "setup_tokens", []string{"token_hash", "created_at", "expires_at"},
			"ON CONFLICT (token_hash) DO NOTHING RETURNING token_hash", 4)
		defer in.Close()
		now := time.Now().UTC()
		rows := func(keys ...string) [][]any {
			var out [][]any
			for _, k := range keys {
				out = append(out, []any{k, now, now})
			}
			return out
		}
		if err := db.InTx(ctx, func(tx *sql.Tx) error { return in.Exec(ctx, tx, rows("x")) }); err == nil {
			t.Fatal("an unprepared inserter wrote")
		}
		if err := in.Prepare(ctx); err != nil {
			t.Fatal(err)
		}
		var returned []string
		err := db.InTx(ctx, func(tx *sql.Tx) error {
			return in.Query(ctx, tx, rows("a", "b", "c", "d", "e", "f", "g", "a", "h", "i", "j"), func(r *sql.Rows) error {
				var k string
				if err := r.Scan(&k); err != nil {
					return err
				}
				returned = append(returned, k)
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(returned)
		if strings.Join(returned, "") != "abcdefghij" {
			t.Fatalf("returned %v: want each new key once, the repeated one skipped", returned)
		}
		var n int
		if err := db.Read.QueryRowContext(ctx, `SELECT count(*) FROM setup_tokens`).Scan(&n); err != nil || n != 10 {
			t.Fatalf("rows = %d (%v)", n, err)
		}
	})
}
