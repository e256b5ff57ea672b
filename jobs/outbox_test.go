package jobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/consentd/consentd/connector"
	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/jobs"
	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/mockcrm"
	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/store/storetest"
	"github.com/consentd/consentd/sync"
)

const outboxSlug = "mueller-immobilien"

// outboxEnv is a company with its database, a mock CRM over HTTP and a
// clock the test moves, so retries fall due without waiting.
type outboxEnv struct {
	t        *testing.T
	crm      *mockcrm.Server
	crmURL   string
	stores   *store.Manager
	db       *store.DB
	contacts []string
	keys     atomic.Int64

	mu  gosync.Mutex
	now time.Time
}

func newOutboxEnv(t *testing.T, contacts int) *outboxEnv {
	t.Helper()
	// Every reading of the mock's clock moves it on by 1 ms, so the order
	// of its write log is the order the writes arrived in.
	base, tick := time.Now(), atomic.Int64{}
	crm := mockcrm.New(mockcrm.Options{Contacts: contacts, Seed: 5, RatePerSecond: -1,
		Now: func() time.Time { return base.Add(time.Duration(tick.Add(1)) * time.Millisecond) }})
	srv := httptest.NewServer(crm)
	t.Cleanup(srv.Close)
	stores := storetest.Manager(t)
	e := &outboxEnv{t: t, crm: crm, crmURL: srv.URL, stores: stores, now: base}
	e.db = storetest.DB(t, stores, outboxSlug)
	e.contacts = crm.ContactIDs()
	return e
}

func (e *outboxEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *outboxEnv) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

