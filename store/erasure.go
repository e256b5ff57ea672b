package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// States of a deletion request.
const (
	ErasureOpen   = "open"
	ErasureClosed = "closed"
)

// ErasureRequest is a person's request to delete their data (Art. 17
// GDPR), due one month after receipt.
type ErasureRequest struct {
	ID         int64      `db:"id"`
	AddressID  string     `db:"address_id"`
	Channel    string     `db:"channel"`
	Reason     string     `db:"reason"`
	State      string     `db:"state"` // ErasureOpen or ErasureClosed
	ReceivedAt time.Time  `db:"received_at"`
	DueAt      time.Time  `db:"due_at"`
	ClosedAt   *time.Time `db:"closed_at"`
	EventID    int64      `db:"event_id"` // the deletion_requested event
}

func (r ErasureRequest) utc() ErasureRequest {
	r.ReceivedAt, r.DueAt, r.ClosedAt = r.ReceivedAt.UTC(), r.DueAt.UTC(), utcPtr(r.ClosedAt)
	return r
}

// OpenErasure opens a deletion request for r.AddressID and returns it as
// stored, with true. When the address has an open request already, that
// one is returned with false and nothing is added.
func (tx *Tx) OpenErasure(ctx context.Context, r ErasureRequest) (ErasureRequest, bool, error) {
	if err := errors.Join(checkKey("address id", r.AddressID), checkText("channel", r.Channel),
		checkText("reason", r.Reason)); err != nil {
		return ErasureRequest{}, false, fmt.Errorf("open deletion request: %w", err)
	}
	var stored ErasureRequest
	err := tx.tx.GetContext(ctx, &stored, tx.q.InsertErasure, r.AddressID, r.ReceivedAt.UTC(), r.Channel,
		r.Reason, r.DueAt.UTC(), r.EventID)
	if errors.Is(err, sql.ErrNoRows) {
		open, _, err := getOpenErasure(ctx, tx.tx, tx.q.OpenErasure, r.AddressID)
		return open, false, err
	}
	if err != nil {
		return ErasureRequest{}, false, fmt.Errorf("open deletion request of address %q: %w", r.AddressID, err)
	}
	return stored.utc(), true, nil
}

// OpenErasure returns the address's open deletion request; ok is false
// when it has none.
func (db *DB) OpenErasure(ctx context.Context, addressID string) (ErasureRequest, bool, error) {
	return getOpenErasure(ctx, db.pool, db.q.OpenErasure, addressID)
}

// OpenErasureOf is DB.OpenErasure inside the transaction.
func (tx *Tx) OpenErasureOf(ctx context.Context, addressID string) (ErasureRequest, bool, error) {
	return getOpenErasure(ctx, tx.tx, tx.q.OpenErasure, addressID)
}

func getOpenErasure(ctx context.Context, q sqlx.QueryerContext, query, addressID string) (ErasureRequest, bool, error) {
	var r ErasureRequest
	err := sqlx.GetContext(ctx, q, &r, query, addressID)
	if errors.Is(err, sql.ErrNoRows) {
		return ErasureRequest{}, false, nil
	}
	if err != nil {
		return ErasureRequest{}, false, fmt.Errorf("read open deletion request of address %q: %w", addressID, err)
	}
	return r.utc(), true, nil
}

// ErasureStats sums up the open deletion requests.
type ErasureStats struct {
	Open    int64
	Overdue int64      // open past their due date
	NextDue *time.Time // earliest due date of an open request; nil when none
}

// ErasureStats counts the open deletion requests as of now.
func (db *DB) ErasureStats(ctx context.Context, now time.Time) (ErasureStats, error) {
	var row struct {
		Open    int64      `db:"open"`
		Overdue int64      `db:"overdue"`
		NextDue *time.Time `db:"next_due"`
	}
	if err := db.pool.GetContext(ctx, &row, db.q.ErasureStats, now.UTC()); err != nil {
		return ErasureStats{}, fmt.Errorf("count deletion requests: %w", err)
	}
	return ErasureStats{Open: row.Open, Overdue: row.Overdue, NextDue: utcPtr(row.NextDue)}, nil
}
