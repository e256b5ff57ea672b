package store_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/store/storetest"
)

// identifier is how a suppression entry keeps an e-mail address or phone
// number: its hex SHA-256.
func identifier(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// length counts the rows a list query returned, for tables of counts.
func length[T any](rows []T, err error) (int, error) { return len(rows), err }

// sameRows compares lists read back, an empty one equal to none.
func sameRows[T any](got, want []T) bool {
	return len(got) == 0 && len(want) == 0 || reflect.DeepEqual(got, want)
}

func withFacts(a mapping.Address, facts map[string]string) mapping.Address {
	a.Facts = facts
	return a
}

func givenConsent(address, purpose string, givenAt time.Time) store.ConsentState {
	return store.ConsentState{AddressID: address, Purpose: purpose, State: store.ConsentGiven,
		Source: "Kontaktformular", TextVersion: "2026-11", Channel: store.ChannelWeb, GivenAt: &givenAt, LastEventID: 1}
}

// withdrawnConsent is a consent given and withdrawn a day later, with the
// person's reason.
func withdrawnConsent(address, purpose string, givenAt time.Time) store.ConsentState {
	c := givenConsent(address, purpose, givenAt)
	c.State, c.WithdrawnAt, c.WithdrawalReason = store.ConsentWithdrawn, new(givenAt.Add(24*time.Hour)), "Zu viele Anrufe – bitte <nicht> mehr"
	return c
}

func usedAt(c store.ConsentState, at time.Time) store.ConsentState {
	c.LastUsedAt = &at
	return c
}

func putConsents(t *testing.T, db *store.DB, states ...store.ConsentState) {
	t.Helper()
	inTx(t, db, func(tx *store.Tx) error {
		for _, st := range states {
			if err := tx.PutConsent(t.Context(), st); err != nil {
				return err
			}
		}
		return nil
	})
}

func erasureOf(address string, due time.Time) store.ErasureRequest {
	return store.ErasureRequest{AddressID: address, Channel: store.ChannelWeb, Reason: "Bitte alles löschen",
		ReceivedAt: syncTime, DueAt: due, EventID: 1}
}

// openErasure opens r and fails the test unless it is the address's only
// open request.
func openErasure(t *testing.T, db *store.DB, r store.ErasureRequest) store.ErasureRequest {
	t.Helper()
	var stored store.ErasureRequest
	inTx(t, db, func(tx *store.Tx) error {
		var opened bool
		var err error
		stored, opened, err = tx.OpenErasure(t.Context(), r)
		if err == nil && !opened {
			err = fmt.Errorf("address %s has an open deletion request already", r.AddressID)
		}
		return err
	})
	return stored
}

func erasures(t *testing.T, db *store.DB, address string) []store.ErasureRequest {
	t.Helper()
	rs, err := db.ErasuresOf(t.Context(), address)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func openErasureIDs(t *testing.T, db *store.DB) []int64 {
	t.Helper()
	rs, err := db.OpenErasures(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	return ids
}

func markStep(t *testing.T, db *store.DB, id int64, step string, at time.Time) bool {
	t.Helper()
	var marked bool
	inTx(t, db, func(tx *store.Tx) error {
		var err error
		marked, err = tx.MarkErasureStep(t.Context(), id, step, at)
		return err
	})
	return marked
}

func closeErasure(t *testing.T, db *store.DB, id int64, at, keepUntil time.Time) bool {
	t.Helper()
	var closed bool
	inTx(t, db, func(tx *store.Tx) error {
		var err error
		closed, err = tx.CloseErasure(t.Context(), id, "Daten gelöscht", at, keepUntil)
		return err
	})
	return closed
}

func purge(t *testing.T, db *store.DB, address string) bool {
	t.Helper()
	var purged bool
	inTx(t, db, func(tx *store.Tx) error {
		var err error
		purged, err = tx.PurgeAddress(t.Context(), address)
		return err
	})
	return purged
}

func ledger(t *testing.T, db *store.DB) []store.Event {
	t.Helper()
	var events []store.Event
	if err := db.EachEvent(t.Context(), func(e store.Event) error { events = append(events, e); return nil }); err != nil {
		t.Fatal(err)
	}
	return events
}

func TestAddressFacts(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "fakten")
	signed := map[string]string{"maklervertrag_brief": "2024-11-02", "objekt": "Große Straße 12a", "gwg_akte": "true"}
	resigned := map[string]string{"maklervertrag_brief": "2025-01-15", "objekt": "Große Straße 12a", "gwg_akte": "true"}
	steps := []struct {
		name  string
		facts map[string]string
		want  store.UpsertCounts
	}{
		{"new contact with facts", signed, store.UpsertCounts{Inserted: 1}},
		{"same facts again", signed, store.UpsertCounts{Unchanged: 1}},
		{"a fact's value changed", resigned, store.UpsertCounts{Updated: 1}},
		{"a fact went away", map[string]string{"objekt": "Große Straße 12a"}, store.UpsertCounts{Updated: 1}},
		{"no facts left", nil, store.UpsertCounts{Updated: 1}},
	}
	for _, s := range steps {
		a := withFacts(contact("a1"), s.facts)
		if got := upsert(t, db, []mapping.Address{a}); got != s.want {
			t.Errorf("%s: counts %+v, want %+v", s.name, got, s.want)
		}
		got, ok, err := db.Address(t.Context(), "a1")
		if err != nil || !ok || !reflect.DeepEqual(got.Facts, s.facts) {
			t.Errorf("%s: read back facts %v (found %v, %v), want %v", s.name, got.Facts, ok, err, s.facts)
		}
		if hash := record(t, db, "a1").ContentHash; hash != a.Hash() {
			t.Errorf("%s: content hash %s, want %s", s.name, hash, a.Hash())
		}
	}
}

func TestSubjectFacts(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "fakten-regeln")
	ctx := t.Context()
	facts := map[string]string{"gwg_akte": "true"}
	upsert(t, db, []mapping.Address{withFacts(contact("a1"), facts), contact("a2"), contact("a3")})
	unsynced := profile("p2", "a1")
	unsynced.CRMUpdatedAt = time.Time{} // the CRM gave no change time: the sync's time counts
	profilesSynced := syncTime.Add(time.Hour)
	inTx(t, db, func(tx *store.Tx) error {
		_, err := tx.ReplaceSearchProfiles(ctx, []string{"a1"}, []mapping.SearchProfile{profile("p1", "a1"), unsynced}, profilesSynced)
		return err
	})
	markDeleted(t, db, "a1", "a3")
	created, updated := contact("a1").CRMCreatedAt, contact("a1").CRMUpdatedAt
	readers := map[string]func(string) (store.SubjectFacts, bool, error){
		"db": func(id string) (store.SubjectFacts, bool, error) { return db.SubjectFacts(ctx, id) },
		"tx": func(id string) (sf store.SubjectFacts, ok bool, err error) {
			inTx(t, db, func(tx *store.Tx) error { sf, ok, err = tx.SubjectFacts(ctx, id); return nil })
			return sf, ok, err
		},
	}
	tests := []struct {
		id   string
		want *store.SubjectFacts
	}{
		{"a1", &store.SubjectFacts{Facts: facts, CRMCreatedAt: &created, CRMUpdatedAt: &updated, ProfilesChanged: &profilesSynced}},
		{"a3", &store.SubjectFacts{CRMCreatedAt: &created, CRMUpdatedAt: &updated}},
		{"a2", nil}, // deleted in the CRM
		{"fehlt", nil},
	}
	for name, read := range readers {
		for _, tt := range tests {
			got, ok, err := read(tt.id)
			if err != nil || ok != (tt.want != nil) || (ok && !reflect.DeepEqual(got, *tt.want)) {
				t.Errorf("%s: SubjectFacts(%s) = %+v, %v, %v; want %+v", name, tt.id, got, ok, err, tt.want)
			}
		}
	}
}

func TestErasureLifecycle(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "loeschfall")
	ctx := t.Context()
	notified := syncTime.Add(time.Minute)
	until := syncTime.AddDate(10, 0, 0)
	restricted := store.Evaluation{Verdict: store.VerdictRestricted, RestrictedUntil: &until,
		Text: "Geldwäschegesetz: Identifizierung bis 2035 aufbewahren – gesperrt", EvaluatedAt: &notified}
	first := erasureOf("a1", syncTime.AddDate(0, 0, 20))
	first.Evaluation, first.NotifiedAt = restricted, &notified
	a1 := openErasure(t, db, first)
	a2 := openErasure(t, db, erasureOf("a2", syncTime.AddDate(0, 0, 5)))
	a3 := openErasure(t, db, erasureOf("a3", syncTime.AddDate(0, 0, 10)))
	if !reflect.DeepEqual(a1.Evaluation, restricted) || a1.NotifiedAt == nil || !a1.NotifiedAt.Equal(notified) {
		t.Errorf("opened with evaluation %+v, notified %v", a1, a1.NotifiedAt)
	}
	if got, ok, err := db.OpenErasure(ctx, "a1"); err != nil || !ok || !reflect.DeepEqual(got, a1) {
		t.Errorf("read back %+v, %v, %v; want %+v", got, ok, err, a1)
	}
	if got := openErasureIDs(t, db); !slices.Equal(got, []int64{a2.ID, a3.ID, a1.ID}) {
		t.Errorf("open requests %v, want earliest due first: a2 %d, a3 %d, a1 %d", got, a2.ID, a3.ID, a1.ID)
	}

	evaluated := syncTime.Add(time.Hour)
	deletable := store.Evaluation{Verdict: store.VerdictDeletable, Text: "Nichts bindet die Daten.", EvaluatedAt: &evaluated}
	evaluations := []struct {
		name    string
		e       store.Evaluation
		wantErr bool
	}{
		{"deletable", deletable, false},
		{"unknown verdict", store.Evaluation{Verdict: "vielleicht", EvaluatedAt: &evaluated}, true},
		{"NUL in text", store.Evaluation{Verdict: store.VerdictHeld, Text: "a\x00b", EvaluatedAt: &evaluated}, true},
	}
	for _, ev := range evaluations {
		err := db.InTx(ctx, func(tx *store.Tx) error { return tx.EvaluateErasure(ctx, a2.ID, ev.e) })
		if (err != nil) != ev.wantErr {
			t.Errorf("%s: %v, want error %v", ev.name, err, ev.wantErr)
		}
	}
	if got := erasures(t, db, "a2")[0].Evaluation; !reflect.DeepEqual(got, deletable) {
		t.Errorf("evaluation %+v, want %+v", got, deletable)
	}

	testErasureSteps(t, db, a1, a2, a3)
	testCloseErasure(t, db, a1)
	testDeleteExpiredCases(t, db, a2, a3)
}

