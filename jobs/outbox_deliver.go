package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/consentd/consentd/connector"
	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/store"
)

// badRowError is a row this worker cannot deliver however often it tries.
// It never quotes the payload: that holds personal data.
type badRowError struct{ msg string }

func (e *badRowError) Error() string { return e.msg }

func badRowf(format string, args ...any) error {
	return &badRowError{msg: fmt.Sprintf(format, args...)}
}

// deliver carries out one row and returns the result to record, e.g. the
// id of what it created.
func (o *Outbox) deliver(ctx context.Context, row store.OutboxRow) (string, error) {
	switch row.Kind {
	case consent.OutboxPatch, consent.OutboxLink:
		return o.patch(ctx, row)
	case consent.OutboxActivity:
		return o.activity(ctx, row)
	case consent.OutboxProfileCreate:
		return o.createProfile(ctx, row)
	case consent.OutboxProfileUpdate:
		return o.replaceProfile(ctx, row)
	case consent.OutboxProfileDelete:
		return o.deleteProfile(ctx, row)
	}
	return "", badRowf("outbox row kind %q is unknown to this consentd version", row.Kind)
}

// decodePayload reads a row's payload into v. The decoder's message is left
// out: it may quote a piece of the payload.
func decodePayload(row store.OutboxRow, v any) error {
	if err := json.Unmarshal(row.Payload, v); err != nil {
		return badRowf("payload of outbox row %d does not fit kind %q", row.ID, row.Kind)
	}
	return nil
}

func (o *Outbox) patch(ctx context.Context, row store.OutboxRow) (string, error) {
	var p consent.PatchPayload
	if err := decodePayload(row, &p); err != nil {
		return "", err
	}
	if p.Schema == "" || len(p.Fields) == 0 {
		return "", badRowf("payload of outbox row %d names no schema or no fields", row.ID)
	}
	_, err := o.crm.PatchEntity(ctx, p.Schema, row.AddressID, p.Fields)
	return "", err
}

// activity posts the activity with the row's key as externalId. After an
// attempt whose outcome is unknown (a lost answer, a crash before the
// outcome was recorded) the CRM is asked first: it does not refuse a
// second activity with the same key, so this check is what keeps it single.
func (o *Outbox) activity(ctx context.Context, row store.OutboxRow) (string, error) {
	var p consent.ActivityPayload
	if err := decodePayload(row, &p); err != nil {
		return "", err
	}
	if row.Attempts > 1 {
		found, err := o.crm.ActivitiesByExternalID(ctx, row.Key)
		if err != nil || len(found) > 0 {
			return firstActivityID(found), err
		}
	}
	a := p.Activity
	a.ID, a.ExternalID, a.CreatedAt = "", row.Key, 0
	return o.crm.CreateActivity(ctx, a)
}

func firstActivityID(found []connector.Activity) string {
	if len(found) == 0 {
		return ""
	}
	return found[0].ID
}

func (o *Outbox) profileOf(row store.OutboxRow) (connector.SearchProfile, error) {
	var p consent.ProfilePayload
	if err := decodePayload(row, &p); err != nil {
		return connector.SearchProfile{}, err
	}
	if p.Profile.ContactID == "" {
		p.Profile.ContactID = row.AddressID
	}
	return p.Profile, nil
}

// createProfile creates the profile. Profiles carry no key of ours, so
// after an unknown outcome an identical profile of the contact counts as
// the earlier attempt's work.
func (o *Outbox) createProfile(ctx context.Context, row store.OutboxRow) (string, error) {
	p, err := o.profileOf(row)
	if err != nil {
		return "", err
	}
	p.ID = ""
	if row.Attempts > 1 {
		existing, err := o.crm.SearchProfiles(ctx, p.ContactID)
		if err != nil {
			return "", err
		}
		if id, ok := identicalProfile(existing, p); ok {
			return id, nil
		}
	}
	return o.crm.CreateSearchProfile(ctx, p)
}

func identicalProfile(existing []connector.SearchProfile, p connector.SearchProfile) (string, bool) {
	want := comparableProfile(p)
	for _, e := range existing {
		if reflect.DeepEqual(comparableProfile(e), want) {
			return e.ID, true
		}
	}
	return "", false
}

// comparableProfile drops what the CRM assigns and treats an empty list as
// no list, as the CRM's answers do.
func comparableProfile(p connector.SearchProfile) connector.SearchProfile {
	p.ID, p.UpdatedAt = "", 0
	for _, l := range []*[]string{&p.EstateTypes, &p.ZipCodes, &p.Cities} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	return p
}

func (o *Outbox) replaceProfile(ctx context.Context, row store.OutboxRow) (string, error) {
	p, err := o.profileOf(row)
	if err != nil {
		return "", err
	}
	if p.ID == "" {
		return "", badRowf("payload of outbox row %d names no search profile to replace", row.ID)
	}
	return p.ID, o.crm.ReplaceSearchProfile(ctx, p)
}

// deleteProfile removes a profile; one already gone is what was wanted.
func (o *Outbox) deleteProfile(ctx context.Context, row store.OutboxRow) (string, error) {
	var p consent.ProfileDeletePayload
	if err := decodePayload(row, &p); err != nil {
		return "", err
	}
	if p.ID == "" {
		return "", badRowf("payload of outbox row %d names no search profile to delete", row.ID)
	}
	if err := o.crm.DeleteSearchProfile(ctx, p.ID); err != nil && !errors.Is(err, connector.ErrNotFound) {
		return "", err
	}
	return p.ID, nil
}
