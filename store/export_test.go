package store

import (
	"io/fs"
	"testing/fstest"

	"github.com/rs/zerolog"
)

// NewManagerWithMigrations is NewManager with the migrations in the root of
// fsys instead of the embedded ones, to stand for an older or newer consentd.
func NewManagerWithMigrations(cfg Config, log zerolog.Logger, fsys fs.FS) (*Manager, error) {
	m, err := NewManager(cfg, log)
	if err != nil {
		return nil, err
	}
	m.migrations, err = loadMigrations(fsys, ".", m.dialect.tokens())
	return m, err
}

// EmbeddedMigrationsWith returns the embedded migrations plus extra files;
// an extra file of an embedded one's name replaces it.
func EmbeddedMigrationsWith(extra map[string]string) (fs.FS, error) {
	fsys := fstest.MapFS{}
	sub, err := fs.Sub(sqlFiles, "sql/migrations")
	if err != nil {
		return nil, err
	}
	entries, err := fs.ReadDir(sub, ".")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		data, err := fs.ReadFile(sub, e.Name())
		if err != nil {
			return nil, err
		}
		fsys[e.Name()] = &fstest.MapFile{Data: data}
	}
	for name, sql := range extra {
		fsys[name] = &fstest.MapFile{Data: []byte(sql)}
	}
	return fsys, nil
}

// MaxCachedStatements is how many statements a PostgreSQL connection keeps
// prepared.
const MaxCachedStatements = maxCachedStatements

// PlanEachRun starts the text of a statement connections never keep
// prepared.
const PlanEachRun = planEachRun
