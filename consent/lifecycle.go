package consent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/consentd/consentd/retention"
	"github.com/consentd/consentd/store"
)

// ClosedDeletedInCRM is why a deletion request closes when reconciliation
// finds the contact deleted in the CRM.
const ClosedDeletedInCRM = "deleted_in_crm"

// RetentionReport sums up one retention run of a company.
type RetentionReport struct {
	Purged       int   // addresses the CRM deleted whose mirror rows were purged
	Closed       int   // deletion requests closed because the CRM deleted the contact
	Reminded     int   // reminders and overdue notices queued for brokers
	Warned       int   // contacts whose broker was told they match a suppression entry
	CasesDeleted int64 // closed case files whose own retention ran out
	ProofPruned  int   // deleted addresses whose consent proof ran out and was pruned
	Held         int   // of those, ones a legal hold keeps
}

// RunRetention is the daily retention job: it purges what the CRM deleted
// and closes those requests, reminds brokers of requests coming due or
// overdue, warns them of contacts matching a suppression entry, and
// deletes proof whose own retention has run out. Each step is
// safe to repeat: a second run the same day does nothing new.
func (s *Service) RunRetention(ctx context.Context) (RetentionReport, error) {
	var rep RetentionReport
	var err error
	if rep.Purged, rep.Closed, err = s.CloseDeleted(ctx); err != nil {
		return rep, err
	}
	if rep.Reminded, err = s.remind(ctx); err != nil {
		return rep, err
	}
	if rep.Warned, err = s.warnSuppressed(ctx); err != nil {
		return rep, err
	}
	now := s.clock()
	if rep.CasesDeleted, err = s.db.DeleteExpiredCases(ctx, now); err != nil {
		return rep, err
	}
	rep.ProofPruned, rep.Held, err = s.pruneProof(ctx, now)
	return rep, err
}

// CloseDeleted purges the mirror rows of every address reconciliation
// found deleted in the CRM, closing its open deletion request: the broker
// has done what was asked. The minimal proof stays (see PurgeAddress).
func (s *Service) CloseDeleted(ctx context.Context) (purged, closed int, err error) {
	for {
		ids, err := s.db.DeletedAddresses(ctx, s.pageSize)
		if err != nil || len(ids) == 0 {
			return purged, closed, err
		}
		for _, id := range ids {
			p, c, err := s.purge(ctx, id)
			if err != nil {
				return purged, closed, err
			}
			purged, closed = purged+p, closed+c
		}
	}
}

func (s *Service) purge(ctx context.Context, addressID string) (purged, closed int, err error) {
	at := s.clock()
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		r, open, err := tx.OpenErasureOf(ctx, addressID)
		if err != nil {
			return err
		}
		if open {
			if _, err := tx.CloseErasure(ctx, r.ID, ClosedDeletedInCRM, at, s.proofExpiry(s.policy.Proof.CaseFile, at)); err != nil {
				return err
			}
			closed = 1
		}
		ok, err := tx.PurgeAddress(ctx, addressID)
		if ok {
			purged = 1
		}
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("purge address deleted in the CRM: %w", err)
	}
	return purged, closed, nil
}

// proofExpiry is when proof of class id, started at start, may go.
// Validation makes sure the proof classes exist; three years is the
// limitation period should one be missing all the same.
func (s *Service) proofExpiry(id string, start time.Time) time.Time {
	if c, ok := s.policy.Class(id); ok {
		return c.Expiry(start)
	}
	return retention.EndOfYear(start).AddDate(3, 0, 0)
}

// pruneProof deletes the consent proof of deleted addresses whose proof
// period has run out: three years after the end of the year of the last
// event or use (K4), five years after the last phone event (K4T).
func (s *Service) pruneProof(ctx context.Context, now time.Time) (pruned, held int, err error) {
	owners, err := s.db.ProofOwners(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, o := range owners {
		if now.Before(s.proofUntil(o)) {
			continue
		}
		if len(s.policy.Evaluate(o.AddressID, nil, now).Holds) > 0 {
			held++
			continue
		}
		if err := s.db.InTx(ctx, func(tx *store.Tx) error { _, err := tx.PruneProof(ctx, o.AddressID, now); return err }); err != nil {
			return pruned, held, fmt.Errorf("prune proof: %w", err)
		}
		pruned++
	}
	return pruned, held, nil
}

// proofUntil is how long the ledger keeps the proof of an address.
func (s *Service) proofUntil(o store.ProofOwner) time.Time {
	start := o.LastEvent
	if o.LastUsed != nil && o.LastUsed.After(start) {
		start = *o.LastUsed
	}
	until := s.proofExpiry(s.policy.Proof.Ledger, start)
	if o.LastPhoneEvent != nil {
		if phone := s.proofExpiry(s.policy.Proof.PhoneLedger, *o.LastPhoneEvent); phone.After(until) {
			until = phone
		}
	}
	return until
}

// RecordErasure records a deletion request that reached the broker by
// phone, letter or mail, as the consent page records one: consent
// withdrawn, the request opened with its due date and evaluation, the
// broker told. The address must be in the mirror.
func (s *Service) RecordErasure(ctx context.Context, addressID, channel, reason string) (Outcome, error) {
	if channel != store.ChannelPhone && channel != store.ChannelLetter && channel != store.ChannelMail {
		return Outcome{}, fmt.Errorf("channel %q: use phone, letter or mail", channel)
	}
	a, ok, err := s.db.Address(ctx, addressID)
	if err != nil {
		return Outcome{}, err
	}
	if !ok {
		return Outcome{}, ErrUnknownAddress
	}
	subj := &Subject{Address: a}
	out, err := s.RequestDeletion(ctx, subj, Request{Reason: reason}, Client{Channel: channel}, "admin-"+randomRef())
	if errors.Is(err, ErrLinkInvalid) {
		return Outcome{}, ErrUnknownAddress // deleted in the CRM meanwhile
	}
	return out, err
}

// EvaluateAddress applies the retention rules to a mirrored contact as of
// now, for an admin to see why a request is restricted or held.
func (s *Service) EvaluateAddress(ctx context.Context, addressID string) (retention.Decision, error) {
	var requested *time.Time
	if r, open, err := s.db.OpenErasure(ctx, addressID); err != nil {
		return retention.Decision{}, err
	} else if open {
		requested = &r.ReceivedAt
	}
	d, ok, err := s.decide(ctx, s.db, addressID, requested, s.clock())
	if err == nil && !ok {
		err = ErrUnknownAddress
	}
	return d, err
}
