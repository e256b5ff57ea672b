package store

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
)

// dialect is everything that differs between the database engines a
// company's data can live in: PostgreSQL (dialect_postgres.go, one database
// per company on a shared server) and SQLite (dialect_sqlite*.go, one file
// per company). The portable parts of the store (the Go code, sql/queries
// and sql/migrations) speak only through it; each engine adds its
// dialect_<engine>.go and one sql/<engine>/ folder with the queries it
// writes its own way.
//
// Lists of ids and batches of rows travel as one JSON text parameter, so
// the Go side never depends on an engine's array type; each engine's SQL
// unpacks them its own way.
type dialect interface {
	// queryFiles are the glob patterns of the engine's own .sql files.
	queryFiles() []string
	// bindQueries takes the engine's own queries from the parsed files.
	bindQueries(nq *namedQueries) error
	// tokens are the {{token}} replacements of migrations and queries.
	tokens() map[string]string

	// location names where a company database lives, for people: a
	// database name on the server or a file's path.
	location(database string) string
	// ping checks that the place company databases live in is reachable.
	ping(ctx context.Context) error
	// openCompany opens a pool on one company's database (no I/O).
	openCompany(database string) (*sqlx.DB, error)
	// createDatabase creates the database unless it exists; losing a race
	// against another migrator counts as existing.
	createDatabase(ctx context.Context, database string) (created bool, err error)
	// dropDatabase removes the database, also while others use it.
	dropDatabase(ctx context.Context, database string) error
	// listDatabases names the databases whose names start with prefix.
	listDatabases(ctx context.Context, prefix string) ([]string, error)
	// close releases what the dialect holds besides company pools.
	close() error

	// lockMigrations serialises migrators of one company until tx ends.
	lockMigrations(ctx context.Context, tx *sqlx.Tx) error
	// tryLock takes the named lock of db's company if no one holds it, in
	// this or any other process, until release is called.
	tryLock(ctx context.Context, db *DB, name string) (release func(), ok bool, err error)

	// appendEvent takes the ledger lock until tx ends, chains e to the head
	// (ID, PrevHash, Hash), inserts it and moves the head to it; false when
	// the event's action id was recorded before, and then nothing changed.
	appendEvent(ctx context.Context, tx *Tx, e Event) (Event, bool, error)
	// changeConsent stores a consent change: the state, the mirror's
	// consent fields and, if asked, the lifted suppression entries.
	changeConsent(ctx context.Context, tx *Tx, ch ConsentChange) error
	// completeOutbox marks a pending outbox row done with result and its
	// link, if it has one, written, both or neither; false when the row
	// is not pending.
	completeOutbox(ctx context.Context, db *DB, id int64, result string, now time.Time) (bool, error)

	// isMissingDatabase tells whether err says the database does not exist.
	isMissingDatabase(err error) bool
	// isMissingTable tells whether err says a table does not exist.
	isMissingTable(err error) bool
	// isUniqueViolation tells whether err says a row repeats a unique value.
	isUniqueViolation(err error) bool
}
