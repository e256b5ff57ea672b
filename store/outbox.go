package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// States of an outbox row.
const (
	OutboxPending = "pending"
	OutboxDone    = "done"
	OutboxParked  = "parked"
)

// OutboxKindLink is the kind of the rows that write a consent link into
// the CRM. Their payload holds the link's token and is wiped once done.
const OutboxKindLink = "crm.link"

// OutboxRow is one pending CRM write.
type OutboxRow struct {
	ID        int64
	AddressID string
	Kind      string // e.g. "crm.patch", "crm.activity"
	Key       string // idempotency key, unique; activities carry it as externalId
	State     string // OutboxPending, OutboxDone or OutboxParked
	LastError string
	Result    string // what the CRM answered, e.g. the id of the activity created
	Payload   json.RawMessage
	Attempts  int // claims so far; more than 1 means an earlier try's outcome may be unknown
	// LinkID is the link whose URL a crm.link row writes, 0 for other rows;
	// completing the row records the link as written.
	LinkID        int64
	NextAttemptAt time.Time
	CreatedAt     time.Time
	DoneAt        *time.Time
}

// outboxRow is an outbox row as the table holds it.
type outboxRow struct {
	ID            int64      `db:"id"`
	AddressID     string     `db:"address_id"`
	Kind          string     `db:"kind"`
	Payload       string     `db:"payload"`
	Key           string     `db:"idempotency_key"`
	State         string     `db:"state"`
	Attempts      int        `db:"attempts"`
	NextAttemptAt time.Time  `db:"next_attempt_at"`
	LastError     string     `db:"last_error"`
	Result        string     `db:"result"`
	CreatedAt     time.Time  `db:"created_at"`
	DoneAt        *time.Time `db:"done_at"`
}

func (r outboxRow) row() OutboxRow {
	var payload json.RawMessage
	if r.Payload != "" {
		payload = json.RawMessage(r.Payload)
	}
	return OutboxRow{ID: r.ID, AddressID: r.AddressID, Kind: r.Kind, Key: r.Key, State: r.State,
		LastError: r.LastError, Result: r.Result, Payload: payload, Attempts: r.Attempts,
		NextAttemptAt: r.NextAttemptAt.UTC(), CreatedAt: r.CreatedAt.UTC(), DoneAt: utcPtr(r.DoneAt)}
}

// ErrOutboxNotPending is returned when a row to complete, retry or park is
// no longer pending: another worker finished it after this one's lease ran
// out, or an admin's action changed it.
var ErrOutboxNotPending = errors.New("outbox row is not pending")

// enqueueRow is an outbox row as the enqueue statement unpacks it.
type enqueueRow struct {
	Ord       int       `json:"ord"`
	AddressID string    `json:"address_id"`
	Kind      string    `json:"kind"`
	Payload   string    `json:"payload"`
	Key       string    `json:"idempotency_key"`
	LinkID    *int64    `json:"link_id"`
	CreatedAt time.Time `json:"created_at"`
}

// ErrKeyUsed is returned by Enqueue when an idempotency key was used before.
var ErrKeyUsed = errors.New("an idempotency key was used before")

// Enqueue adds CRM writes as pending, due at their CreatedAt, in the order
// given; one statement per 500 rows. Address, kind, key and payload are
// required; the payload must be JSON. A key used before fails with
// ErrKeyUsed.
func (tx *Tx) Enqueue(ctx context.Context, rows ...OutboxRow) error {
	batch := make([]enqueueRow, len(rows))
	for i, r := range rows {
		if err := validateOutboxRow(r); err != nil {
			return fmt.Errorf("enqueue %s: %w", r.Kind, err)
		}
		batch[i] = enqueueRow{Ord: i, AddressID: r.AddressID, Kind: r.Kind, Payload: string(r.Payload), Key: r.Key,
			CreatedAt: r.CreatedAt.UTC()}
		if r.LinkID != 0 {
			batch[i].LinkID = &r.LinkID
		}
	}
	return inBatches(batch, func(part []enqueueRow) error {
		param, err := jsonParam(part)
		if err != nil {
			return err
		}
		_, err = tx.tx.ExecContext(ctx, tx.q.EnqueueOutbox, param)
		if tx.dialect.isUniqueViolation(err) {
			err = ErrKeyUsed
		}
		if err != nil {
			return fmt.Errorf("enqueue %d outbox rows: %w", len(part), err)
		}
		return nil
	})
}

func validateOutboxRow(r OutboxRow) error {
	var problems []error
	if !json.Valid(r.Payload) {
		problems = append(problems, errors.New("payload is not JSON"))
	}
	if r.CreatedAt.IsZero() {
		problems = append(problems, errors.New("it has no creation time"))
	}
	problems = append(problems, checkKey("address id", r.AddressID), checkKey("kind", r.Kind),
		checkKey("idempotency key", r.Key), checkText("payload", string(r.Payload)))
	return errors.Join(problems...)
}

