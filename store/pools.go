package store

import (
	"fmt"

	"github.com/jmoiron/sqlx"
)

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
