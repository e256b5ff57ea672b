package store_test

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/store/storetest"
)

func TestConsentState(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "einwilligung")
	ctx := t.Context()
	if _, ok, err := db.Consent(ctx, "a1", "Akquisition"); ok || err != nil {
		t.Fatalf("consent before any: %v, %v", ok, err)
	}
	given := syncTime
	withdrawn := syncTime.Add(48 * time.Hour)
	states := []store.ConsentState{
		{AddressID: "a1", Purpose: "Akquisition", State: store.ConsentGiven, Source: "Kontaktformular",
			TextVersion: "2026-11", Channel: store.ChannelWeb, GivenAt: &given, LastEventID: 1},
		{AddressID: "a1", Purpose: "Akquisition", State: store.ConsentWithdrawn, Source: "Kontaktformular",
			TextVersion: "2026-11", Channel: store.ChannelWeb, GivenAt: &given, WithdrawnAt: &withdrawn,
			WithdrawalReason: "Zu viele E-Mails – bitte <nicht> mehr", LastEventID: 2},
	}
	for _, st := range states {
		inTx(t, db, func(tx *store.Tx) error { return tx.PutConsent(ctx, st) })
		got, ok, err := db.Consent(ctx, "a1", "Akquisition")
		if err != nil || !ok || !reflect.DeepEqual(got, st) {
			t.Errorf("read back %+v, %v, %v; want %+v", got, ok, err, st)
		}
	}
	var inTxState store.ConsentState
	inTx(t, db, func(tx *store.Tx) error {
		var err error
		inTxState, _, err = tx.Consent(ctx, "a1", "Akquisition")
		return err
	})
	if inTxState.State != store.ConsentWithdrawn {
		t.Errorf("in transaction: %+v", inTxState)
	}

	bad := []store.ConsentState{
		{AddressID: "a1", Purpose: "Akquisition", State: "maybe"},
		{AddressID: "", Purpose: "Akquisition", State: store.ConsentGiven},
		{AddressID: "a1", Purpose: "", State: store.ConsentGiven},
		{AddressID: "a1", Purpose: "Akquisition", State: store.ConsentGiven, WithdrawalReason: "\x00"},
	}
	for _, st := range bad {
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.PutConsent(ctx, st) }); err == nil {
			t.Errorf("PutConsent(%+v) accepted", st)
		}
	}
}

