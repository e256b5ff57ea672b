package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/store/storetest"
)

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestNewManagerConfig(t *testing.T) {
	const dsn = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	tests := []struct {
		name    string
		cfg     store.Config
		want    store.Config
		wantErr []string
	}{
		{name: "defaults", cfg: store.Config{AdminDSN: dsn},
			want: store.Config{Driver: "postgres", AdminDSN: dsn, NamePrefix: "consentd_", MaxOpen: 4, MaxIdle: 1, IdleTimeout: time.Minute}},
		{name: "key=value DSN", cfg: store.Config{AdminDSN: "host=127.0.0.1 dbname=postgres user=postgres", MaxOpen: 2, MaxIdle: 2, IdleTimeout: time.Second},
			want: store.Config{Driver: "postgres", AdminDSN: "host=127.0.0.1 dbname=postgres user=postgres", NamePrefix: "consentd_", MaxOpen: 2, MaxIdle: 2, IdleTimeout: time.Second}},
		{name: "SQLite defaults", cfg: store.Config{Driver: "sqlite", Dir: "daten"},
			want: store.Config{Driver: "sqlite", Dir: "daten", NamePrefix: "consentd_", MaxOpen: 4, MaxIdle: 1, IdleTimeout: time.Minute}},
		{name: "every problem at once", cfg: store.Config{NamePrefix: "Consent-", MaxOpen: 1, MaxIdle: 3, IdleTimeout: -time.Second},
			wantErr: []string{"admin DSN is empty", `name prefix "Consent-"`, "pool size 1 is too small", "idle connections 3 must be between 0 and the pool size 1", "idle timeout -1s must not be negative"}},
		{name: "SQLite without directory", cfg: store.Config{Driver: "sqlite", AdminDSN: dsn},
			wantErr: []string{"directory of the database files is empty: set database.dir"}},
		{name: "unknown driver", cfg: store.Config{Driver: "mysql", AdminDSN: dsn},
			wantErr: []string{`driver "mysql" is not one of postgres, sqlite`}},
		{name: "prefix too long for PostgreSQL names", cfg: store.Config{AdminDSN: dsn, NamePrefix: "consentd_very_long_prefix_"},
			wantErr: []string{"at most 23 long"}},
		{name: "malformed URL keeps the password out", cfg: store.Config{AdminDSN: "postgres://admin:s3cret@db:port/postgres"},
			wantErr: []string{"admin DSN is not a valid PostgreSQL connection string"}},
		{name: "malformed key=value DSN", cfg: store.Config{AdminDSN: "host=db password='s3cret"},
			wantErr: []string{"admin DSN is not a valid PostgreSQL connection string: unterminated quoted string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := store.NewManager(tt.cfg, zerolog.Nop())
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatal("no error")
				}
				for _, want := range tt.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not say %q", err, want)
					}
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("error %q shows the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Config(); got != tt.want {
				t.Errorf("config = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDatabaseName(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		cfg          store.Config
		wantLocation string
	}{
		{store.Config{AdminDSN: "postgres://localhost/postgres"}, "consentd_mueller_immobilien"},
		{store.Config{Driver: "sqlite", Dir: dir}, filepath.Join(dir, "consentd_mueller_immobilien.db")},
	}
	for _, tt := range tests {
		m, err := store.NewManager(tt.cfg, zerolog.Nop())
		if err != nil {
			t.Fatal(err)
		}
		if got := m.DatabaseName("mueller-immobilien"); got != "consentd_mueller_immobilien" {
			t.Errorf("%s: DatabaseName = %q", m.Config().Driver, got)
		}
		if got := m.DatabaseLocation("mueller-immobilien"); got != tt.wantLocation {
			t.Errorf("%s: DatabaseLocation = %q, want %q", m.Config().Driver, got, tt.wantLocation)
		}
		if m.SchemaVersion() != 3 {
			t.Errorf("%s: SchemaVersion = %d, want 3", m.Config().Driver, m.SchemaVersion())
		}
	}
}

func TestBadSlugRefused(t *testing.T) {
	m, err := store.NewManager(store.Config{AdminDSN: "postgres://localhost/postgres"}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{"", "a", "Mueller", "müller", "mueller_immo", `x"; DROP DATABASE postgres; --`, strings.Repeat("a", 41)} {
		if _, err := m.Migrate(t.Context(), slug); err == nil || !strings.Contains(err.Error(), "is invalid") {
			t.Errorf("Migrate(%q) error = %v", slug, err)
		}
		if _, err := m.Open(t.Context(), slug); err == nil || !strings.Contains(err.Error(), "is invalid") {
			t.Errorf("Open(%q) error = %v", slug, err)
		}
	}
}

func TestMigrateCreatesAndIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	m := storetest.Manager(t)
	applied, err := m.Migrate(ctx, "mueller")
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 3 || applied[0] != (store.Migration{Version: 1, Name: "mirror"}) ||
		applied[1] != (store.Migration{Version: 2, Name: "consent"}) || applied[2] != (store.Migration{Version: 3, Name: "retention"}) {
		t.Errorf("first Migrate applied %+v", applied)
	}
	again, err := m.Migrate(ctx, "mueller")
	if err != nil || len(again) != 0 {
		t.Errorf("second Migrate applied %+v, %v", again, err)
	}
	companies, err := m.Companies(ctx)
	if err != nil || len(companies) != 1 || companies[0] != "mueller" {
		t.Errorf("Companies = %v, %v", companies, err)
	}
	db, err := m.Open(ctx, "mueller")
	if err != nil {
		t.Fatal(err)
	}
	if db.Slug() != "mueller" || db.Ping(ctx) != nil {
		t.Errorf("opened %q, ping %v", db.Slug(), db.Ping(ctx))
	}
	if again, _ := m.Open(ctx, "mueller"); again != db {
		t.Error("Open does not cache the database")
	}
}

func TestConcurrentMigrate(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	m := storetest.Manager(t)
	managers := []*store.Manager{m, m, storetest.Replica(t, m), storetest.Replica(t, m)}
	applied := make([][]store.Migration, len(managers))
	errs := make([]error, len(managers))
	var wg sync.WaitGroup
	for i, mm := range managers {
		wg.Go(func() { applied[i], errs[i] = mm.Migrate(ctx, "schmidt-haus") })
	}
	wg.Wait()
	total := 0
	for i := range managers {
		if errs[i] != nil {
			t.Errorf("migrator %d: %v", i, errs[i])
		}
		total += len(applied[i])
	}
	if total != m.SchemaVersion() {
		t.Errorf("migrations applied %d times, want each once (%d)", total, m.SchemaVersion())
	}
	for _, mm := range managers {
		if _, err := mm.Open(ctx, "schmidt-haus"); err != nil {
			t.Error(err)
		}
	}
}

// TestOpenRefusesMismatchedSchema stands for a database that was never
// migrated, one a failed migration left empty, one an older consentd
// left behind and one a newer consentd migrated.
func TestOpenRefusesMismatchedSchema(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	m := storetest.Manager(t)
	newer := managerWith(t, m, map[string]string{"0004_next.sql": "CREATE TABLE next_feature (id BIGINT);"})
	broken := managerWith(t, m, map[string]string{"0004_broken.sql": "CREATE TABLE half (id BIGINT); INSERT INTO no_such_table VALUES (1);"})
	failing := managerWith(t, m, map[string]string{"0001_mirror.sql": "CREATE TABLE addresses (id BIGINT); INSERT INTO no_such_table VALUES (1);"})

	if _, err := failing.Migrate(ctx, "leer"); err == nil || !strings.Contains(err.Error(), "no_such_table") {
		t.Fatalf("failing migration: %v", err)
	}
	if _, err := m.Migrate(ctx, "alt"); err != nil {
		t.Fatal(err)
	}
	if _, err := newer.Migrate(ctx, "neu"); err != nil {
		t.Fatal(err)
	}
	if _, err := broken.Migrate(ctx, "alt"); err == nil {
		t.Fatal("broken migration succeeded")
	}

	tests := []struct {
		name string
		m    *store.Manager
		slug string
		want string
	}{
		{"missing database", m, "fehlt", `company "fehlt": database ` + m.DatabaseLocation("fehlt") + ` does not exist: run "consentd migrate -company fehlt"`},
		{"failed first migration", m, "leer", `company "leer": database ` + m.DatabaseLocation("leer") + ` is at schema version 0, this consentd needs 3: run "consentd migrate -company leer"`},
		{"older schema", newer, "alt", `company "alt": database ` + m.DatabaseLocation("alt") + ` is at schema version 3, this consentd needs 4: run "consentd migrate -company alt"`},
		{"newer schema", m, "neu", `company "neu": database ` + m.DatabaseLocation("neu") + ` is at schema version 4, this consentd knows only up to 3: upgrade consentd`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.m.Open(ctx, tt.slug)
			var schemaErr *store.SchemaError
			if !errors.Is(err, store.ErrStaleSchema) || !errors.As(err, &schemaErr) {
				t.Fatalf("error = %v, want a schema error", err)
			}
			if err.Error() != tt.want {
				t.Errorf("error =\n%s\nwant\n%s", err, tt.want)
			}
		})
	}

	t.Run("migrate refuses newer schema", func(t *testing.T) {
		_, err := m.Migrate(ctx, "neu")
		if !errors.Is(err, store.ErrStaleSchema) || !strings.Contains(err.Error(), "upgrade consentd") {
			t.Errorf("error = %v", err)
		}
	})
	t.Run("migrating fixes the stale ones", func(t *testing.T) {
		if _, err := m.Migrate(ctx, "leer"); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Open(ctx, "leer"); err != nil {
			t.Error(err)
		}
		applied, err := newer.Migrate(ctx, "alt")
		if err != nil || len(applied) != 1 || applied[0].Version != 4 {
			t.Fatalf("applied %+v, %v", applied, err)
		}
		if _, err := newer.Open(ctx, "alt"); err != nil {
			t.Error(err)
		}
	})
}

// managerWith is a manager on m's databases whose migrations are the
// embedded ones plus extra, which may also replace an embedded one.
func managerWith(t *testing.T, m *store.Manager, extra map[string]string) *store.Manager {
	t.Helper()
	fsys, err := store.EmbeddedMigrationsWith(extra)
	if err != nil {
		t.Fatal(err)
	}
	mm, err := store.NewManagerWithMigrations(m.Config(), zerolog.Nop(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mm.Close() })
	return mm
}

func TestDropWithOpenConnections(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	m := storetest.Manager(t)
	db := storetest.DB(t, m, "weg")
	replica := storetest.Replica(t, m)
	other, err := replica.Open(ctx, "weg")
	if err != nil {
		t.Fatal(err)
	}
	release, ok, err := other.TryLock(ctx, "sync")
	if err != nil || !ok {
		t.Fatalf("lock: %v %v", ok, err)
	}
	defer release()
	if err := m.Drop(ctx, "weg"); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(ctx); err == nil {
		t.Error("dropped database still answers through the old handle")
	}
	if _, err := m.Open(ctx, "weg"); !errors.Is(err, store.ErrStaleSchema) {
		t.Errorf("Open after Drop = %v", err)
	}
	if err := m.Drop(ctx, "weg"); err != nil {
		t.Errorf("second Drop: %v", err)
	}
}
