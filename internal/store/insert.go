package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// Inserter writes rows with prepared multi-row INSERT statements: one
// statement for every row count up to a limit, so a batch of up to that many
// rows is one statement, parsed once for the life of the process (the SQLite
// driver would parse an unprepared statement on every call). Keep the limit
// modest: the SQLite driver resolves each $N parameter with a linear search,
// so binding costs grow with the square of a statement's parameters.
type Inserter struct {
	db      *DB
	head    string // INSERT INTO t (cols) VALUES
	tail    string // ON CONFLICT …, RETURNING …
	columns int
	max     int

	mu    sync.Mutex
	stmts []*sql.Stmt // stmts[n-1] inserts n rows
}

// NewInserter prepares nothing yet; Prepare does, outside any transaction.
// tail follows the VALUES list (for example "ON CONFLICT (k) DO NOTHING").
func NewInserter(db *DB, table string, columns []string, tail string, maxRows int) *Inserter {
	return &Inserter{
		db:      db,
		head:    "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES ",
		tail:    tail,
		columns: len(columns),
		max:     maxRows,
	}
}

// Prepare prepares the statements once. Call it before beginning the
// transaction that uses them: on SQLite that transaction holds the only
// write connection.
func (in *Inserter) Prepare(ctx context.Context) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	for n := len(in.stmts) + 1; n <= in.max; n++ {
		st, err := in.db.Write.PrepareContext(ctx, in.statement(n))
		if err != nil {
			return fmt.Errorf("prepare %d-row insert: %w", n, err)
		}
		in.stmts = append(in.stmts, st)
	}
	return nil
}

func (in *Inserter) statement(rows int) string {
	var sb strings.Builder
	sb.WriteString(in.head)
	for r := range rows {
		if r > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for c := range in.columns {
			if c > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("$" + strconv.Itoa(r*in.columns+c+1))
		}
		sb.WriteByte(')')
	}
	if in.tail != "" {
		sb.WriteString(" " + in.tail)
	}
	return sb.String()
}

// Exec inserts rows (each one value per column) in tx.
func (in *Inserter) Exec(ctx context.Context, tx *sql.Tx, rows [][]any) error {
	return in.each(rows, func(st *sql.Stmt, args []any) error {
		_, err := tx.StmtContext(ctx, st).ExecContext(ctx, args...)
		return err
	})
}

// Query inserts rows in tx and calls scan for every row the statement's
// RETURNING clause yields.
func (in *Inserter) Query(ctx context.Context, tx *sql.Tx, rows [][]any, scan func(*sql.Rows) error) error {
	return in.each(rows, func(st *sql.Stmt, args []any) error {
		res, err := tx.StmtContext(ctx, st).QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		defer res.Close()
		for res.Next() {
			if err := scan(res); err != nil {
				return err
			}
		}
		return res.Err()
	})
}

func (in *Inserter) each(rows [][]any, do func(*sql.Stmt, []any) error) error {
	in.mu.Lock()
	prepared := len(in.stmts)
	stmts := in.stmts
	in.mu.Unlock()
	if prepared < in.max {
		return fmt.Errorf("insert: statements not prepared (call Prepare first)")
	}
	for len(rows) > 0 {
		n := min(len(rows), in.max)
		args := make([]any, 0, n*in.columns)
		for _, r := range rows[:n] {
			if len(r) != in.columns {
				return fmt.Errorf("insert: a row has %d values, want %d", len(r), in.columns)
			}
			args = append(args, r...)
		}
		if err := do(stmts[n-1], args); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// Close releases the prepared statements.
func (in *Inserter) Close() {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, st := range in.stmts {
		_ = st.Close()
	}
	in.stmts = nil
}
