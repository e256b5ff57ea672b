package consent

import (
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/consentd/consentd/connector"
	"github.com/consentd/consentd/store"
)

// Kinds of outbox rows, each one CRM write the outbox worker performs.
const (
	OutboxPatch         = "crm.patch"           // PatchPayload → PatchEntity
	OutboxLink          = store.OutboxKindLink  // PatchPayload with the link field → PatchEntity
	OutboxActivity      = "crm.activity"        // ActivityPayload → CreateActivity, ExternalID = key
	OutboxProfileCreate = "crm.profile.create"  // ProfilePayload → CreateSearchProfile
	OutboxProfileUpdate = "crm.profile.replace" // ProfilePayload → ReplaceSearchProfile
	OutboxProfileDelete = "crm.profile.delete"  // ProfileDeletePayload → DeleteSearchProfile
)

// PatchPayload is the payload of crm.patch and crm.link rows.
type PatchPayload struct {
	Schema string           `json:"schema"`
	Fields map[string][]any `json:"fields"`
}

// ActivityPayload is the payload of crm.activity rows. The activity has
// no id and no external id: the worker sets ExternalID to the row's key.
type ActivityPayload struct {
	Activity connector.Activity `json:"activity"`
}

// ProfilePayload is the payload of crm.profile.create and
// crm.profile.replace rows; a profile to create has no id.
type ProfilePayload struct {
	Profile connector.SearchProfile `json:"profile"`
}

// ProfileDeletePayload is the payload of crm.profile.delete rows.
type ProfileDeletePayload struct {
	ID string `json:"id"`
}

// outboxKey is a row's idempotency key: consentd:{company}:{kind}:{ref},
// ref being random per action (or the link for link writes).
func (s *Service) outboxKey(kind string, ref any) string {
	return fmt.Sprintf("consentd:%s:%s:%v", s.set.Company, kind, ref)
}

// writes collects the outbox rows of one action: at most one patch, which
// later field changes of the action join, then activities and profile
// writes in the order added. Its random ref tells its keys apart from
// every other action's.
type writes struct {
	s       *Service
	address string
	at      time.Time
	ref     string
	patch   map[string][]any
	rows    []store.OutboxRow
}

// newWrites starts the CRM writes about an address made at at, with a
// fresh ref for their keys.
func (s *Service) newWrites(address string, at time.Time) writes {
	return writes{s: s, address: address, at: at, ref: randomRef()}
}

// addPatch merges fields into the action's patch.
func (w *writes) addPatch(fields map[string][]any) {
	if len(fields) == 0 {
		return
	}
	if w.patch == nil {
		w.patch = map[string][]any{}
	}
	maps.Copy(w.patch, fields)
}

// add queues a row of kind with payload. A second row of one kind (the
// copy of an activity for the data-protection officer) gets its number in
// its key, so keys stay unique and the same on every retry.
func (w *writes) add(kind string, payload any) error {
	ref := w.ref
	if n := w.count(kind); n > 0 {
		ref = fmt.Sprintf("%s-%d", w.ref, n+1)
	}
	row, err := w.s.outboxRow(w.address, kind, ref, payload, w.at)
	if err != nil {
		return err
	}
	w.rows = append(w.rows, row)
	return nil
}

func (w *writes) count(kind string) int {
	n := 0
	for _, r := range w.rows {
		if r.Kind == kind {
			n++
		}
	}
	return n
}

// outboxRow is a CRM write of kind for the address, keyed by ref.
func (s *Service) outboxRow(addressID, kind string, ref, payload any, at time.Time) (store.OutboxRow, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return store.OutboxRow{}, fmt.Errorf("encode %s payload: %w", kind, err)
	}
	return store.OutboxRow{AddressID: addressID, Kind: kind, Key: s.outboxKey(kind, ref), Payload: body, CreatedAt: at}, nil
}

// activity queues an activity on the contact for broker user.
func (w *writes) activity(user, subject, description string) error {
	return w.activityFor(user, "", subject, description)
}

// activityFor queues an activity on the contact for user, linked to the
// contact also when not "" (e.g. the data-protection officer's).
func (w *writes) activityFor(user, also, subject, description string) error {
	refs := []connector.EntityRef{{Schema: w.s.m.Schema(), ID: w.address}}
	if also != "" {
		refs = append(refs, connector.EntityRef{Schema: w.s.m.Schema(), ID: also})
	}
	a := connector.Activity{Type: w.s.set.ActivityType, Subject: subject, Description: description,
		Date: w.at.UnixMilli(), ResponsibleUser: user, Entities: refs}
	return w.add(OutboxActivity, ActivityPayload{Activity: a})
}

// officerCopy queues a copy of an activity for the company's
// data-protection officer; nothing when it has none.
func (w *writes) officerCopy(subject, description string) error {
	set := w.s.set
	if set.DPOUser == "" && set.DPOContact == "" {
		return nil
	}
	return w.activityFor(set.DPOUser, set.DPOContact, subject+" (Kopie für Datenschutz)", description)
}

// all is the rows to enqueue: the patch first, so the CRM shows the new
// state before the activity that reports it.
func (w *writes) all() ([]store.OutboxRow, error) {
	if w.patch == nil {
		return w.rows, nil
	}
	rest := w.rows
	w.rows = nil
	if err := w.add(OutboxPatch, PatchPayload{Schema: w.s.m.Schema(), Fields: w.patch}); err != nil {
		return nil, err
	}
	return append(w.rows, rest...), nil
}
