package store

import (
	"context"
	"fmt"
	"time"
)

// FailuresSince counts, per job, the runs that failed or were cut off with
// their process since since. Jobs without such runs are absent.
func (db *DB) FailuresSince(ctx context.Context, since time.Time) (map[string]int64, error) {
	var rows []struct {
		Job      string `db:"job"`
		Failures int64  `db:"failures"`
	}
	if err := db.pool.SelectContext(ctx, &rows, db.q.FailuresSince, since.UTC()); err != nil {
		return nil, fmt.Errorf("count failed runs: %w", err)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.Job] = r.Failures
	}
	return out, nil
}
