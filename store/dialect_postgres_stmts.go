package store

import (
	"context"
	"database/sql/driver"
	"strings"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
)

// maxCachedStatements bounds the statements one connection keeps prepared.
// consentd's named queries are fewer; a statement past the bound runs
// unprepared, as it would without the cache.
const maxCachedStatements = 256

// cachingConnector opens PostgreSQL connections that prepare each statement
// with parameters once and run it as a prepared statement from then on. An
// unprepared statement costs the server a parse and a plan on every run,
// about as much CPU as running the consent page's short statements; a
// prepared one is bound and executed, and after a few runs PostgreSQL
// keeps one plan for it when that plan is no worse. Batch statements,
// whose tables may grow while a connection lives, are marked planEachRun
// and run unprepared.
type cachingConnector struct{ driver.Connector }

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	full, err := withContexts[pgDriverConn](conn, "the PostgreSQL driver's connection")
	if err != nil {
		return nil, err
	}
	return &cachingConn{pgDriverConn: full, stmts: map[string]contextStmt{}}, nil
}

// pgDriverConn is what every connection of lib/pq offers; cachingConn
// passes it all on, so database/sql keeps using contexts and lib/pq's
// conversion of arguments.
type pgDriverConn interface {
	contextConn
	driver.NamedValueChecker
}

// cachingConn is one connection with its prepared statements by query
// text. database/sql uses a connection from one goroutine at a time, so
// the map needs no lock. The server frees the statements when the
// connection closes.
type cachingConn struct {
	pgDriverConn
	stmts map[string]contextStmt
}

// ExecContext runs a statement with parameters prepared. One without
// parameters goes as a simple query, which may hold several statements
// (the migrations do) and cannot be prepared.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	stmt, err := c.stmt(ctx, query, args)
	switch {
	case err != nil:
		return nil, err
	case stmt == nil:
		return c.pgDriverConn.ExecContext(ctx, query, args)
	}
	res, err := stmt.ExecContext(ctx, args)
	c.forgetIfStale(query, err)
	return res, err
}

// QueryContext is ExecContext for statements that return rows.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	stmt, err := c.stmt(ctx, query, args)
	switch {
	case err != nil:
		return nil, err
	case stmt == nil:
		return c.pgDriverConn.QueryContext(ctx, query, args)
	}
	rows, err := stmt.QueryContext(ctx, args)
	c.forgetIfStale(query, err)
	return rows, err
}

// stmt returns query prepared on the connection, preparing it on first
// use; nil when it is to run unprepared: it has no parameters, it is to be
// planned on each run (planEachRun), or the connection holds its bound of
// statements already.
func (c *cachingConn) stmt(ctx context.Context, query string, args []driver.NamedValue) (contextStmt, error) {
	if len(args) == 0 || strings.HasPrefix(query, planEachRun) {
		return nil, nil
	}
	if stmt, ok := c.stmts[query]; ok {
		return stmt, nil
	}
	if len(c.stmts) >= maxCachedStatements {
		return nil, nil
	}
	prepared, err := c.pgDriverConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	stmt, err := withContexts[contextStmt](prepared, "the PostgreSQL driver's statement")
	if err != nil {
		return nil, err
	}
	c.stmts[query] = stmt
	return stmt, nil
}

// forgetIfStale drops a statement the server no longer runs as prepared:
// it is gone, or a schema change altered the rows it returns. The next
// run prepares it again; the server frees the old one with the
// connection.
func (c *cachingConn) forgetIfStale(query string, err error) {
	if pq.As(err, pqerror.InvalidSQLStatementName, pqerror.FeatureNotSupported) != nil {
		delete(c.stmts, query)
	}
}
