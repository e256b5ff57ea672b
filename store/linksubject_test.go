package store_test

import (
	"reflect"
	"testing"

	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/store/storetest"
)

// The page's one lookup brings the contact's search profiles as
// SearchProfiles reads them, whatever else it joins: a consent and an open
// deletion request must not repeat them, nor profiles repeat the subject.
func TestLinkSubjectBringsTheSearchProfiles(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "link-profiles")
	ctx := t.Context()
	upsert(t, db, contacts("a1", "a2"))
	inTx(t, db, func(tx *store.Tx) error {
		if _, err := tx.InsertLink(ctx, "a1", hashOf("1"), syncTime); err != nil {
			return err
		}
		_, err := tx.ReplaceSearchProfiles(ctx, []string{"a1", "a2"}, []mapping.SearchProfile{
			profile("p3", "a1"), retitled(profile("p1", "a1"), "Haus"), profile("p2", "a2"),
		}, syncTime)
		return err
	})
	steps := []struct {
		name   string
		change func(*store.Tx) error
	}{
		{"profiles only", nil},
		{"consent given", func(tx *store.Tx) error {
			return tx.PutConsent(ctx, store.ConsentState{AddressID: "a1", Purpose: "Akquisition", State: store.ConsentGiven,
				Source: "Kontaktformular", TextVersion: "2026-11", Channel: store.ChannelWeb, GivenAt: &syncTime, LastEventID: 3})
		}},
		{"deletion requested", func(tx *store.Tx) error {
			_, _, err := tx.OpenErasure(ctx, store.ErasureRequest{AddressID: "a1", Channel: store.ChannelWeb,
				ReceivedAt: syncTime, DueAt: syncTime.AddDate(0, 1, 0), EventID: 4})
			return err
		}},
	}
	want := searchProfiles(t, db, "a1")
	if len(want) != 2 || want[0].CRMID != "p1" || want[1].CRMID != "p3" {
		t.Fatalf("SearchProfiles(a1) = %+v, want p1 and p3", want)
	}
	for _, s := range steps {
		if s.change != nil {
			inTx(t, db, s.change)
		}
		got, ok, err := db.LinkSubject(ctx, hashOf("1"), "Akquisition")
		if err != nil || !ok || got.Address.CRMID != "a1" {
			t.Fatalf("%s: %+v, %v, %v", s.name, got, ok, err)
		}
		if !reflect.DeepEqual(got.Profiles, want) {
			t.Errorf("%s: profiles %+v, want %+v", s.name, got.Profiles, want)
		}
	}
}

func TestLinkSubjectOfAContactWithoutProfiles(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "link-no-profiles")
	ctx := t.Context()
	upsert(t, db, contacts("a1"))
	inTx(t, db, func(tx *store.Tx) error {
		_, err := tx.InsertLink(ctx, "a1", hashOf("1"), syncTime)
		return err
	})
	got, ok, err := db.LinkSubject(ctx, hashOf("1"), "Akquisition")
	if err != nil || !ok || got.Address.CRMID != "a1" || got.Profiles != nil {
		t.Fatalf("LinkSubject = %+v, %v, %v; want a1 without profiles", got, ok, err)
	}
}

// On PostgreSQL the lookup runs on a statement prepared once per
// connection; closing the pool's idle connections, as the connection budget
// does to a company nobody works for, closes it on the server, and the next
// lookup prepares it again.
func TestLinkSubjectAfterIdleConnectionsClosed(t *testing.T) {
	t.Parallel()
	m := storetest.Manager(t)
	db := storetest.DB(t, m, "link-idle")
	ctx := t.Context()
	upsert(t, db, contacts("a1"))
	inTx(t, db, func(tx *store.Tx) error {
		_, err := tx.InsertLink(ctx, "a1", hashOf("1"), syncTime)
		return err
	})
	for i, hash := range []string{hashOf("1"), hashOf("2"), hashOf("1")} {
		if i == 2 {
			m.CloseIdle(db.Slug())
			if n := m.OpenConnections(db.Slug()); n != 0 {
				t.Fatalf("%d connections open after CloseIdle, want 0", n)
			}
		}
		_, ok, err := db.LinkSubject(ctx, hash, "Akquisition")
		if err != nil || ok != (hash == hashOf("1")) {
			t.Fatalf("lookup %d: found %v, %v; want found %v", i, ok, err, hash == hashOf("1"))
		}
	}
}

func searchProfiles(t *testing.T, db *store.DB, contactID string) []mapping.SearchProfile {
	t.Helper()
	ps, err := db.SearchProfiles(t.Context(), contactID)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}
