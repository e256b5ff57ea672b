package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/consentd/consentd/mapping"
)

// Link is a personal link to the consent page of one address. The token
// itself is never stored, only its hash.
type Link struct {
	ID        int64      `db:"id"`
	AddressID string     `db:"address_id"`
	IssuedAt  time.Time  `db:"issued_at"`
	RevokedAt *time.Time `db:"revoked_at"` // nil while the link works
	WrittenAt *time.Time `db:"written_at"` // when its URL last reached the CRM field
}

func (l Link) utc() Link {
	l.IssuedAt = l.IssuedAt.UTC()
	l.RevokedAt, l.WrittenAt = utcPtr(l.RevokedAt), utcPtr(l.WrittenAt)
	return l
}

// ErrActiveLinkExists is returned by InsertLink when the address already
// has a link that is not revoked.
var ErrActiveLinkExists = errors.New("the address already has a working link")

// LinkSubject is what the consent page shows about the contact a working
// link opens.
type LinkSubject struct {
	Link     Link
	Address  mapping.Address
	Consent  *ConsentState           // for the purpose asked; nil when none was recorded
	Erasure  *ErasureRequest         // the open deletion request; nil when none
	Profiles []mapping.SearchProfile // the contact's search profiles by CRM id
}

// linkSubjectRow is a row of the link-subject query; the consent, erasure
// and profile columns are NULL when there is none.
type linkSubjectRow struct {
	LinkID        int64      `db:"link_id"`
	LinkIssuedAt  time.Time  `db:"link_issued_at"`
	LinkRevokedAt *time.Time `db:"link_revoked_at"`
	LinkWrittenAt *time.Time `db:"link_written_at"`
	addressRow
	CState            *string    `db:"c_state"`
	CGivenAt          *time.Time `db:"c_given_at"`
	CWithdrawnAt      *time.Time `db:"c_withdrawn_at"`
	CWithdrawalReason *string    `db:"c_withdrawal_reason"`
	CSource           *string    `db:"c_source"`
	CTextVersion      *string    `db:"c_text_version"`
	CChannel          *string    `db:"c_channel"`
	CLastEventID      *int64     `db:"c_last_event_id"`
	CLastUsedAt       *time.Time `db:"c_last_used_at"`
	EID               *int64     `db:"e_id"`
	EReceivedAt       *time.Time `db:"e_received_at"`
	EChannel          *string    `db:"e_channel"`
	EReason           *string    `db:"e_reason"`
	EDueAt            *time.Time `db:"e_due_at"`
	EEventID          *int64     `db:"e_event_id"`
	PCRMID            *string    `db:"p_crm_id"`
	PTitle            *string    `db:"p_title"`
	PActive           *bool      `db:"p_active"`
	PMarketingType    *string    `db:"p_marketing_type"`
	PEstateTypes      *string    `db:"p_estate_types"`
	PZipCodes         *string    `db:"p_zip_codes"`
	PCities           *string    `db:"p_cities"`
	PPriceMax         *float64   `db:"p_price_max"`
	PLivingAreaMin    *float64   `db:"p_living_area_min"`
	PRoomsMin         *float64   `db:"p_rooms_min"`
	PCRMUpdatedAt     *time.Time `db:"p_crm_updated_at"`
}

// LinkSubject returns the working link whose token hashes to tokenHash
// (hex SHA-256), with its contact's address, consent for purpose, open
// deletion request and search profiles, in one query: one round trip. ok
// is false when no link has that hash, when it is revoked and when the CRM
// deleted its address: one indexed lookup in every case, so the answer
// takes the same time whatever the reason.
func (db *DB) LinkSubject(ctx context.Context, tokenHash, purpose string) (LinkSubject, bool, error) {
	if checkText("token hash", tokenHash) != nil || checkText("purpose", purpose) != nil {
		return LinkSubject{}, false, nil // such text cannot be stored, so nothing matches it
	}
	rows, err := db.pool.QueryxContext(ctx, db.q.LinkSubject, tokenHash, purpose)
	if err != nil {
		return LinkSubject{}, false, fmt.Errorf("look up link: %w", err)
	}
	defer rows.Close()
	s, found, err := scanLinkSubject(rows, purpose)
	if err != nil {
		return LinkSubject{}, false, fmt.Errorf("look up link: %w", err)
	}
	return s, found, nil
}

// scanLinkSubject reads the rows of link-subject: the first gives the
// subject, each its search profile.
func scanLinkSubject(rows *sqlx.Rows, purpose string) (s LinkSubject, found bool, err error) {
	for rows.Next() {
		var r linkSubjectRow
		if err := rows.StructScan(&r); err != nil {
			return LinkSubject{}, false, err
		}
		if !found {
			if s, err = r.subject(purpose); err != nil {
				return LinkSubject{}, false, err
			}
			found = true
		}
		if err := r.addProfile(&s); err != nil {
			return LinkSubject{}, false, err
		}
	}
	return s, found, rows.Err()
}

