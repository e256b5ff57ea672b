package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/consentd/consentd/mapping"
)

// States of a consent.
const (
	ConsentGiven     = "given"
	ConsentWithdrawn = "withdrawn"
)

// ConsentState is the current consent of one address for one purpose; the
// ledger holds how it came about.
type ConsentState struct {
	AddressID        string     `db:"address_id"`
	Purpose          string     `db:"purpose"`
	State            string     `db:"state"` // ConsentGiven or ConsentWithdrawn
	Source           string     `db:"source"`
	TextVersion      string     `db:"text_version"`
	Channel          string     `db:"channel"`
	WithdrawalReason string     `db:"withdrawal_reason"`
	GivenAt          *time.Time `db:"given_at"`
	WithdrawnAt      *time.Time `db:"withdrawn_at"`
	LastUsedAt       *time.Time `db:"last_used_at"`
	LastEventID      int64      `db:"last_event_id"`
}

// Consent returns the consent of the address for the purpose; ok is false
// when none was ever recorded.
func (db *DB) Consent(ctx context.Context, addressID, purpose string) (ConsentState, bool, error) {
	return getConsent(ctx, db.pool, db.q.GetConsent, addressID, purpose)
}

// Consent is DB.Consent inside the transaction, so an action decides on
// the state its own lock protects.
func (tx *Tx) Consent(ctx context.Context, addressID, purpose string) (ConsentState, bool, error) {
	return getConsent(ctx, tx.tx, tx.q.GetConsent, addressID, purpose)
}

func getConsent(ctx context.Context, q sqlx.QueryerContext, query, addressID, purpose string) (ConsentState, bool, error) {
	var c ConsentState
	err := sqlx.GetContext(ctx, q, &c, query, addressID, purpose)
	if errors.Is(err, sql.ErrNoRows) {
		return ConsentState{}, false, nil
	}
	if err != nil {
		return ConsentState{}, false, fmt.Errorf("read consent of address %q: %w", addressID, err)
	}
	c.GivenAt, c.WithdrawnAt, c.LastUsedAt = utcPtr(c.GivenAt), utcPtr(c.WithdrawnAt), utcPtr(c.LastUsedAt)
	return c, true, nil
}

// PutConsent records the current consent of c.AddressID for c.Purpose,
// replacing what was there.
func (tx *Tx) PutConsent(ctx context.Context, c ConsentState) error {
	if err := validateConsent(c); err != nil {
		return fmt.Errorf("put consent: %w", err)
	}
	c.GivenAt, c.WithdrawnAt, c.LastUsedAt = utcPtr(c.GivenAt), utcPtr(c.WithdrawnAt), utcPtr(c.LastUsedAt)
	if _, err := tx.tx.NamedExecContext(ctx, tx.q.PutConsent, c); err != nil {
		return fmt.Errorf("put consent of address %q: %w", c.AddressID, err)
	}
	return nil
}

func validateConsent(c ConsentState) error {
	if c.State != ConsentGiven && c.State != ConsentWithdrawn {
		return fmt.Errorf("state %q is neither %q nor %q", c.State, ConsentGiven, ConsentWithdrawn)
	}
	return errors.Join(checkKey("address id", c.AddressID), checkKey("purpose", c.Purpose),
		checkText("source", c.Source), checkText("text version", c.TextVersion),
		checkText("channel", c.Channel), checkText("withdrawal reason", c.WithdrawalReason))
}

// ConsentChange is a new consent state with what changes with it.
type ConsentChange struct {
	State ConsentState
	// Fields are the address's consent fields in the mirror, as the CRM
	// will hold them once the write-back lands.
	Fields mapping.ConsentFields
	// Lift, for consent given anew, removes the suppression entries of the
	// purpose it ends: the address's own and those of Identifiers (hex
	// SHA-256 of its e-mail addresses and phone numbers) under other
	// addresses.
	Lift        bool
	Identifiers []string
}

