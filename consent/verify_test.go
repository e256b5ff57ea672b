package consent_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
)

// buildLedger records five events through the actions: given, data
// corrected + given, withdrawn, deletion requested.
func buildLedger(t *testing.T, f *fixture) {
	t.Helper()
	ctx := t.Context()
	a1, _ := f.subject("a1")
	a2, _ := f.subject("a2")
	steps := []func() (consent.Outcome, error){
		func() (consent.Outcome, error) { return f.svc.Give(ctx, a1, web, "1") },
		func() (consent.Outcome, error) {
			in := correction(a2.Address)
			in.City = "Köln"
			return f.svc.Correct(ctx, a2, in, web, "2")
		},
		func() (consent.Outcome, error) {
			return f.svc.Withdraw(ctx, a1, consent.Request{Reason: "kein Interesse"}, web, "3")
		},
		func() (consent.Outcome, error) { return f.svc.RequestDeletion(ctx, a2, consent.Request{}, web, "4") },
	}
	for i, step := range steps {
		f.clock.Add(time.Minute)
		if _, err := step(); err != nil {
			t.Fatalf("step %d: %v", i+1, err)
		}
	}
}

// rehash stores event id with a text version changed and its hash
// recomputed, as an intruder who knows the scheme would.
func rehash(f *fixture, id int64) {
	var e store.Event
	for _, ev := range append(f.events("a1"), f.events("a2")...) {
		if ev.ID == id {
			e = ev
		}
	}
	e.TextVersion = "1999-01"
	f.exec("UPDATE consent_events SET text_version = $1, hash = $2 WHERE id = $3", e.TextVersion, e.ChainHash(), id)
}

func TestVerifyFindsTampering(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "pruefung", contact("a1"), contact("a2"))
	buildLedger(t, f)
	// Each case tampers with a copy of the same ledger, restored after it.
	f.exec("CREATE TABLE events_copy AS SELECT * FROM consent_events")
	f.exec("CREATE TABLE head_copy AS SELECT * FROM ledger_head")
	tests := []struct {
		name     string
		tamper   func(*fixture)
		kind     string
		eventID  int64
		inReport string
	}{
		{"untouched", func(*fixture) {}, "", 0, ""},
		{"text version changed", func(f *fixture) { f.exec("UPDATE consent_events SET text_version = '1999-01' WHERE id = 2") },
			consent.ProblemChanged, 2, "event 2 was changed"},
		{"time moved", func(f *fixture) {
			f.exec("UPDATE consent_events SET occurred_at = $1 WHERE id = 4", start.AddDate(0, 0, -1))
		}, consent.ProblemChanged, 4, "event 4 was changed"},
		{"user agent changed", func(f *fixture) { f.exec("UPDATE consent_events SET user_agent = '' WHERE id = 1") },
			consent.ProblemChanged, 1, "event 1 was changed"},
		{"middle event deleted", func(f *fixture) { f.exec("DELETE FROM consent_events WHERE id = 3") },
			consent.ProblemRemoved, 3, "event 3 is missing"},
		{"first event deleted", func(f *fixture) { f.exec("DELETE FROM consent_events WHERE id = 1") },
			consent.ProblemRemoved, 1, "event 1 is missing"},
		{"last event deleted", func(f *fixture) { f.exec("DELETE FROM consent_events WHERE id = 5") },
			consent.ProblemRemoved, 5, "event 5 is missing"},
		{"two events swapped", func(f *fixture) {
			f.exec("UPDATE consent_events SET id = 1000 WHERE id = 2")
			f.exec("UPDATE consent_events SET id = 2 WHERE id = 3")
			f.exec("UPDATE consent_events SET id = 3 WHERE id = 1000")
		}, consent.ProblemReordered, 2, "event 2 does not follow event 1"},
		{"event changed and rehashed", func(f *fixture) { rehash(f, 2) }, consent.ProblemReordered, 3, "event 3 does not follow event 2"},
		{"last event changed, rehashed, head kept", func(f *fixture) { rehash(f, 5) }, consent.ProblemHead, 5, "head does not match"},
		{"head set back", func(f *fixture) {
			f.exec("UPDATE ledger_head SET last_id = 3, last_hash = (SELECT hash FROM consent_events WHERE id = 3)")
		}, consent.ProblemHead, 4, "event 4 lies past the ledger head"},
	}
	for _, tt := range tests {
		tt.tamper(f)
		r := f.verify()
		if r.OK != (tt.kind == "") || r.Kind != tt.kind || r.EventID != tt.eventID || !strings.Contains(r.Problem, tt.inReport) {
			t.Errorf("%s: report %+v; want kind %q, event %d, problem containing %q", tt.name, r, tt.kind, tt.eventID, tt.inReport)
		}
		if tt.kind == "" && r.Events != 5 {
			t.Errorf("%s: checked %d events, want 5", tt.name, r.Events)
		}
		f.exec("DELETE FROM consent_events")
		f.exec("INSERT INTO consent_events SELECT * FROM events_copy")
		f.exec("UPDATE ledger_head SET last_id = c.last_id, last_hash = c.last_hash FROM head_copy c")
	}
}

// TestConcurrentActions runs actions of 20 contacts at once, each form
// sent twice in parallel: each records once and the chain holds.
func TestConcurrentActions(t *testing.T) {
	t.Parallel()
	const contacts = 20
	f := newFixture(t, "gleichzeitig")
	var ids []string
	for i := range contacts {
		ids = append(ids, fmt.Sprintf("k%02d", i))
	}
	seed(t, f, ids)
	subjects := make([]*consent.Subject, contacts)
	for i, id := range ids {
		subjects[i], _ = f.subject(id)
	}
	var wg sync.WaitGroup
	duplicates := make([]int, contacts)
	var mu sync.Mutex
	for i := range contacts * 2 {
		wg.Go(func() {
			n := i % contacts
			out, err := f.svc.Give(t.Context(), subjects[n], web, "form-"+ids[n])
			if err != nil {
				t.Error(err)
				return
			}
			if out.Duplicate {
				mu.Lock()
				duplicates[n]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for n, d := range duplicates {
		if d != 1 {
			t.Errorf("contact %s: %d of 2 sendings were duplicates, want 1", ids[n], d)
		}
	}
	if r := f.verify(); !r.OK || r.Events != contacts {
		t.Errorf("verify %+v", r)
	}
}

func seed(t *testing.T, f *fixture, ids []string) {
	t.Helper()
	err := f.db.InTx(t.Context(), func(tx *store.Tx) error {
		var addrs []mapping.Address
		for _, id := range ids {
			addrs = append(addrs, contact(id))
		}
		_, err := tx.UpsertAddresses(t.Context(), addrs, start)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
