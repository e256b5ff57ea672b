package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
)

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string
}

// migration is a Migration with its SQL, engine tokens expanded.
type migration struct {
	Migration
	sql string
}

var (
	migrationFile = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)
	engineToken   = regexp.MustCompile(`\{\{([a-z_]*)\}\}`)
)

// loadMigrations reads the migrations of dir, named like 0001_mirror.sql.
// Versions must run 1, 2, 3, … without gaps, so a version number says
// exactly which migrations a database has.
func loadMigrations(fsys fs.FS, dir string, tokens map[string]string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var migrations []migration
	for _, e := range entries { // ReadDir sorts by name, so by version
		mig, err := loadMigration(fsys, path.Join(dir, e.Name()), tokens)
		if err != nil {
			return nil, err
		}
		if want := len(migrations) + 1; mig.Version != want {
			return nil, fmt.Errorf("migration %s: expected version %04d next", e.Name(), want)
		}
		migrations = append(migrations, mig)
	}
	if len(migrations) == 0 {
		return nil, fmt.Errorf("no migrations in %s", dir)
	}
	return migrations, nil
}

func loadMigration(fsys fs.FS, file string, tokens map[string]string) (migration, error) {
	m := migrationFile.FindStringSubmatch(path.Base(file))
	if m == nil {
		return migration{}, fmt.Errorf("migration %s: name it NNNN_lower_case_name.sql", file)
	}
	version, _ := strconv.Atoi(m[1]) // four digits always parse
	text, err := fs.ReadFile(fsys, file)
	if err != nil {
		return migration{}, fmt.Errorf("read migration %s: %w", file, err)
	}
	sql, err := expandTokens(string(text), tokens)
	if err != nil {
		return migration{}, fmt.Errorf("migration %s: %w", file, err)
	}
	return migration{Migration: Migration{Version: version, Name: m[2]}, sql: sql}, nil
}

// expandTokens replaces the engine's {{tokens}} in a migration or query.
func expandTokens(sql string, tokens map[string]string) (string, error) {
	var unknown []string
	out := engineToken.ReplaceAllStringFunc(sql, func(tok string) string {
		value, ok := tokens[engineToken.FindStringSubmatch(tok)[1]]
		if !ok {
			unknown = append(unknown, tok)
		}
		return value
	})
	if len(unknown) > 0 {
		return "", fmt.Errorf("unknown tokens %v", unknown)
	}
	return out, nil
}

// ErrStaleSchema matches every *SchemaError: the company's database is
// missing or its schema does not match this consentd.
var ErrStaleSchema = errors.New("database schema does not match this consentd")

// SchemaError says why a company's database cannot be used and what the
// admin has to do about it.
type SchemaError struct {
	Company  string
	Database string // see Manager.DatabaseLocation
	Missing  bool   // the database does not exist
	Current  int    // schema version of the database
	Needed   int    // schema version this consentd needs
}

func (e *SchemaError) Error() string {
	migrate := fmt.Sprintf(`run "consentd migrate -company %s"`, e.Company)
	switch {
	case e.Missing:
		return fmt.Sprintf("company %q: database %s does not exist: %s", e.Company, e.Database, migrate)
	case e.Current > e.Needed:
		return fmt.Sprintf("company %q: database %s is at schema version %d, this consentd knows only up to %d: upgrade consentd",
			e.Company, e.Database, e.Current, e.Needed)
	default:
		return fmt.Sprintf("company %q: database %s is at schema version %d, this consentd needs %d: %s",
			e.Company, e.Database, e.Current, e.Needed, migrate)
	}
}

// Is makes errors.Is(err, ErrStaleSchema) true.
func (e *SchemaError) Is(target error) bool { return target == ErrStaleSchema }

func (m *Manager) schemaError(slug string, current int, missing bool) *SchemaError {
	return &SchemaError{Company: slug, Database: m.DatabaseLocation(slug), Missing: missing,
		Current: current, Needed: m.SchemaVersion()}
}

