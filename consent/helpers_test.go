package consent_test

import (
	"database/sql"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/store/storetest"
)

// start is a Monday afternoon in Munich (13:30 UTC = 14:30 CET).
var start = time.Date(2026, 11, 23, 13, 30, 0, 0, time.UTC)

var consentText = consent.Text{Version: "2026-11", Body: "Ich willige ein, dass die Müller Immobilien GmbH mich über passende Immobilienangebote informiert."}

// clock is a test time that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is one company with its database, consent service and a raw
// connection for what no production code does: reading all outbox rows
// and tampering with the ledger.
type fixture struct {
	t     *testing.T
	m     *store.Manager
	db    *store.DB
	svc   *consent.Service
	raw   *sql.DB
	clock *clock
}

func settings(slug string) consent.Settings {
	return consent.Settings{Company: slug, CompanyName: "Müller Immobilien GmbH", PublicURL: "https://einwilligung.example.de/",
		Text: consentText, FallbackUser: "u-fallback", RecordClient: true}
}

func newFixture(t *testing.T, slug string, addrs ...mapping.Address) *fixture {
	t.Helper()
	m := storetest.Manager(t)
	return companyFixture(t, m, slug, addrs...)
}

// companyFixture is a fixture of another company on the same manager.
func companyFixture(t *testing.T, m *store.Manager, slug string, addrs ...mapping.Address) *fixture {
	t.Helper()
	db := storetest.DB(t, m, slug)
	c := &clock{now: start}
	f := &fixture{t: t, m: m, db: db, clock: c, raw: storetest.SQL(t, m, slug).DB,
		svc: consent.NewService(db, mapping.Default(), settings(slug), c.Now)}
	if len(addrs) > 0 {
		err := db.InTx(t.Context(), func(tx *store.Tx) error {
			_, err := tx.UpsertAddresses(t.Context(), addrs, start.Add(-time.Hour))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// exec runs raw SQL on the company's database.
func (f *fixture) exec(query string, args ...any) {
	f.t.Helper()
	if _, err := f.raw.ExecContext(f.t.Context(), query, args...); err != nil {
		f.t.Fatalf("%s: %v", query, err)
	}
}

// count runs a raw COUNT query.
func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.raw.QueryRowContext(f.t.Context(), query, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// queued is an outbox row as the worker would read it.
type queued struct {
	Kind, Key string
	Payload   map[string]any
}

// outbox returns the address's outbox rows in order.
func (f *fixture) outbox(addressID string) []queued {
	f.t.Helper()
	rows, err := f.raw.QueryContext(f.t.Context(),
		"SELECT kind, idempotency_key, payload FROM outbox WHERE address_id = $1 ORDER BY id", addressID)
	if err != nil {
		f.t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	var out []queued
	for rows.Next() {
		var q queued
		var payload string
		if err := rows.Scan(&q.Kind, &q.Key, &payload); err != nil {
			f.t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(payload), &q.Payload); err != nil {
			f.t.Fatalf("payload of %s is not JSON: %v", q.Key, err)
		}
		out = append(out, q)
	}
	if err := rows.Err(); err != nil {
		f.t.Fatal(err)
	}
	return out
}

// subject issues a fresh link for the address and resolves it.
func (f *fixture) subject(addressID string) (*consent.Subject, string) {
	f.t.Helper()
	url, err := f.svc.RotateLink(f.t.Context(), addressID, false)
	if err != nil {
		f.t.Fatal(err)
	}
	token := url[strings.LastIndexByte(url, '/')+1:]
	subj, err := f.svc.Resolve(f.t.Context(), token)
	if err != nil {
		f.t.Fatal(err)
	}
	return subj, token
}

// reload resolves the token again, as the page does on every request.
func (f *fixture) reload(token string) *consent.Subject {
	f.t.Helper()
	subj, err := f.svc.Resolve(f.t.Context(), token)
	if err != nil {
		f.t.Fatal(err)
	}
	return subj
}

func (f *fixture) events(addressID string) []store.Event {
	f.t.Helper()
	events, err := f.db.EventsOf(f.t.Context(), addressID)
	if err != nil {
		f.t.Fatal(err)
	}
	return events
}

func (f *fixture) verify() consent.VerifyReport {
	f.t.Helper()
	r, err := f.svc.Verify(f.t.Context())
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

// contact is a mirrored address with umlauts, ß and a hostile name the
// CRM may hold.
func contact(id string) mapping.Address {
	return mapping.Address{
		CRMID: id, Salutation: "Frau", Title: "Dr.", FirstName: "Jürgen-Özlem", LastName: "Weiß <script>alert(1)</script>",
		Street: "Große Straße", HouseNumber: "12a", Zip: "80331", City: "München", Country: "DE",
		Emails:          []mapping.Channel{{Value: "j.weiss@example.de", Type: "private", Default: true}, {Value: "buero@example.de", Type: "business"}},
		Phones:          []mapping.Channel{{Value: "+49 89 123456", Type: "mobile", Default: true}},
		ResponsibleUser: "u-17",
		CRMCreatedAt:    time.Date(2021, 5, 6, 7, 8, 9, 0, time.UTC),
		CRMUpdatedAt:    time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
	}
}

var web = consent.Client{IP: "203.0.113.77", UserAgent: "Mozilla/5.0 (iPhone) Safari"}

// jsonOf renders v as JSON with sorted keys.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
