package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// Statements is a set of prepared statements for code that runs the same
// queries many times a second (the SQLite driver parses every unprepared
// statement it runs). Prepare them before beginning a transaction, then use
// them inside it with In.
type Statements struct {
	db *DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// NewStatements returns an empty set over db's write pool.
func NewStatements(db *DB) *Statements { return &Statements{db: db, m: map[string]*sql.Stmt{}} }

// Prepare prepares each query not prepared yet. Call it outside any
// transaction: on SQLite the transaction holds the only write connection.
func (s *Statements) Prepare(ctx context.Context, queries ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, q := range queries {
		if _, ok := s.m[q]; ok {
			continue
		}
		st, err := s.db.Write.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare statement: %w", err)
		}
		s.m[q] = st
	}
	return nil
}

// In returns query, prepared, for use in tx. It panics if the query was
// never prepared: that is a programming error, caught by any test.
func (s *Statements) In(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	s.mu.Lock()
	st, ok := s.m[query]
	s.mu.Unlock()
	if !ok {
		panic("store: statement used before Prepare: " + query)
	}
	return tx.StmtContext(ctx, st)
}

// Close releases every statement.
func (s *Statements) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for q, st := range s.m {
		_ = st.Close()
		delete(s.m, q)
	}
}
