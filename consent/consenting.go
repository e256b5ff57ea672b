package consent

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
)

// Give records the contact's consent to the company's purpose with the
// current consent text: the consent state, a 'given' event, the mirror's
// consent fields, and for the CRM a patch of the five consent fields and
// an "Einwilligung erteilt" activity. Consent already given to the current
// text version gives Outcome{Duplicate: true} and records nothing; after
// a withdrawal or for a new text version it is given anew.
func (s *Service) Give(ctx context.Context, subj *Subject, c Client, actionID string) (Outcome, error) {
	return s.act(ctx, KindGiven, subj, c, actionID, func(a *action) (Outcome, error) {
		given, at, err := a.give()
		if err != nil || !given {
			return a.unchanged(at), err
		}
		return a.done(), nil
	})
}

// give records consent unless it is given to the current text already;
// then it returns false and when it was given.
func (a *action) give() (bool, time.Time, error) {
	prev, err := a.consent()
	if err != nil {
		return false, time.Time{}, err
	}
	set := a.s.set
	if prev != nil && prev.State == store.ConsentGiven && prev.TextVersion == set.Text.Version && prev.GivenAt != nil {
		return false, *prev.GivenAt, nil
	}
	st := store.ConsentState{AddressID: a.subj.Address.CRMID, Purpose: set.Purpose, State: store.ConsentGiven,
		Source: set.Source, TextVersion: set.Text.Version, Channel: a.client.channel, GivenAt: &a.at}
	if prev != nil {
		st.LastUsedAt = prev.LastUsedAt
	}
	fields := mapping.ConsentFields{Source: set.Source, Purpose: set.Purpose, Date: crmDate(a.at)}
	ch := store.ConsentChange{State: st, Fields: fields, Lift: true, Identifiers: a.identifiers()}
	if err := a.tx.ChangeConsent(a.ctx, ch); err != nil {
		return false, time.Time{}, err
	}
	if err := a.event(store.EventGiven, struct{}{}, nil); err != nil {
		return false, time.Time{}, err
	}
	a.out.addPatch(a.s.m.ConsentPatch(fields))
	return true, a.at, a.out.activity(a.broker(), SubjectGiven, a.givenText())
}

// identifiers are the contact's e-mail addresses and phone numbers as
// suppression entries name them: consent given anew lifts the entries of
// these under other addresses too.
func (a *action) identifiers() []string {
	return slices.Sorted(maps.Keys(identifiers(a.subj.Address.Emails, a.subj.Address.Phones)))
}

// Withdraw withdraws the contact's consent at once, with an optional
// reason of up to 500 characters and objections to named recipients: the
// state, a 'withdrawn' event, suppression entries, the objections, the
// withdrawal date and reason in the mirror and the CRM, and an
// "Einwilligung widerrufen" activity naming the recipients to tell.
// Withdrawing without consent on record is recorded too (an objection to
// advertising); withdrawing what is withdrawn already records nothing but
// new objections. A refused input gives FieldErrors ("reason",
// "recipients").
func (s *Service) Withdraw(ctx context.Context, subj *Subject, req Request, c Client, actionID string) (Outcome, error) {
	req, err := s.check(req)
	if err != nil {
		return Outcome{}, err
	}
	return s.act(ctx, KindWithdrawn, subj, c, actionID, func(a *action) (Outcome, error) {
		prev, err := a.consent()
		if err != nil {
			return Outcome{}, err
		}
		if prev != nil && prev.State == store.ConsentWithdrawn && prev.WithdrawnAt != nil && len(req.Recipients) == 0 {
			return a.unchanged(*prev.WithdrawnAt), nil
		}
		if _, err := a.withdrawal(prev, req.Reason); err != nil {
			return Outcome{}, err
		}
		details := requestDetails(req, map[string]any{})
		if err := a.event(store.EventWithdrawn, details, a.afterWithdrawal(req)); err != nil {
			return Outcome{}, err
		}
		return a.done(), a.out.activity(a.broker(), SubjectWithdrawn, a.withdrawnText(req))
	})
}

// requestDetails are the ledger details of a withdrawal or deletion
// request: whether a reason was given (never the reason itself) and the
// recipients objected to.
func requestDetails(req Request, details map[string]any) map[string]any {
	details["reason_given"] = req.Reason != ""
	if len(req.Recipients) > 0 {
		details["recipients"] = req.Recipients
	}
	return details
}