// client is a connector that gives up quickly, so a failing CRM shows as a
// failed attempt of the worker rather than as a long wait in the client.
func (e *outboxEnv) client() *connector.Client {
	e.t.Helper()
	c, err := connector.New(connector.Config{BaseURL: e.crmURL, APIToken: mockcrm.DefaultAPIToken,
		RequestsPerSecond: 10000, Burst: 100, MaxRetries: 1, BackoffMin: time.Millisecond, BackoffMax: 2 * time.Millisecond,
		Timeout: 5 * time.Second}, zerolog.Nop())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// worker is an outbox worker on the databases of stores, as serve runs it.
func (e *outboxEnv) worker(stores *store.Manager, o jobs.OutboxOptions) *jobs.Outbox {
	o.Now = e.clock
	return jobs.NewOutbox(outboxSlug, jobs.NewDatabases(stores, 1), e.client(), o, zerolog.New(zerolog.NewTestWriter(e.t)))
}

// enqueue commits rows as a consent action would, each with a fresh key.
func (e *outboxEnv) enqueue(rows ...store.OutboxRow) []store.OutboxRow {
	e.t.Helper()
	for i := range rows {
		rows[i].Key = fmt.Sprintf("consentd:%s:%s:%d", outboxSlug, rows[i].Kind, e.keys.Add(1))
		rows[i].CreatedAt = e.clock()
	}
	err := e.db.InTx(context.Background(), func(tx *store.Tx) error { return tx.Enqueue(context.Background(), rows...) })
	if err != nil {
		e.t.Fatalf("enqueue: %v", err)
	}
	return rows
}

func payload(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func consentPatchRow(t *testing.T, contact, date string) store.OutboxRow {
	fields := mapping.Default().ConsentPatch(mapping.ConsentFields{
		Source: consent.DefaultSource, Purpose: consent.DefaultPurpose, Date: date})
	return store.OutboxRow{AddressID: contact, Kind: consent.OutboxPatch,
		Payload: payload(t, consent.PatchPayload{Schema: "contacts", Fields: fields})}
}

func patchRow(t *testing.T, contact string, fields map[string][]any) store.OutboxRow {
	return store.OutboxRow{AddressID: contact, Kind: consent.OutboxPatch,
		Payload: payload(t, consent.PatchPayload{Schema: "contacts", Fields: fields})}
}

func activityRow(t *testing.T, contact, subject string) store.OutboxRow {
	a := connector.Activity{Type: "Einwilligung", Subject: subject, Date: time.Now().UnixMilli(),
		Entities: []connector.EntityRef{{Schema: "contacts", ID: contact}}}
	return store.OutboxRow{AddressID: contact, Kind: consent.OutboxActivity, Payload: payload(t, consent.ActivityPayload{Activity: a})}
}

// rowState is an outbox row as the table holds it now.
type rowState struct {
	State, LastError, Result string
	Attempts                 int
}

// state reads rows straight from the table: the store offers no view of
// done rows, which only tests need.
func (e *outboxEnv) state(id int64) rowState {
	e.t.Helper()
	var s rowState
	err := storetest.SQL(e.t, e.stores, outboxSlug).QueryRow(`SELECT state, last_error, result, attempts FROM outbox WHERE id = $1`, id).
		Scan(&s.State, &s.LastError, &s.Result, &s.Attempts)
	if err != nil {
		e.t.Fatalf("read outbox row %d: %v", id, err)
	}
	return s
}

// pass runs one pass and fails the test on a pass error.
func (e *outboxEnv) pass(w *jobs.Outbox) (delivered, failed int) {
	e.t.Helper()
	delivered, failed, err := w.DeliverDue(context.Background())
	if err != nil {
		e.t.Fatalf("pass: %v", err)
	}
	return delivered, failed
}

// drain runs passes, an hour apart so every retry is due, until nothing is
// pending; it fails the test when that takes more than max passes.
func (e *outboxEnv) drain(w *jobs.Outbox, max int) {
	e.t.Helper()
	for range max {
		e.pass(w)
		st, err := e.db.OutboxStats(context.Background())
		if err != nil {
			e.t.Fatal(err)
		}
		if st.Pending == 0 {
			return
		}
		e.advance(time.Hour)
	}
	e.t.Fatalf("outbox not drained after %d passes", max)
}

func (e *outboxEnv) activitiesWithKey(key string) []mockcrm.Activity {
	var out []mockcrm.Activity
	for _, a := range e.crm.Activities() {
		if a.ExternalID == key {
			out = append(out, a)
		}
	}
	return out
}

// contactFields reads fields of a contact as the mock CRM holds them.
func (e *outboxEnv) contactFields(id string, names ...string) map[string]string {
	e.t.Helper()
	raw, ok := e.crm.Contact(id)
	if !ok {
		e.t.Fatalf("contact %s is gone", id)
	}
	var generic map[string]json.RawMessage
	if err := json.Unmarshal(raw, &generic); err != nil {
		e.t.Fatal(err)
	}
	out := map[string]string{}
	for _, n := range names {
		var f struct {
			Values []any `json:"values"`
		}
		if err := json.Unmarshal(generic[n], &f); err != nil {
			e.t.Fatalf("field %s of contact %s: %v", n, id, err)
		}
		out[n] = strings.Trim(fmt.Sprint(f.Values), "[]")
	}
	return out
}

// giveConsent mirrors the CRM, issues the contact's link and gives consent
// through it, as the consent page does.
func (e *outboxEnv) giveConsent(contact string) {
	e.t.Helper()
	ctx := context.Background()
	if _, err := sync.New(e.client(), e.db, mapping.Default(), sync.Options{Now: e.clock}, zerolog.Nop()).Run(ctx, sync.Incremental); err != nil {
		e.t.Fatalf("mirror the CRM: %v", err)
	}
	svc := consent.NewService(e.db, mapping.Default(), consent.Settings{Company: outboxSlug, PublicURL: "https://einwilligung.example.de",
		Text: consent.Text{Version: "2026-11", Body: "Ich willige ein."}}, e.clock)
	var token string
	if _, err := svc.IssueLinks(ctx, false, func(addressID, url string) error {
		if addressID == contact {
			token = url[strings.LastIndex(url, "/")+1:]
		}
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
	subj, err := svc.Resolve(ctx, token)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := svc.Give(ctx, subj, consent.Client{IP: "203.0.113.9"}, "action-1"); err != nil {
		e.t.Fatal(err)
	}
}

func TestOutboxDeliversGivenConsentAsFieldsAndOneActivity(t *testing.T) {
	t.Parallel()
	e := newOutboxEnv(t, 3)
	contact := e.contacts[1]
	e.giveConsent(contact)
	var seen []jobs.OutboxAttempt
	w := e.worker(e.stores, jobs.OutboxOptions{Observe: func(a jobs.OutboxAttempt) { seen = append(seen, a) }})
	e.advance(time.Second)

	// The claim hands out one row per address: the patch, then the activity.
	for i, want := range []int{1, 1, 0} {
		if delivered, failed := e.pass(w); delivered != want || failed != 0 {
			t.Fatalf("pass %d: delivered %d, failed %d; want %d, 0", i+1, delivered, failed, want)
		}
	}
	got := e.contactFields(contact, "einwilligung_quelle", "einwilligung_zweck", "einwilligung_datum",
		"einwilligung_widerrufsdatum", "einwilligung_widerrufsgrund")
	want := map[string]string{"einwilligung_quelle": "Kontaktformular", "einwilligung_zweck": "Akquisition und Vermittlung von Immobilien",
		"einwilligung_datum": e.clock().In(outboxBerlin(t)).Format(time.DateOnly), "einwilligung_widerrufsdatum": "", "einwilligung_widerrufsgrund": ""}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("CRM consent fields %v, want %v", got, want)
	}
	acts := e.crm.Activities()
	if len(acts) != 1 {
		t.Fatalf("%d activities in the CRM, want exactly 1", len(acts))
	}
	a := acts[0]
	if a.Type != "Einwilligung" || len(a.Entities) != 1 || a.Entities[0].ID != contact ||
		!strings.HasPrefix(a.ExternalID, "consentd:"+outboxSlug+":crm.activity:") {
		t.Fatalf("activity %+v: want type Einwilligung on contact %s with the row's key", a, contact)
	}
	if st := e.state(2); st.State != store.OutboxDone || st.Result != a.ID {
		t.Fatalf("activity row %+v: want done with the activity id %s", st, a.ID)
	}
	if len(seen) != 2 || seen[0].Kind != consent.OutboxPatch || seen[1].Kind != consent.OutboxActivity ||
		seen[1].Result != jobs.OutboxDelivered || seen[1].Age < time.Second {
		t.Fatalf("observer saw %+v", seen)
	}
}

func outboxBerlin(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestOutboxLostAnswerDoesNotDuplicateTheActivity(t *testing.T) {
	t.Parallel()
	e := newOutboxEnv(t, 2)
	rows := e.enqueue(activityRow(t, e.contacts[0], "Einwilligung erteilt"))
	w := e.worker(e.stores, jobs.OutboxOptions{})

	// The CRM stores the activity but the answer is lost: the outcome is unknown.
	e.crm.SetFaults(mockcrm.Faults{LostResponseRate: 1})
	if delivered, failed := e.pass(w); delivered != 0 || failed != 1 {
		t.Fatalf("first pass delivered %d, failed %d; want 0, 1", delivered, failed)
	}
	if st := e.state(1); st.State != store.OutboxPending || !strings.Contains(st.LastError, "502") {
		t.Fatalf("after the lost answer the row is %+v, want pending with the 502", st)
	}
	e.crm.SetFaults(mockcrm.Faults{})
	e.advance(time.Minute)
	e.drain(w, 3)
	acts := e.activitiesWithKey(rows[0].Key)
	if len(acts) != 1 {
		t.Fatalf("%d activities with the key after the retry, want 1", len(acts))
	}
	if st := e.state(1); st.State != store.OutboxDone || st.Result != acts[0].ID {
		t.Fatalf("row %+v, want done with the existing activity's id %s", st, acts[0].ID)
	}
}

func TestOutboxWorkerDyingAfterTheCRMWriteDoesNotDuplicate(t *testing.T) {
	t.Parallel()
	e := newOutboxEnv(t, 2)
	rows := e.enqueue(activityRow(t, e.contacts[0], "Einwilligung erteilt"))
	ctx := context.Background()

	// A worker claims the row and posts the activity, then dies before it
	// can record the outcome: the row stays leased with one attempt.
	claimed, err := e.db.ClaimOutbox(ctx, e.clock(), 10, time.Minute)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v, %d rows", err, len(claimed))
	}
	var p consent.ActivityPayload
	if err := json.Unmarshal(claimed[0].Payload, &p); err != nil {
		t.Fatal(err)
	}
	p.Activity.ExternalID = claimed[0].Key
	if _, err := e.client().CreateActivity(ctx, p.Activity); err != nil {
		t.Fatal(err)
	}

	// After a restart the row is not due while the dead worker's lease runs.
	w := e.worker(e.stores, jobs.OutboxOptions{Lease: time.Minute, RowTimeout: 5 * time.Second})
	if delivered, failed := e.pass(w); delivered+failed != 0 {
		t.Fatalf("a leased row was delivered again")
	}
	e.advance(2 * time.Minute)
	if delivered, _ := e.pass(w); delivered != 1 {
		t.Fatalf("the row was not completed after the lease ran out")
	}
	if acts := e.activitiesWithKey(rows[0].Key); len(acts) != 1 {
		t.Fatalf("%d activities with the key, want 1", len(acts))
	}
}

func TestOutboxCRMDownForAWhileDeliversEverythingInOrder(t *testing.T) {
	t.Parallel()
	e := newOutboxEnv(t, 4)
	type sent struct {
		contact, what string
	}
	var want []sent
	for _, c := range e.contacts {
		e.enqueue(patchRow(t, c, map[string][]any{"einwilligung_quelle": {"Kontaktformular"}}),
			activityRow(t, c, "Einwilligung erteilt"),
			patchRow(t, c, map[string][]any{"einwilligung_widerrufsgrund": {"kein Interesse mehr"}}),
			activityRow(t, c, "Einwilligung widerrufen"))
		want = append(want, sent{c, "PATCH einwilligung_quelle"}, sent{c, "Einwilligung erteilt"},
			sent{c, "PATCH einwilligung_widerrufsgrund"}, sent{c, "Einwilligung widerrufen"})
	}
	w := e.worker(e.stores, jobs.OutboxOptions{Workers: 3})

	e.crm.SetFaults(mockcrm.Faults{ErrorRate: 1})
	for range 3 {
		if delivered, failed := e.pass(w); delivered != 0 || failed != len(e.contacts) {
			t.Fatalf("while the CRM fails: delivered %d, failed %d; want 0, %d", delivered, failed, len(e.contacts))
		}
		e.advance(time.Hour)
	}
	e.crm.SetFaults(mockcrm.Faults{})
	e.drain(w, 6)

	// The mock's write log, per contact, in arrival order.
	type logged struct {
		at   int64
		what string
	}
	got := map[string][]logged{}
	in := e.crm.Inspect()
	for _, cw := range in.ContactWrites {
		for f := range cw.Fields {
			got[cw.ContactID] = append(got[cw.ContactID], logged{cw.At, cw.Method + " " + f})
		}
	}
	for _, a := range in.Activities {
		got[a.Entities[0].ID] = append(got[a.Entities[0].ID], logged{a.CreatedAt, a.Subject})
	}
	for _, c := range e.contacts {
		slices.SortFunc(got[c], func(a, b logged) int { return int(a.at - b.at) })
		var order, expect []string
		for _, l := range got[c] {
			order = append(order, l.what)
		}
		for _, s := range want {
			if s.contact == c {
				expect = append(expect, s.what)
			}
		}
		if !slices.Equal(order, expect) {
			t.Errorf("contact %s: CRM got %q, want %q", c, order, expect)
		}
	}
}

func TestOutboxParksWhatTheCRMRefusesAndRetriesOnRequest(t *testing.T) {
	t.Parallel()
	e := newOutboxEnv(t, 3)
	blocked, other := e.contacts[0], e.contacts[1]
	// The broker has not created the activity type yet.
	e.crm.SetActivityTypes("Notiz")
	e.enqueue(activityRow(t, blocked, "Einwilligung erteilt"),
		patchRow(t, other, map[string][]any{"gibt_es_nicht": {"x"}}),
		patchRow(t, blocked, map[string][]any{"einwilligung_widerrufsgrund": {"umgezogen"}}),
		patchRow(t, other, map[string][]any{"einwilligung_quelle": {"Kontaktformular"}}))
	w := e.worker(e.stores, jobs.OutboxOptions{})
	for range 3 {
		e.pass(w)
		e.advance(time.Hour)
	}

	tests := []struct {
		id    int64
		state string
		error string
	}{
		{1, store.OutboxParked, `400 permanent failure: activity type "Einwilligung" does not exist`},
		{2, store.OutboxParked, "400 permanent failure"},
		{3, store.OutboxPending, ""}, // waits behind the parked activity
		{4, store.OutboxPending, ""},
	}
	for _, tt := range tests {
		st := e.state(tt.id)
		if st.State != tt.state || !strings.Contains(st.LastError, tt.error) || st.Attempts > 1 {
			t.Errorf("row %d: %+v, want %s with error %q after one attempt", tt.id, st, tt.state, tt.error)
		}
	}
	if !strings.Contains(e.state(2).LastError, "gibt_es_nicht") {
		t.Errorf("the parked patch does not name the unknown field: %q", e.state(2).LastError)
	}

	// The broker creates the type; the admin re-queues.
	e.crm.SetActivityTypes(mockcrm.DefaultActivityTypes...)
	if n, err := e.db.RequeueParked(context.Background(), e.clock()); err != nil || n != 2 {
		t.Fatalf("requeue: %d, %v; want 2", n, err)
	}
	e.pass(w)
	e.pass(w)
	for id, want := range map[int64]string{1: store.OutboxDone, 2: store.OutboxParked, 3: store.OutboxDone, 4: store.OutboxPending} {
		if st := e.state(id); st.State != want {
			t.Errorf("after the retry row %d is %+v, want %s", id, st, want)
		}
	}
	if fields := e.contactFields(blocked, "einwilligung_widerrufsgrund"); fields["einwilligung_widerrufsgrund"] != "umgezogen" {
		t.Errorf("the waiting patch did not arrive: %v", fields)
	}
}

func TestOutboxParksAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	e := newOutboxEnv(t, 1)
	e.enqueue(patchRow(t, e.contacts[0], map[string][]any{"einwilligung_quelle": {"Kontaktformular"}}))
	var results []jobs.OutboxResult
	w := e.worker(e.stores, jobs.OutboxOptions{MaxAttempts: 3, Observe: func(a jobs.OutboxAttempt) { results = append(results, a.Result) }})
	e.crm.SetFaults(mockcrm.Faults{ErrorRate: 1})
	for range 4 {
		e.pass(w)
		e.advance(time.Hour)
	}
	st := e.state(1)
	if st.State != store.OutboxParked || !strings.Contains(st.LastError, "gave up after 3 of 3 attempts") {
		t.Fatalf("row %+v, want parked after 3 attempts", st)
	}
	want := []jobs.OutboxResult{jobs.OutboxFailed, jobs.OutboxFailed, jobs.OutboxParked}
	if !slices.Equal(results, want) {
		t.Fatalf("observer saw %v, want %v", results, want)
	}
}

func TestOutboxUnusableRowsAreParkedWithoutQuotingThem(t *testing.T) {
	t.Parallel()
	e := newOutboxEnv(t, 1)
	c := e.contacts[0]
	secret := "Geheimstraße 13"
	e.enqueue(
		store.OutboxRow{AddressID: c + "-1", Kind: "crm.fax", Payload: payload(t, map[string]string{"text": secret})},
		store.OutboxRow{AddressID: c + "-2", Kind: consent.OutboxPatch, Payload: payload(t, map[string]any{"schema": "contacts", "fields": secret})},
		store.OutboxRow{AddressID: c + "-3", Kind: consent.OutboxPatch, Payload: payload(t, map[string]any{"schema": "contacts"})},
		store.OutboxRow{AddressID: c + "-4", Kind: consent.OutboxProfileDelete, Payload: payload(t, map[string]any{})},
	)
	w := e.worker(e.stores, jobs.OutboxOptions{})
	if delivered, failed := e.pass(w); delivered != 0 || failed != 4 {
		t.Fatalf("delivered %d, failed %d; want 0, 4", delivered, failed)
	}
	wants := []string{`kind "crm.fax" is unknown`, `does not fit kind "crm.patch"`, "names no schema or no fields", "names no search profile to delete"}
	for i, want := range wants {
		st := e.state(int64(i + 1))
		if st.State != store.OutboxParked || !strings.Contains(st.LastError, want) || strings.Contains(st.LastError, secret) {
			t.Errorf("row %d: %+v, want parked with %q and no payload", i+1, st, want)
		}
	}
	if n := e.crm.Requests(); n["patch"]+n["profile.delete"] != 0 {
		t.Errorf("unusable rows reached the CRM: %v", n)
	}
}

func TestOutboxSearchProfilesExactlyOnce(t *testing.T) {
	t.Parallel()
	e := newOutboxEnv(t, 2)
	c := e.contacts[0]
	price := 450000.0
	p := connector.SearchProfile{ContactID: c, Title: "3 Zimmer Augsburg", Active: true, MarketingType: "BUY",
		EstateTypes: []string{"APARTMENT"}, Cities: []string{"Augsburg"}, PriceMax: &price}
	before := len(e.crm.SearchProfiles(c))
	e.enqueue(store.OutboxRow{AddressID: c, Kind: consent.OutboxProfileCreate, Payload: payload(t, consent.ProfilePayload{Profile: p})},
		store.OutboxRow{AddressID: c, Kind: consent.OutboxProfileDelete, Payload: payload(t, consent.ProfileDeletePayload{ID: "sp-999999"})})
	w := e.worker(e.stores, jobs.OutboxOptions{})

	e.crm.SetFaults(mockcrm.Faults{LostResponseRate: 1})
	e.pass(w)
	e.crm.SetFaults(mockcrm.Faults{})
	e.advance(time.Minute)
	e.drain(w, 4)

	var created []mockcrm.SearchProfile
	for _, sp := range e.crm.SearchProfiles(c) {
		if sp.Title == p.Title {
			created = append(created, sp)
		}
	}
	if len(created) != 1 || len(e.crm.SearchProfiles(c)) != before+1 {
		t.Fatalf("%d profiles titled %q (%d before, %d now), want exactly one new", len(created), p.Title, before, len(e.crm.SearchProfiles(c)))
	}
	if st := e.state(1); st.State != store.OutboxDone || st.Result != created[0].ID {
		t.Fatalf("create row %+v, want done with %s", st, created[0].ID)
	}
	if st := e.state(2); st.State != store.OutboxDone {
		t.Fatalf("deleting a profile the CRM no longer has: %+v, want done", st)
	}
}

func TestOutboxTwoWorkersNeverSendARowTwice(t *testing.T) {
	t.Parallel()
	e := newOutboxEnv(t, 12)
	replica := storetest.Replica(t, e.stores)
	var keys []string
	for _, c := range e.contacts {
		for _, r := range e.enqueue(patchRow(t, c, map[string][]any{"einwilligung_quelle": {"Kontaktformular"}}),
			activityRow(t, c, "Einwilligung erteilt"), activityRow(t, c, "Daten berichtigt")) {
			if r.Kind == consent.OutboxActivity {
				keys = append(keys, r.Key)
			}
		}
	}
	workers := []*jobs.Outbox{e.worker(e.stores, jobs.OutboxOptions{Batch: 5}), e.worker(replica, jobs.OutboxOptions{Batch: 5})}
	var wg gosync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			for range 40 {
				if _, _, err := w.DeliverDue(context.Background()); err != nil {
					t.Errorf("pass: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	st, err := e.db.OutboxStats(context.Background())
	if err != nil || st.Pending+st.Parked != 0 {
		t.Fatalf("left over: %+v, %v", st, err)
	}
	for _, k := range keys {
		if n := len(e.activitiesWithKey(k)); n != 1 {
			t.Errorf("activity %s sent %d times", k, n)
		}
	}
	if n := len(e.crm.Inspect().ContactWrites); n != len(e.contacts) {
		t.Errorf("%d PATCHes for %d patch rows", n, len(e.contacts))
	}
}

func TestOutboxRunWakesOnNotifyAndStopsSoftly(t *testing.T) {
	t.Parallel()
	e := newOutboxEnv(t, 1)
	w := e.worker(e.stores, jobs.OutboxOptions{Idle: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	rows := e.enqueue(activityRow(t, e.contacts[0], "Einwilligung erteilt"))
	w.Notify()
	deadline := time.Now().Add(10 * time.Second)
	for e.state(1).State != store.OutboxDone {
		if time.Now().After(deadline) {
			t.Fatal("Run did not deliver the row after Notify")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if n := len(e.activitiesWithKey(rows[0].Key)); n != 1 {
		t.Fatalf("%d activities, want 1", n)
	}
}

func TestOutboxStopFinishesTheRowInHandAndHandsBackTheRest(t *testing.T) {
	t.Parallel()
	e := newOutboxEnv(t, 2)
	e.enqueue(activityRow(t, e.contacts[0], "Einwilligung erteilt"), activityRow(t, e.contacts[1], "Einwilligung erteilt"))
	// The CRM answers slowly; the worker is told to stop while it waits.
	e.crm.SetFaults(mockcrm.Faults{Latency: 300 * time.Millisecond})
	w := e.worker(e.stores, jobs.OutboxOptions{Workers: 1})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	delivered, failed, err := w.DeliverDue(ctx)
	if err != nil || delivered != 1 || failed != 0 {
		t.Fatalf("delivered %d, failed %d, %v; want the row in hand finished and nothing else", delivered, failed, err)
	}
	if st := e.state(1); st.State != store.OutboxDone {
		t.Fatalf("row in hand %+v, want done", st)
	}
	// The row not started is due again at once, not after the lease.
	e.crm.SetFaults(mockcrm.Faults{})
	if delivered, _ := e.pass(e.worker(e.stores, jobs.OutboxOptions{})); delivered != 1 {
		t.Fatalf("the handed-back row was not delivered by the next worker")
	}
	if n := len(e.crm.Activities()); n != 2 {
		t.Fatalf("%d activities, want 2", n)
	}
}
