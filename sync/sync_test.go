package sync_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/consentd/consentd/connector"
	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/mockcrm"
	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/store/storetest"
	"github.com/consentd/consentd/sync"
)

// env is one company: a mock CRM over HTTP, a client and a migrated database.
type env struct {
	crm    *mockcrm.Server
	client *connector.Client
	db     *store.DB
	log    *logBuffer
}

type envOpts struct {
	contacts int
	seed     int64
	now      func() time.Time
}

func newEnv(t *testing.T, m *store.Manager, slug string, o envOpts) *env {
	t.Helper()
	crm := mockcrm.New(mockcrm.Options{Contacts: o.contacts, Seed: o.seed, RatePerSecond: -1, Now: o.now})
	srv := httptest.NewServer(crm)
	t.Cleanup(srv.Close)
	client, err := connector.New(connector.Config{
		BaseURL: srv.URL, APIToken: "mock-api-token", RequestsPerSecond: 10000, Burst: 1000,
		BackoffMin: time.Millisecond, BackoffMax: 20 * time.Millisecond,
	}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	return &env{crm: crm, client: client, db: storetest.DB(t, m, slug), log: &logBuffer{}}
}

func (e *env) syncer(crm sync.CRM, pageSize int) *sync.Syncer {
	log := zerolog.New(e.log)
	return sync.New(crm, e.db, mapping.Default(), sync.Options{PageSize: pageSize, Overlap: time.Second, ProfileWorkers: 3}, log)
}

func (e *env) run(t *testing.T, mode sync.Mode, pageSize int) sync.Result {
	t.Helper()
	res, err := e.syncer(e.client, pageSize).Run(context.Background(), mode)
	if err != nil {
		t.Fatalf("%s run: %v", mode.Job(), err)
	}
	return res
}

func (e *env) stats(t *testing.T) store.Stats {
	t.Helper()
	st, err := e.db.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// logBuffer collects log output safely from several goroutines.
type logBuffer struct {
	mu gosync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var _ io.Writer = (*logBuffer)(nil)

func TestFullSyncMirrorsEveryContact(t *testing.T) {
	e := newEnv(t, storetest.Manager(t), "mueller", envOpts{contacts: 730, seed: 1})
	res := e.run(t, sync.Full, 100)

	c := res.Counts
	if c.Fetched != 730 || c.Inserted != 730 || c.Skipped != 0 || c.Deleted != 0 {
		t.Fatalf("counts = %+v, want 730 fetched and inserted", c)
	}
	if st := e.stats(t); st.Addresses != 730 {
		t.Fatalf("mirror holds %d addresses, want 730", st.Addresses)
	}
	assertMirrored(t, e, e.crm.ContactIDs()[17])

	again := e.run(t, sync.Full, 100)
	if again.Counts.Unchanged != 730 || again.Counts.Inserted+again.Counts.Updated != 0 {
		t.Fatalf("second full run counts = %+v, want all 730 unchanged", again.Counts)
	}
}

// assertMirrored compares a mirrored address with the mapping of the CRM's
// own record.
func assertMirrored(t *testing.T, e *env, id string) {
	t.Helper()
	raw, ok := e.crm.Contact(id)
	if !ok {
		t.Fatalf("mock CRM has no contact %s", id)
	}
	var ent connector.Entity
	if err := json.Unmarshal(raw, &ent); err != nil {
		t.Fatal(err)
	}
	want, err := mapping.Default().Address(ent)
	if err != nil {
		t.Fatal(err)
	}
	got, found, err := e.db.Address(context.Background(), id)
	if err != nil || !found {
		t.Fatalf("address %s: found=%v err=%v", id, found, err)
	}
	if got.Hash() != want.Hash() || !got.CRMUpdatedAt.Equal(want.CRMUpdatedAt) {
		t.Fatalf("mirrored address differs from the CRM:\n got %+v\nwant %+v", got, want)
	}
}

func TestIncrementalPicksUpChangesWithFewRequests(t *testing.T) {
	e := newEnv(t, storetest.Manager(t), "mueller", envOpts{contacts: 2000, seed: 2})
	e.run(t, sync.Incremental, 200)

	ids := e.crm.ContactIDs()
	changed := []string{ids[3], ids[500], ids[1999]}
	for _, id := range changed {
		if !e.crm.UpdateContact(id, map[string]any{"lastName": "Weiß-Größer"}) {
			t.Fatalf("update %s", id)
		}
	}
	created := e.crm.CreateContact(map[string]any{"firstName": "Änne", "lastName": "Straßer"})
	if created == "" {
		t.Fatal("mock CRM refused the new contact")
	}
	e.crm.ResetRequests()

	res := e.run(t, sync.Incremental, 200)
	if res.Counts.Updated != 3 || res.Counts.Inserted != 1 {
		t.Fatalf("counts = %+v, want 3 updated and 1 inserted", res.Counts)
	}
	if n := e.crm.Requests()["search"]; n > 1+2 {
		t.Fatalf("incremental run made %d search requests for 4 changes, want at most 3", n)
	}
	for _, id := range append(changed, created) {
		assertMirrored(t, e, id)
	}
}

func TestReconciliationNoticesDeletions(t *testing.T) {
	e := newEnv(t, storetest.Manager(t), "mueller", envOpts{contacts: 300, seed: 3})
	e.run(t, sync.Full, 100)
	gone := e.crm.ContactIDs()[10:13]
	for _, id := range gone {
		if !e.crm.DeleteContact(id) {
			t.Fatalf("mock CRM has no contact %s", id)
		}
	}

	if res := e.run(t, sync.Incremental, 100); res.Counts.Deleted != 0 {
		t.Fatalf("incremental run deleted %d, want 0: only reconciliation notices deletions", res.Counts.Deleted)
	}
	res := e.run(t, sync.Full, 100)
	if res.Counts.Deleted != 3 {
		t.Fatalf("full run deleted %d, want 3", res.Counts.Deleted)
	}
	if st := e.stats(t); st.Addresses != 297 || st.Deleted != 3 {
		t.Fatalf("stats = %+v, want 297 active and 3 deleted", st)
	}
	if again := e.run(t, sync.Full, 100); again.Counts.Deleted != 0 {
		t.Fatalf("second reconciliation deleted %d again", again.Counts.Deleted)
	}
}

func TestCompaniesWithSameCRMIdsStaySeparate(t *testing.T) {
	m := storetest.Manager(t)
	a := newEnv(t, m, "alpha", envOpts{contacts: 50, seed: 9})
	b := newEnv(t, m, "beta", envOpts{contacts: 50, seed: 9})
	id := a.crm.ContactIDs()[0]
	if b.crm.ContactIDs()[0] != id {
		t.Fatal("the two CRMs should share ids for this test")
	}
	if !b.crm.UpdateContact(id, map[string]any{"firstName": "Beta-Kontakt"}) || !b.crm.DeleteContact(b.crm.ContactIDs()[1]) {
		t.Fatal("mock CRM refused the change")
	}

	a.run(t, sync.Full, 20)
	b.run(t, sync.Full, 20)

	gotA, _, _ := a.db.Address(context.Background(), id)
	gotB, _, _ := b.db.Address(context.Background(), id)
	if gotA.FirstName == "Beta-Kontakt" || gotB.FirstName != "Beta-Kontakt" {
		t.Fatalf("first names: alpha %q, beta %q — company data leaked or missing", gotA.FirstName, gotB.FirstName)
	}
	if sa, sb := a.stats(t), b.stats(t); sa.Addresses != 50 || sb.Addresses != 49 {
		t.Fatalf("alpha holds %d, beta %d addresses; want 50 and 49", sa.Addresses, sb.Addresses)
	}
}

// cancelAfter cancels a run's context once it has made n searches, as a
// process killed halfway would stop.
type cancelAfter struct {
	sync.CRM
	mu     gosync.Mutex
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Search(ctx context.Context, schema string, q connector.Query, page, size int) (*connector.Page, error) {
	c.mu.Lock()
	c.n--
	if c.n < 0 {
		c.cancel()
	}
	c.mu.Unlock()
	return c.CRM.Search(ctx, schema, q, page, size)
}

func TestRunKilledHalfwayLosesAndDuplicatesNothing(t *testing.T) {
	for _, mode := range []sync.Mode{sync.Incremental, sync.Full} {
		t.Run(mode.Job(), func(t *testing.T) {
			e := newEnv(t, storetest.Manager(t), "mueller", envOpts{contacts: 1000, seed: 4})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_, err := e.syncer(&cancelAfter{CRM: e.client, n: 4, cancel: cancel}, 100).Run(ctx, mode)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("killed run returned %v, want context.Canceled", err)
			}
			partial := e.stats(t)
			if partial.Addresses == 0 || partial.Addresses >= 1000 || partial.Deleted != 0 {
				t.Fatalf("after the killed run: %+v, want some but not all addresses and nothing deleted", partial)
			}
			res := e.run(t, mode, 100)
			if st := e.stats(t); st.Addresses != 1000 || st.Deleted != 0 {
				t.Fatalf("after the rerun: %+v, want 1000 addresses", st)
			}
			if res.Counts.Inserted != 1000-partial.Addresses {
				t.Fatalf("rerun inserted %d, want %d", res.Counts.Inserted, 1000-partial.Addresses)
			}
			assertRuns(t, e.db, mode.Job(), "canceled", "ok")
		})
	}
}

// assertRuns checks the outcome of the latest run and that the run before
// it was recorded too.
func assertRuns(t *testing.T, db *store.DB, job string, outcomes ...string) {
	t.Helper()
	runs, err := db.LastRuns(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if r.Job == job {
			if want := outcomes[len(outcomes)-1]; r.Outcome != want {
				t.Fatalf("last %s run outcome %q, want %q", job, r.Outcome, want)
			}
			return
		}
	}
	t.Fatalf("no %s run recorded in %+v", job, runs)
}

func TestMalformedContactsAreSkippedAndCounted(t *testing.T) {
	e := newEnv(t, storetest.Manager(t), "mueller", envOpts{contacts: 40, seed: 5})
	ts := time.Now().UnixMilli()
	meta := func(id string) string {
		return fmt.Sprintf(`"_metadata":{"id":%q,"schema":"contacts","createdAt":%d,"updatedAt":%d}`, id, ts, ts)
	}
	bad := map[string]string{
		"bad-no-id":     `{` + meta("") + `,"firstName":{"values":["Ohne"]}}`,
		"bad-types":     `{"id":"bad-types",` + meta("bad-types") + `,"firstName":{"values":[42]}}`,
		"bad-utf8":      `{"id":"bad-utf8",` + meta("bad-utf8") + `,"lastName":{"values":["M` + "\xff\xfe" + `ller"]}}`,
		"bad-huge":      `{"id":"bad-huge",` + meta("bad-huge") + `,"lastName":{"values":["` + strings.Repeat("x", 1<<20) + `"]}}`,
		"bad-structure": `{"id":"bad-structure",` + meta("bad-structure") + `,"emails":"nicht-so"}`,
	}
	for id, raw := range bad {
		e.crm.PutRaw(id, json.RawMessage(raw))
	}

	res := e.run(t, sync.Full, 10)
	if res.Counts.Skipped != int64(len(bad)) || res.Counts.Inserted != 40 {
		t.Fatalf("counts = %+v, want %d skipped and 40 inserted", res.Counts, len(bad))
	}
	logs := e.log.String()
	for _, id := range []string{"bad-types", "bad-utf8", "bad-huge", "bad-structure"} {
		if !strings.Contains(logs, id) {
			t.Errorf("log does not name skipped contact %s", id)
		}
	}
	if strings.Contains(logs, strings.Repeat("x", 100)) {
		t.Error("log repeats the content of a skipped contact")
	}
}

func TestCRMDownFailsAndKeepsTheWatermark(t *testing.T) {
	e := newEnv(t, storetest.Manager(t), "mueller", envOpts{contacts: 100, seed: 6})
	e.run(t, sync.Incremental, 50)
	before := e.stats(t).Watermark
	if !e.crm.UpdateContact(e.crm.ContactIDs()[0], map[string]any{"lastName": "Kölner"}) {
		t.Fatal("mock CRM refused the change")
	}
	e.crm.SetFaults(mockcrm.Faults{ErrorRate: 1})

	_, err := e.syncer(e.client, 50).Run(context.Background(), sync.Incremental)
	if !errors.Is(err, connector.ErrTransient) {
		t.Fatalf("run against a CRM answering 5xx returned %v, want a transient CRM error", err)
	}
	if after := e.stats(t).Watermark; after != before {
		t.Fatalf("watermark moved from %+v to %+v although the run failed", before, after)
	}
	assertRuns(t, e.db, "sync.incremental", "failed")
}

func TestContactsSharingOneMillisecondAreAllMirrored(t *testing.T) {
	fixed := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	e := newEnv(t, storetest.Manager(t), "mueller", envOpts{contacts: 0, seed: 7, now: func() time.Time { return fixed }})
	for i := range 250 {
		if e.crm.CreateContact(map[string]any{"lastName": fmt.Sprintf("Gleichzeitig %03d", i)}) == "" {
			t.Fatal("mock CRM refused a new contact")
		}
	}
	res := e.run(t, sync.Incremental, 40)
	if res.Counts.Inserted != 250 {
		t.Fatalf("inserted %d of 250 contacts sharing one change time", res.Counts.Inserted)
	}
	if res.Watermark.UpdatedAtMS != fixed.UnixMilli() {
		t.Fatalf("watermark %+v, want %d", res.Watermark, fixed.UnixMilli())
	}
}

func TestSecondRunForTheSameCompanyIsRefused(t *testing.T) {
	e := newEnv(t, storetest.Manager(t), "mueller", envOpts{contacts: 10, seed: 8})
	release, ok, err := e.db.TryLock(context.Background(), "mirror")
	if err != nil || !ok {
		t.Fatalf("take lock: ok=%v err=%v", ok, err)
	}
	defer release()
	if _, err := e.syncer(e.client, 10).Run(context.Background(), sync.Full); !errors.Is(err, sync.ErrBusy) {
		t.Fatalf("run while another holds the lock returned %v, want ErrBusy", err)
	}
}

func TestSearchProfilesOfChangedContactsAreMirrored(t *testing.T) {
	e := newEnv(t, storetest.Manager(t), "mueller", envOpts{contacts: 200, seed: 10})
	e.run(t, sync.Full, 50)
	ctx := context.Background()
	owner := e.crm.ContactIDs()[42]
	price := 450000.0
	id, err := e.client.CreateSearchProfile(ctx, connector.SearchProfile{
		ContactID: owner, Title: "Wohnung in Görlitz", Active: true, MarketingType: "BUY",
		EstateTypes: []string{"APARTMENT"}, Cities: []string{"Görlitz"}, PriceMax: &price,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.crm.ResetRequests()
	e.run(t, sync.Incremental, 50)

	if n := e.crm.Requests()["profile.list"]; n != 1 {
		t.Fatalf("incremental run asked for the profiles of %d contacts, want only the changed one", n)
	}
	ps, err := e.db.SearchProfiles(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range ps {
		found = found || (p.CRMID == id && p.Title == "Wohnung in Görlitz" && p.PriceMax != nil && *p.PriceMax == price)
	}
	if !found {
		t.Fatalf("profile %s not mirrored; mirror holds %+v", id, ps)
	}
}