// testErasureSteps marks each step once and checks that a second, an
// unknown or a step done at opening changes nothing.
func testErasureSteps(t *testing.T, db *store.DB, a1, a2, a3 store.ErasureRequest) {
	t.Helper()
	at := func(days int) time.Time { return syncTime.AddDate(0, 0, days) }
	steps := []struct {
		name string
		id   int64
		step string
		at   time.Time
		want bool
	}{
		{"notify", a2.ID, store.StepNotified, at(0), true},
		{"notified at opening", a1.ID, store.StepNotified, at(1), false},
		{"first reminder", a3.ID, store.StepReminded7, at(3), true},
		{"first reminder again", a3.ID, store.StepReminded7, at(4), false},
		{"second reminder", a3.ID, store.StepReminded2, at(8), true},
		{"overdue", a3.ID, store.StepOverdue, at(11), true},
		{"overdue again", a3.ID, store.StepOverdue, at(12), false},
		{"unknown step", a2.ID, "reminded_1", at(4), false},
		{"unknown request", a3.ID + 1000, store.StepNotified, at(4), false},
	}
	for _, s := range steps {
		if got := markStep(t, db, s.id, s.step, s.at); got != s.want {
			t.Errorf("%s: marked %v, want %v", s.name, got, s.want)
		}
	}
	got := erasures(t, db, "a3")[0]
	want := []*time.Time{nil, new(at(3)), new(at(8)), new(at(11))}
	if !reflect.DeepEqual([]*time.Time{got.NotifiedAt, got.Reminded7At, got.Reminded2At, got.OverdueAt}, want) {
		t.Errorf("steps of a3: notified %v, reminded %v and %v, overdue %v", got.NotifiedAt, got.Reminded7At, got.Reminded2At, got.OverdueAt)
	}
	if got := erasures(t, db, "a2")[0]; got.NotifiedAt == nil || !got.NotifiedAt.Equal(at(0)) || got.Reminded7At != nil {
		t.Errorf("steps of a2: %+v", got)
	}
}

