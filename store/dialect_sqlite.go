package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteDialect is the SQLite dialect: one database file per company in one
// directory, for a small firm on one machine and for the demo, with the
// pure-Go driver modernc.org/sqlite (no C compiler needed).
//
// Each file runs in WAL mode, so readers go on while one writer writes.
// Every transaction starts with BEGIN IMMEDIATE: it takes the file's write
// lock at once, so writers queue (up to the busy timeout) instead of
// failing when a read turns into a write, and a transaction is as
// serialised as PostgreSQL's row locks make the consent actions and the
// ledger. Locks of runs are file locks and hold no connection, so a run
// holding one can write through any connection of the pool.
type sqliteDialect struct {
	dir    string // absolute
	driver *sqlite.Driver
}

// sqliteBusyTimeoutMS is how long a statement waits for another
// connection's write lock, in this process or another, before it fails.
const sqliteBusyTimeoutMS = 5000

// sqliteDriver opens the SQLite connections of every manager. It carries
// two SQL functions that give times in the form SQLite keeps them in:
// consentd_time(text) for the RFC 3339 times of JSON batches, consentd_now()
// for the current time.
var sqliteDriver = sync.OnceValues(func() (*sqlite.Driver, error) {
	d := &sqlite.Driver{}
	err := errors.Join(d.RegisterDeterministicScalarFunction("consentd_time", 1, sqliteTimeFunc),
		d.RegisterScalarFunction("consentd_now", 0, sqliteNowFunc))
	if err != nil {
		return nil, fmt.Errorf("set up SQLite: %w", err)
	}
	return d, nil
})

// newSQLite makes the directory absolute, so that a working directory
// changed later does not move the databases. It does no other I/O.
func newSQLite(cfg Config) (*sqliteDialect, error) {
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("directory of the database files %q: %w", cfg.Dir, err)
	}
	d, err := sqliteDriver()
	if err != nil {
		return nil, err
	}
	return &sqliteDialect{dir: dir, driver: d}, nil
}

func (s *sqliteDialect) queryFiles() []string { return []string{"sql/sqlite/*.sql"} }

// bindQueries has nothing to bind: SQLite needs no statements of its own
// besides its versions of the shared ones.
func (s *sqliteDialect) bindQueries(*namedQueries) error { return nil }

func (s *sqliteDialect) tokens() map[string]string {
	return map[string]string{
		"identity": "INTEGER PRIMARY KEY AUTOINCREMENT",
		"now":      "consentd_now()",
	}
}

// path is the file of a company database.
func (s *sqliteDialect) path(database string) string {
	return filepath.Join(s.dir, database+".db")
}

func (s *sqliteDialect) location(database string) string { return s.path(database) }

func (s *sqliteDialect) ping(context.Context) error {
	st, err := os.Stat(s.dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %s of the database files does not exist: consentd migrate creates it", s.dir)
	case err != nil:
		return fmt.Errorf("directory of the database files: %w", err)
	case !st.IsDir():
		return fmt.Errorf("%s holds the database files but is not a directory", s.dir)
	}
	return nil
}

// openCompany opens the file read-write but never creates it: a missing
// database is created by migrate only.
func (s *sqliteDialect) openCompany(database string) (*sqlx.DB, error) {
	q := url.Values{}
	q.Set("mode", "rw")
	q.Set("_txlock", "immediate")
	q["_pragma"] = []string{
		fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeoutMS),
		"foreign_keys(1)",
		"journal_mode(WAL)",
	}
	dsn := (&url.URL{Scheme: "file", Path: filepath.ToSlash(s.path(database)), RawQuery: q.Encode()}).String()
	return sqlx.NewDb(sql.OpenDB(sqliteConnector{driver: s.driver, dsn: dsn}), "sqlite"), nil
}

// createDatabase creates the directory and an empty file, readable by
// consentd's user only: it will hold personal data. An empty file is an
// empty database; its first connection switches it to WAL mode.
func (s *sqliteDialect) createDatabase(_ context.Context, database string) (bool, error) {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return false, fmt.Errorf("create the directory of the database files: %w", err)
	}
	f, err := os.OpenFile(s.path(database), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create database file: %w", err)
	}
	return true, f.Close()
}

// dropDatabase removes the database file, its WAL and shared-memory files
// and its lock files.
func (s *sqliteDialect) dropDatabase(_ context.Context, database string) error {
	file := s.path(database)
	files := []string{file, file + "-wal", file + "-shm"}
	entries, err := os.ReadDir(s.dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("find the files of %s: %w", file, err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), database+".db.") && strings.HasSuffix(e.Name(), ".lock") {
			files = append(files, filepath.Join(s.dir, e.Name()))
		}
	}
	var errs []error
	for _, f := range files {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove database files: %w", err)
	}
	return nil
}

func (s *sqliteDialect) listDatabases(_ context.Context, prefix string) ([]string, error) {
	entries, err := os.ReadDir(s.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list database files: %w", err)
	}
	var names []string
	for _, e := range entries {
		name, isDB := strings.CutSuffix(e.Name(), ".db")
		if isDB && e.Type().IsRegular() && strings.HasPrefix(name, prefix) {
			names = append(names, name)
		}
	}
	return names, nil
}

func (s *sqliteDialect) close() error { return nil }

// lockMigrations needs no lock of its own: the migration's transaction
// began IMMEDIATE, so it holds the file's write lock from its start to its
// end, and a second migrator, in this process or another, waits for it.
func (s *sqliteDialect) lockMigrations(context.Context, *sqlx.Tx) error { return nil }

// tryLock locks a file beside the database file, named after the lock.
// The operating system frees it when the process ends, however it ends.
func (s *sqliteDialect) tryLock(_ context.Context, db *DB, name string) (func(), bool, error) {
	return lockFile(fmt.Sprintf("%s.%016x.lock", s.path(db.database), uint64(lockKey(name))))
}

func (s *sqliteDialect) isMissingDatabase(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_CANTOPEN
}

// appendEvent takes three statements: in process they cost no more than
// one.
func (s *sqliteDialect) appendEvent(ctx context.Context, tx *Tx, e Event) (Event, bool, error) {
	return tx.chainEvent(ctx, e)
}

// changeConsent takes three statements: in process they cost no more than
// one.
func (s *sqliteDialect) changeConsent(ctx context.Context, tx *Tx, ch ConsentChange) error {
	return tx.changeInSteps(ctx, ch)
}

// completeOutbox takes a transaction of two statements: in process they
// cost no more than one.
func (s *sqliteDialect) completeOutbox(ctx context.Context, db *DB, id int64, result string, now time.Time) (bool, error) {
	return db.completeInTx(ctx, id, result, now)
}

func (s *sqliteDialect) isUniqueViolation(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

func (s *sqliteDialect) isMissingTable(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_ERROR && strings.Contains(e.Error(), "no such table")
}
