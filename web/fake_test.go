package web

import (
	"context"
	"sync"

	"github.com/consentd/consentd/consent"
)

// fakeActions stands in for the consent domain. Resolve looks tokens up in
// subjects; every action is recorded and answered by its func field, or
// succeeds when that is nil.
type fakeActions struct {
	subjects map[string]*consent.Subject
	resolve  func(token string) (*consent.Subject, error)
	give     func(subj *consent.Subject) (consent.Outcome, error)
	correct  func(in consent.Correction) (consent.Outcome, error)
	withdraw func(reason string) (consent.Outcome, error)
	deletion func(reason string) (consent.Outcome, error)
	save     func(in consent.ProfileInput) (consent.Outcome, error)
	remove   func(profileID string) (consent.Outcome, error)

	mu    sync.Mutex
	calls []call
}

// call is one action the page asked for.
type call struct {
	method     string
	subject    *consent.Subject
	client     consent.Client
	actionID   string
	reason     string
	recipients []string
	profileID  string
	correction consent.Correction
	profile    consent.ProfileInput
}

func (f *fakeActions) record(c call) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
}

func (f *fakeActions) recorded() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

func (f *fakeActions) Resolve(_ context.Context, token string) (*consent.Subject, error) {
	if f.resolve != nil {
		return f.resolve(token)
	}
	if subj, ok := f.subjects[token]; ok {
		return subj, nil
	}
	return nil, consent.ErrLinkInvalid
}

func (f *fakeActions) Give(_ context.Context, subj *consent.Subject, c consent.Client, actionID string) (consent.Outcome, error) {
	f.record(call{method: "Give", subject: subj, client: c, actionID: actionID})
	if f.give != nil {
		return f.give(subj)
	}
	return consent.Outcome{Kind: consent.KindGiven}, nil
}

func (f *fakeActions) Correct(_ context.Context, subj *consent.Subject, in consent.Correction, c consent.Client, actionID string) (consent.Outcome, error) {
	f.record(call{method: "Correct", subject: subj, client: c, actionID: actionID, correction: in})
	if f.correct != nil {
		return f.correct(in)
	}
	return consent.Outcome{Kind: consent.KindCorrected}, nil
}

func (f *fakeActions) Withdraw(_ context.Context, subj *consent.Subject, req consent.Request, c consent.Client, actionID string) (consent.Outcome, error) {
	f.record(call{method: "Withdraw", subject: subj, client: c, actionID: actionID, reason: req.Reason, recipients: req.Recipients})
	if f.withdraw != nil {
		return f.withdraw(req.Reason)
	}
	return consent.Outcome{Kind: consent.KindWithdrawn}, nil
}

func (f *fakeActions) RequestDeletion(_ context.Context, subj *consent.Subject, req consent.Request, c consent.Client, actionID string) (consent.Outcome, error) {
	f.record(call{method: "RequestDeletion", subject: subj, client: c, actionID: actionID, reason: req.Reason, recipients: req.Recipients})
	if f.deletion != nil {
		return f.deletion(req.Reason)
	}
	return consent.Outcome{Kind: consent.KindDeletionRequested}, nil
}

func (f *fakeActions) SaveProfile(_ context.Context, subj *consent.Subject, in consent.ProfileInput, c consent.Client, actionID string) (consent.Outcome, error) {
	f.record(call{method: "SaveProfile", subject: subj, client: c, actionID: actionID, profile: in})
	if f.save != nil {
		return f.save(in)
	}
	return consent.Outcome{Kind: consent.KindProfileSaved}, nil
}

func (f *fakeActions) DeleteProfile(_ context.Context, subj *consent.Subject, profileID string, c consent.Client, actionID string) (consent.Outcome, error) {
	f.record(call{method: "DeleteProfile", subject: subj, client: c, actionID: actionID, profileID: profileID})
	if f.remove != nil {
		return f.remove(profileID)
	}
	return consent.Outcome{Kind: consent.KindProfileDeleted}, nil
}
