package store_test

import (
	"crypto/sha256"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/store/storetest"
)

var syncTime = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

// contact is a realistic mirrored address with umlauts and ß.
func contact(id string) mapping.Address {
	return mapping.Address{
		CRMID: id, Salutation: "Frau", Title: "Dr.", FirstName: "Jürgen-Özlem", LastName: "Weiß",
		CompanyName: "Müller & Söhne Immobilien GmbH", Street: "Große Straße", HouseNumber: "12a",
		Zip: "80331", City: "München", Country: "DE",
		Emails:          []mapping.Channel{{Value: "j.weiss@example.de", Type: "private", Default: true}, {Value: "büro@example.de"}},
		Phones:          []mapping.Channel{{Value: "+49 89 123456", Type: "mobile"}},
		ResponsibleUser: "user-7",
		Consent: mapping.ConsentFields{Source: "Webformular", Purpose: "Newsletter", Date: "2024-11-02",
			Link: "https://einwilligung.example.de/e/mueller/abc"},
		CRMCreatedAt: time.Date(2021, 5, 6, 7, 8, 9, 123e6, time.UTC),
		CRMUpdatedAt: time.Date(2025, 1, 2, 3, 4, 5, 678e6, time.UTC),
	}
}

func contacts(ids ...string) []mapping.Address {
	out := make([]mapping.Address, len(ids))
	for i, id := range ids {
		out[i] = contact(id)
	}
	return out
}

func renamed(a mapping.Address, lastName string) mapping.Address {
	a.LastName = lastName
	return a
}

func upsert(t testing.TB, db *store.DB, addrs []mapping.Address) store.UpsertCounts {
	t.Helper()
	var counts store.UpsertCounts
	err := db.InTx(t.Context(), func(tx *store.Tx) error {
		var err error
		counts, err = tx.UpsertAddresses(t.Context(), addrs, syncTime)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return counts
}

func record(t *testing.T, db *store.DB, id string) store.AddressRecord {
	t.Helper()
	rec, ok, err := db.AddressRecord(t.Context(), id)
	if err != nil || !ok {
		t.Fatalf("address %q: found %v, %v", id, ok, err)
	}
	return rec
}

func TestUpsertAddresses(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "mueller")
	steps := []struct {
		name  string
		addrs []mapping.Address
		want  store.UpsertCounts
	}{
		{"insert", contacts("1", "2", "3"), store.UpsertCounts{Inserted: 3}},
		{"same again", contacts("1", "2", "3"), store.UpsertCounts{Unchanged: 3}},
		{"only the change time moved", []mapping.Address{func() mapping.Address { a := contact("1"); a.CRMUpdatedAt = syncTime; return a }()},
			store.UpsertCounts{Unchanged: 1}},
		{"one changed, one new", append(contacts("1", "2"), renamed(contact("3"), "Weiss"), contact("4")),
			store.UpsertCounts{Inserted: 1, Updated: 1, Unchanged: 2}},
		{"repeated within a call: last wins", []mapping.Address{renamed(contact("5"), "Erst"), renamed(contact("5"), "Dann")},
			store.UpsertCounts{Inserted: 1, Unchanged: 1}},
		{"nothing", nil, store.UpsertCounts{}},
	}
	for _, s := range steps {
		if got := upsert(t, db, s.addrs); got != s.want {
			t.Errorf("%s: counts %+v, want %+v", s.name, got, s.want)
		}
	}
	if got := record(t, db, "3").LastName; got != "Weiss" {
		t.Errorf("changed address has last name %q", got)
	}
	if got := record(t, db, "5").LastName; got != "Dann" {
		t.Errorf("repeated address has last name %q, want the last one", got)
	}
	if got := record(t, db, "1").CRMUpdatedAt; !got.Equal(contact("1").CRMUpdatedAt) {
		t.Errorf("unchanged address was rewritten: change time %v", got)
	}
}

func TestAddressRoundTrip(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "roundtrip")
	sparse := mapping.Address{CRMID: "ohne-alles", LastName: "Straße"} // no lists, no times
	for _, want := range []mapping.Address{contact("ä-ß-1"), sparse} {
		upsert(t, db, []mapping.Address{want})
		got, ok, err := db.Address(t.Context(), want.CRMID)
		if err != nil || !ok {
			t.Fatalf("address %q: %v %v", want.CRMID, ok, err)
		}
		if want.Consent.Link != "" { // kept as a digest only
			want.Consent.Link = "sha256:" + fmt.Sprintf("%x", sha256.Sum256([]byte(want.Consent.Link)))
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("round trip\n got %#v\nwant %#v", got, want)
		}
	}
	rec := record(t, db, "ä-ß-1")
	if rec.ContentHash != contact("ä-ß-1").Hash() || !rec.FirstSyncedAt.Equal(syncTime) || !rec.SyncedAt.Equal(syncTime) || rec.DeletedAt != nil || rec.SeenRun != 0 {
		t.Errorf("bookkeeping %+v", rec)
	}
	if _, ok, err := db.Address(t.Context(), "nie-gesehen"); ok || err != nil {
		t.Errorf("unknown address: found %v, %v", ok, err)
	}
}

