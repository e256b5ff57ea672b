package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"

	"github.com/jmoiron/sqlx"
	"github.com/rs/zerolog"
)

// queries are the named statements of the .sql files that every engine
// shares in name; sql/queries holds the portable ones, sql/<engine> the
// rest.
type queries struct {
	CreateSchemaMigrations string `query:"create-schema-migrations"`
	SchemaVersion          string `query:"schema-version"`
	RecordMigration        string `query:"record-migration"`

	AddressHashes     string `query:"address-hashes" plan:"each-run"`
	UpsertAddresses   string `query:"upsert-addresses" plan:"each-run"`
	GetAddress        string `query:"get-address"`
	MarkSeen          string `query:"mark-seen" plan:"each-run"`
	MarkUnseenDeleted string `query:"mark-unseen-deleted" plan:"each-run"`
	ProfilesDue       string `query:"profiles-due" plan:"each-run"`
	ClearProfilesDue  string `query:"clear-profiles-due" plan:"each-run"`
	Stats             string `query:"stats"`

	SearchProfileHashes        string `query:"search-profile-hashes" plan:"each-run"`
	UpsertSearchProfiles       string `query:"upsert-search-profiles" plan:"each-run"`
	DeleteAbsentSearchProfiles string `query:"delete-absent-search-profiles" plan:"each-run"`
	GetSearchProfiles          string `query:"get-search-profiles"`

	GetWatermark string `query:"get-watermark"`
	SetWatermark string `query:"set-watermark"`

	StartRun             string `query:"start-run"`
	FinishRun            string `query:"finish-run"`
	CloseInterruptedRuns string `query:"close-interrupted-runs"`
	LastRuns             string `query:"last-runs"`
	FailuresSince        string `query:"failures-since"`

	LinkSubject          string `query:"link-subject"`
	ActiveLink           string `query:"active-link"`
	AddressesWithoutLink string `query:"addresses-without-link" plan:"each-run"`
	InsertLink           string `query:"insert-link"`
	RevokeLinks          string `query:"revoke-links"`
	MarkLinkWritten      string `query:"mark-link-written"`
	LinkWriteQueued      string `query:"link-write-queued"`

	GetConsent                 string `query:"get-consent"`
	PutConsent                 string `query:"put-consent"`
	UpdateAddressConsentFields string `query:"update-address-consent-fields"`
	UpdateAddressContact       string `query:"update-address-contact"`
	PutSearchProfile           string `query:"put-search-profile"`
	DeleteSearchProfile        string `query:"delete-search-profile"`

	LockLedger    string `query:"lock-ledger"`
	LockAddress   string `query:"lock-address"`
	AdvanceLedger string `query:"advance-ledger"`
	PointConsent  string `query:"point-consent"`
	LedgerHead    string `query:"ledger-head"`
	InsertEvent   string `query:"insert-event"`
	EventByAction string `query:"event-by-action"`
	EachEvent     string `query:"each-event"`
	EventsOf      string `query:"events-of"`

	EnqueueOutbox  string `query:"enqueue-outbox"`
	ClaimOutbox    string `query:"claim-outbox"`
	CompleteOutbox string `query:"complete-outbox"`
	RetryOutbox    string `query:"retry-outbox"`
	ParkOutbox     string `query:"park-outbox"`
	RequeueParked  string `query:"requeue-parked"`
	OutboxStats    string `query:"outbox-stats"`
	ParkedOutbox   string `query:"parked-outbox"`

	InsertErasure string `query:"insert-erasure"`
	OpenErasure   string `query:"open-erasure"`
	ErasureStats  string `query:"erasure-stats"`

	retentionQueries
}

// retentionQueries are the statements of deletion requests, suppression
// entries, purging and an address's records.
type retentionQueries struct {
	OpenErasures       string `query:"open-erasures"`
	ErasuresOf         string `query:"erasures-of"`
	EvaluateErasure    string `query:"evaluate-erasure"`
	MarkErasureStep    string `query:"mark-erasure-step"`
	CloseErasure       string `query:"close-erasure"`
	DeleteExpiredCases string `query:"delete-expired-cases"`

	DeletedAddresses         string `query:"deleted-addresses" plan:"each-run"`
	PurgeAddress             string `query:"purge-address"`
	PurgeSearchProfiles      string `query:"purge-search-profiles"`
	PurgeLinks               string `query:"purge-links"`
	PurgeOutbox              string `query:"purge-outbox"`
	PurgeConsentReasons      string `query:"purge-consent-reasons"`
	ProofOwners              string `query:"proof-owners"`
	AddressExists            string `query:"address-exists"`
	KeepPrunedHashes         string `query:"keep-pruned-hashes"`
	PruneEvents              string `query:"prune-events"`
	PruneConsents            string `query:"prune-consents"`
	PruneRecipientObjections string `query:"prune-recipient-objections"`
	StaleConsents            string `query:"stale-consents"`
	SubjectFacts             string `query:"subject-facts"`

	AddSuppression        string `query:"add-suppression"`
	LiftSuppressions      string `query:"lift-suppressions"`
	SuppressionsOf        string `query:"suppressions-of"`
	SuppressionsIn        string `query:"suppressions-in"`
	NoteSuppressionNotice string `query:"note-suppression-notice"`
	AddressChannels       string `query:"address-channels" plan:"each-run"`
	SuppressionsForReview string `query:"suppressions-for-review"`
	AddRecipientObjection string `query:"add-recipient-objection"`
	RecipientObjectionsOf string `query:"recipient-objections-of"`

	ConsentsOf string `query:"consents-of"`
	LinksOf    string `query:"links-of"`
	OutboxOf   string `query:"outbox-of"`
}

