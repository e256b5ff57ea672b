package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/consentd/consentd/mapping"
)

// addressRow is an address as the addresses table holds its content; the
// JSON names are the columns the batch statements unpack.
type addressRow struct {
	CRMID                   string     `db:"crm_id" json:"crm_id"`
	Salutation              string     `db:"salutation" json:"salutation"`
	Title                   string     `db:"title" json:"title"`
	FirstName               string     `db:"first_name" json:"first_name"`
	LastName                string     `db:"last_name" json:"last_name"`
	CompanyName             string     `db:"company_name" json:"company_name"`
	Street                  string     `db:"street" json:"street"`
	HouseNumber             string     `db:"house_number" json:"house_number"`
	Zip                     string     `db:"zip" json:"zip"`
	City                    string     `db:"city" json:"city"`
	Country                 string     `db:"country" json:"country"`
	Emails                  string     `db:"emails" json:"emails"`
	Phones                  string     `db:"phones" json:"phones"`
	ResponsibleUser         string     `db:"responsible_user" json:"responsible_user"`
	ConsentSource           string     `db:"consent_source" json:"consent_source"`
	ConsentPurpose          string     `db:"consent_purpose" json:"consent_purpose"`
	ConsentDate             string     `db:"consent_date" json:"consent_date"`
	ConsentWithdrawalDate   string     `db:"consent_withdrawal_date" json:"consent_withdrawal_date"`
	ConsentWithdrawalReason string     `db:"consent_withdrawal_reason" json:"consent_withdrawal_reason"`
	ConsentLink             string     `db:"consent_link" json:"consent_link"`
	CRMCreatedAt            *time.Time `db:"crm_created_at" json:"crm_created_at"`
	CRMUpdatedAt            *time.Time `db:"crm_updated_at" json:"crm_updated_at"`
	ContentHash             string     `db:"content_hash" json:"content_hash"`
	Facts                   string     `db:"facts" json:"facts"` // JSON object; "" where a query leaves it out
}

func (r addressRow) key() (string, string) { return r.CRMID, r.ContentHash }

func (r addressRow) changedAt() *time.Time { return r.CRMUpdatedAt }

func newAddressRow(a mapping.Address) (addressRow, error) {
	if err := ValidateAddress(a); err != nil {
		return addressRow{}, err
	}
	emails, err := jsonList(a.Emails)
	if err != nil {
		return addressRow{}, err
	}
	phones, err := jsonList(a.Phones)
	if err != nil {
		return addressRow{}, err
	}
	facts, err := jsonFacts(a.Facts)
	if err != nil {
		return addressRow{}, err
	}
	c := a.Consent
	return addressRow{
		CRMID: a.CRMID, Salutation: a.Salutation, Title: a.Title, FirstName: a.FirstName,
		LastName: a.LastName, CompanyName: a.CompanyName, Street: a.Street,
		HouseNumber: a.HouseNumber, Zip: a.Zip, City: a.City, Country: a.Country,
		Emails: emails, Phones: phones, ResponsibleUser: a.ResponsibleUser,
		ConsentSource: c.Source, ConsentPurpose: c.Purpose, ConsentDate: c.Date,
		ConsentWithdrawalDate: c.WithdrawalDate, ConsentWithdrawalReason: c.WithdrawalReason,
		ConsentLink: linkDigest(c.Link), CRMCreatedAt: nullTime(a.CRMCreatedAt),
		CRMUpdatedAt: nullTime(a.CRMUpdatedAt), ContentHash: a.Hash(), Facts: facts,
	}, nil
}

// linkDigest is what the mirror keeps of the CRM's link field: the field
// holds a personal link whose token consentd stores only as a hash, so the
// mirror keeps a SHA-256 of the value, enough to tell whether and which link
// is set.
func linkDigest(link string) string {
	if link == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(link))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// address reads a mirrored address back; its Consent.Link is the digest
