package consent

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/consentd/consentd/retention"
	"github.com/consentd/consentd/store"
)

// Recipient is a third party the company passes contacts' data to for a
// purpose, e.g. a financing partner. A contact may object to each one; the
// broker must tell every recipient of an erasure or restriction (Art. 19
// GDPR).
type Recipient struct {
	Name    string
	Purpose string
}

// Request is what a contact sends with a withdrawal or a deletion request.
type Request struct {
	Reason string // optional, up to 500 characters
	// Recipients names the configured recipients the contact objects to.
	Recipients []string
}

// check trims the request and refuses a bad reason or an unknown
// recipient as FieldErrors ("reason", "recipients").
func (s *Service) check(req Request) (Request, error) {
	req.Reason = strings.TrimSpace(req.Reason)
	e := FieldErrors{}
	e.check("reason", reasonCode(req.Reason))
	var names []string
	for _, name := range req.Recipients {
		if !slices.ContainsFunc(s.set.Recipients, func(r Recipient) bool { return r.Name == name }) {
			e.check("recipients", CodeInvalidChoice)
		} else if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	req.Recipients = names
	return req, e.orNil()
}

// recipientNames lists the configured recipients, for the broker.
func (s *Service) recipientNames() []string {
	names := make([]string, len(s.set.Recipients))
	for i, r := range s.set.Recipients {
		names[i] = r.Name
	}
	return names
}

// purposeOf is the purpose the company passes data to recipient for.
func (s *Service) purposeOf(recipient string) string {
	for _, r := range s.set.Recipients {
		if r.Name == recipient {
			return r.Purpose
		}
	}
	return ""
}

// retentionFacts are what the retention rules read of one contact: its
// CRM facts and the built-in facts from the mirror and the consent state.
func retentionFacts(sf store.SubjectFacts, c *store.ConsentState, requested *time.Time) retention.Facts {
	f := retention.Facts{}
	maps.Copy(f, sf.Facts)
	setDate(f, retention.FactCRMCreated, sf.CRMCreatedAt)
	setDate(f, retention.FactCRMUpdated, sf.CRMUpdatedAt)
	setDate(f, retention.FactProfilesChanged, sf.ProfilesChanged)
	setDate(f, retention.FactErasureRequested, requested)
	if c == nil {
		return f
	}
	setDate(f, retention.FactConsentGiven, c.GivenAt)
	lastUsed := c.LastUsedAt
	if lastUsed == nil {
		lastUsed = c.GivenAt
	}
	setDate(f, retention.FactConsentLastUsed, lastUsed)
	if c.State == store.ConsentWithdrawn {
		setDate(f, retention.FactConsentWithdrawn, c.WithdrawnAt)
	}
	return f
}

func setDate(f retention.Facts, name string, t *time.Time) {
	if t != nil && !t.IsZero() {
		f[name] = t.UTC().Format(time.RFC3339)
	}
}

// factSource reads what the retention rules need of a contact; both a
// company's database and a transaction on it are one.
type factSource interface {
	SubjectFacts(ctx context.Context, addressID string) (store.SubjectFacts, bool, error)
	Consent(ctx context.Context, addressID, purpose string) (store.ConsentState, bool, error)
}

// decide applies the retention rules at now to a contact as src holds it;
// requested is when its deletion request came, nil for none. ok is false
// when the mirror holds no such live contact.
func (s *Service) decide(ctx context.Context, src factSource, addressID string, requested *time.Time, now time.Time) (d retention.Decision, ok bool, err error) {
	sf, ok, err := src.SubjectFacts(ctx, addressID)
	if err != nil || !ok {
		return retention.Decision{}, false, err
	}
	c, found, err := src.Consent(ctx, addressID, s.set.Purpose)
	if err != nil {
		return retention.Decision{}, false, err
	}
	var st *store.ConsentState
	if found {
		st = &c
	}
	return s.policy.Evaluate(addressID, retentionFacts(sf, st, requested), now), true, nil
}

// evaluation is what a decision means for a deletion request.
func evaluation(d retention.Decision) store.Evaluation {
	e := store.Evaluation{Verdict: store.VerdictDeletable, Text: d.BrokerText(), EvaluatedAt: &d.Now}
	switch {
	case len(d.Holds) > 0:
		e.Verdict = store.VerdictHeld
	case len(d.Binding) > 0:
		e.Verdict = store.VerdictRestricted
	}
	if until, ok := d.RestrictedUntil(); ok {
		e.RestrictedUntil = &until
	}
	return e
}

// suppressions are the entries a withdrawal leaves: one per e-mail
// address and phone number of the contact, reviewed when the policy's
// suppression class says.
func (a *action) suppressions(eventID int64) []store.Suppression {
	review := a.at.AddDate(3, 0, 0)
	if c, ok := a.s.policy.Class(a.s.policy.Proof.Suppression); ok {
		review = c.Keep.AddTo(a.at)
	}
	var out []store.Suppression
	ids := identifiers(a.subj.Address.Emails, a.subj.Address.Phones)
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		kind := ids[id]
		out = append(out, store.Suppression{AddressID: a.subj.Address.CRMID, Kind: kind, Identifier: id,
			Scope: a.s.set.Purpose, CreatedAt: a.at, ReviewAt: review, EventID: eventID})
	}
	return out
}

// objections are the recipient objections of a request.
func (a *action) objections(req Request, eventID int64) []store.RecipientObjection {
	out := make([]store.RecipientObjection, len(req.Recipients))
	for i, name := range req.Recipients {
		out[i] = store.RecipientObjection{AddressID: a.subj.Address.CRMID, Recipient: name,
			Purpose: a.s.purposeOf(name), CreatedAt: a.at, EventID: eventID}
	}
	return out
}