// testCloseErasure closes a1's request once; after that it takes no
// steps, the address has no open request and the case file keeps the
// handling without the person's reason.
func testCloseErasure(t *testing.T, db *store.DB, a1 store.ErasureRequest) {
	t.Helper()
	closedAt := syncTime.AddDate(0, 0, 3)
	keepUntil := closedAt.AddDate(3, 0, 0)
	for i, want := range []bool{true, false} {
		if got := closeErasure(t, db, a1.ID, closedAt.Add(time.Duration(i)*time.Hour), keepUntil.Add(time.Duration(i)*time.Hour)); got != want {
			t.Errorf("close %d: closed %v, want %v", i+1, got, want)
		}
	}
	if markStep(t, db, a1.ID, store.StepReminded7, closedAt) {
		t.Error("a step was marked on a closed request")
	}
	if got, ok, err := db.OpenErasure(t.Context(), "a1"); ok || err != nil {
		t.Errorf("open request after closing: %+v, %v", got, err)
	}
	want := a1
	want.State, want.ClosedReason, want.ClosedAt, want.KeepUntil = store.ErasureClosed, "Daten gelöscht", &closedAt, &keepUntil
	want.Reason = "" // the person's own words do not stay in the case file
	if got := erasures(t, db, "a1"); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("case file %+v, want %+v", got, want)
	}
}