func TestMirrorUpdatesFromActions(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "spiegel")
	ctx := t.Context()
	upsert(t, db, contacts("a1"))
	before := record(t, db, "a1")

	fields := mapping.ConsentFields{Source: "Kontaktformular", Purpose: "Akquisition", Date: "2025-03-14"}
	corrected := before.Address
	corrected.LastName, corrected.Street, corrected.Zip = "Groß-Öztürk", "Neue Straße", "80333"
	corrected.Emails = mapping.WithDefault(before.Emails, "neu@example.de")
	inTx(t, db, func(tx *store.Tx) error {
		if err := tx.UpdateAddressConsentFields(ctx, "a1", fields); err != nil {
			return err
		}
		return tx.UpdateAddressContact(ctx, corrected)
	})
	after := record(t, db, "a1")
	want := corrected
	want.Consent = fields
	want.Consent.Link = before.Consent.Link // the link field is not the actions' to change
	if !reflect.DeepEqual(after.Address, want) {
		t.Errorf("mirror after actions\n%+v\nwant\n%+v", after.Address, want)
	}
	if after.ContentHash != before.ContentHash {
		t.Error("content hash changed: a sync before the write-back would take the contact for unchanged no more")
	}

	missing := corrected
	missing.CRMID = "fehlt"
	badEmail := corrected
	badEmail.Emails = []mapping.Channel{{Value: "x\x00"}}
	for name, a := range map[string]mapping.Address{"unknown address": missing, "NUL in e-mail": badEmail} {
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateAddressContact(ctx, a) }); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestPutAndDeleteSearchProfile(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "suchprofil-seite")
	ctx := t.Context()
	inTx(t, db, func(tx *store.Tx) error {
		_, err := tx.ReplaceSearchProfiles(ctx, []string{"k1", "k2"}, []mapping.SearchProfile{profile("p1", "k1"), profile("p2", "k2")}, syncTime)
		return err
	})
	pending := profile("pending:consentd:mueller:crm.profile.create:ab12", "k1")
	steps := []struct {
		name string
		fn   func(*store.Tx) error
		want map[string][]string
	}{
		{"create", func(tx *store.Tx) error { return tx.PutSearchProfile(ctx, pending, syncTime) },
			map[string][]string{"k1": {"p1", pending.CRMID}, "k2": {"p2"}}},
		{"replace", func(tx *store.Tx) error {
			return tx.PutSearchProfile(ctx, retitled(profile("p1", "k1"), "Haus am See"), syncTime)
		},
			map[string][]string{"k1": {"p1", pending.CRMID}, "k2": {"p2"}}},
		{"another contact's id is left alone", func(tx *store.Tx) error {
			return tx.PutSearchProfile(ctx, retitled(profile("p2", "k1"), "Übernahme"), syncTime)
		},
			map[string][]string{"k1": {"p1", pending.CRMID}, "k2": {"p2"}}},
		{"delete", func(tx *store.Tx) error { return tx.DeleteSearchProfile(ctx, "p1") },
			map[string][]string{"k1": {pending.CRMID}, "k2": {"p2"}}},
	}
	for _, s := range steps {
		inTx(t, db, s.fn)
		for contact, want := range s.want {
			if got := profileIDs(t, db, contact); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: contact %s holds %v, want %v", s.name, contact, got, want)
			}
		}
	}
	held, err := db.SearchProfiles(ctx, "k2")
	if err != nil || held[0].Title != profile("p2", "k2").Title {
		t.Errorf("k2's profile %+v, %v", held, err)
	}
	nan := profile("p3", "k1")
	nan.PriceMax = new(math.NaN())
	if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.PutSearchProfile(ctx, nan, syncTime) }); err == nil || !strings.Contains(err.Error(), "not a number") {
		t.Errorf("NaN price: %v", err)
	}
}

func TestErasureRequests(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "loeschung")
	ctx := t.Context()
	if _, ok, err := db.OpenErasure(ctx, "a1"); ok || err != nil {
		t.Fatalf("before any request: %v, %v", ok, err)
	}
	req := store.ErasureRequest{AddressID: "a1", Channel: store.ChannelWeb, Reason: "Bitte alles löschen",
		ReceivedAt: syncTime, DueAt: syncTime.AddDate(0, 1, 0), EventID: 4}
	var first, second store.ErasureRequest
	var opened, openedAgain bool
	inTx(t, db, func(tx *store.Tx) error {
		var err error
		if first, opened, err = tx.OpenErasure(ctx, req); err != nil {
			return err
		}
		again := req
		again.Reason, again.EventID = "zweites Mal", 5
		second, openedAgain, err = tx.OpenErasure(ctx, again)
		return err
	})
	if !opened || first.ID == 0 || first.State != store.ErasureOpen || !first.DueAt.Equal(req.DueAt) || first.Reason != req.Reason {
		t.Errorf("first request %+v, opened %v", first, opened)
	}
	if openedAgain || !reflect.DeepEqual(second, first) {
		t.Errorf("second request %+v, opened %v; want the first", second, openedAgain)
	}
	got, ok, err := db.OpenErasure(ctx, "a1")
	if err != nil || !ok || !reflect.DeepEqual(got, first) {
		t.Errorf("open request %+v, %v, %v", got, ok, err)
	}
}

func TestErasureStats(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "loeschstand")
	ctx := t.Context()
	if st, err := db.ErasureStats(ctx, syncTime); err != nil || st != (store.ErasureStats{}) {
		t.Fatalf("no requests: %+v, %v", st, err)
	}
	for i, due := range []time.Time{syncTime.AddDate(0, 0, -2), syncTime.AddDate(0, 0, 5)} {
		req := store.ErasureRequest{AddressID: fmt.Sprintf("a%d", i), Channel: store.ChannelWeb,
			ReceivedAt: due.AddDate(0, -1, 0), DueAt: due, EventID: int64(i + 1)}
		inTx(t, db, func(tx *store.Tx) error { _, _, err := tx.OpenErasure(ctx, req); return err })
	}
	st, err := db.ErasureStats(ctx, syncTime)
	if err != nil || st.Open != 2 || st.Overdue != 1 || st.NextDue == nil || !st.NextDue.Equal(syncTime.AddDate(0, 0, -2)) {
		t.Fatalf("stats %+v, %v; want 2 open, 1 overdue, next due two days ago", st, err)
	}
}

