package store

import (
	"context"
	"fmt"
	"time"

	"github.com/consentd/consentd/mapping"
)

// profileRow is a search profile as the search_profiles table holds it.
type profileRow struct {
	CRMID         string     `db:"crm_id" json:"crm_id"`
	ContactID     string     `db:"contact_id" json:"contact_id"`
	Title         string     `db:"title" json:"title"`
	Active        bool       `db:"active" json:"active"`
	MarketingType string     `db:"marketing_type" json:"marketing_type"`
	EstateTypes   string     `db:"estate_types" json:"estate_types"`
	ZipCodes      string     `db:"zip_codes" json:"zip_codes"`
	Cities        string     `db:"cities" json:"cities"`
	PriceMax      *float64   `db:"price_max" json:"price_max"`
	LivingAreaMin *float64   `db:"living_area_min" json:"living_area_min"`
	RoomsMin      *float64   `db:"rooms_min" json:"rooms_min"`
	ContentHash   string     `db:"content_hash" json:"content_hash"`
	CRMUpdatedAt  *time.Time `db:"crm_updated_at" json:"crm_updated_at"`
}

func (r profileRow) key() (string, string) { return r.CRMID, r.ContentHash }

func (r profileRow) changedAt() *time.Time { return r.CRMUpdatedAt }

func newProfileRow(p mapping.SearchProfile) (profileRow, error) {
	if err := ValidateSearchProfile(p); err != nil {
		return profileRow{}, err
	}
	lists := make([]string, 3)
	for i, l := range [][]string{p.EstateTypes, p.ZipCodes, p.Cities} {
		text, err := jsonList(l)
		if err != nil {
			return profileRow{}, fmt.Errorf("search profile %q: %w", p.CRMID, err)
		}
		lists[i] = text
	}
	return profileRow{
		CRMID: p.CRMID, ContactID: p.ContactID, Title: p.Title, Active: p.Active,
		MarketingType: p.MarketingType, EstateTypes: lists[0], ZipCodes: lists[1], Cities: lists[2],
		PriceMax: p.PriceMax, LivingAreaMin: p.LivingAreaMin, RoomsMin: p.RoomsMin,
		ContentHash: p.Hash(), CRMUpdatedAt: nullTime(p.CRMUpdatedAt),
	}, nil
}

func (r profileRow) profile() (mapping.SearchProfile, error) {
	lists := make([][]string, 3)
	for i, col := range []struct{ name, text string }{
		{"estate_types", r.EstateTypes}, {"zip_codes", r.ZipCodes}, {"cities", r.Cities},
	} {
		l, err := parseJSONList[string](col.name, col.text)
		if err != nil {
			return mapping.SearchProfile{}, fmt.Errorf("search profile %q: %w", r.CRMID, err)
		}
		lists[i] = l
	}
	return mapping.SearchProfile{
		CRMID: r.CRMID, ContactID: r.ContactID, Title: r.Title, Active: r.Active,
		MarketingType: r.MarketingType, EstateTypes: lists[0], ZipCodes: lists[1], Cities: lists[2],
		PriceMax: r.PriceMax, LivingAreaMin: r.LivingAreaMin, RoomsMin: r.RoomsMin,
		CRMUpdatedAt: fromNullTime(r.CRMUpdatedAt),
	}, nil
}

// ReplaceSearchProfiles mirrors the search profiles of the given contacts:
// profiles are upserted like addresses, and mirrored profiles of these
// contacts that profiles no longer holds are deleted (counted as Deleted).
// Every profile must belong to one of the contacts.
func (tx *Tx) ReplaceSearchProfiles(ctx context.Context, contactIDs []string, profiles []mapping.SearchProfile, now time.Time) (UpsertCounts, error) {
	rows, err := profileRows(contactIDs, profiles)
	if err != nil {
		return UpsertCounts{}, fmt.Errorf("replace search profiles: %w", err)
	}
	rows, c := dedupe(rows)
	written, err := upsertChanged(ctx, tx, rows, tx.q.SearchProfileHashes, tx.q.UpsertSearchProfiles, now)
	if err != nil {
		return UpsertCounts{}, fmt.Errorf("replace search profiles: %w", err)
	}
	deleted, err := tx.deleteAbsentProfiles(ctx, contactIDs, rows)
	if err != nil {
		return UpsertCounts{}, fmt.Errorf("replace search profiles: %w", err)
	}
	return c.add(written).add(UpsertCounts{Deleted: deleted}), nil
}

// profileRows validates the profiles and that each belongs to a given contact.
func profileRows(contactIDs []string, profiles []mapping.SearchProfile) ([]profileRow, error) {
	contacts := make(map[string]bool, len(contactIDs))
	for _, id := range contactIDs {
		if err := checkText("contact id", id); err != nil {
			return nil, fmt.Errorf("contact %q: %w", id, err)
		}
		contacts[id] = true
	}
	rows := make([]profileRow, len(profiles))
	for i, p := range profiles {
		row, err := newProfileRow(p)
		if err != nil {
			return nil, err
		}
		if !contacts[p.ContactID] {
			return nil, fmt.Errorf("search profile %q belongs to contact %q, which is not among the contacts replaced", p.CRMID, p.ContactID)
		}
		rows[i] = row
	}
	return rows, nil
}

func (tx *Tx) deleteAbsentProfiles(ctx context.Context, contactIDs []string, kept []profileRow) (int, error) {
	if len(contactIDs) == 0 {
		return 0, nil
	}
	keptIDs := make([]string, len(kept))
	for i, r := range kept {
		keptIDs[i] = r.CRMID
	}
	contacts, err := jsonParam(contactIDs)
	if err != nil {
		return 0, err
	}
	keep, err := jsonParam(keptIDs)
	if err != nil {
		return 0, err
	}
	res, err := tx.tx.ExecContext(ctx, tx.q.DeleteAbsentSearchProfiles, contacts, keep)
	if err != nil {
		return 0, fmt.Errorf("delete profiles the CRM no longer lists: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// SearchProfiles returns the mirrored search profiles of a contact, ordered
// by CRM id.
func (db *DB) SearchProfiles(ctx context.Context, contactID string) ([]mapping.SearchProfile, error) {
	var rows []profileRow
	if err := db.pool.SelectContext(ctx, &rows, db.q.GetSearchProfiles, contactID); err != nil {
		return nil, fmt.Errorf("read search profiles of contact %q: %w", contactID, err)
	}
	profiles := make([]mapping.SearchProfile, len(rows))
	for i, r := range rows {
		p, err := r.profile()
		if err != nil {
			return nil, err
		}
		profiles[i] = p
	}
	return profiles, nil
}
