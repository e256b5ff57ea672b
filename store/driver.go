package store

import (
	"database/sql/driver"
	"fmt"
)

// contextConn is what database/sql needs of a driver's connection to keep
// using contexts and sessions; each engine's connection wrapper passes it
// all on.
type contextConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// contextStmt is what database/sql needs of a driver's prepared statement
// to keep using contexts.
type contextStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// withContexts asserts that a driver's connection or statement v offers
// T, and closes it when it does not; what names v in the error.
func withContexts[T any](v interface{ Close() error }, what string) (T, error) {
	full, ok := v.(T)
	if !ok {
		_ = v.Close()
		var none T
		return none, fmt.Errorf("%s %T lacks the context methods", what, v)
	}
	return full, nil
}