// testDeleteExpiredCases deletes closed case files once their keep_until
// has passed, never an open request. a1's case file is kept until three
// years after its closing (testCloseErasure).
func testDeleteExpiredCases(t *testing.T, db *store.DB, a2, a3 store.ErasureRequest) {
	t.Helper()
	if !closeErasure(t, db, a2.ID, syncTime, syncTime.AddDate(1, 0, 0)) {
		t.Fatal("a2's request was not open")
	}
	reopened := openErasure(t, db, erasureOf("a1", syncTime.AddDate(0, 1, 0)))
	keptA1 := syncTime.AddDate(3, 0, 3)
	expiries := []struct {
		now  time.Time
		want int64
		left map[string]int
	}{
		{syncTime.AddDate(2, 0, 0), 1, map[string]int{"a1": 2, "a2": 0, "a3": 1}},
		{keptA1, 0, map[string]int{"a1": 2, "a2": 0, "a3": 1}},
		{keptA1.Add(time.Second), 1, map[string]int{"a1": 1, "a2": 0, "a3": 1}},
	}
	for _, e := range expiries {
		n, err := db.DeleteExpiredCases(t.Context(), e.now)
		if err != nil || n != e.want {
			t.Errorf("at %v: deleted %d, %v; want %d", e.now, n, err, e.want)
		}
		for address, want := range e.left {
			if got := erasures(t, db, address); len(got) != want {
				t.Errorf("at %v: %s has %d requests, want %d", e.now, address, len(got), want)
			}
		}
	}
	if got := openErasureIDs(t, db); !slices.Equal(got, []int64{a3.ID, reopened.ID}) {
		t.Errorf("open requests %v, want a3 %d and a1's new %d", got, a3.ID, reopened.ID)
	}
}

// giveRecords gives the address one of every record the store keeps
// about a contact, and a CRM write in each state: done, parked, pending.
func giveRecords(t *testing.T, db *store.DB, id string) {
	t.Helper()
	ctx := t.Context()
	steps := []func(*store.Tx) error{
		func(tx *store.Tx) error {
			_, err := tx.ReplaceSearchProfiles(ctx, []string{id}, []mapping.SearchProfile{profile(id+"-p", id)}, syncTime)
			return err
		},
		func(tx *store.Tx) error {
			_, err := tx.InsertLink(ctx, id, identifier("link of "+id), syncTime)
			return err
		},
		func(tx *store.Tx) error { return tx.PutConsent(ctx, withdrawnConsent(id, "Akquisition", syncTime)) },
		func(tx *store.Tx) error {
			return tx.AddSuppressions(ctx, []store.Suppression{{AddressID: id, Kind: store.SuppressEmail,
				Identifier: identifier(id + "@example.de"), Scope: "Newsletter", CreatedAt: syncTime, ReviewAt: syncTime, EventID: 1}})
		},
		func(tx *store.Tx) error {
			return tx.AddRecipientObjections(ctx, []store.RecipientObjection{{AddressID: id, Recipient: "Immobilienscout24",
				Purpose: "Akquisition", CreatedAt: syncTime, EventID: 1}})
		},
		func(tx *store.Tx) error {
			_, _, err := tx.OpenErasure(ctx, erasureOf(id, syncTime.AddDate(0, 1, 0)))
			return err
		},
		func(tx *store.Tx) error {
			_, _, err := tx.AppendEvent(ctx, event(id, store.EventGiven, ""))
			return err
		},
	}
	for _, step := range steps {
		inTx(t, db, step)
	}
	enqueue(t, db, outboxRow(id, id+"-done", syncTime), outboxRow(id, id+"-parked", syncTime), outboxRow(id, id+"-pending", syncTime))
	settle(t, db, id+"-done", func(row int64) error { return db.CompleteOutbox(ctx, row, "ok", syncTime) })
	settle(t, db, id+"-parked", func(row int64) error { return db.ParkOutbox(ctx, row, "CRM refused", syncTime) })
}

// settle claims the next CRM write, which must be key's, and ends it with fn.
func settle(t *testing.T, db *store.DB, key string, fn func(row int64) error) {
	t.Helper()
	rows := claim(t, db, syncTime, 10)
	if len(rows) != 1 || rows[0].Key != key {
		t.Fatalf("claimed %v, want %s", keys(rows), key)
	}
	if err := fn(rows[0].ID); err != nil {
		t.Fatal(err)
	}
}

// TestPurgeAddress purges a1 of three addresses that all have records:
// a2 stays in the CRM throughout, a3 is deleted there along with a1.
func TestPurgeAddress(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "bereinigung")
	upsert(t, db, contacts("a1", "a2", "a3"))
	giveRecords(t, db, "a1")
	giveRecords(t, db, "a2")
	records := purgedRecords(t, db)
	deleted := func(limit int) []string {
		t.Helper()
		ids, err := db.DeletedAddresses(t.Context(), limit)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	steps := []struct {
		name        string
		reconcile   bool // a reconciliation finds only a2 first
		id          string
		want        bool
		wantDeleted []string // afterwards
	}{
		{"live address", false, "a1", false, nil},
		{"deleted in the CRM", true, "a1", true, []string{"a3"}},
		{"purged before", false, "a1", false, []string{"a3"}},
		{"never deleted", false, "a2", false, []string{"a3"}},
	}
	purged := false
	for _, s := range steps {
		if s.reconcile {
			markDeleted(t, db, "a2")
			if got, first := deleted(10), deleted(1); !slices.Equal(got, []string{"a1", "a3"}) || !slices.Equal(first, []string{"a1"}) {
				t.Errorf("%s: deleted addresses %v, first one %v; want a1 and a3", s.name, got, first)
			}
		}
		got := purge(t, db, s.id)
		if got != s.want {
			t.Errorf("%s: purged %v, want %v", s.name, got, s.want)
		}
		purged = purged || got
		if ids := deleted(10); !slices.Equal(ids, s.wantDeleted) {
			t.Errorf("%s: deleted addresses %v, want %v", s.name, ids, s.wantDeleted)
		}
		for _, r := range records {
			want := map[string]int{"a1": r.held, "a2": r.held}
			if purged {
				want["a1"] = r.purged
			}
			for id, w := range want {
				if n, err := r.count(id); err != nil || n != w {
					t.Errorf("%s: %s of %s: %d, %v; want %d", s.name, r.name, id, n, err, w)
				}
			}
		}
	}
}

