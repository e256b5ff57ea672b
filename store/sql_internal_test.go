package store

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

func TestParseQueries(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		want    map[string]string
		wantErr string
	}{
		{
			name: "header comment, two queries, comments inside kept",
			text: "-- file header\n\n-- name: one\nSELECT 1;\n\n-- name: two-b\n-- why\nSELECT 2\nFROM t;\n",
			want: map[string]string{"one": "SELECT 1;", "two-b": "-- why\nSELECT 2\nFROM t;"},
		},
		{name: "empty file", text: "", want: map[string]string{}},
		{name: "duplicate name", text: "-- name: a\nSELECT 1;\n-- name: b\nSELECT 2;\n-- name: a\nSELECT 3;", wantErr: `line 5: query "a" is defined twice`},
		{name: "duplicate name in a row", text: "-- name: a\n-- name: a\nSELECT 3;", wantErr: `line 2: query "a" is defined twice`},
		{name: "SQL before first name", text: "SELECT 1;\n-- name: a\nSELECT 2;", wantErr: `line 1: SQL before the first "-- name:" line`},
		{name: "empty query", text: "-- name: a\n\n-- name: b\nSELECT 1;", wantErr: `query "a" has no SQL`},
		{name: "empty last query", text: "-- name: a\nSELECT 1;\n-- name: b\n", wantErr: `query "b" has no SQL`},
		{name: "bad name", text: "-- name: Upsert_Addresses\nSELECT 1;", wantErr: `line 1: query name "Upsert_Addresses" must be lower-case letters, digits and dashes`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseQueries(tt.text)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d queries %v, want %v", len(got), got, tt.want)
			}
			for name, sql := range tt.want {
				if got[name] != sql {
					t.Errorf("query %q = %q, want %q", name, got[name], sql)
				}
			}
		})
	}
}

func TestBindQueries(t *testing.T) {
	type twoQueries struct {
		One string `query:"one"`
		Two string `query:"two"`
	}
	tests := []struct {
		name       string
		files      map[string]string
		wantErr    string
		wantUnused string
	}{
		{name: "all present", files: map[string]string{"a.sql": "-- name: one\nSELECT 1;", "b.sql": "-- name: two\nSELECT 2;"}},
		{name: "missing name", files: map[string]string{"a.sql": "-- name: one\nSELECT 1;"}, wantErr: "queries missing from the .sql files: two"},
		{name: "same name in two files", files: map[string]string{"a.sql": "-- name: one\nSELECT 1;", "b.sql": "-- name: one\nSELECT 2;"},
			wantErr: `query file b.sql: query "one" is already defined in a.sql`},
		{name: "stray query", files: map[string]string{"a.sql": "-- name: one\nSELECT 1;\n-- name: two\nSELECT 2;\n-- name: three\nSELECT 3;"},
			wantUnused: "queries in the .sql files that nothing uses: three (a.sql)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, text := range tt.files {
				fsys[name] = &fstest.MapFile{Data: []byte(text)}
			}
			var q twoQueries
			nq, err := loadQueries(fsys, "*.sql")
			if err == nil {
				err = nq.bind(&q)
			}
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if q.One != "SELECT 1;" || q.Two != "SELECT 2;" {
				t.Errorf("bound %+v", q)
			}
			if err := nq.checkAllUsed(); (err == nil) != (tt.wantUnused == "") || (err != nil && err.Error() != tt.wantUnused) {
				t.Errorf("unused check = %v, want %q", err, tt.wantUnused)
			}
		})
	}
}

// A query tagged to be planned on each run starts with the mark the
// connections look for; others are bound as written.
func TestBindMarksQueriesPlannedEachRun(t *testing.T) {
	var q struct {
		Point string `query:"point"`
		Batch string `query:"batch" plan:"each-run"`
	}
	nq, err := loadQueries(fstest.MapFS{"a.sql": {Data: []byte("-- name: point\nSELECT $1;\n-- name: batch\nSELECT $2;")}}, "*.sql")
	if err == nil {
		err = nq.bind(&q)
	}
	if err != nil {
		t.Fatal(err)
	}
	if q.Point != "SELECT $1;" || q.Batch != planEachRun+"SELECT $2;" {
		t.Errorf("bound point %q, batch %q", q.Point, q.Batch)
	}
}

func TestLoadMigrations(t *testing.T) {
	tokens := map[string]string{"identity": "BIGSERIAL"}
	tests := []struct {
		name    string
		files   map[string]string
		want    []Migration
		wantSQL string
		wantErr string
	}{
		{name: "in order, tokens expanded", files: map[string]string{"0002_more.sql": "B", "0001_first.sql": "id {{identity}}"},
			want: []Migration{{1, "first"}, {2, "more"}}, wantSQL: "id BIGSERIAL"},
		{name: "gap", files: map[string]string{"0001_a.sql": "A", "0003_c.sql": "C"}, wantErr: "migration 0003_c.sql: expected version 0002 next"},
		{name: "not starting at one", files: map[string]string{"0002_b.sql": "B"}, wantErr: "migration 0002_b.sql: expected version 0001 next"},
		{name: "bad file name", files: map[string]string{"1_a.sql": "A"}, wantErr: "migration 1_a.sql: name it NNNN_lower_case_name.sql"},
		{name: "unknown token", files: map[string]string{"0001_a.sql": "x {{serial}} {{}}"}, wantErr: "migration 0001_a.sql: unknown tokens [{{serial}} {{}}]"},
		{name: "none", files: map[string]string{}, wantErr: "no migrations in ."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, text := range tt.files {
				fsys[name] = &fstest.MapFile{Data: []byte(text)}
			}
			got, err := loadMigrations(fsys, ".", tokens)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d migrations, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if got[i].Migration != tt.want[i] {
					t.Errorf("migration %d = %+v, want %+v", i, got[i].Migration, tt.want[i])
				}
			}
			if got[0].sql != tt.wantSQL {
				t.Errorf("first migration SQL = %q, want %q", got[0].sql, tt.wantSQL)
			}
		})
	}
}

// TestEmbeddedSQL checks the shipped .sql files of each engine the way
// NewManager does, and that no token is left in a migration or query.
func TestEmbeddedSQL(t *testing.T) {
	engines := []Config{
		{Driver: DriverPostgres, AdminDSN: "postgres://localhost/postgres"},
		{Driver: DriverSQLite, Dir: t.TempDir()},
	}
	for _, cfg := range engines {
		t.Run(cfg.Driver, func(t *testing.T) {
			d, err := newDialect(cfg)
			if err != nil {
				t.Fatal(err)
			}
			q, err := loadAllQueries(d)
			if err != nil {
				t.Fatal(err)
			}
			v := reflect.ValueOf(*q)
			for i := range v.NumField() {
				if strings.Contains(v.Field(i).String(), "{{") {
					t.Errorf("query %s keeps a token", v.Type().Field(i).Name)
				}
			}
			migrations, err := loadMigrations(sqlFiles, "sql/migrations", d.tokens())
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range migrations {
				if strings.Contains(m.sql, "{{") {
					t.Errorf("migration %d keeps a token", m.Version)
				}
			}
		})
	}
}
