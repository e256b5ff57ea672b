package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// DeletedAddresses lists up to limit addresses that reconciliation found
// deleted in the CRM and whose mirror rows still wait to be purged.
func (db *DB) DeletedAddresses(ctx context.Context, limit int) ([]string, error) {
	var ids []string
	if err := db.pool.SelectContext(ctx, &ids, db.q.DeletedAddresses, limit); err != nil {
		return nil, fmt.Errorf("list addresses deleted in the CRM: %w", err)
	}
	return ids, nil
}

// PurgeAddress removes what the mirror holds of an address the CRM
// deleted: the address, its search profiles, its links, its delivered or
// parked CRM writes and the reason it gave for a withdrawal. The proof
// stays: ledger, consents, suppression entries, recipient objections and
// deletion case files. It returns false
// when the address is not marked deleted (the CRM has it again, or it was
// purged before), and then removes nothing.
func (tx *Tx) PurgeAddress(ctx context.Context, addressID string) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, tx.q.PurgeAddress, addressID)
	if err != nil {
		return false, fmt.Errorf("purge address %q: %w", addressID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	for _, q := range []string{tx.q.PurgeSearchProfiles, tx.q.PurgeLinks, tx.q.PurgeOutbox, tx.q.PurgeConsentReasons} {
		if _, err := tx.tx.ExecContext(ctx, q, addressID); err != nil {
			return false, fmt.Errorf("purge address %q: %w", addressID, err)
		}
	}
	return true, nil
}

// ProofOwner is an address the mirror no longer holds but whose consent
// proof the ledger still keeps, with the times its retention starts from.
type ProofOwner struct {
	AddressID      string     `db:"address_id"`
	LastEvent      time.Time  `db:"last_event"`       // its last ledger event: withdrawal, deletion request, …
	LastUsed       *time.Time `db:"last_used"`        // last use of a consent, if recorded
	LastPhoneEvent *time.Time `db:"last_phone_event"` // its last event by phone (phone consent: 5 years)
}

// ProofOwners lists the addresses with ledger events but no mirror row.
func (db *DB) ProofOwners(ctx context.Context) ([]ProofOwner, error) {
	var owners []ProofOwner
	if err := db.pool.SelectContext(ctx, &owners, db.q.ProofOwners); err != nil {
		return nil, fmt.Errorf("list proof of deleted addresses: %w", err)
	}
	for i := range owners {
		o := &owners[i]
		o.LastEvent, o.LastUsed, o.LastPhoneEvent = o.LastEvent.UTC(), utcPtr(o.LastUsed), utcPtr(o.LastPhoneEvent)
	}
	return owners, nil
}

// PruneProof deletes the consent proof of an address whose retention ran
// out: its ledger events (each leaves its id and hash in ledger_pruned, so
// the chain still verifies), its consents and recipient objections. It
// refuses an address the mirror still holds and returns the events pruned.
func (tx *Tx) PruneProof(ctx context.Context, addressID string, at time.Time) (int64, error) {
	var live bool
	if err := tx.tx.GetContext(ctx, &live, tx.q.AddressExists, addressID); err != nil {
		return 0, fmt.Errorf("prune proof of address %q: %w", addressID, err)
	}
	if live {
		return 0, fmt.Errorf("prune proof of address %q: the mirror still holds it", addressID)
	}
	if _, err := tx.tx.ExecContext(ctx, tx.q.KeepPrunedHashes, addressID, at.UTC()); err != nil {
		return 0, fmt.Errorf("prune proof of address %q: %w", addressID, err)
	}
	res, err := tx.tx.ExecContext(ctx, tx.q.PruneEvents, addressID)
	if err != nil {
		return 0, fmt.Errorf("prune proof of address %q: %w", addressID, err)
	}
	for _, q := range []string{tx.q.PruneConsents, tx.q.PruneRecipientObjections} {
		if _, err := tx.tx.ExecContext(ctx, q, addressID); err != nil {
			return 0, fmt.Errorf("prune proof of address %q: %w", addressID, err)
		}
	}
	return res.RowsAffected()
}

// Staleness counts the consents to purpose that are given but were not
// used (or given) since before.
type Staleness struct {
	Stale  int64      `db:"stale"`
	Oldest *time.Time `db:"oldest"` // the longest-unused one's last use
}

// StaleConsents counts the live addresses' consents to purpose unused since before.
func (db *DB) StaleConsents(ctx context.Context, purpose string, before time.Time) (Staleness, error) {
	var s Staleness
	if err := db.pool.GetContext(ctx, &s, db.q.StaleConsents, purpose, before.UTC()); err != nil {
		return Staleness{}, fmt.Errorf("count stale consents: %w", err)
	}
	s.Oldest = utcPtr(s.Oldest)
	return s, nil
}

// SubjectFacts is what the retention rules read about one live address
// beyond its CRM facts.
type SubjectFacts struct {
	Facts           map[string]string
	CRMCreatedAt    *time.Time
	CRMUpdatedAt    *time.Time
	ProfilesChanged *time.Time // last change of one of its search profiles; nil for none
}

// SubjectFacts reads the retention facts of a live address inside the
// transaction; ok is false when the mirror does not hold it.
func (tx *Tx) SubjectFacts(ctx context.Context, addressID string) (SubjectFacts, bool, error) {
	return subjectFacts(ctx, tx.tx, tx.q.SubjectFacts, addressID)
}

// SubjectFacts is Tx.SubjectFacts outside a transaction.
func (db *DB) SubjectFacts(ctx context.Context, addressID string) (SubjectFacts, bool, error) {
	return subjectFacts(ctx, db.pool, db.q.SubjectFacts, addressID)
}

func subjectFacts(ctx context.Context, q sqlx.QueryerContext, query, addressID string) (SubjectFacts, bool, error) {
	var rows []struct {
		Facts           string     `db:"facts"`
		CRMCreatedAt    *time.Time `db:"crm_created_at"`
		CRMUpdatedAt    *time.Time `db:"crm_updated_at"`
		ProfilesChanged *time.Time `db:"profiles_changed"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, query, addressID); err != nil {
		return SubjectFacts{}, false, fmt.Errorf("read retention facts of address %q: %w", addressID, err)
	}
	if len(rows) == 0 {
		return SubjectFacts{}, false, nil
	}
	r := rows[0]
	facts, err := parseFacts(r.Facts)
	return SubjectFacts{Facts: facts, CRMCreatedAt: utcPtr(r.CRMCreatedAt), CRMUpdatedAt: utcPtr(r.CRMUpdatedAt),
		ProfilesChanged: utcPtr(r.ProfilesChanged)}, true, err
}