// linkDigest made, never the link itself.
func (r addressRow) address() (mapping.Address, error) {
	emails, err := parseJSONList[mapping.Channel]("emails", r.Emails)
	if err != nil {
		return mapping.Address{}, err
	}
	phones, err := parseJSONList[mapping.Channel]("phones", r.Phones)
	if err != nil {
		return mapping.Address{}, err
	}
	facts, err := parseFacts(r.Facts)
	if err != nil {
		return mapping.Address{}, err
	}
	return mapping.Address{
		CRMID: r.CRMID, Salutation: r.Salutation, Title: r.Title, FirstName: r.FirstName,
		LastName: r.LastName, CompanyName: r.CompanyName, Street: r.Street,
		HouseNumber: r.HouseNumber, Zip: r.Zip, City: r.City, Country: r.Country,
		Emails: emails, Phones: phones, ResponsibleUser: r.ResponsibleUser,
		Consent: mapping.ConsentFields{
			Source: r.ConsentSource, Purpose: r.ConsentPurpose, Date: r.ConsentDate,
			WithdrawalDate: r.ConsentWithdrawalDate, WithdrawalReason: r.ConsentWithdrawalReason,
			Link: r.ConsentLink,
		},
		Facts:        facts,
		CRMCreatedAt: fromNullTime(r.CRMCreatedAt), CRMUpdatedAt: fromNullTime(r.CRMUpdatedAt),
	}, nil
}

// jsonFacts is the facts column's value: a JSON object, "{}" for none.
func jsonFacts(facts map[string]string) (string, error) {
	if len(facts) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(facts)
	if err != nil {
		return "", fmt.Errorf("encode facts: %w", err)
	}
	return string(b), nil
}

// parseFacts reads the facts column; a query that leaves it out gives "".
func parseFacts(s string) (map[string]string, error) {
	if s == "" || s == "{}" {
		return nil, nil
	}
	var facts map[string]string
	if err := json.Unmarshal([]byte(s), &facts); err != nil {
		return nil, fmt.Errorf("read facts column: %w", err)
	}
	return facts, nil
}

// UpsertAddresses mirrors addresses: new ones are inserted, changed ones
// rewritten, and ones with the content hash already stored left untouched.
// An address marked deleted that comes back is undeleted and counts as
// updated. Each batch of up to 500 takes two statements. A batch holding an
// address ValidateAddress refuses is not written and the error names it.
func (tx *Tx) UpsertAddresses(ctx context.Context, addrs []mapping.Address, now time.Time) (UpsertCounts, error) {
	var total UpsertCounts
	err := inBatches(addrs, func(batch []mapping.Address) error {
		rows := make([]addressRow, len(batch))
		for i, a := range batch {
			row, err := newAddressRow(a)
			if err != nil {
				return err
			}
			rows[i] = row
		}
		rows, c := dedupe(rows)
		written, err := upsertChanged(ctx, tx, rows, tx.q.AddressHashes, tx.q.UpsertAddresses, now)
		total = total.add(c).add(written)
		return err
	})
	if err != nil {
		return UpsertCounts{}, fmt.Errorf("upsert addresses: %w", err)
	}
	return total, nil
}

// MarkSeen records that the CRM still has these contacts in reconciliation
// run runID, including contacts skipped as malformed, so they are not taken
// for deleted. Ids the mirror cannot hold (not UTF-8, NUL) are ignored.
func (tx *Tx) MarkSeen(ctx context.Context, runID int64, crmIDs []string) error {
	if runID <= 0 {
		return fmt.Errorf("mark seen: run id %d is not a run's id", runID)
	}
	return inBatches(storableIDs(crmIDs), func(batch []string) error {
		list, err := jsonParam(batch)
		if err != nil {
			return err
		}
		if _, err := tx.tx.ExecContext(ctx, tx.q.MarkSeen, runID, list); err != nil {
			return fmt.Errorf("mark seen: %w", err)
		}
		return nil
	})
}

