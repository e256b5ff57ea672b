package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// The records of one address that an access request (Art. 15 GDPR) lists
// besides its mirror row, profiles, ledger and deletion requests.

// ConsentsOf lists the address's consents, one per purpose.
func (db *DB) ConsentsOf(ctx context.Context, addressID string) ([]ConsentState, error) {
	var out []ConsentState
	if err := db.pool.SelectContext(ctx, &out, db.q.ConsentsOf, addressID); err != nil {
		return nil, fmt.Errorf("read consents of address %q: %w", addressID, err)
	}
	for i := range out {
		c := &out[i]
		c.GivenAt, c.WithdrawnAt, c.LastUsedAt = utcPtr(c.GivenAt), utcPtr(c.WithdrawnAt), utcPtr(c.LastUsedAt)
	}
	return out, nil
}

// LinksOf lists every link the address was given, working or revoked.
func (db *DB) LinksOf(ctx context.Context, addressID string) ([]Link, error) {
	var out []Link
	if err := db.pool.SelectContext(ctx, &out, db.q.LinksOf, addressID); err != nil {
		return nil, fmt.Errorf("read links of address %q: %w", addressID, err)
	}
	for i := range out {
		out[i] = out[i].utc()
	}
	return out, nil
}

// OutboxEntry is one CRM write about an address without its payload.
type OutboxEntry struct {
	Kind      string     `db:"kind" json:"kind"`
	State     string     `db:"state" json:"state"`
	Attempts  int        `db:"attempts" json:"attempts"`
	CreatedAt time.Time  `db:"created_at" json:"created_at"`
	DoneAt    *time.Time `db:"done_at" json:"done_at,omitempty"`
}

// OutboxOf lists the address's CRM writes, oldest first.
func (db *DB) OutboxOf(ctx context.Context, addressID string) ([]OutboxEntry, error) {
	var out []OutboxEntry
	if err := sqlx.SelectContext(ctx, db.pool, &out, db.q.OutboxOf, addressID); err != nil {
		return nil, fmt.Errorf("read CRM writes of address %q: %w", addressID, err)
	}
	for i := range out {
		out[i].CreatedAt, out[i].DoneAt = out[i].CreatedAt.UTC(), utcPtr(out[i].DoneAt)
	}
	return out, nil
}
