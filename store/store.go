// Package store owns the per-company databases of consentd: it creates
// them, migrates them with embedded numbered migrations, keeps one small
// connection pool per company and holds all SQL, as named queries in the
// .sql files under sql/.
//
// Every company (a broker firm) has a database of its own, named
// NamePrefix + slug: a database on a PostgreSQL server, or a SQLite file
// for a small firm on one machine and for the demo. Nothing about one
// company is ever stored in another's database.
package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/rs/zerolog"
)

//go:embed sql
var sqlFiles embed.FS

// Config says where company databases live and how their pools behave.
// Zero values take the defaults.
type Config struct {
	// Driver is the database engine, DriverPostgres (the default) or
	// DriverSQLite.
	Driver string
	// AdminDSN is, for PostgreSQL, the DSN of a maintenance database;
	// company DSNs derive from it by swapping the database name.
	AdminDSN string
	// Dir is, for SQLite, the directory of the company database files,
	// each named after its database with ".db"; migrate creates it.
	Dir string
	// NamePrefix starts every company database name; default "consentd_".
	// The database name is prefix + slug with '-' turned into '_'.
	NamePrefix string
	// MaxOpen is the pool size per company, default 4. A run holds one
	// connection for its lock, so at least 2.
	MaxOpen int
	// MaxIdle is how many idle connections a company pool keeps, default 1.
	MaxIdle int
	// IdleTimeout closes connections idle that long, so hundreds of
	// companies fit one server; default 1m.
	IdleTimeout time.Duration
}

// The database engines of Config.Driver.
const (
	DriverPostgres = "postgres"
	DriverSQLite   = "sqlite"
)

// Defaults of Config.
const (
	DefaultNamePrefix  = "consentd_"
	DefaultMaxOpen     = 4
	DefaultMaxIdle     = 1
	DefaultIdleTimeout = time.Minute
)

// maxDatabaseName is PostgreSQL's identifier limit; longer names would be
// cut silently and could make two companies share a database.
const maxDatabaseName = 63

// maxSlug is the longest company slug the config accepts.
const maxSlug = 40

var (
	slugPattern   = regexp.MustCompile(`^[a-z0-9-]{2,40}$`)
	prefixPattern = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
)

// Manager hands out the databases of all companies of one consentd.
type Manager struct {
	cfg        Config
	log        zerolog.Logger
	dialect    dialect
	queries    *queries
	migrations []migration

	mu       sync.Mutex
	closed   bool
	dbs      map[string]*DB  // by slug, pools opened so far
	verified map[string]bool // slugs whose schema Open has checked
}

// NewManager checks the configuration and loads the embedded SQL. It does
// no I/O: databases are reached on first use.
func NewManager(cfg Config, log zerolog.Logger) (*Manager, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	d, err := newDialect(cfg)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	q, err := loadAllQueries(d)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	migrations, err := loadMigrations(sqlFiles, "sql/migrations", d.tokens())
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return &Manager{
		cfg: cfg, log: log, dialect: d, queries: q, migrations: migrations,
		dbs: map[string]*DB{}, verified: map[string]bool{},
	}, nil
}

// newDialect sets up the engine cfg.Driver names.
func newDialect(cfg Config) (dialect, error) {
	if cfg.Driver == DriverSQLite {
		return newSQLite(cfg)
	}
	return newPostgres(cfg)
}

