package store_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/store/storetest"
)

// inTx runs fn in a transaction and fails the test on error.
func inTx(t *testing.T, db *store.DB, fn func(*store.Tx) error) {
	t.Helper()
	if err := db.InTx(t.Context(), fn); err != nil {
		t.Fatal(err)
	}
}

// hashOf is a well-formed token hash for tests.
func hashOf(c string) string { return strings.Repeat(c, 64) }

// markDeleted lets a reconciliation run see only the given addresses, so
// the others are marked deleted.
func markDeleted(t *testing.T, db *store.DB, seen ...string) {
	t.Helper()
	run, err := db.StartRun(t.Context(), "reconcile", syncTime)
	if err != nil {
		t.Fatal(err)
	}
	inTx(t, db, func(tx *store.Tx) error { return tx.MarkSeen(t.Context(), run, seen) })
	if _, err := db.MarkUnseenDeleted(t.Context(), run, syncTime); err != nil {
		t.Fatal(err)
	}
}

func withoutLink(t *testing.T, db *store.DB, after string, limit int) []string {
	t.Helper()
	ids, err := db.AddressesWithoutLink(t.Context(), after, limit)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// linkByHash is the link part of LinkSubject.
func linkByHash(t *testing.T, db *store.DB, hash string) (store.Link, bool, error) {
	s, ok, err := db.LinkSubject(t.Context(), hash, "Akquisition")
	return s.Link, ok, err
}

func TestLinks(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "links")
	ctx := t.Context()
	upsert(t, db, contacts("a1", "a2", "a3", "a4"))
	markDeleted(t, db, "a1", "a2", "a3")

	if got := withoutLink(t, db, "", 2); !reflect.DeepEqual(got, []string{"a1", "a2"}) {
		t.Errorf("first page %v", got)
	}
	if got := withoutLink(t, db, "a2", 2); !reflect.DeepEqual(got, []string{"a3"}) {
		t.Errorf("second page %v, want a3 only (a4 is deleted)", got)
	}
	issued := syncTime.Add(time.Minute)
	var first store.Link
	inTx(t, db, func(tx *store.Tx) error {
		var err error
		first, err = tx.InsertLink(ctx, "a1", hashOf("1"), issued)
		return err
	})
	if first.ID == 0 || first.AddressID != "a1" || !first.IssuedAt.Equal(issued) || first.RevokedAt != nil || first.WrittenAt != nil {
		t.Errorf("inserted %+v", first)
	}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.InsertLink(ctx, "a1", hashOf("2"), issued)
		return err
	})
	if !errors.Is(err, store.ErrActiveLinkExists) {
		t.Errorf("second working link: %v, want ErrActiveLinkExists", err)
	}
	if got := withoutLink(t, db, "", 10); !reflect.DeepEqual(got, []string{"a2", "a3"}) {
		t.Errorf("without link after issuing a1: %v", got)
	}

	lookups := []struct {
		name   string
		lookup func() (store.Link, bool, error)
		wantID int64
	}{
		{"by hash", func() (store.Link, bool, error) { return linkByHash(t, db, hashOf("1")) }, first.ID},
		{"active", func() (store.Link, bool, error) { return db.ActiveLink(ctx, "a1") }, first.ID},
		{"unknown hash", func() (store.Link, bool, error) { return linkByHash(t, db, hashOf("f")) }, 0},
		{"hash with NUL", func() (store.Link, bool, error) { return linkByHash(t, db, "\x00") }, 0},
		{"no link", func() (store.Link, bool, error) { return db.ActiveLink(ctx, "a2") }, 0},
	}
	for _, l := range lookups {
		got, ok, err := l.lookup()
		if err != nil || ok != (l.wantID != 0) || got.ID != l.wantID {
			t.Errorf("%s: %+v, %v, %v; want id %d", l.name, got, ok, err, l.wantID)
		}
	}

	revokedAt := issued.Add(time.Hour)
	inTx(t, db, func(tx *store.Tx) error {
		n, err := tx.RevokeLinks(ctx, "a1", revokedAt)
		if n != 1 {
			t.Errorf("revoked %d links, want 1", n)
		}
		return err
	})
	if got, ok, err := linkByHash(t, db, hashOf("1")); err != nil || ok {
		t.Errorf("revoked link by hash: %+v, %v, %v", got, ok, err)
	}
	if _, ok, _ := db.ActiveLink(ctx, "a1"); ok {
		t.Error("a revoked link is still active")
	}
	inTx(t, db, func(tx *store.Tx) error {
		if _, err := tx.InsertLink(ctx, "a1", hashOf("3"), revokedAt); err != nil {
			return err
		}
		_, err := tx.InsertLink(ctx, "a4", hashOf("4"), revokedAt)
		return err
	})
	if got, ok, err := linkByHash(t, db, hashOf("3")); err != nil || !ok || got.RevokedAt != nil {
		t.Errorf("new link by hash: %+v, %v, %v", got, ok, err)
	}
	if got, ok, err := linkByHash(t, db, hashOf("4")); err != nil || ok {
		t.Errorf("link of a deleted address by hash: %+v, %v, %v", got, ok, err)
	}
}