func TestUpsertRefusesBadAddresses(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "kaputt")
	tests := []struct {
		name    string
		bad     mapping.Address
		wantErr string
	}{
		{"no id", mapping.Address{LastName: "Ohne"}, "contact has no CRM id"},
		{"invalid UTF-8", renamed(contact("7"), "M\xfcller"), `contact "7": LastName is not valid UTF-8`},
		{"NUL", renamed(contact("8"), "a\x00b"), `contact "8": LastName contains a NUL character`},
		{"bad e-mail", func() mapping.Address { a := contact("9"); a.Emails[1].Value = "\xff"; return a }(),
			`contact "9": Emails[1].Value is not valid UTF-8`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.InTx(t.Context(), func(tx *store.Tx) error {
				_, err := tx.UpsertAddresses(t.Context(), []mapping.Address{contact("gut"), tt.bad}, syncTime)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
			if err := store.ValidateAddress(tt.bad); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ValidateAddress = %v", err)
			}
			if _, ok, _ := db.Address(t.Context(), "gut"); ok {
				t.Error("the good address of the refused batch was written")
			}
		})
	}
}

func TestLargeBatch(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "gross")
	ids := make([]string, 1234)
	for i := range ids {
		ids[i] = fmt.Sprintf("c%05d", i)
	}
	if got := upsert(t, db, contacts(ids...)); got != (store.UpsertCounts{Inserted: 1234}) {
		t.Errorf("counts %+v", got)
	}
	stats, err := db.Stats(t.Context())
	if err != nil || stats.Addresses != 1234 {
		t.Errorf("stats %+v, %v", stats, err)
	}
}

func TestReconciliation(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "abgleich")
	ctx := t.Context()
	upsert(t, db, contacts("1", "2", "3", "4"))
	deletedAt := syncTime.Add(time.Hour)

	reconcile := func(seen ...string) int64 {
		t.Helper()
		run, err := db.StartRun(ctx, "reconcile", syncTime)
		if err != nil {
			t.Fatal(err)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error { return tx.MarkSeen(ctx, run, seen) })
		if err != nil {
			t.Fatal(err)
		}
		n, err := db.MarkUnseenDeleted(ctx, run, deletedAt)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// "x\x00" and "fehlt" are ids the CRM lists that the mirror cannot or does not hold.
	if n := reconcile("1", "2", "fehlt", "x\x00"); n != 2 {
		t.Errorf("first reconciliation marked %d deleted, want 2", n)
	}
	for id, deleted := range map[string]bool{"1": false, "2": false, "3": true, "4": true} {
		rec := record(t, db, id)
		if (rec.DeletedAt != nil) != deleted || (deleted && !rec.DeletedAt.Equal(deletedAt)) {
			t.Errorf("address %s deleted at %v, want deleted %v", id, rec.DeletedAt, deleted)
		}
	}
	if n := reconcile("1", "2"); n != 0 {
		t.Errorf("second reconciliation marked %d deleted again", n)
	}
	stats, err := db.Stats(ctx)
	if err != nil || stats.Addresses != 2 || stats.Deleted != 2 {
		t.Errorf("stats %+v, %v", stats, err)
	}

	// The CRM lists 3 again: it comes back, counted as updated.
	if got := upsert(t, db, contacts("3")); got != (store.UpsertCounts{Updated: 1}) {
		t.Errorf("undelete counts %+v", got)
	}
	if rec := record(t, db, "3"); rec.DeletedAt != nil {
		t.Errorf("address 3 still deleted at %v", rec.DeletedAt)
	}
	if n := reconcile("1", "2", "3"); n != 0 {
		t.Errorf("third reconciliation marked %d deleted", n)
	}
}

func TestMarkSeenRefusesBadRun(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "lauf")
	err := db.InTx(t.Context(), func(tx *store.Tx) error { return tx.MarkSeen(t.Context(), 0, []string{"1"}) })
	if err == nil {
		t.Error("MarkSeen took run 0")
	}
	if _, err := db.MarkUnseenDeleted(t.Context(), -1, syncTime); err == nil {
		t.Error("MarkUnseenDeleted took run -1")
	}
}

func TestCompaniesAreSeparated(t *testing.T) {
	t.Parallel()
	m := storetest.Manager(t)
	a := storetest.DB(t, m, "firma-a")
	b := storetest.DB(t, m, "firma-b")
	upsert(t, a, []mapping.Address{renamed(contact("1"), "Albrecht"), contact("nur-a")})
	upsert(t, b, []mapping.Address{renamed(contact("1"), "Bauer")})
	if err := a.InTx(t.Context(), func(tx *store.Tx) error {
		return tx.SetWatermark(t.Context(), store.Watermark{UpdatedAtMS: 111, ID: "1"})
	}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		db       *store.DB
		lastName string
		onlyA    bool
		mark     store.Watermark
	}{
		{a, "Albrecht", true, store.Watermark{UpdatedAtMS: 111, ID: "1"}},
		{b, "Bauer", false, store.Watermark{}},
	}
	for _, tt := range tests {
		if got := record(t, tt.db, "1").LastName; got != tt.lastName {
			t.Errorf("%s: contact 1 is %q, want %q", tt.db.Slug(), got, tt.lastName)
		}
		if _, ok, _ := tt.db.Address(t.Context(), "nur-a"); ok != tt.onlyA {
			t.Errorf("%s: holds nur-a: %v", tt.db.Slug(), ok)
		}
		if w, err := tt.db.Watermark(t.Context()); err != nil || w != tt.mark {
			t.Errorf("%s: watermark %+v, %v", tt.db.Slug(), w, err)
		}
	}
}

