//go:build !unix

package store

import "errors"

// lockFile refuses: the locks of SQLite databases are flocks, which only
// Unix systems have.
func lockFile(string) (func(), bool, error) {
	return func() {}, false, errors.New("locks of SQLite databases need Linux, macOS or another Unix system; use database.driver postgres here")
}