// DB is one company's database.
type DB struct {
	slug     string
	database string // its name, see Manager.DatabaseName
	pool     *sqlx.DB
	q        *queries
	dialect  dialect
	log      zerolog.Logger
}

// Tx is a transaction on one company's database.
type Tx struct {
	tx      *sqlx.Tx
	q       *queries
	dialect dialect
}

// Slug is the company's slug.
func (db *DB) Slug() string { return db.slug }

// Ping checks that the company's database is reachable.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.PingContext(ctx); err != nil {
		return fmt.Errorf("reach database of company %q: %w", db.slug, err)
	}
	return nil
}

// InTx runs fn in a transaction: committed when fn returns nil, rolled
// back when it returns an error or panics. fn's error is returned as is.
func (db *DB) InTx(ctx context.Context, fn func(*Tx) error) error {
	return db.inTx(ctx, func(tx *sqlx.Tx) error { return fn(&Tx{tx: tx, q: db.q, dialect: db.dialect}) })
}

func (db *DB) inTx(ctx context.Context, fn func(*sqlx.Tx) error) error {
	tx, err := db.pool.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			db.log.Warn().Err(rbErr).Msg("rollback failed; the server discards the transaction with its connection")
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// lockKey turns a lock name into the 64-bit key a lock is known by: the
// key of a PostgreSQL advisory lock, part of a SQLite lock file's name.
// Locks are local to the company's database, so names only need to be
// unique within consentd.
func lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("consentd:" + name))
	return int64(h.Sum64())
}

// TryLock takes the named lock for this company if no one holds it, in
// this or any other consentd process: on PostgreSQL an advisory lock on a
// connection of its own, on SQLite a lock on a file beside the database's.
// release is never nil, may be called more than once and frees the lock
// (and the connection). ok is false when someone else holds the lock.
func (db *DB) TryLock(ctx context.Context, name string) (release func(), ok bool, err error) {
	free, ok, err := db.dialect.tryLock(ctx, db, name)
	if err != nil {
		return func() {}, false, fmt.Errorf("lock %q: %w", name, err)
	}
	var once sync.Once
	return func() { once.Do(free) }, ok, nil
}

// Watermark marks how far the incremental sync has come: the CRM change
// time (_metadata.updatedAt, epoch ms) and id of the last mirrored contact.
type Watermark struct {
	UpdatedAtMS int64
	ID          string
}

// watermarkName is the sync_state row of the contacts' watermark.
const watermarkName = "contacts"

// Watermark returns the contacts' watermark; the zero value before the
// first sync.
func (db *DB) Watermark(ctx context.Context) (Watermark, error) {
	var row struct {
		UpdatedAtMS int64  `db:"updated_at_ms"`
		LastID      string `db:"last_id"`
	}
	err := db.pool.GetContext(ctx, &row, db.q.GetWatermark, watermarkName)
	if errors.Is(err, sql.ErrNoRows) {
		return Watermark{}, nil
	}
	if err != nil {
		return Watermark{}, fmt.Errorf("read watermark: %w", err)
	}
	return Watermark{UpdatedAtMS: row.UpdatedAtMS, ID: row.LastID}, nil
}

// SetWatermark stores the contacts' watermark; commit it with the page it
// follows, so a crash never skips contacts.
func (tx *Tx) SetWatermark(ctx context.Context, w Watermark) error {
	if w.UpdatedAtMS < 0 {
		return fmt.Errorf("set watermark: change time %d is negative", w.UpdatedAtMS)
	}
	if err := checkText("watermark id", w.ID); err != nil {
		return fmt.Errorf("set watermark: %w", err)
	}
	if _, err := tx.tx.ExecContext(ctx, tx.q.SetWatermark, watermarkName, w.UpdatedAtMS, w.ID); err != nil {
		return fmt.Errorf("set watermark: %w", err)
	}
	return nil
}