func TestWatermark(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "wasserstand")
	if w, err := db.Watermark(t.Context()); err != nil || w != (store.Watermark{}) {
		t.Fatalf("before first sync: %+v, %v", w, err)
	}
	for _, w := range []store.Watermark{{UpdatedAtMS: 1736000000000, ID: "c-1"}, {UpdatedAtMS: 1736000000500, ID: "ä-2"}, {}} {
		err := db.InTx(t.Context(), func(tx *store.Tx) error { return tx.SetWatermark(t.Context(), w) })
		if err != nil {
			t.Fatal(err)
		}
		if got, err := db.Watermark(t.Context()); err != nil || got != w {
			t.Errorf("watermark %+v, %v, want %+v", got, err, w)
		}
	}
	for _, bad := range []store.Watermark{{UpdatedAtMS: -1}, {ID: "\xff"}} {
		err := db.InTx(t.Context(), func(tx *store.Tx) error { return tx.SetWatermark(t.Context(), bad) })
		if err == nil {
			t.Errorf("SetWatermark(%+v) succeeded", bad)
		}
	}
}

// A contact whose CRM change time moved without a mapped change (a search
// profile or an unmapped field changed) counts as unchanged, but the mirror
// keeps the new time, so later runs do not take it for changed again.
func TestChangeTimeOnlyIsKeptCurrent(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "zeit")
	upsert(t, db, contacts("1"))
	moved := contact("1")
	moved.CRMUpdatedAt = syncTime
	if got := upsert(t, db, []mapping.Address{moved}); got != (store.UpsertCounts{Unchanged: 1}) {
		t.Fatalf("counts %+v, want 1 unchanged", got)
	}
	if got := record(t, db, "1").CRMUpdatedAt; !got.Equal(syncTime) {
		t.Fatalf("mirrored change time %v, want %v", got, syncTime)
	}
}

func TestProfilesDue(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "profile")
	ctx := t.Context()
	due := func(after string, limit int) []string {
		t.Helper()
		ids, err := db.ProfilesDue(ctx, after, limit)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	clear := func(ids ...string) {
		t.Helper()
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.ClearProfilesDue(ctx, ids) }); err != nil {
			t.Fatal(err)
		}
	}
	upsert(t, db, contacts("3", "1", "2"))
	if got := due("", 10); !reflect.DeepEqual(got, []string{"1", "2", "3"}) {
		t.Fatalf("new contacts due %v, want all three in id order", got)
	}
	if got := due("1", 1); !reflect.DeepEqual(got, []string{"2"}) {
		t.Fatalf("due after 1, limit 1: %v, want [2]", got)
	}
	clear("1", "2", "3")
	upsert(t, db, contacts("1", "2", "3"))
	if got := due("", 10); len(got) != 0 {
		t.Fatalf("unchanged contacts due %v, want none", got)
	}
	moved := contact("2")
	moved.CRMUpdatedAt = syncTime
	upsert(t, db, []mapping.Address{moved})
	if got := due("", 10); !reflect.DeepEqual(got, []string{"2"}) {
		t.Fatalf("after a change-time move due %v, want [2]", got)
	}
	run, err := db.StartRun(ctx, "sync.full", syncTime)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.MarkSeen(ctx, run, []string{"1", "3"}) }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.MarkUnseenDeleted(ctx, run, syncTime); err != nil {
		t.Fatal(err)
	}
	if got := due("", 10); len(got) != 0 {
		t.Fatalf("a contact deleted in the CRM is due: %v", got)
	}
}

// The CRM's link field holds a personal link; the mirror must not keep its
// token in clear text.
func TestMirrorKeepsOnlyADigestOfTheLinkField(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "link")
	const token = "h0Yp9oKr2Vq8bWm1Zx7cTt4sLd6gFj3nEa5uIy0wQe8"
	a := contact("1")
	a.Consent.Link = "https://einwilligung.example.de/e/link/" + token
	upsert(t, db, []mapping.Address{a})
	got := record(t, db, "1").Consent.Link
	if got == "" || strings.Contains(got, token) {
		t.Fatalf("mirrored link field %q: want a digest without the token", got)
	}
	raw, err := store.QueryString(t.Context(), db, `SELECT consent_link FROM addresses WHERE crm_id = '1'`)
	if err != nil || strings.Contains(raw, token) {
		t.Fatalf("the addresses table holds %q (%v)", raw, err)
	}
}