func (c Config) withDefaults() Config {
	if c.Driver == "" {
		c.Driver = DriverPostgres
	}
	if c.NamePrefix == "" {
		c.NamePrefix = DefaultNamePrefix
	}
	if c.MaxOpen == 0 {
		c.MaxOpen = DefaultMaxOpen
	}
	if c.MaxIdle == 0 {
		c.MaxIdle = DefaultMaxIdle
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	return c
}

// validate reports every problem of the configuration at once.
func (c Config) validate() error {
	var problems []error
	switch {
	case c.Driver == DriverPostgres && strings.TrimSpace(c.AdminDSN) == "":
		problems = append(problems, errors.New("admin DSN is empty: set database.admin_dsn"))
	case c.Driver == DriverSQLite && strings.TrimSpace(c.Dir) == "":
		problems = append(problems, errors.New("directory of the database files is empty: set database.dir"))
	case c.Driver != DriverPostgres && c.Driver != DriverSQLite:
		problems = append(problems, fmt.Errorf("driver %q is not one of %s, %s", c.Driver, DriverPostgres, DriverSQLite))
	}
	if !prefixPattern.MatchString(c.NamePrefix) || len(c.NamePrefix)+maxSlug > maxDatabaseName {
		problems = append(problems, fmt.Errorf("name prefix %q must be lower-case letters, digits and '_', not start with a digit, and at most %d long",
			c.NamePrefix, maxDatabaseName-maxSlug))
	}
	if c.MaxOpen < 2 {
		problems = append(problems, fmt.Errorf("pool size %d is too small: a run holds one connection for its lock, so at least 2", c.MaxOpen))
	}
	if c.MaxIdle < 0 || c.MaxIdle > c.MaxOpen {
		problems = append(problems, fmt.Errorf("idle connections %d must be between 0 and the pool size %d", c.MaxIdle, c.MaxOpen))
	}
	if c.IdleTimeout < 0 {
		problems = append(problems, fmt.Errorf("idle timeout %s must not be negative", c.IdleTimeout))
	}
	return errors.Join(problems...)
}

// limit applies the pool settings to pool.
func (c Config) limit(pool *sqlx.DB) {
	pool.SetMaxOpenConns(c.MaxOpen)
	pool.SetMaxIdleConns(c.MaxIdle)
	pool.SetConnMaxIdleTime(c.IdleTimeout)
}

// loadAllQueries binds the portable queries, with the engine's tokens
// expanded, and the engine's own, and makes sure the .sql files hold
// nothing else.
func loadAllQueries(d dialect) (*queries, error) {
	nq, err := loadQueries(sqlFiles, "sql/queries/*.sql")
	if err != nil {
		return nil, err
	}
	if err := errors.Join(nq.expand(d.tokens()), nq.add(sqlFiles, d.queryFiles()...)); err != nil {
		return nil, err
	}
	q := &queries{}
	if err := errors.Join(nq.bind(q), nq.bind(&q.retentionQueries), d.bindQueries(nq)); err != nil {
		return nil, err
	}
	if err := nq.checkAllUsed(); err != nil {
		return nil, err
	}
	return q, nil
}

// Config returns the configuration in use, defaults filled in. It may hold
// the admin DSN, which may carry a password: never log it.
func (m *Manager) Config() Config { return m.cfg }

// DatabaseName is the name of the database of the company with slug.
func (m *Manager) DatabaseName(slug string) string {
	return m.cfg.NamePrefix + strings.ReplaceAll(slug, "-", "_")
}

// DatabaseLocation says where the company's database lives, for people:
// its name on the PostgreSQL server, or the path of its SQLite file.
func (m *Manager) DatabaseLocation(slug string) string {
	return m.dialect.location(m.DatabaseName(slug))
}

// SchemaVersion is the latest migration version this consentd embeds.
func (m *Manager) SchemaVersion() int { return m.migrations[len(m.migrations)-1].Version }

// checkSlug refuses a slug that the config would refuse too, before it
// becomes part of a database name.
func checkSlug(slug string) error {
	if !slugPattern.MatchString(slug) {
		return fmt.Errorf("company slug %q is invalid: use 2 to 40 lower-case letters, digits and '-'", slug)
	}
	return nil
}

// Ping checks that the place company databases live in is reachable: the
// PostgreSQL server's maintenance database, or SQLite's directory.
func (m *Manager) Ping(ctx context.Context) error {
	if err := m.checkOpen(); err != nil {
		return err
	}
	if err := m.dialect.ping(ctx); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// Companies lists the slugs of the company databases that exist under this
// manager's name prefix.
func (m *Manager) Companies(ctx context.Context) ([]string, error) {
	if err := m.checkOpen(); err != nil {
		return nil, err
	}
	names, err := m.dialect.listDatabases(ctx, m.cfg.NamePrefix)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	slugs := make([]string, 0, len(names))
	for _, name := range names {
		slugs = append(slugs, strings.ReplaceAll(strings.TrimPrefix(name, m.cfg.NamePrefix), "_", "-"))
	}
	sort.Strings(slugs)
	return slugs, nil
}

var errClosed = errors.New("store: the database manager is closed")

func (m *Manager) checkOpen() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errClosed
	}
	return nil
}

// companyDB returns the cached handle of a company's database, opening
// its pool (no I/O) on first use.
func (m *Manager) companyDB(slug string) (*DB, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, errClosed
	}
	if db, ok := m.dbs[slug]; ok {
		return db, nil
	}
	pool, err := m.dialect.openCompany(m.DatabaseName(slug))
	if err != nil {
		return nil, fmt.Errorf("store: company %q: %w", slug, err)
	}
	m.cfg.limit(pool)
	db := &DB{slug: slug, database: m.DatabaseName(slug), pool: pool, q: m.queries, dialect: m.dialect,
		log: m.log.With().Str("company", slug).Logger()}
	m.dbs[slug] = db
	return db, nil
}

// Drop closes the company's pool and drops its database: on PostgreSQL
// ending the sessions of other processes still connected, on SQLite
// removing its files (processes that have them open keep working on what
// they opened until they close it). Handles on it from Open stop working.
// Dropping a missing database is not an error.
func (m *Manager) Drop(ctx context.Context, slug string) error {
	if err := checkSlug(slug); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := m.checkOpen(); err != nil {
		return err
	}
	m.mu.Lock()
	db := m.dbs[slug]
	delete(m.dbs, slug)
	delete(m.verified, slug)
	m.mu.Unlock()
	if db != nil {
		_ = db.pool.Close() // the drop below ends its sessions anyway
	}
	if err := m.dialect.dropDatabase(ctx, m.DatabaseName(slug)); err != nil {
		return fmt.Errorf("store: company %q: %w", slug, err)
	}
	m.log.Info().Str("company", slug).Str("database", m.DatabaseLocation(slug)).Msg("dropped company database")
	return nil
}

// Close closes every pool. Handles from Open stop working.
func (m *Manager) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	var errs []error
	for slug, db := range m.dbs {
		if err := db.pool.Close(); err != nil {
			errs = append(errs, fmt.Errorf("company %q: %w", slug, err))
		}
	}
	errs = append(errs, m.dialect.close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: close pools: %w", err)
	}
	return nil
}
