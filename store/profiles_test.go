package store_test

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/store/storetest"
)

func profile(id, contactID string) mapping.SearchProfile {
	return mapping.SearchProfile{
		CRMID: id, ContactID: contactID, Title: "Wohnung in Köln-Süd", Active: true, MarketingType: "BUY",
		EstateTypes: []string{"APARTMENT"}, ZipCodes: []string{"50667", "50668"}, Cities: []string{"Köln"},
		PriceMax: new(450000.0), RoomsMin: new(2.5),
		CRMUpdatedAt: time.Date(2025, 2, 1, 12, 0, 0, 0, time.UTC),
	}
}

func retitled(p mapping.SearchProfile, title string) mapping.SearchProfile {
	p.Title = title
	return p
}

func TestReplaceSearchProfiles(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "suchprofile")
	steps := []struct {
		name     string
		contacts []string
		profiles []mapping.SearchProfile
		want     store.UpsertCounts
		wantHeld map[string][]string // contact → profile ids held afterwards
	}{
		{"first", []string{"k1", "k2"}, []mapping.SearchProfile{profile("p1", "k1"), profile("p2", "k1"), profile("p3", "k2")},
			store.UpsertCounts{Inserted: 3}, map[string][]string{"k1": {"p1", "p2"}, "k2": {"p3"}}},
		{"same again", []string{"k1", "k2"}, []mapping.SearchProfile{profile("p1", "k1"), profile("p2", "k1"), profile("p3", "k2")},
			store.UpsertCounts{Unchanged: 3}, map[string][]string{"k1": {"p1", "p2"}, "k2": {"p3"}}},
		{"k1 drops p2 and changes p1; k2 not given", []string{"k1"}, []mapping.SearchProfile{retitled(profile("p1", "k1"), "Haus")},
			store.UpsertCounts{Updated: 1, Deleted: 1}, map[string][]string{"k1": {"p1"}, "k2": {"p3"}}},
		{"k2 has none left", []string{"k2"}, nil,
			store.UpsertCounts{Deleted: 1}, map[string][]string{"k1": {"p1"}, "k2": nil}},
		{"p1 moves to k2", []string{"k1", "k2"}, []mapping.SearchProfile{retitled(profile("p1", "k2"), "Haus")},
			store.UpsertCounts{Updated: 1}, map[string][]string{"k1": nil, "k2": {"p1"}}},
	}
	for _, s := range steps {
		var got store.UpsertCounts
		err := db.InTx(t.Context(), func(tx *store.Tx) error {
			var err error
			got, err = tx.ReplaceSearchProfiles(t.Context(), s.contacts, s.profiles, syncTime)
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got != s.want {
			t.Errorf("%s: counts %+v, want %+v", s.name, got, s.want)
		}
		for contactID, want := range s.wantHeld {
			if held := profileIDs(t, db, contactID); !reflect.DeepEqual(held, want) {
				t.Errorf("%s: contact %s holds %v, want %v", s.name, contactID, held, want)
			}
		}
	}
	stats, err := db.Stats(t.Context())
	if err != nil || stats.SearchProfiles != 1 {
		t.Errorf("stats %+v, %v", stats, err)
	}
}

func profileIDs(t *testing.T, db *store.DB, contactID string) []string {
	t.Helper()
	profiles, err := db.SearchProfiles(t.Context(), contactID)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range profiles {
		ids = append(ids, p.CRMID)
	}
	return ids
}

func TestSearchProfileRoundTrip(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "profil-rund")
	sparse := mapping.SearchProfile{CRMID: "p-leer", ContactID: "k", MarketingType: "RENT"}
	want := []mapping.SearchProfile{profile("p-voll", "k"), sparse}
	err := db.InTx(t.Context(), func(tx *store.Tx) error {
		_, err := tx.ReplaceSearchProfiles(t.Context(), []string{"k"}, want, syncTime)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.SearchProfiles(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []mapping.SearchProfile{sparse, want[0]}) {
		t.Errorf("round trip\n got %#v\nwant %#v", got, want)
	}
}

func TestReplaceSearchProfilesRefusesBadInput(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "profil-kaputt")
	nan := profile("p-nan", "k")
	nan.PriceMax = new(math.NaN())
	tests := []struct {
		name     string
		contacts []string
		profile  mapping.SearchProfile
		wantErr  string
	}{
		{"foreign contact", []string{"k"}, profile("p", "anderer"), `search profile "p" belongs to contact "anderer", which is not among the contacts replaced`},
		{"no id", []string{"k"}, profile("", "k"), `search profile of contact "k" has no CRM id`},
		{"no contact", []string{"k"}, profile("p", ""), `search profile "p": it has no contact id`},
		{"not a number", []string{"k"}, nan, `search profile "p-nan": PriceMax is NaN, not a number`},
		{"invalid UTF-8", []string{"k"}, retitled(profile("p", "k"), "K\xf6ln"), `search profile "p": Title is not valid UTF-8`},
		{"bad contact id", []string{"k\x00"}, profile("p", "k"), `contact "k\x00": contact id contains a NUL character`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.InTx(t.Context(), func(tx *store.Tx) error {
				_, err := tx.ReplaceSearchProfiles(t.Context(), tt.contacts, []mapping.SearchProfile{tt.profile}, syncTime)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