func (r linkSubjectRow) subject(purpose string) (LinkSubject, error) {
	a, err := r.address()
	if err != nil {
		return LinkSubject{}, err
	}
	s := LinkSubject{Address: a, Link: Link{ID: r.LinkID, AddressID: r.CRMID, IssuedAt: r.LinkIssuedAt,
		RevokedAt: r.LinkRevokedAt, WrittenAt: r.LinkWrittenAt}.utc()}
	if r.CState != nil {
		s.Consent = &ConsentState{AddressID: r.CRMID, Purpose: purpose, State: *r.CState, Source: *r.CSource,
			TextVersion: *r.CTextVersion, Channel: *r.CChannel, WithdrawalReason: *r.CWithdrawalReason,
			GivenAt: utcPtr(r.CGivenAt), WithdrawnAt: utcPtr(r.CWithdrawnAt), LastUsedAt: utcPtr(r.CLastUsedAt),
			LastEventID: *r.CLastEventID}
	}
	if r.EID != nil {
		s.Erasure = &ErasureRequest{ID: *r.EID, AddressID: r.CRMID, Channel: *r.EChannel, Reason: *r.EReason,
			State: ErasureOpen, ReceivedAt: r.EReceivedAt.UTC(), DueAt: r.EDueAt.UTC(), EventID: *r.EEventID}
	}
	return s, nil
}

// addProfile appends the row's search profile, if it carries one.
func (r linkSubjectRow) addProfile(s *LinkSubject) error {
	if r.PCRMID == nil {
		return nil
	}
	p, err := profileRow{
		CRMID: *r.PCRMID, ContactID: r.CRMID, Title: *r.PTitle, Active: *r.PActive,
		MarketingType: *r.PMarketingType, EstateTypes: *r.PEstateTypes, ZipCodes: *r.PZipCodes, Cities: *r.PCities,
		PriceMax: r.PPriceMax, LivingAreaMin: r.PLivingAreaMin, RoomsMin: r.PRoomsMin, CRMUpdatedAt: r.PCRMUpdatedAt,
	}.profile()
	if err != nil {
		return err
	}
	s.Profiles = append(s.Profiles, p)
	return nil
}

// ActiveLink returns the address's link that is not revoked; ok is false
// when it has none.
func (db *DB) ActiveLink(ctx context.Context, addressID string) (Link, bool, error) {
	var l Link
	err := db.pool.GetContext(ctx, &l, db.q.ActiveLink, addressID)
	if errors.Is(err, sql.ErrNoRows) {
		return Link{}, false, nil
	}
	if err != nil {
		return Link{}, false, fmt.Errorf("read working link of address %q: %w", addressID, err)
	}
	return l.utc(), true, nil
}

// AddressesWithoutLink returns up to limit ids, in order after the id
// after, of addresses not marked deleted that have no working link.
func (db *DB) AddressesWithoutLink(ctx context.Context, after string, limit int) ([]string, error) {
	ids := []string{}
	if err := db.pool.SelectContext(ctx, &ids, db.q.AddressesWithoutLink, after, limit); err != nil {
		return nil, fmt.Errorf("read addresses without a link: %w", err)
	}
	return ids, nil
}

// InsertLink records a new link of the address with the hex SHA-256 of its
// token. ErrActiveLinkExists when the address has a working link already:
// revoke that first to rotate.
func (tx *Tx) InsertLink(ctx context.Context, addressID, tokenHash string, at time.Time) (Link, error) {
	if err := checkKey("address id", addressID); err != nil {
		return Link{}, fmt.Errorf("insert link: %w", err)
	}
	var l Link
	err := tx.tx.GetContext(ctx, &l, tx.q.InsertLink, addressID, tokenHash, at.UTC())
	if errors.Is(err, sql.ErrNoRows) {
		return Link{}, fmt.Errorf("insert link of address %q: %w", addressID, ErrActiveLinkExists)
	}
	if err != nil {
		return Link{}, fmt.Errorf("insert link of address %q: %w", addressID, err)
	}
	return l.utc(), nil
}

// RevokeLinks revokes the address's working link, if any, and returns how
// many links it revoked.
func (tx *Tx) RevokeLinks(ctx context.Context, addressID string, at time.Time) (int64, error) {
	res, err := tx.tx.ExecContext(ctx, tx.q.RevokeLinks, addressID, at.UTC())
	if err != nil {
		return 0, fmt.Errorf("revoke links of address %q: %w", addressID, err)
	}
	return rowsAffected(res, "revoke links")
}

// LinkWriteQueued tells whether writing the link's URL into the CRM was
// ever queued, delivered or not.
func (tx *Tx) LinkWriteQueued(ctx context.Context, linkID int64) (bool, error) {
	var queued bool
	if err := tx.tx.GetContext(ctx, &queued, tx.q.LinkWriteQueued, linkID); err != nil {
		return false, fmt.Errorf("look up the CRM write of link %d: %w", linkID, err)
	}
	return queued, nil
}

func rowsAffected(res sql.Result, what string) (int64, error) {
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("%s: count rows: %w", what, err)
	}
	return n, nil
}

// checkKey refuses an empty key or one the database cannot store.
func checkKey(field, s string) error {
	if s == "" {
		return fmt.Errorf("%s is empty", field)
	}
	return checkText(field, s)
}
