package store

import (
	"bufio"
	"fmt"
	"io/fs"
	"reflect"
	"regexp"
	"sort"
	"strings"
)

// queryNamePattern is what follows "-- name:" in a .sql file.
var queryNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// namedQueries holds the SQL of the embedded .sql files by name and tracks
// which names a query struct has taken, so a file can hold no stray query.
type namedQueries struct {
	sql  map[string]string
	from map[string]string // name → file, for messages
	used map[string]bool
}

// loadQueries reads every .sql file matched by the patterns. A name defined
// twice, even in two files, is an error.
func loadQueries(fsys fs.FS, patterns ...string) (*namedQueries, error) {
	nq := &namedQueries{sql: map[string]string{}, from: map[string]string{}, used: map[string]bool{}}
	if err := nq.add(fsys, patterns...); err != nil {
		return nil, err
	}
	return nq, nil
}

// add reads the queries of every .sql file matched by the patterns.
func (nq *namedQueries) add(fsys fs.FS, patterns ...string) error {
	for _, pattern := range patterns {
		files, err := fs.Glob(fsys, pattern)
		if err != nil {
			return fmt.Errorf("find query files %q: %w", pattern, err)
		}
		for _, file := range files {
			if err := nq.addFile(fsys, file); err != nil {
				return err
			}
		}
	}
	return nil
}

func (nq *namedQueries) addFile(fsys fs.FS, file string) error {
	text, err := fs.ReadFile(fsys, file)
	if err != nil {
		return fmt.Errorf("read query file %s: %w", file, err)
	}
	parsed, err := parseQueries(string(text))
	if err != nil {
		return fmt.Errorf("query file %s: %w", file, err)
	}
	for name, sql := range parsed {
		if prev, dup := nq.from[name]; dup {
			return fmt.Errorf("query file %s: query %q is already defined in %s", file, name, prev)
		}
		nq.sql[name], nq.from[name] = sql, file
	}
	return nil
}

// parseQueries splits the text of one .sql file into its named queries.
// A query starts at a line "-- name: some-name" and runs to the next such
// line; only blank lines and comments may come before the first name.
func parseQueries(text string) (map[string]string, error) {
	p := queryParser{queries: map[string]string{}}
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		if err := p.line(sc.Text(), n); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return p.queries, p.flush()
}

// queryParser collects the lines of the query being read.
type queryParser struct {
	queries map[string]string
	name    string
	body    strings.Builder
}

func (p *queryParser) line(text string, n int) error {
	name, isName, err := queryName(text, n)
	switch {
	case err != nil:
		return err
	case isName:
		if _, dup := p.queries[name]; dup || name == p.name {
			return fmt.Errorf("line %d: query %q is defined twice", n, name)
		}
		if err := p.flush(); err != nil {
			return err
		}
		p.name = name
	case p.name == "" && !isComment(text):
		return fmt.Errorf("line %d: SQL before the first \"-- name:\" line", n)
	case p.name != "":
		p.body.WriteString(text)
		p.body.WriteByte('\n')
	}
	return nil
}

// flush stores the query read so far.
func (p *queryParser) flush() error {
	if p.name == "" {
		return nil
	}
	sql := strings.TrimSpace(p.body.String())
	if sql == "" {
		return fmt.Errorf("query %q has no SQL", p.name)
	}
	p.queries[p.name] = sql
	p.body.Reset()
	return nil
}

// queryName reports whether line starts a named query and which.
func queryName(line string, n int) (string, bool, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:")
	if !ok {
		return "", false, nil
	}
	name := strings.TrimSpace(rest)
	if !queryNamePattern.MatchString(name) {
		return "", false, fmt.Errorf("line %d: query name %q must be lower-case letters, digits and dashes", n, name)
	}
	return name, true, nil
}

func isComment(line string) bool {
	line = strings.TrimSpace(line)
	return line == "" || strings.HasPrefix(line, "--")
}

// expand replaces the engine's {{tokens}} in every query.
func (nq *namedQueries) expand(tokens map[string]string) error {
	for name, sql := range nq.sql {
		expanded, err := expandTokens(sql, tokens)
		if err != nil {
			return fmt.Errorf("query %q (%s): %w", name, nq.from[name], err)
		}
		nq.sql[name] = expanded
	}
	return nil
}

// planEachRun starts the text of a statement whose field is tagged
// `plan:"each-run"`: it works on a batch or a page of rows of a table that
// may grow many times over while one connection runs it (a company's first
// mirror), so a plan PostgreSQL kept for it as a prepared statement while
// the table was small could scan the whole table on every run. Connections
// run such a statement unprepared and planned anew; planning costs nothing
// next to its rows.
const planEachRun = "/* plan each run */ "

// bind fills every string field of the struct dst points to from the query
// its `query:"name"` tag names, after planEachRun if it is tagged
// `plan:"each-run"`; embedded structs are left to their own bind, since
// reflection may not set the fields of an unexported one. A tag naming no
// query is an error, so a missing query stops consentd at start rather
// than at first use.
func (nq *namedQueries) bind(dst any) error {
	v := reflect.ValueOf(dst).Elem()
	var missing []string
	for i := range v.NumField() {
		if v.Type().Field(i).Anonymous { // an embedded group: bound on its own
			continue
		}
		name := v.Type().Field(i).Tag.Get("query")
		sql, ok := nq.sql[name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		if v.Type().Field(i).Tag.Get("plan") == "each-run" {
			sql = planEachRun + sql
		}
		v.Field(i).SetString(sql)
		nq.used[name] = true
	}
	if len(missing) > 0 {
		return fmt.Errorf("queries missing from the .sql files: %s", strings.Join(missing, ", "))
	}
	return nil
}

// checkAllUsed reports queries that no query struct took: a typo in a name
// or SQL nobody runs.
func (nq *namedQueries) checkAllUsed() error {
	var unused []string
	for name := range nq.sql {
		if !nq.used[name] {
			unused = append(unused, fmt.Sprintf("%s (%s)", name, nq.from[name]))
		}
	}
	if len(unused) > 0 {
		sort.Strings(unused)
		return fmt.Errorf("queries in the .sql files that nothing uses: %s", strings.Join(unused, ", "))
	}
	return nil
}
