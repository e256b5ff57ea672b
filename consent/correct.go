package consent

import (
	"context"
	"reflect"
	"strings"

	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
)

// Correct records the contact's corrected data and then consent as Give
// does, in one transaction. The fields that changed are named (not their
// values) in a 'data_corrected' event, the mirror shows them at once, and
// the CRM gets a patch of the changed fields only, joined with the consent
// fields. A refused input gives FieldErrors and records nothing. When no
// field changed and consent is given to the current text already, nothing
// is recorded (Duplicate).
func (s *Service) Correct(ctx context.Context, subj *Subject, in Correction, c Client, actionID string) (Outcome, error) {
	if e := in.Validate(); len(e) > 0 {
		return Outcome{}, e
	}
	in = in.trimmed()
	return s.act(ctx, KindCorrected, subj, c, actionID, func(a *action) (Outcome, error) {
		changed := changedFields(subj.Address, in)
		if len(changed) > 0 {
			if err := a.correct(applyCorrection(subj.Address, in, changed), changed); err != nil {
				return Outcome{}, err
			}
		}
		given, at, err := a.give()
		if err != nil {
			return Outcome{}, err
		}
		if !given && len(changed) == 0 {
			return a.unchanged(at), nil
		}
		return a.done(), nil
	})
}

// correct records the correction: event, mirror and CRM patch.
func (a *action) correct(corrected mapping.Address, changed []string) error {
	if err := a.tx.UpdateAddressContact(a.ctx, corrected); err != nil {
		return err
	}
	a.out.addPatch(changedPatch(a.s.m, a.subj.Address, corrected))
	return a.event(store.EventDataCorrected, map[string][]string{"fields": changed}, nil)
}

// changedPatch is the contact patch of corrected without the fields that
// would write what the CRM holds already, so the contact's other postal
// addresses, e-mails and phones are rewritten only when the person
// corrected that part.
func changedPatch(m *mapping.Mapping, old, corrected mapping.Address) map[string][]any {
	before := m.ContactPatch(old)
	patch := m.ContactPatch(corrected)
	for field, values := range patch {
		if reflect.DeepEqual(before[field], values) {
			delete(patch, field)
		}
	}
	return patch
}

// changedFields names the form fields whose value differs from the
// mirror's. An empty e-mail or phone, or one differing only in case, is
// no change.
func changedFields(old mapping.Address, c Correction) []string {
	var names []string
	for _, f := range []struct{ name, old, new string }{
		{"salutation", old.Salutation, c.Salutation}, {"title", old.Title, c.Title},
		{"firstName", old.FirstName, c.FirstName}, {"lastName", old.LastName, c.LastName},
		{"street", old.Street, c.Street}, {"houseNumber", old.HouseNumber, c.HouseNumber},
		{"zip", old.Zip, c.Zip}, {"city", old.City, c.City},
	} {
		if f.old != f.new {
			names = append(names, f.name)
		}
	}
	if c.Email != "" && !strings.EqualFold(mapping.DefaultChannel(old.Emails).Value, c.Email) {
		names = append(names, "email")
	}
	if c.Phone != "" && mapping.DefaultChannel(old.Phones).Value != c.Phone {
		names = append(names, "phone")
	}
	return names
}

// applyCorrection is old with the changed fields of c.
func applyCorrection(old mapping.Address, c Correction, changed []string) mapping.Address {
	a := old
	a.Salutation, a.Title, a.FirstName, a.LastName = c.Salutation, c.Title, c.FirstName, c.LastName
	a.Street, a.HouseNumber, a.Zip, a.City = c.Street, c.HouseNumber, c.Zip, c.City
	for _, name := range changed {
		switch name {
		case "email":
			a.Emails = mapping.WithDefault(old.Emails, c.Email)
		case "phone":
			a.Phones = mapping.WithDefault(old.Phones, c.Phone)
		}
	}
	return a
}