type recordCount struct {
	name   string
	count  func(address string) (int, error)
	held   int // what giveRecords gave
	purged int // what is left after PurgeAddress
}

// purgedRecords lists what PurgeAddress removes and what proof it keeps.
func purgedRecords(t *testing.T, db *store.DB) []recordCount {
	ctx := t.Context()
	outboxIn := func(states ...string) func(string) (int, error) {
		return func(id string) (int, error) {
			rows, err := db.OutboxOf(ctx, id)
			return len(slices.DeleteFunc(rows, func(r store.OutboxEntry) bool { return !slices.Contains(states, r.State) })), err
		}
	}
	return []recordCount{
		{"address", func(id string) (int, error) {
			_, ok, err := db.Address(ctx, id)
			if !ok {
				return 0, err
			}
			return 1, err
		}, 1, 0},
		{"search profiles", func(id string) (int, error) { return length(db.SearchProfiles(ctx, id)) }, 1, 0},
		{"links", func(id string) (int, error) { return length(db.LinksOf(ctx, id)) }, 1, 0},
		{"done or parked CRM writes", outboxIn(store.OutboxDone, store.OutboxParked), 2, 0},
		{"pending CRM writes", outboxIn(store.OutboxPending), 1, 1},
		{"ledger events", func(id string) (int, error) { return length(db.EventsOf(ctx, id)) }, 1, 1},
		{"consents", func(id string) (int, error) { return length(db.ConsentsOf(ctx, id)) }, 1, 1},
		{"withdrawal reasons", func(id string) (int, error) {
			consents, err := db.ConsentsOf(ctx, id)
			return len(slices.DeleteFunc(consents, func(c store.ConsentState) bool { return c.WithdrawalReason == "" })), err
		}, 1, 0},
		{"suppression entries", func(id string) (int, error) { return length(db.SuppressionsOf(ctx, id)) }, 1, 1},
		{"recipient objections", func(id string) (int, error) { return length(db.RecipientObjectionsOf(ctx, id)) }, 1, 1},
		{"deletion requests", func(id string) (int, error) { return length(db.ErasuresOf(ctx, id)) }, 1, 1},
	}
}

// ledgerEntry is an event of an address by channel at a time.
type ledgerEntry struct {
	address, kind, channel string
	at                     time.Time
}

func appendEntries(t *testing.T, db *store.DB, entries []ledgerEntry) []store.Event {
	t.Helper()
	var stored []store.Event
	for _, en := range entries {
		e := event(en.address, en.kind, "")
		e.Channel, e.OccurredAt = en.channel, en.at
		s, _ := appendEvent(t, db, e)
		stored = append(stored, s)
	}
	return stored
}

func proofOwners(t *testing.T, db *store.DB) []store.ProofOwner {
	t.Helper()
	owners, err := db.ProofOwners(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return owners
}

// TestProofOwnersAndPruneProof: a1 is live, a2 and a3 were deleted in the
// CRM and purged, a4 was deleted but not purged yet.
func TestProofOwnersAndPruneProof(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "nachweis")
	ctx := t.Context()
	at := func(hours int) time.Time { return syncTime.Add(time.Duration(hours) * time.Hour) }
	upsert(t, db, contacts("a1", "a2", "a3", "a4"))
	stored := appendEntries(t, db, []ledgerEntry{
		{"a2", store.EventGiven, store.ChannelWeb, at(0)},
		{"a1", store.EventGiven, store.ChannelWeb, at(0)},
		{"a2", store.EventGiven, store.ChannelPhone, at(1)},
		{"a3", store.EventGiven, store.ChannelWeb, at(2)},
		{"a4", store.EventGiven, store.ChannelPhone, at(3)},
		{"a2", store.EventWithdrawn, store.ChannelWeb, at(4)},
		{"a1", store.EventWithdrawn, store.ChannelWeb, at(5)},
	})
	putConsents(t, db, usedAt(givenConsent("a2", "Akquisition", at(0)), at(0).Add(30*time.Minute)),
		usedAt(givenConsent("a2", "Newsletter", at(1)), at(1).Add(45*time.Minute)), givenConsent("a3", "Akquisition", at(2)))
	inTx(t, db, func(tx *store.Tx) error {
		var objections []store.RecipientObjection
		for _, id := range []string{"a1", "a2", "a3"} {
			objections = append(objections, store.RecipientObjection{AddressID: id, Recipient: "Bank", Purpose: "Finanzierung", CreatedAt: syncTime, EventID: 1})
		}
		return tx.AddRecipientObjections(ctx, objections)
	})
	markDeleted(t, db, "a1")
	for _, id := range []string{"a2", "a3"} {
		if !purge(t, db, id) {
			t.Fatalf("%s was not purged", id)
		}
	}
	lastUsed, lastPhone := at(1).Add(45*time.Minute), at(1)
	a3 := store.ProofOwner{AddressID: "a3", LastEvent: at(2)}
	want := []store.ProofOwner{{AddressID: "a2", LastEvent: at(4), LastUsed: &lastUsed, LastPhoneEvent: &lastPhone}, a3}
	if got := proofOwners(t, db); !reflect.DeepEqual(got, want) {
		t.Errorf("proof owners %+v, want %+v", got, want)
	}

	prunedAt := syncTime.AddDate(3, 0, 0)
	testPruneProof(t, db, prunedAt)
	if got := proofOwners(t, db); !reflect.DeepEqual(got, []store.ProofOwner{a3}) {
		t.Errorf("proof owners after pruning a2: %+v, want a3 only", got)
	}
	testLedgerPastPruned(t, db, stored, "a2", prunedAt)
}

