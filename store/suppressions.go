package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/consentd/consentd/mapping"
)

// Kinds of suppression identifiers.
const (
	SuppressEmail = "email"
	SuppressPhone = "phone"
)

// Suppression says: send this person no more advertising for Scope. Only a
// SHA-256 of the normalised e-mail address or phone number is kept.
type Suppression struct {
	ID         int64     `db:"id" json:"-"`
	AddressID  string    `db:"address_id" json:"address_id"`
	Kind       string    `db:"kind" json:"kind"`             // SuppressEmail or SuppressPhone
	Identifier string    `db:"identifier" json:"identifier"` // hex SHA-256
	Scope      string    `db:"scope" json:"scope"`           // the purpose objected to
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
	ReviewAt   time.Time `db:"review_at" json:"review_at"`
	EventID    int64     `db:"event_id" json:"event_id"`
}

// utc gives the times in UTC whatever time zone the server's session has,
// as every other read of the store does.
func (s Suppression) utc() Suppression {
	s.CreatedAt, s.ReviewAt = s.CreatedAt.UTC(), s.ReviewAt.UTC()
	return s
}

// AddSuppressions stores suppression entries; one for an identifier and
// scope stored already is left as it is.
func (tx *Tx) AddSuppressions(ctx context.Context, entries []Suppression) error {
	for _, s := range entries {
		if err := errors.Join(checkKey("address id", s.AddressID), checkText("scope", s.Scope)); err != nil {
			return fmt.Errorf("add suppression entry: %w", err)
		}
		_, err := tx.tx.ExecContext(ctx, tx.q.AddSuppression, s.AddressID, s.Kind, s.Identifier, s.Scope,
			s.CreatedAt.UTC(), s.ReviewAt.UTC(), s.EventID)
		if err != nil {
			return fmt.Errorf("add suppression entry of address %q: %w", s.AddressID, err)
		}
	}
	return nil
}

// LiftSuppressions removes the entries of scope that consent given anew
// by the address ends: its own, and those of its identifiers under other
// addresses (the person came back as another contact).
func (tx *Tx) LiftSuppressions(ctx context.Context, addressID, scope string, identifiers []string) error {
	ids, err := json.Marshal(append([]string{}, identifiers...))
	if err != nil {
		return fmt.Errorf("lift suppression entries: %w", err)
	}
	if _, err := tx.tx.ExecContext(ctx, tx.q.LiftSuppressions, addressID, scope, string(ids)); err != nil {
		return fmt.Errorf("lift suppression entries of address %q: %w", addressID, err)
	}
	return nil
}

// SuppressionsOf lists the address's suppression entries.
func (db *DB) SuppressionsOf(ctx context.Context, addressID string) ([]Suppression, error) {
	var out []Suppression
	if err := db.pool.SelectContext(ctx, &out, db.q.SuppressionsOf, addressID); err != nil {
		return nil, fmt.Errorf("read suppression entries of address %q: %w", addressID, err)
	}
	for i := range out {
		out[i] = out[i].utc()
	}
	return out, nil
}

// SuppressionsIn lists every suppression entry of scope.
func (db *DB) SuppressionsIn(ctx context.Context, scope string) ([]Suppression, error) {
	var out []Suppression
	if err := db.pool.SelectContext(ctx, &out, db.q.SuppressionsIn, scope); err != nil {
		return nil, fmt.Errorf("read suppression entries: %w", err)
	}
	for i := range out {
		out[i] = out[i].utc()
	}
	return out, nil
}

