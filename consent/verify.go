package consent

import (
	"context"
	"errors"
	"fmt"

	"github.com/consentd/consentd/store"
)

// What Verify can find wrong with a ledger.
const (
	ProblemChanged   = "changed"   // an event's content no longer matches its hash
	ProblemRemoved   = "removed"   // an event is missing
	ProblemReordered = "reordered" // an event does not follow its predecessor
	ProblemHead      = "head"      // the head does not name the last event
)

// VerifyReport is the result of checking a ledger's hash chain.
type VerifyReport struct {
	Events  int64 // events checked
	Pruned  int64 // of those, events deleted when their retention ran out: only their hash is left
	OK      bool
	Kind    string // one of the Problem… constants when not OK
	Problem string // what is wrong, for the admin
	EventID int64  // the event the problem concerns
}

// errStop ends the walk at the first problem.
var errStop = errors.New("stop")

// chainCheck walks the ledger once, remembering only the last event.
type chainCheck struct {
	report   VerifyReport
	headID   int64
	beyond   int64 // first event past the head, 0 for none
	prevID   int64
	prevHash string
}

// Verify recomputes the company's ledger in id order and reports the
// first event that was changed, removed or reordered, or a head that does
// not name the last event. It reads the ledger as a stream, so memory
// stays flat; events appended while it runs are not checked.
func (s *Service) Verify(ctx context.Context) (VerifyReport, error) {
	headID, headHash, err := s.db.LedgerHead(ctx)
	if err != nil {
		return VerifyReport{}, fmt.Errorf("verify: %w", err)
	}
	c := &chainCheck{headID: headID, prevHash: store.GenesisHash}
	if err := s.db.EachEvent(ctx, c.next); err != nil && !errors.Is(err, errStop) {
		return VerifyReport{}, fmt.Errorf("verify: %w", err)
	}
	if c.report.Kind == "" {
		c.checkHead(headHash)
	}
	if c.report.Kind == "" && c.beyond != 0 {
		if err := c.checkBeyond(ctx, s.db); err != nil {
			return VerifyReport{}, fmt.Errorf("verify: %w", err)
		}
	}
	c.report.OK = c.report.Kind == ""
	return c.report, nil
}

// next checks one event against its predecessor.
func (c *chainCheck) next(e store.Event) error {
	if e.ID > c.headID {
		c.beyond = e.ID // appended after the head was read, or the head was set back
		return errStop
	}
	c.report.Events++
	switch {
	case e.ID != c.prevID+1:
		return c.fail(ProblemRemoved, c.prevID+1, "event %d is missing: the ledger goes from event %d to event %d",
			c.prevID+1, c.prevID, e.ID)
	case e.Pruned: // its content is gone by law; its kept hash links the chain on
		c.report.Pruned++
	case e.PrevHash != c.prevHash:
		return c.fail(ProblemReordered, e.ID, "event %d does not follow event %d: it names another predecessor, so events were reordered or replaced",
			e.ID, c.prevID)
	case e.ChainHash() != e.Hash:
		return c.fail(ProblemChanged, e.ID, "event %d was changed: its content no longer matches its hash", e.ID)
	}
	c.prevID, c.prevHash = e.ID, e.Hash
	return nil
}

func (c *chainCheck) fail(kind string, eventID int64, format string, args ...any) error {
	c.report.Kind, c.report.EventID, c.report.Problem = kind, eventID, fmt.Sprintf(format, args...)
	return errStop
}

// checkHead compares the end of the chain with the head.
func (c *chainCheck) checkHead(headHash string) {
	switch {
	case c.prevID < c.headID:
		_ = c.fail(ProblemRemoved, c.prevID+1, "event %d is missing: the ledger ends at event %d, but its head names event %d",
			c.prevID+1, c.prevID, c.headID)
	case c.prevHash != headHash:
		_ = c.fail(ProblemHead, c.prevID, "the ledger head does not match its last event %d", c.prevID)
	}
}

// checkBeyond reads the head again when events past it turned up: an
// append meanwhile moved it on, while a head set back still lags.
func (c *chainCheck) checkBeyond(ctx context.Context, db *store.DB) error {
	headID, _, err := db.LedgerHead(ctx)
	if err != nil {
		return err
	}
	if headID < c.beyond {
		_ = c.fail(ProblemHead, c.beyond, "event %d lies past the ledger head, which names event %d", c.beyond, headID)
	}
	return nil
}