// testPruneProof prunes a2's proof; it refuses addresses the mirror holds.
func testPruneProof(t *testing.T, db *store.DB, at time.Time) {
	t.Helper()
	ctx := t.Context()
	prunes := []struct {
		id      string
		want    int64
		wantErr string
	}{
		{"a1", 0, `address "a1": the mirror still holds it`},
		{"a4", 0, `address "a4": the mirror still holds it`}, // deleted, not purged yet
		{"a2", 3, ""},
	}
	for _, p := range prunes {
		var n int64
		err := db.InTx(ctx, func(tx *store.Tx) error { var err error; n, err = tx.PruneProof(ctx, p.id, at); return err })
		if n != p.want || (err == nil) != (p.wantErr == "") || (err != nil && !strings.Contains(err.Error(), p.wantErr)) {
			t.Errorf("PruneProof(%s) = %d, %v; want %d, %q", p.id, n, err, p.want, p.wantErr)
		}
	}
	left := []struct {
		name  string
		count func(string) (int, error)
		want  map[string]int
	}{
		{"events", func(id string) (int, error) { return length(db.EventsOf(ctx, id)) }, map[string]int{"a1": 2, "a2": 0, "a3": 1, "a4": 1}},
		{"consents", func(id string) (int, error) { return length(db.ConsentsOf(ctx, id)) }, map[string]int{"a2": 0, "a3": 1}},
		{"objections", func(id string) (int, error) { return length(db.RecipientObjectionsOf(ctx, id)) }, map[string]int{"a1": 1, "a2": 0, "a3": 1}},
	}
	for _, l := range left {
		for id, want := range l.want {
			if n, err := l.count(id); err != nil || n != want {
				t.Errorf("%s of %s after pruning: %d, %v; want %d", l.name, id, n, err, want)
			}
		}
	}
}

// testLedgerPastPruned checks that the ledger yields the pruned events of
// address as their id and old hash only, between the others in id order,
// and that the chain of hashes runs through them unbroken.
func testLedgerPastPruned(t *testing.T, db *store.DB, stored []store.Event, address string, prunedAt time.Time) {
	t.Helper()
	got := ledger(t, db)
	if len(got) != len(stored) {
		t.Fatalf("ledger yields %d events, want %d", len(got), len(stored))
	}
	prevHash := store.GenesisHash
	for i, e := range got {
		want := stored[i]
		if want.AddressID == address {
			want = store.Event{ID: want.ID, Hash: want.Hash, OccurredAt: prunedAt, Pruned: true}
		}
		if !reflect.DeepEqual(e, want) {
			t.Errorf("event %d: %+v, want %+v", i+1, e, want)
		}
		if !e.Pruned && (e.PrevHash != prevHash || e.ChainHash() != e.Hash) {
			t.Errorf("event %d breaks the chain", e.ID)
		}
		prevHash = e.Hash
	}
	if id, hash, err := db.LedgerHead(t.Context()); err != nil || id != stored[len(stored)-1].ID || hash != prevHash {
		t.Errorf("ledger head %d %s, %v; want the last event's", id, hash, err)
	}
}

