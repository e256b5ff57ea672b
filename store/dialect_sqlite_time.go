package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	"modernc.org/sqlite"
)

// sqliteTimeLayout is the one form SQLite keeps times in: RFC 3339 in UTC
// with exactly six fractional digits, the microseconds PostgreSQL keeps.
// Every such text has the same length, so comparing texts compares times:
// ORDER BY, MIN and < work on the columns as on PostgreSQL's timestamps.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

func formatSQLiteTime(t time.Time) string {
	return t.UTC().Round(time.Microsecond).Format(sqliteTimeLayout)
}

// parseSQLiteTime reads a text in sqliteTimeLayout; ok is false for any
// other text.
func parseSQLiteTime(s string) (t time.Time, ok bool) {
	if len(s) != len(sqliteTimeLayout) {
		return time.Time{}, false
	}
	t, err := time.Parse(sqliteTimeLayout, s)
	return t, err == nil
}

// sqliteTimeFunc is the SQL function consentd_time: it turns the RFC 3339
// time of a JSON batch, as Go encodes it, into sqliteTimeLayout; NULL stays
// NULL.
func sqliteTimeFunc(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	switch v := args[0].(type) {
	case nil:
		return nil, nil
	case string:
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, fmt.Errorf("consentd_time: %q is not an RFC 3339 time", v)
		}
		return formatSQLiteTime(t), nil
	default:
		return nil, fmt.Errorf("consentd_time: %T is not a time text", v)
	}
}

// sqliteNowFunc is the SQL function consentd_now: the current time.
func sqliteNowFunc(*sqlite.FunctionContext, []driver.Value) (driver.Value, error) {
	return formatSQLiteTime(time.Now()), nil
}

// sqliteConnector opens connections that store every time.Time argument
// in sqliteTimeLayout and give back as time.Time what they read in it.
type sqliteConnector struct {
	driver *sqlite.Driver
	dsn    string
}

func (c sqliteConnector) Connect(ctx context.Context) (driver.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	conn, err := c.driver.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	full, err := withContexts[contextConn](conn, "the SQLite driver's connection")
	if err != nil {
		return nil, err
	}
	return sqliteConn{full}, nil
}

func (c sqliteConnector) Driver() driver.Driver { return c.driver }

// sqliteConn is a driver connection with consentd's form of times.
type sqliteConn struct{ contextConn }

// Unwrap lets the driver's helpers reach the connection.
func (c sqliteConn) Unwrap() driver.Conn { return c.contextConn }

// CheckNamedValue converts arguments as database/sql would, and times
// into sqliteTimeLayout.
func (c sqliteConn) CheckNamedValue(nv *driver.NamedValue) error {
	v, err := driver.DefaultParameterConverter.ConvertValue(nv.Value)
	if err != nil {
		return err
	}
	if t, ok := v.(time.Time); ok {
		v = formatSQLiteTime(t)
	}
	nv.Value = v
	return nil
}

func (c sqliteConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := c.contextConn.QueryContext(ctx, query, args)
	if err != nil {
		return nil, err
	}
	return newSQLiteRows(rows), nil
}

func (c sqliteConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	stmt, err := c.contextConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	full, err := withContexts[contextStmt](stmt, "the SQLite driver's statement")
	if err != nil {
		return nil, err
	}
	return sqliteStmt{full}, nil
}

// sqliteStmt is a prepared statement whose rows give back times.
type sqliteStmt struct{ contextStmt }

func (s sqliteStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := s.contextStmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	return newSQLiteRows(rows), nil
}

// sqliteRows turns texts in sqliteTimeLayout into time.Time, in the
// columns declared as timestamps and in those without a declared type
// (MIN(due_at), a subquery), where only a time has that exact form.
type sqliteRows struct {
	driver.Rows
	mayHoldTime []bool // by column
}

func newSQLiteRows(rows driver.Rows) *sqliteRows {
	r := &sqliteRows{Rows: rows, mayHoldTime: make([]bool, len(rows.Columns()))}
	typed, hasTypes := rows.(driver.RowsColumnTypeDatabaseTypeName)
	for i := range r.mayHoldTime {
		declared := ""
		if hasTypes {
			declared = typed.ColumnTypeDatabaseTypeName(i)
		}
		r.mayHoldTime[i] = declared == "" || strings.Contains(declared, "TIMESTAMP")
	}
	return r
}

func (r *sqliteRows) Next(dest []driver.Value) error {
	if err := r.Rows.Next(dest); err != nil {
		return err
	}
	for i, v := range dest {
		if s, isText := v.(string); isText && r.mayHoldTime[i] {
			if t, ok := parseSQLiteTime(s); ok {
				dest[i] = t
			}
		}
	}
	return nil
}