// ChangeConsent stores ch.State, shows it in the mirror's consent fields
// and lifts the suppression entries it ends. An action runs it before the
// event that causes the change, outside the ledger lock; appending that
// event points the consent at it (LastEventID).
func (tx *Tx) ChangeConsent(ctx context.Context, ch ConsentChange) error {
	st := ch.State
	if err := validateConsent(st); err != nil {
		return fmt.Errorf("change consent: %w", err)
	}
	if err := checkStrings("", reflect.ValueOf(ch.Fields)); err != nil {
		return fmt.Errorf("change consent of address %q: %w", st.AddressID, err)
	}
	st.GivenAt, st.WithdrawnAt, st.LastUsedAt = utcPtr(st.GivenAt), utcPtr(st.WithdrawnAt), utcPtr(st.LastUsedAt)
	ch.State = st
	if err := tx.dialect.changeConsent(ctx, tx, ch); err != nil {
		return fmt.Errorf("change consent of address %q: %w", st.AddressID, err)
	}
	return nil
}

// changeInSteps is changeConsent statement by statement.
func (tx *Tx) changeInSteps(ctx context.Context, ch ConsentChange) error {
	if err := tx.UpdateAddressConsentFields(ctx, ch.State.AddressID, ch.Fields); err != nil {
		return err
	}
	if ch.Lift {
		if err := tx.LiftSuppressions(ctx, ch.State.AddressID, ch.State.Purpose, ch.Identifiers); err != nil {
			return err
		}
	}
	return tx.PutConsent(ctx, ch.State)
}

// UpdateAddressConsentFields shows a new consent state in the mirror at
// once, before the write-back reaches the CRM and a sync brings it back.
// The link field is left as it is.
func (tx *Tx) UpdateAddressConsentFields(ctx context.Context, addressID string, f mapping.ConsentFields) error {
	if err := checkStrings("", reflect.ValueOf(f)); err != nil {
		return fmt.Errorf("update consent fields of address %q: %w", addressID, err)
	}
	_, err := tx.tx.ExecContext(ctx, tx.q.UpdateAddressConsentFields, addressID,
		f.Source, f.Purpose, f.Date, f.WithdrawalDate, f.WithdrawalReason)
	if err != nil {
		return fmt.Errorf("update consent fields of address %q: %w", addressID, err)
	}
	return nil
}

// UpdateAddressContact shows a data correction in the mirror at once: the
// names, the postal address, e-mails and phones of a. Other columns stay.
func (tx *Tx) UpdateAddressContact(ctx context.Context, a mapping.Address) error {
	row, err := newAddressRow(a)
	if err != nil {
		return fmt.Errorf("update contact data: %w", err)
	}
	res, err := tx.tx.NamedExecContext(ctx, tx.q.UpdateAddressContact, row)
	if err != nil {
		return fmt.Errorf("update contact data of address %q: %w", a.CRMID, err)
	}
	if n, err := rowsAffected(res, "update contact data"); err != nil || n != 1 {
		return errors.Join(err, fmt.Errorf("update contact data: the mirror holds no address %q", a.CRMID))
	}
	return nil
}

// PutSearchProfile writes a search profile the contact created or changed
// on the consent page into the mirror at once; the next sync replaces it
// with what the CRM holds. A profile of another contact is left alone.
func (tx *Tx) PutSearchProfile(ctx context.Context, p mapping.SearchProfile, now time.Time) error {
	row, err := newProfileRow(p)
	if err != nil {
		return fmt.Errorf("put search profile: %w", err)
	}
	named := struct {
		profileRow
		SyncedAt time.Time `db:"synced_at"`
	}{row, now.UTC()}
	if _, err := tx.tx.NamedExecContext(ctx, tx.q.PutSearchProfile, named); err != nil {
		return fmt.Errorf("put search profile %q: %w", p.CRMID, err)
	}
	return nil
}

// DeleteSearchProfile removes a search profile from the mirror.
func (tx *Tx) DeleteSearchProfile(ctx context.Context, crmID string) error {
	if _, err := tx.tx.ExecContext(ctx, tx.q.DeleteSearchProfile, crmID); err != nil {
		return fmt.Errorf("delete search profile %q: %w", crmID, err)
	}
	return nil
}