func TestSuppressions(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "sperrliste")
	ctx := t.Context()
	mail, phone, other := identifier("j.weiss@example.de"), identifier("+4989123456"), identifier("anna@example.de")
	entry := func(address, kind, ident, scope string, reviewYears int, event int64) store.Suppression {
		return store.Suppression{AddressID: address, Kind: kind, Identifier: ident, Scope: scope,
			CreatedAt: syncTime, ReviewAt: syncTime.AddDate(reviewYears, 0, 0), EventID: event}
	}
	first := entry("a1", store.SuppressEmail, mail, "Akquisition", 2, 1)
	newsletter := entry("a1", store.SuppressEmail, mail, "Newsletter", 1, 3)
	byPhone := entry("a1", store.SuppressPhone, phone, "Akquisition", 2, 4)
	a2 := entry("a2", store.SuppressEmail, other, "Akquisition", 1, 5)
	batches := [][]store.Suppression{
		{first, entry("a1", store.SuppressEmail, mail, "Akquisition", 5, 2)},
		{entry("a2", store.SuppressEmail, mail, "Akquisition", 3, 6), newsletter, byPhone, a2},
	}
	for _, b := range batches {
		inTx(t, db, func(tx *store.Tx) error { return tx.AddSuppressions(ctx, b) })
	}
	checkSuppressions(t, db, map[string][]store.Suppression{"a1": {first, newsletter, byPhone}, "a2": {a2}})
	reviews := []struct {
		now  time.Time
		want int64
	}{
		{syncTime, 0},
		{syncTime.AddDate(1, 0, 0), 0}, // due at, not before
		{syncTime.AddDate(1, 0, 0).Add(time.Second), 2},
		{syncTime.AddDate(2, 0, 1), 4},
	}
	for _, r := range reviews {
		if n, err := db.SuppressionsForReview(ctx, r.now); err != nil || n != r.want {
			t.Errorf("for review at %v: %d, %v; want %d", r.now, n, err, r.want)
		}
	}
	inTx(t, db, func(tx *store.Tx) error { return tx.LiftSuppressions(ctx, "a1", "Akquisition", nil) })
	checkSuppressions(t, db, map[string][]store.Suppression{"a1": {newsletter}, "a2": {a2}})
	inTx(t, db, func(tx *store.Tx) error {
		return tx.LiftSuppressions(ctx, "a3", "Akquisition", []string{other, mail})
	})
	checkSuppressions(t, db, map[string][]store.Suppression{"a1": {newsletter}, "a2": nil})
	for _, want := range []bool{true, false} {
		var noted bool
		inTx(t, db, func(tx *store.Tx) (err error) {
			noted, err = tx.NoteSuppressionNotice(ctx, 7, "a9", syncTime)
			return err
		})
		if noted != want {
			t.Errorf("NoteSuppressionNotice = %t, want %t (once per entry and address)", noted, want)
		}
	}
}

// checkSuppressions reads back each address's entries, and finds each
// stored one, and no other, by identifier and scope.
func checkSuppressions(t *testing.T, db *store.DB, want map[string][]store.Suppression) {
	t.Helper()
	ctx := t.Context()
	stored := map[string]store.Suppression{}
	for address, entries := range want {
		got, err := db.SuppressionsOf(ctx, address)
		for i := range got {
			got[i].ID = 0 // compared by content; ids are the database's
		}
		if err != nil || !reflect.DeepEqual(got, entries) {
			t.Errorf("entries of %s: %+v, %v; want %+v", address, got, err, entries)
		}
		for _, s := range entries {
			stored[s.Identifier+" "+s.Scope] = s
		}
	}
	for _, scope := range []string{"Akquisition", "Newsletter"} {
		got, err := db.SuppressionsIn(ctx, scope)
		if err != nil {
			t.Fatal(err)
		}
		byKey := map[string]store.Suppression{}
		for _, g := range got {
			g.ID = 0
			byKey[g.Identifier+" "+g.Scope] = g
		}
		for key, s := range stored {
			if s.Scope == scope && !reflect.DeepEqual(byKey[key], s) {
				t.Errorf("SuppressionsIn(%s) has %+v, want %+v", scope, byKey[key], s)
			}
			delete(byKey, key)
		}
		if len(byKey) != 0 {
			t.Errorf("SuppressionsIn(%s) has entries stored for no address: %+v", scope, byKey)
		}
	}
}

func TestRecipientObjections(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "empfaenger")
	ctx := t.Context()
	objection := func(address, recipient, purpose string, event int64) store.RecipientObjection {
		return store.RecipientObjection{AddressID: address, Recipient: recipient, Purpose: purpose,
			CreatedAt: syncTime.Add(time.Duration(event) * time.Minute), EventID: event}
	}
	portal := objection("a1", "Immobilienscout24", "Akquisition", 1)
	bank := objection("a1", "Müller Finanz GmbH", "Finanzierung", 2)
	portalNews := objection("a1", "Immobilienscout24", "Newsletter", 4)
	other := objection("a2", "Immobilienscout24", "Akquisition", 5)
	batches := [][]store.RecipientObjection{
		{portal, bank, objection("a1", "Immobilienscout24", "Akquisition", 3)},
		{portal, portalNews, other},
	}
	for _, b := range batches {
		inTx(t, db, func(tx *store.Tx) error { return tx.AddRecipientObjections(ctx, b) })
	}
	readers := map[string]func(string) ([]store.RecipientObjection, error){
		"db": func(id string) ([]store.RecipientObjection, error) { return db.RecipientObjectionsOf(ctx, id) },
		"tx": func(id string) (out []store.RecipientObjection, err error) {
			inTx(t, db, func(tx *store.Tx) error { out, err = tx.RecipientObjectionsOf(ctx, id); return nil })
			return out, err
		},
	}
	want := map[string][]store.RecipientObjection{"a1": {portal, bank, portalNews}, "a2": {other}, "fehlt": nil}
	for name, read := range readers {
		for id, w := range want {
			if got, err := read(id); err != nil || !sameRows(got, w) {
				t.Errorf("%s: objections of %s %+v, %v; want %+v", name, id, got, err, w)
			}
		}
	}
	noRecipient := objection("a1", "", "Akquisition", 6)
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		return tx.AddRecipientObjections(ctx, []store.RecipientObjection{noRecipient})
	}); err == nil {
		t.Error("an objection without a recipient was stored")
	}
}

