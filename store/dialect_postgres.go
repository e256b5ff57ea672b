package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
)

// postgres is the PostgreSQL dialect: one database per company on a shared
// server, created from a maintenance database, advisory locks for runs.
type postgres struct {
	admin pq.Config
	cfg   Config // pool limits of the maintenance database's pool
	q     pgQueries

	mu     sync.Mutex
	closed bool
	pool   *sqlx.DB // on the maintenance database, opened on first use
}

// pgQueries are the PostgreSQL-only statements of sql/postgres/server.sql.
type pgQueries struct {
	DatabaseExists string `query:"database-exists"`
	CreateDatabase string `query:"create-database"`
	DropDatabase   string `query:"drop-database"`
	ListDatabases  string `query:"list-databases"`
	LockMigrations string `query:"lock-migrations"`
	TryLock        string `query:"try-advisory-lock"`
	Unlock         string `query:"advisory-unlock"`
	AppendEvent    string `query:"append-event"`
	CompleteOutbox string `query:"complete-outbox-and-link"`
	ChangeConsent  string `query:"change-consent-before-put"` // bound with put-consent after it
	PutConsent     string `query:"put-consent"`
}

// databaseToken stands for the quoted database name in statements that
// cannot take it as a parameter.
const databaseToken = "{{database}}"

// newPostgres parses the admin DSN. Its errors never repeat the DSN, which
// may hold a password.
func newPostgres(cfg Config) (*postgres, error) {
	admin, err := pq.NewConfig(cfg.AdminDSN)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return nil, fmt.Errorf("admin DSN is not a valid PostgreSQL connection string: %w", err)
	}
	if admin.ApplicationName == "" {
		admin.ApplicationName = "consentd"
	}
	return &postgres{admin: admin, cfg: cfg}, nil
}

func (p *postgres) queryFiles() []string { return []string{"sql/postgres/*.sql"} }

// bindQueries binds the engine's queries and puts change-consent-before-put
// and put-consent together into the one statement they make.
func (p *postgres) bindQueries(nq *namedQueries) error {
	if err := nq.bind(&p.q); err != nil {
		return err
	}
	p.q.ChangeConsent += p.q.PutConsent
	return nil
}

func (p *postgres) tokens() map[string]string {
	return map[string]string{
		"identity": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
		"now":      "CURRENT_TIMESTAMP",
	}
}

func (p *postgres) location(database string) string { return database }

func (p *postgres) ping(ctx context.Context) error {
	admin, err := p.adminPool()
	if err != nil {
		return err
	}
	if err := admin.PingContext(ctx); err != nil {
		return fmt.Errorf("reach the PostgreSQL server: %w", err)
	}
	return nil
}

// adminPool opens the maintenance database's pool on first use.
func (p *postgres) adminPool() (*sqlx.DB, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errClosed
	}
	if p.pool == nil {
		pool, err := p.open(p.admin)
		if err != nil {
			return nil, err
		}
		p.cfg.limit(pool)
		p.pool = pool
	}
	return p.pool, nil
}

func (p *postgres) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.pool == nil {
		return nil
	}
	return p.pool.Close()
}

// openCompany opens a company's pool. A statement it runs unprepared (see
// cachingConnector) goes to the server in one round trip (lib/pq's
// binary_parameters) instead of a parse and then an execute; only []byte
// parameters travel differently (as binary), and the schema has no bytea
// column they could be meant for.
func (p *postgres) openCompany(database string) (*sqlx.DB, error) {
	cfg := p.admin.Clone()
	cfg.Database = database
	cfg.BinaryParameters = true
	return p.open(cfg)
}

// open opens a pool whose connections prepare each statement with
// parameters once (cachingConnector).
func (p *postgres) open(cfg pq.Config) (*sqlx.DB, error) {
	connector, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("set up PostgreSQL connections: %w", err)
	}
	return sqlx.NewDb(sql.OpenDB(cachingConnector{connector}), "postgres"), nil
}

func (p *postgres) createDatabase(ctx context.Context, database string) (bool, error) {
	admin, err := p.adminPool()
	if err != nil {
		return false, err
	}
	var exists bool
	if err := admin.GetContext(ctx, &exists, p.q.DatabaseExists, database); err != nil {
		return false, fmt.Errorf("look up database %s: %w", database, err)
	}
	if exists {
		return false, nil
	}
	_, err = admin.ExecContext(ctx, withDatabase(p.q.CreateDatabase, database))
	// A second migrator may create it between the look-up and here; on a
	// close race PostgreSQL reports the unique index of pg_database instead.
	if pq.As(err, pqerror.DuplicateDatabase, pqerror.UniqueViolation) != nil {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create database %s: %w", database, err)
	}
	return true, nil
}

func (p *postgres) dropDatabase(ctx context.Context, database string) error {
	admin, err := p.adminPool()
	if err != nil {
		return err
	}
	if _, err := admin.ExecContext(ctx, withDatabase(p.q.DropDatabase, database)); err != nil {
		return fmt.Errorf("drop database %s: %w", database, err)
	}
	return nil
}

func (p *postgres) listDatabases(ctx context.Context, prefix string) ([]string, error) {
	admin, err := p.adminPool()
	if err != nil {
		return nil, err
	}
	var names []string
	if err := admin.SelectContext(ctx, &names, p.q.ListDatabases, prefix); err != nil {
		return nil, fmt.Errorf("list databases: %w", err)
	}
	return names, nil
}