// ClaimOutbox leases up to limit due rows until now+lease, counting an
// attempt for each, and returns them in id order. A row is due when its
// next attempt time has come, no lease on it runs, and every earlier row
// of its address is done (FIFO per address; a parked row blocks its
// address). Two workers, in one process or two, never get the same row
// while its lease runs; after it the row comes back, so a crashed worker's
// rows are delivered by another.
func (db *DB) ClaimOutbox(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]OutboxRow, error) {
	if limit <= 0 || lease <= 0 {
		return nil, fmt.Errorf("claim outbox rows: limit %d and lease %s must be positive", limit, lease)
	}
	var rows []outboxRow
	if err := db.pool.SelectContext(ctx, &rows, db.q.ClaimOutbox, now.UTC(), limit, now.Add(lease).UTC()); err != nil {
		return nil, fmt.Errorf("claim outbox rows: %w", err)
	}
	out := make([]OutboxRow, len(rows))
	for i, r := range rows {
		out[i] = r.row()
	}
	slices.SortFunc(out, func(a, b OutboxRow) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// CompleteOutbox marks a pending row done with what the CRM answered. A
// crm.link row's payload, which holds a link token, is wiped, and its link
// recorded as written.
func (db *DB) CompleteOutbox(ctx context.Context, id int64, result string, now time.Time) error {
	found, err := db.dialect.completeOutbox(ctx, db, id, cleanErrorText(result), now.UTC())
	if err != nil {
		return fmt.Errorf("complete outbox row %d: %w", id, err)
	}
	if !found {
		return fmt.Errorf("complete outbox row %d: %w", id, ErrOutboxNotPending)
	}
	return nil
}

// completeInTx is completeOutbox statement by statement in a transaction.
func (db *DB) completeInTx(ctx context.Context, id int64, result string, now time.Time) (found bool, err error) {
	err = db.InTx(ctx, func(tx *Tx) error {
		var linkID *int64
		err := tx.tx.GetContext(ctx, &linkID, tx.q.CompleteOutbox, id, result, now)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		if linkID == nil {
			return nil
		}
		if _, err := tx.tx.ExecContext(ctx, tx.q.MarkLinkWritten, *linkID, now); err != nil {
			return fmt.Errorf("record link %d as written: %w", *linkID, err)
		}
		return nil
	})
	return found, err
}

// RetryOutbox records a failed attempt of a pending row and when to try
// again; the lease ends.
func (db *DB) RetryOutbox(ctx context.Context, id int64, errText string, next time.Time) error {
	return db.updatePending(ctx, "retry", db.q.RetryOutbox, id, cleanErrorText(errText), next.UTC())
}

// ParkOutbox stops delivering a pending row, keeping the error for the
// admin; it blocks the later rows of its address until RequeueParked.
func (db *DB) ParkOutbox(ctx context.Context, id int64, errText string, now time.Time) error {
	return db.updatePending(ctx, "park", db.q.ParkOutbox, id, cleanErrorText(errText), now.UTC())
}

func (db *DB) updatePending(ctx context.Context, what, query string, id int64, args ...any) error {
	res, err := db.pool.ExecContext(ctx, query, append([]any{id}, args...)...)
	if err != nil {
		return fmt.Errorf("%s outbox row %d: %w", what, id, err)
	}
	n, err := rowsAffected(res, what+" outbox row")
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s outbox row %d: %w", what, id, ErrOutboxNotPending)
	}
	return nil
}

// RequeueParked makes every parked row pending again, due at now, and
// returns how many. A row tried before restarts at one attempt: its next
// try counts as a retry, so a write whose outcome was unknown is looked up
// in the CRM before it is sent again.
func (db *DB) RequeueParked(ctx context.Context, now time.Time) (int64, error) {
	res, err := db.pool.ExecContext(ctx, db.q.RequeueParked, now.UTC())
	if err != nil {
		return 0, fmt.Errorf("requeue parked outbox rows: %w", err)
	}
	return rowsAffected(res, "requeue parked outbox rows")
}

// OutboxStats is the backlog of a company's outbox.
type OutboxStats struct {
	Pending       int64
	Parked        int64
	OldestPending *time.Time // creation time of the oldest pending row; nil when none
}

// OutboxStats counts pending and parked rows.
func (db *DB) OutboxStats(ctx context.Context) (OutboxStats, error) {
	var row struct {
		Pending       int64      `db:"pending"`
		Parked        int64      `db:"parked"`
		OldestPending *time.Time `db:"oldest_pending"`
	}
	if err := db.pool.GetContext(ctx, &row, db.q.OutboxStats); err != nil {
		return OutboxStats{}, fmt.Errorf("count outbox rows: %w", err)
	}
	return OutboxStats{Pending: row.Pending, Parked: row.Parked, OldestPending: utcPtr(row.OldestPending)}, nil
}

// ParkedOutbox returns up to limit parked rows in id order, without their
// payload: it may hold personal data or a link token, which a status
// display must not show.
func (db *DB) ParkedOutbox(ctx context.Context, limit int) ([]OutboxRow, error) {
	var rows []outboxRow
	if err := db.pool.SelectContext(ctx, &rows, db.q.ParkedOutbox, limit); err != nil {
		return nil, fmt.Errorf("read parked outbox rows: %w", err)
	}
	out := make([]OutboxRow, len(rows))
	for i, r := range rows {
		out[i] = r.row()
	}
	return out, nil
}
