package store

import "context"

// OutboxPayloads returns the payload of every outbox row by key, done
// rows included, which no production code reads back.
func OutboxPayloads(ctx context.Context, db *DB) (map[string]string, error) {
	var rows []struct {
		Key     string `db:"idempotency_key"`
		Payload string `db:"payload"`
	}
	if err := db.pool.SelectContext(ctx, &rows, "SELECT idempotency_key, payload FROM outbox"); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Key] = r.Payload
	}
	return out, nil
}

// Exec runs a statement on the company's database, as an intruder with
// database access would, to tamper with rows.
func Exec(ctx context.Context, db *DB, sql string, args ...any) error {
	_, err := db.pool.ExecContext(ctx, sql, args...)
	return err
}

// QueryString reads one text value straight from the company's database,
// as an intruder with database access would see it.
func QueryString(ctx context.Context, db *DB, sql string) (string, error) {
	var s string
	err := db.pool.GetContext(ctx, &s, sql)
	return s, err
}
