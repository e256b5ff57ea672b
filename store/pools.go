package store

import (
	"context"
	"fmt"
	"sync"

	"github.com/jmoiron/sqlx"
)

// statements holds a company pool's prepared statements by query text. A
// prepared statement runs in one round trip and skips the server's parsing;
// database/sql prepares it again on each connection it runs on and closes it
// with that connection, so closing the pool (Manager.Close, Drop) or its idle
// connections (CloseIdle) closes its statements too.
type statements struct {
	mu     sync.Mutex
	byText map[string]*sqlx.Stmt
}

// prepared returns query prepared on the company's pool, preparing it on
// first use. A statement that fails to prepare is tried again next time.
func (db *DB) prepared(ctx context.Context, query string) (*sqlx.Stmt, error) {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	if stmt, ok := db.stmts.byText[query]; ok {
		return stmt, nil
	}
	stmt, err := db.pool.PreparexContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare statement: %w", err)
	}
	if db.stmts.byText == nil {
		db.stmts.byText = map[string]*sqlx.Stmt{}
	}
	db.stmts.byText[query] = stmt
	return stmt, nil
}

// CloseIdle closes the idle connections of the company's pool, if it has
// one open, so that a company nobody is working for holds no connection to
// the server. Connections in use stay; the pool opens new ones on demand.
func (m *Manager) CloseIdle(slug string) {
	m.mu.Lock()
	db := m.dbs[slug]
	m.mu.Unlock()
	if db == nil {
		return
	}
	// database/sql closes surplus idle connections when the limit drops.
	db.pool.SetMaxIdleConns(0)
	db.pool.SetMaxIdleConns(m.cfg.MaxIdle)
}

// KeepConnections lets the company's pool keep every connection it opens
// while they are idle, not only Config.MaxIdle, until their idle timeout or
// CloseIdle closes them: for a busy company, a connection closed in a
// moment's lull is opened again at once, and a new connection costs the
// server a process start.
func (m *Manager) KeepConnections(slug string) {
	m.mu.Lock()
	db := m.dbs[slug]
	m.mu.Unlock()
	if db != nil {
		db.pool.SetMaxIdleConns(m.cfg.MaxOpen)
	}
}

// OpenConnections is how many connections the company's pool holds, in use
// or idle; 0 when its pool is not open.
func (m *Manager) OpenConnections(slug string) int {
	m.mu.Lock()
	db := m.dbs[slug]
	m.mu.Unlock()
	if db == nil {
		return 0
	}
	return db.pool.Stats().OpenConnections
}

// Connect opens a pool of its own on the company's database, as an admin's
// psql or sqlite3 would, for checks and repairs the store has no query for.
// Times go in and come out as time.Time on either engine. It never creates
// the database; the caller closes the pool.
func (m *Manager) Connect(slug string) (*sqlx.DB, error) {
	if err := checkSlug(slug); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	pool, err := m.dialect.openCompany(m.DatabaseName(slug))
	if err != nil {
		return nil, fmt.Errorf("store: company %q: %w", slug, err)
	}
	m.cfg.limit(pool)
	return pool, nil
}
