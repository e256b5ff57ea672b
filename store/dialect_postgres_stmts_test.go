package store_test

import (
	"database/sql"
	"fmt"
	"testing"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"

	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/store/storetest"
)

// pgConn is one connection of a company pool on PostgreSQL, held for the
// test so that every statement runs on it.
func pgConn(t *testing.T) *sql.Conn {
	t.Helper()
	if storetest.Driver(t) != store.DriverPostgres {
		t.Skip("prepared statements are cached on PostgreSQL connections only; the PostgreSQL run tests them")
	}
	m := storetest.Manager(t)
	storetest.DB(t, m, "stmts")
	conn, err := storetest.SQL(t, m, "stmts").Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// preparedOn counts the statements prepared on the connection whose text
// is query, or all of them for "".
func preparedOn(t *testing.T, conn *sql.Conn, query string) int {
	t.Helper()
	count := "SELECT count(*) FROM pg_prepared_statements" // no parameters: never prepared itself
	if query != "" {
		count += " WHERE statement = " + pq.QuoteLiteral(query)
	}
	var n int
	if err := conn.QueryRowContext(t.Context(), count).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStatementsWithParametersArePreparedOncePerConnection(t *testing.T) {
	t.Parallel()
	conn := pgConn(t)
	const query = "SELECT $1::int + 1"
	for i := range 3 {
		var got int
		if err := conn.QueryRowContext(t.Context(), query, i).Scan(&got); err != nil || got != i+1 {
			t.Fatalf("run %d: %d, %v; want %d", i, got, err, i+1)
		}
	}
	if n := preparedOn(t, conn, query); n != 1 {
		t.Errorf("%q is prepared %d times on the connection, want once", query, n)
	}
	const exec = "CREATE TEMP TABLE t (n int); INSERT INTO t VALUES (1), (2)"
	if _, err := conn.ExecContext(t.Context(), exec); err != nil {
		t.Fatalf("statements without parameters, several in one: %v", err)
	}
	if n := preparedOn(t, conn, exec); n != 0 {
		t.Errorf("a statement without parameters was prepared %d times, want none", n)
	}
}

// A statement that works on a batch of rows of a table that may grow while
// the connection lives is planned on each run, never kept prepared.
func TestStatementsPlannedEachRunAreNotPrepared(t *testing.T) {
	t.Parallel()
	conn := pgConn(t)
	query := store.PlanEachRun + "SELECT $1::int * 2"
	for i := range 3 {
		var got int
		if err := conn.QueryRowContext(t.Context(), query, i).Scan(&got); err != nil || got != 2*i {
			t.Fatalf("run %d: %d, %v; want %d", i, got, err, 2*i)
		}
	}
	if n := preparedOn(t, conn, ""); n != 0 {
		t.Errorf("%d statements prepared on the connection, want none", n)
	}
}

// A schema change that alters a prepared statement's rows fails its next
// run once; the run after that prepares it again and sees the new rows.
func TestStaleStatementIsPreparedAgain(t *testing.T) {
	t.Parallel()
	conn, ctx := pgConn(t), t.Context()
	if _, err := conn.ExecContext(ctx, "CREATE TEMP TABLE t (id int, a text); INSERT INTO t VALUES (1, 'x')"); err != nil {
		t.Fatal(err)
	}
	columns := func() ([]string, error) {
		rows, err := conn.QueryContext(ctx, "SELECT * FROM t WHERE id = $1", 1)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		return rows.Columns()
	}
	if cols, err := columns(); err != nil || len(cols) != 2 {
		t.Fatalf("before the change: columns %v, %v", cols, err)
	}
	if _, err := conn.ExecContext(ctx, "ALTER TABLE t ADD COLUMN b text"); err != nil {
		t.Fatal(err)
	}
	if _, err := columns(); pq.As(err, pqerror.FeatureNotSupported) == nil {
		t.Fatalf("first run after the change: %v, want PostgreSQL's cached plan error", err)
	}
	if cols, err := columns(); err != nil || len(cols) != 3 {
		t.Fatalf("second run after the change: columns %v, %v; want 3", cols, err)
	}
}

// Past its bound a connection runs statements unprepared, and they still
// work.
func TestStatementsPastTheBoundRunUnprepared(t *testing.T) {
	t.Parallel()
	conn := pgConn(t)
	for i := range store.MaxCachedStatements + 10 {
		var got int
		if err := conn.QueryRowContext(t.Context(), fmt.Sprintf("SELECT $1::int + %d", i), 1).Scan(&got); err != nil || got != i+1 {
			t.Fatalf("statement %d: %d, %v; want %d", i, got, err, i+1)
		}
	}
	if n := preparedOn(t, conn, ""); n != store.MaxCachedStatements {
		t.Errorf("%d statements prepared on the connection, want the bound %d", n, store.MaxCachedStatements)
	}
}
