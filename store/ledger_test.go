package store_test

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/store/storetest"
)

func event(address, kind, actionID string) store.Event {
	return store.Event{Company: "mueller", AddressID: address, Kind: kind, Purpose: "Akquisition",
		Source: "Kontaktformular", TextVersion: "2026-11", TextSHA256: hashOf("c"),
		OccurredAt: syncTime.Add(123456789 * time.Nanosecond), Channel: store.ChannelWeb,
		ClientIP: "203.0.113.0", UserAgent: "Mozilla/5.0 (Jürgen's <b>Browser</b>)", Details: `{"fields":["lastName"]}`,
		ActionID: actionID}
}

func appendEvent(t *testing.T, db *store.DB, e store.Event) (store.Event, bool) {
	t.Helper()
	var stored store.Event
	var added bool
	inTx(t, db, func(tx *store.Tx) error {
		var err error
		stored, added, err = tx.AppendEvent(t.Context(), e)
		return err
	})
	return stored, added
}

// chain checks that events link up from the genesis hash, ids without gaps.
func chain(t *testing.T, db *store.DB) int64 {
	t.Helper()
	prevID, prevHash := int64(0), store.GenesisHash
	err := db.EachEvent(t.Context(), func(e store.Event) error {
		if e.ID != prevID+1 || e.PrevHash != prevHash || e.ChainHash() != e.Hash {
			return fmt.Errorf("event %d breaks the chain after %d", e.ID, prevID)
		}
		prevID, prevHash = e.ID, e.Hash
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	headID, headHash, err := db.LedgerHead(t.Context())
	if err != nil || headID != prevID || headHash != prevHash {
		t.Fatalf("head %d %s, %v; chain ends at %d %s", headID, headHash, err, prevID, prevHash)
	}
	return prevID
}

func TestAppendEvent(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "hauptbuch")
	if id, hash, err := db.LedgerHead(t.Context()); err != nil || id != 0 || hash != store.GenesisHash {
		t.Fatalf("empty ledger head %d %s, %v", id, hash, err)
	}
	link := int64(7)
	first := event("a1", store.EventGiven, "form-1")
	first.LinkID = &link
	e1, added := appendEvent(t, db, first)
	if !added || e1.ID != 1 || e1.PrevHash != store.GenesisHash || e1.Hash != e1.ChainHash() {
		t.Fatalf("first event %+v, added %v", e1, added)
	}
	if !e1.OccurredAt.Equal(syncTime.Add(123456 * time.Microsecond)) {
		t.Errorf("time %v not cut to microseconds", e1.OccurredAt)
	}
	again, added := appendEvent(t, db, event("a1", store.EventWithdrawn, "form-1"))
	if added || again.ID != 1 || again.Kind != store.EventGiven {
		t.Errorf("same action again: %+v, added %v; want the first event", again, added)
	}
	e2, _ := appendEvent(t, db, event("a2", store.EventDataCorrected, ""))
	e3, _ := appendEvent(t, db, event("a1", store.EventWithdrawn, ""))
	if e2.PrevHash != e1.Hash || e3.PrevHash != e2.Hash || e3.ID != 3 {
		t.Errorf("chain %+v %+v", e2, e3)
	}
	if chain(t, db) != 3 {
		t.Error("want 3 events")
	}
	events, err := db.EventsOf(t.Context(), "a1")
	if err != nil || len(events) != 2 || !reflect.DeepEqual(events[0], e1) || events[1].ID != 3 || *events[0].LinkID != 7 || events[1].ActionID != "" {
		t.Errorf("events of a1: %+v, %v", events, err)
	}
}

func TestAppendEventRefusesBadEvents(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "hauptbuch-fehler")
	bad := func(mod func(*store.Event)) store.Event {
		e := event("a1", store.EventGiven, "")
		mod(&e)
		return e
	}
	tests := []struct {
		name  string
		event store.Event
		want  string
	}{
		{"unknown kind", bad(func(e *store.Event) { e.Kind = "deleted" }), `kind "deleted" is not one of`},
		{"unknown channel", bad(func(e *store.Event) { e.Channel = "fax" }), `channel "fax" is not one of`},
		{"no company", bad(func(e *store.Event) { e.Company = "" }), "company is empty"},
		{"no address", bad(func(e *store.Event) { e.AddressID = "" }), "address id is empty"},
		{"no time", bad(func(e *store.Event) { e.OccurredAt = time.Time{} }), "no time"},
		{"details not JSON", bad(func(e *store.Event) { e.Details = "<script>" }), "details are not JSON"},
		{"NUL in user agent", bad(func(e *store.Event) { e.UserAgent = "a\x00b" }), "UserAgent contains a NUL"},
		{"broken UTF-8 in source", bad(func(e *store.Event) { e.Source = "\xff" }), "Source is not valid UTF-8"},
	}
	for _, tt := range tests {
		err := db.InTx(t.Context(), func(tx *store.Tx) error {
			_, _, err := tx.AppendEvent(t.Context(), tt.event)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	if chain(t, db) != 0 {
		t.Error("a refused event was stored")
	}
}

// TestConcurrentAppends appends from 20 goroutines of two processes at
// once: the head serialises them, so the chain never forks.
func TestConcurrentAppends(t *testing.T) {
	t.Parallel()
	db, other := storetest.TwoProcesses(t, "hauptbuch-parallel")
	const writers, each = 20, 5
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			target := []*store.DB{db, other}[w%2]
			for i := range each {
				err := target.InTx(t.Context(), func(tx *store.Tx) error {
					_, _, err := tx.AppendEvent(t.Context(), event(fmt.Sprintf("a%d", w), store.EventGiven, fmt.Sprintf("f-%d-%d", w, i)))
					return err
				})
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n := chain(t, db); n != writers*each {
		t.Errorf("%d events, want %d", n, writers*each)
	}
}

func TestLockAddress(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "adresssperre")
	upsert(t, db, contacts("a1", "a2"))
	markDeleted(t, db, "a1")
	for id, want := range map[string]bool{"a1": true, "a2": false, "fehlt": false} {
		inTx(t, db, func(tx *store.Tx) error {
			live, err := tx.LockAddress(t.Context(), id)
			if live != want {
				t.Errorf("LockAddress(%s) = %v, want %v", id, live, want)
			}
			return err
		})
	}
	// The lock holds until the transaction ends: a second one waits.
	locked, release := make(chan struct{}), make(chan struct{})
	go func() {
		_ = db.InTx(t.Context(), func(tx *store.Tx) error {
			if _, err := tx.LockAddress(t.Context(), "a1"); err != nil {
				return err
			}
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked
	start := time.Now()
	time.AfterFunc(200*time.Millisecond, func() { close(release) })
	inTx(t, db, func(tx *store.Tx) error {
		_, err := tx.LockAddress(t.Context(), "a1")
		return err
	})
	if waited := time.Since(start); waited < 150*time.Millisecond {
		t.Errorf("second lock taken after %s, while the first was held", waited)
	}
}