// NoteSuppressionNotice records that the broker of address was told of
// the suppression entry; false when he was told before.
func (tx *Tx) NoteSuppressionNotice(ctx context.Context, suppressionID int64, addressID string, at time.Time) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, tx.q.NoteSuppressionNotice, suppressionID, addressID, at.UTC())
	if err != nil {
		return false, fmt.Errorf("record suppression notice for address %q: %w", addressID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// AddressChannels is a live address's ways of advertising to the person.
type AddressChannels struct {
	CRMID           string
	Emails, Phones  []mapping.Channel
	ResponsibleUser string
}

// AddressChannels lists up to limit live addresses after the CRM id
// after, in id order, with their e-mail addresses and phone numbers.
func (db *DB) AddressChannels(ctx context.Context, after string, limit int) ([]AddressChannels, error) {
	var rows []struct {
		CRMID           string `db:"crm_id"`
		Emails          string `db:"emails"`
		Phones          string `db:"phones"`
		ResponsibleUser string `db:"responsible_user"`
	}
	if err := db.pool.SelectContext(ctx, &rows, db.q.AddressChannels, after, limit); err != nil {
		return nil, fmt.Errorf("list addresses' channels: %w", err)
	}
	out := make([]AddressChannels, len(rows))
	for i, r := range rows {
		emails, err := parseJSONList[mapping.Channel]("emails", r.Emails)
		if err != nil {
			return nil, err
		}
		phones, err := parseJSONList[mapping.Channel]("phones", r.Phones)
		if err != nil {
			return nil, err
		}
		out[i] = AddressChannels{CRMID: r.CRMID, Emails: emails, Phones: phones, ResponsibleUser: r.ResponsibleUser}
	}
	return out, nil
}

// SuppressionsForReview counts the entries whose review date has passed.
func (db *DB) SuppressionsForReview(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	if err := db.pool.GetContext(ctx, &n, db.q.SuppressionsForReview, now.UTC()); err != nil {
		return 0, fmt.Errorf("count suppression entries due for review: %w", err)
	}
	return n, nil
}

// RecipientObjection records that the person objected to their data
// going to a named recipient for a purpose (Art. 19 GDPR).
type RecipientObjection struct {
	AddressID string    `db:"address_id" json:"address_id"`
	Recipient string    `db:"recipient" json:"recipient"`
	Purpose   string    `db:"purpose" json:"purpose"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	EventID   int64     `db:"event_id" json:"event_id"`
}

// AddRecipientObjections stores objections; one stored already stays as
// it is.
func (tx *Tx) AddRecipientObjections(ctx context.Context, objections []RecipientObjection) error {
	for _, o := range objections {
		if err := errors.Join(checkKey("address id", o.AddressID), checkKey("recipient", o.Recipient),
			checkText("purpose", o.Purpose)); err != nil {
			return fmt.Errorf("add recipient objection: %w", err)
		}
		_, err := tx.tx.ExecContext(ctx, tx.q.AddRecipientObjection, o.AddressID, o.Recipient, o.Purpose,
			o.CreatedAt.UTC(), o.EventID)
		if err != nil {
			return fmt.Errorf("add recipient objection of address %q: %w", o.AddressID, err)
		}
	}
	return nil
}

// RecipientObjectionsOf lists the address's objections.
func (db *DB) RecipientObjectionsOf(ctx context.Context, addressID string) ([]RecipientObjection, error) {
	return recipientObjections(ctx, db.pool, db.q.RecipientObjectionsOf, addressID)
}

// RecipientObjectionsOf is DB.RecipientObjectionsOf inside the transaction.
func (tx *Tx) RecipientObjectionsOf(ctx context.Context, addressID string) ([]RecipientObjection, error) {
	return recipientObjections(ctx, tx.tx, tx.q.RecipientObjectionsOf, addressID)
}

func recipientObjections(ctx context.Context, q sqlx.QueryerContext, query, addressID string) ([]RecipientObjection, error) {
	var out []RecipientObjection
	if err := sqlx.SelectContext(ctx, q, &out, query, addressID); err != nil {
		return nil, fmt.Errorf("read recipient objections of address %q: %w", addressID, err)
	}
	for i := range out {
		out[i].CreatedAt = out[i].CreatedAt.UTC()
	}
	return out, nil
}