func (p *postgres) lockMigrations(ctx context.Context, tx *sqlx.Tx) error {
	_, err := tx.ExecContext(ctx, p.q.LockMigrations, lockKey("schema-migrations"))
	return err
}

// tryLock takes an advisory lock, which lives in the session of a
// connection reserved from db's pool until release.
func (p *postgres) tryLock(ctx context.Context, db *DB, name string) (func(), bool, error) {
	conn, err := db.pool.Conn(ctx)
	if err != nil {
		return func() {}, false, fmt.Errorf("reserve a connection: %w", err)
	}
	key := lockKey(name)
	var ok bool
	err = conn.QueryRowContext(ctx, p.q.TryLock, key).Scan(&ok)
	switch {
	case err != nil:
		discard(conn) // the lock may have been granted as the call failed
		return func() {}, false, err
	case !ok:
		_ = conn.Close()
		return func() {}, false, nil
	}
	return func() { p.unlock(db, conn, key, name) }, true, nil
}

// unlockTimeout bounds how long releasing a lock may take.
const unlockTimeout = 10 * time.Second

// unlock releases a lock. Should that fail, the connection is thrown away
// instead of returned: its session ending is what frees the lock then.
func (p *postgres) unlock(db *DB, conn *sql.Conn, key int64, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), unlockTimeout)
	defer cancel()
	var held bool
	err := conn.QueryRowContext(ctx, p.q.Unlock, key).Scan(&held)
	if err == nil && !held {
		err = errors.New("the session did not hold the lock")
	}
	if err != nil {
		db.log.Warn().Err(err).Str("lock", name).Msg("could not release lock; closing its connection instead")
		discard(conn)
		return
	}
	_ = conn.Close()
}

// discard closes conn for good instead of returning it to the pool.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close() // reports that Raw closed it already
}

func (p *postgres) isMissingDatabase(err error) bool {
	return pq.As(err, pqerror.InvalidCatalogName) != nil
}

func (p *postgres) isMissingTable(err error) bool {
	return pq.As(err, pqerror.UndefinedTable) != nil
}

// appendEvent does in one statement what chainEvent does in three: the
// ledger lock is held until commit, so each round trip under it limits how
// many actions per second a company can record. The server chains the event
// as ChainHash does, from the canonical JSON with the id it takes; the hash
// it computed is checked against Go's.
func (p *postgres) appendEvent(ctx context.Context, tx *Tx, e Event) (Event, bool, error) {
	e.ID = 0
	args := appendArgs{eventRow: newEventRow(e), Canon: string(e.canonical())}
	rows, err := sqlx.NamedQueryContext(ctx, tx.tx, p.q.AppendEvent, args)
	if err != nil {
		return Event{}, false, err
	}
	defer func() { _ = rows.Close() }()
	if !rows.Next() {
		return Event{}, false, rows.Err() // the action was recorded before
	}
	if err := rows.Scan(&e.ID, &e.PrevHash, &e.Hash); err != nil {
		return Event{}, false, err
	}
	if want := e.ChainHash(); e.Hash != want {
		return Event{}, false, fmt.Errorf("the database chained event %d to hash %s, consentd computes %s", e.ID, e.Hash, want)
	}
	return e, true, rows.Close()
}

// appendArgs are the parameters of append-event: the event as stored and
// its canonical JSON with id 0, which the statement replaces by the id.
type appendArgs struct {
	eventRow
	Canon string `db:"canon"`
}

// changeConsent does in one statement what changeInSteps does in three:
// every consent action runs it, and each round trip costs the server and
// consentd alike. Its statement is change-consent-before-put followed by
// the portable put-consent (see bindQueries).
func (p *postgres) changeConsent(ctx context.Context, tx *Tx, ch ConsentChange) error {
	ids, err := json.Marshal(append([]string{}, ch.Identifiers...))
	if err != nil {
		return err
	}
	f := ch.Fields
	args := changeArgs{ConsentState: ch.State, FieldSource: f.Source, FieldPurpose: f.Purpose, FieldDate: f.Date,
		FieldWithdrawalDate: f.WithdrawalDate, FieldWithdrawalReason: f.WithdrawalReason,
		Lift: ch.Lift, Identifiers: string(ids)}
	_, err = tx.tx.NamedExecContext(ctx, p.q.ChangeConsent, args)
	return err
}

// changeArgs are the parameters of change-consent: the state, the mirror's
// fields (f_…) and what to lift.
type changeArgs struct {
	ConsentState
	FieldSource           string `db:"f_source"`
	FieldPurpose          string `db:"f_purpose"`
	FieldDate             string `db:"f_date"`
	FieldWithdrawalDate   string `db:"f_withdrawal_date"`
	FieldWithdrawalReason string `db:"f_withdrawal_reason"`
	Lift                  bool   `db:"lift"`
	Identifiers           string `db:"identifiers"` // JSON list
}

// completeOutbox does in one statement, without a transaction around it,
// what completeInTx does in a transaction of two: the outbox worker
// completes every row it delivers, and each round trip costs the server
// and consentd alike.
func (p *postgres) completeOutbox(ctx context.Context, db *DB, id int64, result string, now time.Time) (bool, error) {
	var done int64
	err := db.pool.GetContext(ctx, &done, p.q.CompleteOutbox, id, result, now)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func (p *postgres) isUniqueViolation(err error) bool {
	return pq.As(err, pqerror.UniqueViolation) != nil
}

// withDatabase puts the quoted database name into a statement.
func withDatabase(sql, database string) string {
	return strings.ReplaceAll(sql, databaseToken, pq.QuoteIdentifier(database))
}
