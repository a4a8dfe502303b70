package store

import (
	"context"
	"fmt"
)

// pruneBatch is how many rows one prune statement deletes: small enough
// that neither engine holds its locks for long, large enough to keep up.
const pruneBatch = 1000

// DeleteOldest deletes the rows of table that match where (a condition on
// its columns, with $1… for args), oldest id first, in batches, and
// returns how many it deleted. Retention jobs use it: the rows to prune
// are the oldest, so each batch finds them at the start of the id index.
func (db *DB) DeleteOldest(ctx context.Context, table, where string, args ...any) (int64, error) {
	q := fmt.Sprintf(`DELETE FROM %s WHERE id IN (SELECT id FROM %s WHERE %s ORDER BY id LIMIT %d)`, table, table, where, pruneBatch)
	var total int64
	for {
		res, err := db.Write.ExecContext(ctx, q, args...)
		if err != nil {
			return total, fmt.Errorf("prune %s: %w", table, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("prune %s: %w", table, err)
		}
		total += n
		if n < pruneBatch {
			return total, nil
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}
