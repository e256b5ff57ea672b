package consent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/consentd/consentd/store"
)

// maxActionID bounds the form's one-time id.
const maxActionID = 200

// action is one consent action in progress: its transaction, its time,
// who submitted it, and what it will record.
type action struct {
	ctx      context.Context
	s        *Service
	tx       *store.Tx
	subj     *Subject
	kind     string // outcome kind
	client   recorded
	actionID string // carried by the action's first event
	at       time.Time
	out      writes
	events   []pendingEvent
}

// pendingEvent is an event to append once the action has decided, and
// what to store that needs the event's id.
type pendingEvent struct {
	event store.Event
	after func(store.Event) error
}

// act runs fn as one action in one transaction. It first locks the
// contact's address, so two actions on one contact (two tabs, a form sent
// twice) never both act on the state before either; a form sent again
// (same actionID) then finds its earlier event and records nothing. The
// events go into the ledger last: the company-wide ledger lock is held
// for a few statements only, and other contacts' actions run meanwhile.
func (s *Service) act(ctx context.Context, kind string, subj *Subject, c Client, actionID string,
	fn func(*action) (Outcome, error)) (Outcome, error) {
	if subj == nil {
		return Outcome{}, errors.New("no contact given: resolve the link first")
	}
	if len(actionID) > maxActionID || !plainText(actionID, false) {
		return Outcome{}, fmt.Errorf("the form's action id is not a short plain text")
	}
	client, err := s.record(c, subj)
	if err != nil {
		return Outcome{}, err
	}
	var out Outcome
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		a := &action{ctx: ctx, s: s, tx: tx, subj: subj, kind: kind, client: client, actionID: actionID, at: s.clock()}
		a.out = s.newWrites(subj.Address.CRMID, a.at)
		var runErr error
		out, runErr = a.run(fn)
		return runErr
	})
	if err != nil {
		return Outcome{}, fmt.Errorf("%s: %w", kind, err)
	}
	return out, nil
}

func (a *action) run(fn func(*action) (Outcome, error)) (Outcome, error) {
	live, err := a.tx.LockAddress(a.ctx, a.subj.Address.CRMID)
	if err != nil {
		return Outcome{}, err
	}
	if !live {
		return Outcome{}, ErrLinkInvalid // the CRM deleted the contact meanwhile
	}
	earlier, seen, err := a.tx.EventByAction(a.ctx, a.actionID)
	if err != nil {
		return Outcome{}, err
	}
	if seen {
		return a.earlier(earlier)
	}
	out, err := fn(a)
	if err != nil || out.Duplicate {
		return out, err
	}
	rows, err := a.out.all()
	if err != nil {
		return Outcome{}, err
	}
	if err := a.tx.Enqueue(a.ctx, rows...); err != nil {
		return Outcome{}, err
	}
	return out, a.appendEvents()
}

// appendEvents puts the action's events into the ledger and stores what
// needs their ids.
func (a *action) appendEvents() error {
	for _, p := range a.events {
		stored, added, err := a.tx.AppendEvent(a.ctx, p.event)
		if err != nil {
			return err
		}
		if !added { // another contact's action with the same form id
			return errors.New("the form's action id was used for another action")
		}
		if p.after != nil {
			if err := p.after(stored); err != nil {
				return err
			}
		}
	}
	return nil
}

// randomRef tells the CRM writes of one action apart in their keys.
func randomRef() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}

// done is the outcome of an action that recorded something.
func (a *action) done() Outcome { return Outcome{Kind: a.kind, At: a.at} }

// unchanged is the outcome of an action that found its result recorded
// at at already.
func (a *action) unchanged(at time.Time) Outcome {
	return Outcome{Kind: a.kind, Duplicate: true, At: at}
}

// earlier is the outcome of a form sent again: what its first sending
// recorded, with the due date of the deletion request it opened.
func (a *action) earlier(ev store.Event) (Outcome, error) {
	out := a.unchanged(ev.OccurredAt)
	if a.kind != KindDeletionRequested {
		return out, nil
	}
	r, open, err := a.tx.OpenErasureOf(a.ctx, a.subj.Address.CRMID)
	if open {
		out.Due = &r.DueAt
	}
	return out, err
}

// consentKinds are the events about the consent to the company's purpose.
var consentKinds = map[string]bool{store.EventGiven: true, store.EventWithdrawn: true, store.EventDeletionRequested: true}

// event queues an event of kind about the subject for the ledger; after,
// if not nil, runs with the event as stored.
func (a *action) event(kind string, details any, after func(store.Event) error) error {
	d, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("encode event details: %w", err)
	}
	e := store.Event{Company: a.s.set.Company, AddressID: a.subj.Address.CRMID, Kind: kind,
		Source: a.s.set.Source, OccurredAt: a.at, Channel: a.client.channel, LinkID: a.client.linkID,
		ClientIP: a.client.ip, UserAgent: a.client.agent, Details: string(d)}
	if len(a.events) == 0 {
		e.ActionID = a.actionID
	}
	if consentKinds[kind] {
		e.Purpose = a.s.set.Purpose
	}
	if kind == store.EventGiven {
		e.TextVersion, e.TextSHA256 = a.s.set.Text.Version, a.s.set.Text.SHA256()
	}
	a.events = append(a.events, pendingEvent{event: e, after: after})
	return nil
}

// consent is the subject's consent to the company's purpose; nil for none.
func (a *action) consent() (*store.ConsentState, error) {
	st, ok, err := a.tx.Consent(a.ctx, a.subj.Address.CRMID, a.s.set.Purpose)
	if err != nil || !ok {
		return nil, err
	}
	return &st, nil
}

// broker is the CRM user activities about the subject go to.
func (a *action) broker() string { return a.s.brokerOf(a.subj.Address.ResponsibleUser) }