// Migrate creates the company's database when it is missing and applies the
// pending migrations, each in its own transaction under a lock, so that two
// migrators at once are safe. It returns the migrations it applied.
func (m *Manager) Migrate(ctx context.Context, slug string) ([]Migration, error) {
	if err := checkSlug(slug); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := m.createDatabase(ctx, slug); err != nil {
		return nil, err
	}
	db, err := m.companyDB(slug)
	if err != nil {
		return nil, err
	}
	var applied []Migration
	for {
		mig, err := m.migrateStep(ctx, db)
		if err != nil || mig == nil {
			return applied, err
		}
		applied = append(applied, *mig)
		db.log.Info().Int("version", mig.Version).Str("migration", mig.Name).Msg("applied migration")
	}
}

func (m *Manager) createDatabase(ctx context.Context, slug string) error {
	if err := m.checkOpen(); err != nil {
		return err
	}
	created, err := m.dialect.createDatabase(ctx, m.DatabaseName(slug))
	if err != nil {
		return fmt.Errorf("store: company %q: %w", slug, err)
	}
	if created {
		m.log.Info().Str("company", slug).Str("database", m.DatabaseLocation(slug)).Msg("created company database")
	}
	return nil
}

// migrateStep applies the next pending migration, if any, in one
// transaction; nil when none is pending.
func (m *Manager) migrateStep(ctx context.Context, db *DB) (*Migration, error) {
	var applied *Migration
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		applied, err = m.applyNext(ctx, tx, db.slug)
		return err
	})
	var schemaErr *SchemaError
	if errors.As(err, &schemaErr) {
		return nil, schemaErr // names the company and the fix already
	}
	if err != nil {
		return nil, fmt.Errorf("store: company %q: migrate: %w", db.slug, err)
	}
	return applied, nil
}

// applyNext reads the version under the migration lock, so a migration
// another migrator applied meanwhile is not applied twice.
func (m *Manager) applyNext(ctx context.Context, tx *sqlx.Tx, slug string) (*Migration, error) {
	if err := m.dialect.lockMigrations(ctx, tx); err != nil {
		return nil, fmt.Errorf("lock migrations: %w", err)
	}
	if _, err := tx.ExecContext(ctx, m.queries.CreateSchemaMigrations); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	var version int
	if err := tx.GetContext(ctx, &version, m.queries.SchemaVersion); err != nil {
		return nil, fmt.Errorf("read schema version: %w", err)
	}
	switch {
	case version > m.SchemaVersion():
		return nil, m.schemaError(slug, version, false)
	case version == m.SchemaVersion():
		return nil, nil
	}
	next := m.migrations[version] // versions run 1…n, so index = version
	if err := m.apply(ctx, tx, next); err != nil {
		return nil, err
	}
	return &next.Migration, nil
}

func (m *Manager) apply(ctx context.Context, tx *sqlx.Tx, mig migration) error {
	if _, err := tx.ExecContext(ctx, mig.sql); err != nil {
		return fmt.Errorf("apply migration %04d_%s: %w", mig.Version, mig.Name, err)
	}
	_, err := tx.ExecContext(ctx, m.queries.RecordMigration, mig.Version, mig.Name, time.Now().UTC())
	if err != nil {
		return fmt.Errorf("record migration %04d_%s: %w", mig.Version, mig.Name, err)
	}
	return nil
}

// Open returns the company's database, cached per slug. It refuses a
// missing database or one whose schema is not the one this consentd
// needs with a *SchemaError that names the fix.
func (m *Manager) Open(ctx context.Context, slug string) (*DB, error) {
	if err := checkSlug(slug); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	db, err := m.companyDB(slug)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	verified := m.verified[slug]
	m.mu.Unlock()
	if verified {
		return db, nil
	}
	if err := m.checkSchema(ctx, db); err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.verified[slug] = true
	m.mu.Unlock()
	return db, nil
}

// checkSchema compares the database's schema version with this consentd's.
func (m *Manager) checkSchema(ctx context.Context, db *DB) error {
	var version int
	err := db.pool.GetContext(ctx, &version, m.queries.SchemaVersion)
	switch {
	case m.dialect.isMissingDatabase(err):
		return m.schemaError(db.slug, 0, true)
	case m.dialect.isMissingTable(err):
		version = 0
	case err != nil:
		return fmt.Errorf("store: company %q: read schema version: %w", db.slug, err)
	}
	if version != m.SchemaVersion() {
		return m.schemaError(db.slug, version, false)
	}
	return nil
}
