package configs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/retention"
)

// loadFiles resolves the paths the config names and reads the files, so a
// missing or broken one stops consentd before anything starts.
func (c *Config) loadFiles(baseDir string, ps *problems) {
	if c.Database.Dir != "" {
		c.Database.Dir = resolve(baseDir, c.Database.Dir)
	}
	for i := range c.Companies {
		c.Companies[i].loadFiles(baseDir, fmt.Sprintf("companies[%d]", i), ps)
	}
}

func (co *Company) loadFiles(baseDir, path string, ps *problems) {
	co.Mapping = mapping.Default()
	if co.MappingPath != "" {
		written := co.MappingPath
		co.MappingPath = resolve(baseDir, written)
		co.Mapping = loadMapping(co.MappingPath, written, path+".mapping", ps)
	}
	co.Retention = retention.Default()
	if co.RetentionPath != "" {
		written := co.RetentionPath
		co.RetentionPath = resolve(baseDir, written)
		co.Retention = loadRetention(co.RetentionPath, written, path+".retention", ps)
	}
	if co.Mapping != nil && co.Retention != nil {
		co.bindFacts(path, ps)
	}
}

// bindFacts checks that the retention rules read only facts consentd
// knows or the mapping declares, and that no declared fact takes the name
// of a built-in one.
func (co *Company) bindFacts(path string, ps *problems) {
	declared := co.Mapping.Facts()
	for _, name := range declared {
		if slices.Contains(retention.BuiltinFacts(), name) {
			ps.add(path+".mapping", "facts.%s: %q is the name of a fact consentd computes itself; give the CRM field's fact another name", name, name)
		}
	}
	list, _ := fileProblems(co.Retention.Bind(declared))
	for _, p := range list {
		ps.addEach(path+".retention", "%s", p)
	}
}

// loadMapping parses a mapping file, reporting each of its problems under
// the config key that names the file.
func loadMapping(file, written, path string, ps *problems) (m *mapping.Mapping) {
	loadFile(file, written, path, ps, func(data []byte) (err error) { m, err = mapping.Parse(data); return err })
	return m
}

// loadRetention is loadMapping for a retention file.
func loadRetention(file, written, path string, ps *problems) (p *retention.Policy) {
	loadFile(file, written, path, ps, func(data []byte) (err error) { p, err = retention.Parse(data); return err })
	return p
}

// loadFile reads a file the config names and parses it, reporting each
// problem of the file under the config key path, prefixed with the file
// name as the admin wrote it.
func loadFile(file, written, path string, ps *problems, parse func([]byte) error) {
	data, err := readFile(file)
	if err != nil {
		ps.add(path, "%v", err)
		return
	}
	err = parse(data)
	if list, ok := fileProblems(err); ok {
		for _, p := range list {
			ps.addEach(path, "%s: %s", written, p)
		}
	} else if err != nil {
		ps.add(path, "%s: %v", written, err)
	}
}

// fileProblems are the problems a mapping or retention file reports.
func fileProblems(err error) ([]string, bool) {
	var m *mapping.ValidationError
	if errors.As(err, &m) {
		return m.Problems, true
	}
	var r *retention.ValidationError
	if errors.As(err, &r) {
		return r.Problems, true
	}
	return nil, false
}

func readFile(file string) ([]byte, error) {
	data, err := os.ReadFile(file)
	switch {
	case err == nil:
		return data, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("file %s does not exist", file)
	default:
		var perr *fs.PathError
		if errors.As(err, &perr) {
			err = perr.Err
		}
		return nil, fmt.Errorf("cannot read file %s: %v", file, err)
	}
}

// resolve makes a path from the config file relative to the file's
// directory.
func resolve(baseDir, p string) string {
	if filepath.IsAbs(p) || baseDir == "" {
		return filepath.Clean(p)
	}
	return filepath.Join(baseDir, p)
}
