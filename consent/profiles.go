package consent

import (
	"context"
	"strings"

	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
)

// PendingPrefix starts the mirror id of a search profile created on the
// consent page until the CRM has created it and a sync brings its id.
const PendingPrefix = "pending:"

// SaveProfile creates (in.ID "") or replaces one of the contact's search
// profiles: a 'profile_changed' event naming the profile and what
// happened, the mirror updated at once, and a CRM create or replace. A
// replacement identical to the profile records nothing (Duplicate). A
// refused input gives FieldErrors; an id that is not one of the contact's
// profiles ErrProfileNotFound; a profile the CRM has not created yet
// ErrProfilePending.
func (s *Service) SaveProfile(ctx context.Context, subj *Subject, in ProfileInput, c Client, actionID string) (Outcome, error) {
	if e := in.Validate(); len(e) > 0 {
		return Outcome{}, e
	}
	in = in.normalized()
	return s.act(ctx, KindProfileSaved, subj, c, actionID, func(a *action) (Outcome, error) {
		p := profileFrom(in, subj.Address.CRMID)
		if in.ID == "" {
			return a.createProfile(p)
		}
		old, err := ownProfile(subj, in.ID)
		if err != nil {
			return Outcome{}, err
		}
		p.CRMID, p.CRMUpdatedAt = old.CRMID, old.CRMUpdatedAt
		if p.Hash() == old.Hash() {
			return a.unchanged(a.at), nil
		}
		return a.profileChange(p, "replaced", OutboxProfileUpdate, ProfilePayload{Profile: a.s.m.ProfileOut(p)})
	})
}

func (a *action) createProfile(p mapping.SearchProfile) (Outcome, error) {
	out := a.s.m.ProfileOut(p) // without id: the CRM gives one
	p.CRMID = PendingPrefix + a.s.outboxKey(OutboxProfileCreate, a.out.ref)
	return a.profileChange(p, "created", OutboxProfileCreate, ProfilePayload{Profile: out})
}

// profileChange records a change of profile p: event, mirror and a CRM
// write of kind with payload.
func (a *action) profileChange(p mapping.SearchProfile, change, kind string, payload any) (Outcome, error) {
	var err error
	if change == "deleted" {
		err = a.tx.DeleteSearchProfile(a.ctx, p.CRMID)
	} else {
		err = a.tx.PutSearchProfile(a.ctx, p, a.at)
	}
	if err != nil {
		return Outcome{}, err
	}
	if err := a.event(store.EventProfileChanged, map[string]string{"profile": p.CRMID, "change": change}, nil); err != nil {
		return Outcome{}, err
	}
	return a.done(), a.out.add(kind, payload)
}

// DeleteProfile deletes one of the contact's search profiles: a
// 'profile_changed' event, the mirror at once and a CRM delete. Errors as
// for SaveProfile.
func (s *Service) DeleteProfile(ctx context.Context, subj *Subject, profileID string, c Client, actionID string) (Outcome, error) {
	return s.act(ctx, KindProfileDeleted, subj, c, actionID, func(a *action) (Outcome, error) {
		old, err := ownProfile(subj, strings.TrimSpace(profileID))
		if err != nil {
			return Outcome{}, err
		}
		return a.profileChange(old, "deleted", OutboxProfileDelete, ProfileDeletePayload{ID: old.CRMID})
	})
}

// ownProfile finds the contact's profile id; a contact never reaches
// another's profiles.
func ownProfile(subj *Subject, id string) (mapping.SearchProfile, error) {
	for _, p := range subj.Profiles {
		if p.CRMID != id || p.ContactID != subj.Address.CRMID {
			continue
		}
		if strings.HasPrefix(id, PendingPrefix) {
			return mapping.SearchProfile{}, ErrProfilePending
		}
		return p, nil
	}
	return mapping.SearchProfile{}, ErrProfileNotFound
}

func profileFrom(in ProfileInput, contactID string) mapping.SearchProfile {
	return mapping.SearchProfile{ContactID: contactID, Title: in.Title, Active: in.Active,
		MarketingType: in.MarketingType, EstateTypes: in.EstateTypes, ZipCodes: in.ZipCodes, Cities: in.Cities,
		PriceMax: in.PriceMax, LivingAreaMin: in.LivingAreaMin, RoomsMin: in.RoomsMin}
}
