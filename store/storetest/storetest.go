// Package storetest gives tests of any package company databases, isolated
// per test so tests run in parallel, and dropped afterwards so nothing is
// left behind. The same tests run against both engines: CONSENTD_TEST_DRIVER
// picks postgres (the default) or sqlite, and make test runs them once with
// each.
//
// PostgreSQL comes from CONSENTD_TEST_DSN, by default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable. When it
// cannot be reached the test is skipped, or fails when CI=true. SQLite's
// files go to a temporary directory of the test.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/rs/zerolog"

	"github.com/consentd/consentd/store"
)

// DriverEnv names the variable that picks the engine of the tests'
// databases: store.DriverPostgres (the default) or store.DriverSQLite.
const DriverEnv = "CONSENTD_TEST_DRIVER"

// DSNEnv names the variable holding the DSN of the test server.
const DSNEnv = "CONSENTD_TEST_DSN"

// DefaultDSN is the test server when DSNEnv is not set.
const DefaultDSN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// cleanupTimeout bounds dropping a test's databases.
const cleanupTimeout = 30 * time.Second

// Driver is the engine the tests run against, from DriverEnv; the test
// fails when the variable names neither engine.
func Driver(tb testing.TB) string {
	tb.Helper()
	switch d := os.Getenv(DriverEnv); d {
	case "", store.DriverPostgres:
		return store.DriverPostgres
	case store.DriverSQLite:
		return d
	default:
		tb.Fatalf("%s=%q: use %s or %s", DriverEnv, d, store.DriverPostgres, store.DriverSQLite)
		return ""
	}
}

// Manager returns a store manager on the engine Driver names whose company
// databases carry a name prefix of their own ("consentd_t" + 8 random hex
// digits + "_"). When the test ends, every database created through it is
// dropped, even while connections are open, and the manager is closed.
func Manager(tb testing.TB) *store.Manager {
	tb.Helper()
	cfg := store.Config{Driver: Driver(tb), NamePrefix: randomPrefix(tb)}
	if cfg.Driver == store.DriverSQLite {
		cfg.Dir = tb.TempDir()
	} else {
		cfg.AdminDSN = dsn()
	}
	m := newManager(tb, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.Ping(ctx); err != nil {
		_ = m.Close()
		unreachable(tb, err)
	}
	tb.Cleanup(func() { dropAll(tb, m) })
	return m
}

// Replica returns a second manager on the same databases as m, as a second
// consentd process would have: its own pools, its own sessions, so locks
// taken through one exclude the other. It is closed when the test ends;
// the databases are dropped by m's cleanup.
func Replica(tb testing.TB, m *store.Manager) *store.Manager {
	tb.Helper()
	r := newManager(tb, m.Config())
	tb.Cleanup(func() { _ = r.Close() })
	return r
}

// DB migrates the company's database, creating it, and opens it; the test
// fails on any error.
func DB(tb testing.TB, m *store.Manager, slug string) *store.DB {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := m.Migrate(ctx, slug); err != nil {
		tb.Fatalf("migrate test database of company %q: %v", slug, err)
	}
	db, err := m.Open(ctx, slug)
	if err != nil {
		tb.Fatalf("open test database of company %q: %v", slug, err)
	}
	return db
}

// TwoProcesses migrates a company's database and opens it through two
// managers, as two consentd processes would: locks, claims and appends
// made through one must hold against the other.
func TwoProcesses(tb testing.TB, slug string) (*store.DB, *store.DB) {
	tb.Helper()
	m := Manager(tb)
	db := DB(tb, m, slug)
	other, err := Replica(tb, m).Open(tb.Context(), slug)
	if err != nil {
		tb.Fatalf("open test database of company %q from a second manager: %v", slug, err)
	}
	return db, other
}

// SQL opens a pool of its own on the company's database, bypassing the
// store, for checks and changes the store offers no query for, as an admin
// with psql or sqlite3 would. Times go in and come out as time.Time on both
// engines. It is closed when the test ends.
func SQL(tb testing.TB, m *store.Manager, slug string) *sqlx.DB {
	tb.Helper()
	db, err := m.Connect(slug)
	if err != nil {
		tb.Fatalf("connect to the database of company %q: %v", slug, err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

func newManager(tb testing.TB, cfg store.Config) *store.Manager {
	tb.Helper()
	m, err := store.NewManager(cfg, zerolog.New(zerolog.NewTestWriter(tb)).Level(zerolog.WarnLevel))
	if err != nil {
		tb.Fatalf("test store manager (%s, %s): %v", DriverEnv, DSNEnv, err)
	}
	return m
}

func dsn() string {
	if v := os.Getenv(DSNEnv); v != "" {
		return v
	}
	return DefaultDSN
}

func randomPrefix(tb testing.TB) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		tb.Fatalf("random database name prefix: %v", err)
	}
	return "consentd_t" + hex.EncodeToString(b) + "_"
}

// unreachable fails the test under CI, where a missing server is a broken
// setup, and skips it elsewhere.
func unreachable(tb testing.TB, err error) {
	tb.Helper()
	const msg = "PostgreSQL for tests is unreachable (set %s to a reachable server's DSN): %v"
	if os.Getenv("CI") == "true" {
		tb.Fatalf(msg, DSNEnv, err)
	}
	tb.Skipf(msg, DSNEnv, err)
}

// dropAll drops the databases under m's prefix and closes m. It runs after
// the test, whose context is gone by then.
func dropAll(tb testing.TB, m *store.Manager) {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	defer func() { _ = m.Close() }()
	slugs, err := m.Companies(ctx)
	if err != nil {
		tb.Errorf("list test databases to drop: %v", err)
		return
	}
	for _, slug := range slugs {
		if err := m.Drop(ctx, slug); err != nil {
			tb.Errorf("drop test database of company %q: %v", slug, err)
		}
	}
}