// A consent change stores the state, shows it in the mirror's consent
// fields and, when asked, lifts the suppression entries of its purpose:
// the address's own and those of its identifiers under other addresses
// (one entry per identifier and purpose: the first address keeps it).
func TestChangeConsent(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "aenderung")
	ctx := t.Context()
	upsert(t, db, contacts("a1", "a2"))
	mail, phone, other := identifier("j.weiss@example.de"), identifier("+4989123456"), identifier("anna@example.de")
	entry := func(address, ident, scope string) store.Suppression {
		return store.Suppression{AddressID: address, Kind: store.SuppressEmail, Identifier: ident, Scope: scope,
			CreatedAt: syncTime, ReviewAt: syncTime.AddDate(3, 0, 0), EventID: 1}
	}
	own, newsletter := entry("a1", mail, "Akquisition"), entry("a1", mail, "Newsletter")
	samePhone, unrelated := entry("a2", phone, "Akquisition"), entry("a2", other, "Akquisition")
	inTx(t, db, func(tx *store.Tx) error {
		return tx.AddSuppressions(ctx, []store.Suppression{own, newsletter, samePhone, unrelated})
	})
	withdrawn, given := syncTime, syncTime.Add(time.Hour)
	steps := []struct {
		name   string
		change store.ConsentChange
		left   map[string][]store.Suppression
	}{
		{"withdrawn, nothing lifted", store.ConsentChange{
			State: store.ConsentState{AddressID: "a1", Purpose: "Akquisition", State: store.ConsentWithdrawn,
				Source: "Kontaktformular", Channel: store.ChannelWeb, WithdrawnAt: &withdrawn, WithdrawalReason: "Umzug"},
			Fields: mapping.ConsentFields{WithdrawalDate: "2026-11-23", WithdrawalReason: "Umzug"}},
			map[string][]store.Suppression{"a1": {own, newsletter}, "a2": {samePhone, unrelated}}},
		{"given anew, own and same phone lifted", store.ConsentChange{
			State: store.ConsentState{AddressID: "a1", Purpose: "Akquisition", State: store.ConsentGiven,
				Source: "Kontaktformular", TextVersion: "2026-11", Channel: store.ChannelWeb, GivenAt: &given},
			Fields: mapping.ConsentFields{Source: "Kontaktformular", Purpose: "Akquisition", Date: "2026-11-23"},
			Lift:   true, Identifiers: []string{mail, phone}},
			map[string][]store.Suppression{"a1": {newsletter}, "a2": {unrelated}}},
	}
	for _, s := range steps {
		inTx(t, db, func(tx *store.Tx) error { return tx.ChangeConsent(ctx, s.change) })
		got, ok, err := db.Consent(ctx, "a1", "Akquisition")
		if err != nil || !ok || !reflect.DeepEqual(got, s.change.State) {
			t.Errorf("%s: consent %+v, %v, %v; want %+v", s.name, got, ok, err, s.change.State)
		}
		if fields := record(t, db, "a1").Consent; fields.Source != s.change.Fields.Source ||
			fields.Date != s.change.Fields.Date || fields.WithdrawalDate != s.change.Fields.WithdrawalDate ||
			fields.WithdrawalReason != s.change.Fields.WithdrawalReason {
			t.Errorf("%s: mirror's consent fields %+v, want %+v", s.name, fields, s.change.Fields)
		}
		checkSuppressions(t, db, s.left)
	}
	bad := store.ConsentChange{State: steps[1].change.State, Fields: mapping.ConsentFields{Source: "x\x00"}}
	if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.ChangeConsent(ctx, bad) }); err == nil {
		t.Error("a consent field with a NUL byte was accepted")
	}
}