func TestLinkWrittenWhenOutboxRowDone(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "link-schreiben")
	ctx := t.Context()
	var link store.Link
	inTx(t, db, func(tx *store.Tx) error {
		var err error
		if link, err = tx.InsertLink(ctx, "a1", hashOf("1"), syncTime); err != nil {
			return err
		}
		return tx.Enqueue(ctx, store.OutboxRow{AddressID: "a1", Kind: store.OutboxKindLink, Key: "k-link",
			Payload: []byte(`{"fields":{"einwilligung_link":["https://x/e/s/TOKEN"]}}`), LinkID: link.ID, CreatedAt: syncTime},
			store.OutboxRow{AddressID: "a1", Kind: "crm.patch", Key: "k-patch", Payload: []byte(`{"fields":{}}`), CreatedAt: syncTime})
	})
	doneAt := syncTime.Add(time.Minute)
	for _, key := range []string{"k-link", "k-patch"} {
		rows := claim(t, db, doneAt, 10)
		if len(rows) != 1 || rows[0].Key != key {
			t.Fatalf("claimed %+v, want %s", rows, key)
		}
		if err := db.CompleteOutbox(ctx, rows[0].ID, "ok", doneAt); err != nil {
			t.Fatal(err)
		}
	}
	got, _, err := db.ActiveLink(ctx, "a1")
	if err != nil || got.WrittenAt == nil || !got.WrittenAt.Equal(doneAt) {
		t.Errorf("link after its write: %+v, %v", got, err)
	}
	payloads := outboxPayloads(t, db)
	if payloads["k-link"] != "{}" || payloads["k-patch"] != `{"fields":{}}` {
		t.Errorf("payloads after delivery %v: the link's must be wiped, the others kept", payloads)
	}
}

func TestLinkSubject(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "link-person")
	ctx := t.Context()
	upsert(t, db, contacts("a1"))
	given := syncTime
	consentState := store.ConsentState{AddressID: "a1", Purpose: "Akquisition", State: store.ConsentGiven,
		Source: "Kontaktformular", TextVersion: "2026-11", Channel: store.ChannelWeb, GivenAt: &given, LastEventID: 3}
	var link store.Link
	inTx(t, db, func(tx *store.Tx) error {
		var err error
		link, err = tx.InsertLink(ctx, "a1", hashOf("1"), syncTime)
		return err
	})
	steps := []struct {
		name        string
		change      func(*store.Tx) error
		purpose     string
		wantConsent *store.ConsentState
		wantErasure bool
	}{
		{"nothing recorded", nil, "Akquisition", nil, false},
		{"consent given", func(tx *store.Tx) error { return tx.PutConsent(ctx, consentState) }, "Akquisition", &consentState, false},
		{"other purpose", nil, "Newsletter", nil, false},
		{"deletion requested", func(tx *store.Tx) error {
			_, _, err := tx.OpenErasure(ctx, store.ErasureRequest{AddressID: "a1", Channel: store.ChannelWeb,
				ReceivedAt: syncTime, DueAt: syncTime.AddDate(0, 1, 0), EventID: 4})
			return err
		}, "Akquisition", &consentState, true},
	}
	for _, s := range steps {
		if s.change != nil {
			inTx(t, db, s.change)
		}
		got, ok, err := db.LinkSubject(ctx, hashOf("1"), s.purpose)
		if err != nil || !ok || got.Link.ID != link.ID || !reflect.DeepEqual(got.Address, record(t, db, "a1").Address) {
			t.Fatalf("%s: %+v, %v, %v", s.name, got, ok, err)
		}
		if !reflect.DeepEqual(got.Consent, s.wantConsent) {
			t.Errorf("%s: consent %+v, want %+v", s.name, got.Consent, s.wantConsent)
		}
		if (got.Erasure != nil) != s.wantErasure || (s.wantErasure && (got.Erasure.EventID != 4 || got.Erasure.State != store.ErasureOpen)) {
			t.Errorf("%s: erasure %+v", s.name, got.Erasure)
		}
	}
}
