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

// Verdicts of a deletion request's evaluation against the retention rules.
const (
	VerdictDeletable  = "deletable"  // nothing binds the data: delete now
	VerdictRestricted = "restricted" // a legal duty binds some data: restrict it until it ends
	VerdictHeld       = "held"       // a legal hold suspends every deletion
)

// ErasureRequest is a person's request to delete their data (Art. 17
// GDPR), due one month after receipt, and the case file of its handling.
type ErasureRequest struct {
	ID         int64      `db:"id" json:"id"`
	AddressID  string     `db:"address_id" json:"address_id"`
	Channel    string     `db:"channel" json:"channel"`
	Reason     string     `db:"reason" json:"reason"`
	State      string     `db:"state" json:"state"` // ErasureOpen or ErasureClosed
	ReceivedAt time.Time  `db:"received_at" json:"received_at"`
	DueAt      time.Time  `db:"due_at" json:"due_at"`
	ClosedAt   *time.Time `db:"closed_at" json:"closed_at,omitempty"`
	EventID    int64      `db:"event_id" json:"event_id"` // the deletion_requested event

	Evaluation
	NotifiedAt   *time.Time `db:"notified_at" json:"notified_at,omitempty"`
	Reminded7At  *time.Time `db:"reminded_7_at" json:"reminded_7_at,omitempty"`
	Reminded2At  *time.Time `db:"reminded_2_at" json:"reminded_2_at,omitempty"`
	OverdueAt    *time.Time `db:"overdue_at" json:"overdue_at,omitempty"`
	ClosedReason string     `db:"closed_reason" json:"closed_reason,omitempty"`
	KeepUntil    *time.Time `db:"keep_until" json:"keep_until,omitempty"` // the case file's own retention
}

// Evaluation is what the retention rules said of a request's data.
type Evaluation struct {
	Verdict         string     `db:"verdict" json:"verdict,omitempty"` // one of the Verdict… constants
	RestrictedUntil *time.Time `db:"restricted_until" json:"restricted_until,omitempty"`
	Text            string     `db:"evaluation" json:"evaluation,omitempty"` // as the broker read it
	EvaluatedAt     *time.Time `db:"evaluated_at" json:"evaluated_at,omitempty"`
}

func (r ErasureRequest) utc() ErasureRequest {
	r.ReceivedAt, r.DueAt, r.ClosedAt = r.ReceivedAt.UTC(), r.DueAt.UTC(), utcPtr(r.ClosedAt)
	r.RestrictedUntil, r.EvaluatedAt = utcPtr(r.RestrictedUntil), utcPtr(r.EvaluatedAt)
	r.NotifiedAt, r.Reminded7At, r.Reminded2At = utcPtr(r.NotifiedAt), utcPtr(r.Reminded7At), utcPtr(r.Reminded2At)
	r.OverdueAt, r.KeepUntil = utcPtr(r.OverdueAt), utcPtr(r.KeepUntil)
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
		r.Reason, r.DueAt.UTC(), r.EventID, r.Verdict, utcPtr(r.RestrictedUntil), r.Text, utcPtr(r.EvaluatedAt),
		utcPtr(r.NotifiedAt))
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

// Steps of telling the broker about a deletion request, each done once.
const (
	StepNotified  = "notified"   // the request with its evaluation
	StepReminded7 = "reminded_7" // 7 days before the due date
	StepReminded2 = "reminded_2" // 2 days before the due date
	StepOverdue   = "overdue"    // the due date has passed
)

// OpenErasures lists every open deletion request, earliest due first. A
// company has few at a time, so they come as one list.
func (db *DB) OpenErasures(ctx context.Context) ([]ErasureRequest, error) {
	return selectErasures(ctx, db.pool, db.q.OpenErasures)
}

// ErasuresOf lists every deletion request of an address, open or closed.
func (db *DB) ErasuresOf(ctx context.Context, addressID string) ([]ErasureRequest, error) {
	return selectErasures(ctx, db.pool, db.q.ErasuresOf, addressID)
}

func selectErasures(ctx context.Context, q sqlx.QueryerContext, query string, args ...any) ([]ErasureRequest, error) {
	var rs []ErasureRequest
	if err := sqlx.SelectContext(ctx, q, &rs, query, args...); err != nil {
		return nil, fmt.Errorf("read deletion requests: %w", err)
	}
	for i := range rs {
		rs[i] = rs[i].utc()
	}
	return rs, nil
}

// EvaluateErasure stores a new evaluation of an open request.
func (tx *Tx) EvaluateErasure(ctx context.Context, id int64, e Evaluation) error {
	if err := checkText("evaluation", e.Text); err != nil {
		return fmt.Errorf("evaluate deletion request %d: %w", id, err)
	}
	_, err := tx.tx.ExecContext(ctx, tx.q.EvaluateErasure, id, e.Verdict, utcPtr(e.RestrictedUntil), e.Text, utcPtr(e.EvaluatedAt))
	if err != nil {
		return fmt.Errorf("evaluate deletion request %d: %w", id, err)
	}
	return nil
}

// MarkErasureStep records that step (one of the Step… constants) was taken
// at at. It returns false when the step was taken before or the request is
// closed: each step happens once, however often the job runs.
func (tx *Tx) MarkErasureStep(ctx context.Context, id int64, step string, at time.Time) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, tx.q.MarkErasureStep, id, step, at.UTC())
	if err != nil {
		return false, fmt.Errorf("record step %s of deletion request %d: %w", step, id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// CloseErasure closes an open request for reason and keeps its case file
// until keepUntil; the reason the person gave is removed, the file keeps
// only dates and handling. It returns false when the request was not open.
func (tx *Tx) CloseErasure(ctx context.Context, id int64, reason string, at, keepUntil time.Time) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, tx.q.CloseErasure, id, reason, at.UTC(), keepUntil.UTC())
	if err != nil {
		return false, fmt.Errorf("close deletion request %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// DeleteExpiredCases deletes the closed case files kept until before now.
func (db *DB) DeleteExpiredCases(ctx context.Context, now time.Time) (int64, error) {
	res, err := db.pool.ExecContext(ctx, db.q.DeleteExpiredCases, now.UTC())
	if err != nil {
		return 0, fmt.Errorf("delete expired case files: %w", err)
	}
	return res.RowsAffected()
}