// afterWithdrawal stores what a withdrawal caused that names its event:
// suppression entries and recipient objections.
func (a *action) afterWithdrawal(req Request) func(store.Event) error {
	return func(ev store.Event) error {
		if err := a.tx.AddSuppressions(a.ctx, a.suppressions(ev.ID)); err != nil {
			return err
		}
		return a.tx.AddRecipientObjections(a.ctx, a.objections(req, ev.ID))
	}
}

// withdrawal stores a withdrawal's consent state, shows it in the mirror,
// queues its CRM patch and returns the state. A consent withdrawn before
// keeps its withdrawal date, and its reason unless a new one is given.
func (a *action) withdrawal(prev *store.ConsentState, reason string) (store.ConsentState, error) {
	st := store.ConsentState{AddressID: a.subj.Address.CRMID, Purpose: a.s.set.Purpose, State: store.ConsentWithdrawn,
		Source: a.s.set.Source, Channel: a.client.channel, WithdrawnAt: &a.at, WithdrawalReason: reason}
	if prev != nil {
		st.Source, st.TextVersion, st.GivenAt, st.LastUsedAt = prev.Source, prev.TextVersion, prev.GivenAt, prev.LastUsedAt
		if prev.State == store.ConsentWithdrawn && prev.WithdrawnAt != nil {
			st.WithdrawnAt = prev.WithdrawnAt
			if reason == "" {
				st.WithdrawalReason = prev.WithdrawalReason
			}
		}
	}
	fields := a.subj.Address.Consent
	fields.WithdrawalDate, fields.WithdrawalReason = crmDate(*st.WithdrawnAt), st.WithdrawalReason
	if err := a.tx.ChangeConsent(a.ctx, store.ConsentChange{State: st, Fields: fields}); err != nil {
		return store.ConsentState{}, err
	}
	a.out.addPatch(a.s.m.WithdrawalPatch(fields.WithdrawalDate, fields.WithdrawalReason))
	return st, nil
}

// RequestDeletion records the contact's request to delete their data, with
// an optional reason of up to 500 characters: consent withdrawn at once, a
// 'deletion_requested' event, an open deletion request due one month later
// (DueDate), the withdrawal date and reason in the mirror and the CRM, and
// a "Löschanfrage" activity telling the responsible broker the request
// date and the due date. While a request is open, another records nothing
// and gives its due date. A refused reason gives FieldErrors ("reason").
func (s *Service) RequestDeletion(ctx context.Context, subj *Subject, req Request, c Client, actionID string) (Outcome, error) {
	req, err := s.check(req)
	if err != nil {
		return Outcome{}, err
	}
	return s.act(ctx, KindDeletionRequested, subj, c, actionID, func(a *action) (Outcome, error) {
		open, isOpen, err := a.tx.OpenErasureOf(ctx, subj.Address.CRMID)
		if err != nil {
			return Outcome{}, err
		}
		if isOpen {
			out := a.unchanged(open.ReceivedAt)
			out.Due = &open.DueAt
			return out, nil
		}
		return a.requestDeletion(req)
	})
}

func (a *action) requestDeletion(req Request) (Outcome, error) {
	prev, err := a.consent()
	if err != nil {
		return Outcome{}, err
	}
	st, err := a.withdrawal(prev, req.Reason)
	if err != nil {
		return Outcome{}, err
	}
	r := store.ErasureRequest{AddressID: st.AddressID, Channel: a.client.channel, Reason: req.Reason,
		ReceivedAt: a.at, DueAt: a.s.policy.DueDate(a.at), NotifiedAt: &a.at}
	decision, _, err := a.s.decide(a.ctx, a.tx, st.AddressID, &a.at, a.at)
	if err != nil {
		return Outcome{}, err
	}
	r.Evaluation = evaluation(decision)
	details := requestDetails(req, map[string]any{"due": r.DueAt.Format(time.DateOnly), "verdict": r.Verdict})
	if err := a.event(store.EventDeletionRequested, details, a.openErasure(r, req)); err != nil {
		return Outcome{}, err
	}
	out := a.done()
	out.Due = &r.DueAt
	return out, a.notifyDeletion(r, req)
}

// openErasure stores the withdrawal's suppression entries and objections
// and opens the deletion request, all caused by the event it runs after.
func (a *action) openErasure(r store.ErasureRequest, req Request) func(store.Event) error {
	return func(ev store.Event) error {
		if err := a.afterWithdrawal(req)(ev); err != nil {
			return err
		}
		r.EventID = ev.ID
		_, opened, err := a.tx.OpenErasure(a.ctx, r)
		if err == nil && !opened { // cannot happen under the address lock, checked anyway
			err = errors.New("a deletion request was opened meanwhile")
		}
		return err
	}
}