func TestStaleConsents(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "veraltet")
	const day = 24 * time.Hour
	cut := syncTime
	upsert(t, db, contacts("a1", "a2", "a3", "a4", "a5", "a6"))
	markDeleted(t, db, "a1", "a2", "a3", "a4", "a6")
	withdrawn := withdrawnConsent("a4", "Akquisition", cut.Add(-50*day))
	putConsents(t, db,
		givenConsent("a1", "Akquisition", cut.Add(-10*day)),                           // unused since given
		usedAt(givenConsent("a2", "Akquisition", cut.Add(-30*day)), cut.Add(day)),     // used since
		usedAt(givenConsent("a3", "Akquisition", cut.Add(-40*day)), cut.Add(-20*day)), // unused since its last use
		withdrawn,
		givenConsent("a5", "Akquisition", cut.Add(-60*day)),    // the CRM deleted the address
		givenConsent("a6", "Akquisition", cut),                 // given at the cut-off, not before
		givenConsent("a1", "Newsletter", cut.Add(-70*day)),     // another purpose
		givenConsent("fehlt", "Akquisition", cut.Add(-80*day)), // no mirror row
	)
	oldest := cut.Add(-20 * day)
	tests := []struct {
		before time.Time
		want   store.Staleness
	}{
		{cut, store.Staleness{Stale: 2, Oldest: &oldest}},
		{cut.Add(-15 * day), store.Staleness{Stale: 1, Oldest: &oldest}},
		{cut.Add(-20 * day), store.Staleness{}},
		{cut.Add(2 * day), store.Staleness{Stale: 4, Oldest: &oldest}},
	}
	for _, tt := range tests {
		got, err := db.StaleConsents(t.Context(), "Akquisition", tt.before)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("unused since before %v: %+v, %v; want %+v", tt.before, got, err, tt.want)
		}
	}
}

func TestRecordsOfAnAddress(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "auskunft")
	ctx := t.Context()
	news, acq, other := givenConsent("a1", "Newsletter", syncTime), givenConsent("a1", "Akquisition", syncTime), givenConsent("a2", "Akquisition", syncTime)
	putConsents(t, db, news, acq, other)
	revokedAt := syncTime.Add(time.Hour)
	var links []store.Link // a1's revoked and working link, then a2's
	inTx(t, db, func(tx *store.Tx) error {
		for i, id := range []string{"a1", "a1", "a2"} {
			if _, err := tx.RevokeLinks(ctx, id, revokedAt); err != nil {
				return err
			}
			l, err := tx.InsertLink(ctx, id, identifier(fmt.Sprint("link ", i)), syncTime)
			if err != nil {
				return err
			}
			links = append(links, l)
		}
		return nil
	})
	links[0].RevokedAt = &revokedAt
	activity := outboxRow("a1", "a1-2", syncTime.Add(time.Minute))
	activity.Kind = "crm.activity"
	enqueue(t, db, outboxRow("a1", "a1-1", syncTime), outboxRow("a2", "a2-1", syncTime), activity)
	entry := func(kind string, at time.Time) store.OutboxEntry {
		return store.OutboxEntry{Kind: kind, State: store.OutboxPending, CreatedAt: at}
	}
	tests := []struct {
		id       string
		consents []store.ConsentState
		links    []store.Link
		outbox   []store.OutboxEntry
	}{
		{"a1", []store.ConsentState{acq, news}, links[:2], []store.OutboxEntry{entry("crm.patch", syncTime), entry("crm.activity", syncTime.Add(time.Minute))}},
		{"a2", []store.ConsentState{other}, links[2:], []store.OutboxEntry{entry("crm.patch", syncTime)}},
		{"fehlt", nil, nil, nil},
	}
	for _, tt := range tests {
		if got, err := db.ConsentsOf(ctx, tt.id); err != nil || !sameRows(got, tt.consents) {
			t.Errorf("consents of %s: %+v, %v; want %+v", tt.id, got, err, tt.consents)
		}
		if got, err := db.LinksOf(ctx, tt.id); err != nil || !sameRows(got, tt.links) {
			t.Errorf("links of %s: %+v, %v; want %+v", tt.id, got, err, tt.links)
		}
		if got, err := db.OutboxOf(ctx, tt.id); err != nil || !sameRows(got, tt.outbox) {
			t.Errorf("CRM writes of %s: %+v, %v; want %+v", tt.id, got, err, tt.outbox)
		}
	}
}