// storableIDs drops ids the mirror cannot hold (not UTF-8, NUL): looking
// them up could only fail.
func storableIDs(crmIDs []string) []string {
	ids := make([]string, 0, len(crmIDs))
	for _, id := range crmIDs {
		if checkText("id", id) == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// ProfilesDue returns up to limit contacts, in id order after the id
// after, whose search profiles must be fetched: new contacts and those whose
// CRM change time moved. Deleted contacts are never due.
func (db *DB) ProfilesDue(ctx context.Context, after string, limit int) ([]string, error) {
	ids := []string{}
	if err := db.pool.SelectContext(ctx, &ids, db.q.ProfilesDue, after, limit); err != nil {
		return nil, fmt.Errorf("read contacts with due search profiles: %w", err)
	}
	return ids, nil
}

// ClearProfilesDue records that the search profiles of these contacts are
// mirrored as the CRM has them.
func (tx *Tx) ClearProfilesDue(ctx context.Context, crmIDs []string) error {
	return inBatches(storableIDs(crmIDs), func(batch []string) error {
		list, err := jsonParam(batch)
		if err != nil {
			return err
		}
		if _, err := tx.tx.ExecContext(ctx, tx.q.ClearProfilesDue, list); err != nil {
			return fmt.Errorf("clear due search profiles: %w", err)
		}
		return nil
	})
}

// MarkUnseenDeleted marks every address that is not yet deleted and that
// reconciliation run runID (or a later one) did not see as deleted at at,
// and returns how many it marked.
func (db *DB) MarkUnseenDeleted(ctx context.Context, runID int64, at time.Time) (int64, error) {
	if runID <= 0 {
		return 0, fmt.Errorf("mark unseen addresses deleted: run id %d is not a run's id", runID)
	}
	res, err := db.pool.ExecContext(ctx, db.q.MarkUnseenDeleted, runID, at.UTC())
	if err != nil {
		return 0, fmt.Errorf("mark unseen addresses deleted: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("mark unseen addresses deleted: count: %w", err)
	}
	return n, nil
}

// AddressRecord is a mirrored address with the mirror's bookkeeping.
type AddressRecord struct {
	mapping.Address
	ContentHash   string
	SeenRun       int64 // last reconciliation run that found it in the CRM; 0 for none
	FirstSyncedAt time.Time
	SyncedAt      time.Time  // last time its content was written
	DeletedAt     *time.Time // when the CRM was noticed to have deleted it; nil while it exists
}

// addressRecordRow is a full row of the addresses table.
type addressRecordRow struct {
	addressRow
	SeenRun       sql.NullInt64 `db:"seen_run"`
	FirstSyncedAt time.Time     `db:"first_synced_at"`
	SyncedAt      time.Time     `db:"synced_at"`
	DeletedAt     *time.Time    `db:"deleted_at"`
}

// AddressRecord returns the mirrored address with CRM id crmID, deleted
// or not; ok is false when the mirror never held it.
func (db *DB) AddressRecord(ctx context.Context, crmID string) (rec AddressRecord, ok bool, err error) {
	var row addressRecordRow
	err = db.pool.GetContext(ctx, &row, db.q.GetAddress, crmID)
	if errors.Is(err, sql.ErrNoRows) {
		return AddressRecord{}, false, nil
	}
	if err != nil {
		return AddressRecord{}, false, fmt.Errorf("read address %q: %w", crmID, err)
	}
	a, err := row.address()
	if err != nil {
		return AddressRecord{}, false, fmt.Errorf("read address %q: %w", crmID, err)
	}
	rec = AddressRecord{Address: a, ContentHash: row.ContentHash, SeenRun: row.SeenRun.Int64,
		FirstSyncedAt: row.FirstSyncedAt.UTC(), SyncedAt: row.SyncedAt.UTC(), DeletedAt: utcPtr(row.DeletedAt)}
	return rec, true, nil
}

// Address returns the mirrored address with CRM id crmID, also when it is
// marked deleted (AddressRecord tells); ok is false when the mirror never
// held it.
func (db *DB) Address(ctx context.Context, crmID string) (mapping.Address, bool, error) {
	rec, ok, err := db.AddressRecord(ctx, crmID)
	return rec.Address, ok, err
}
