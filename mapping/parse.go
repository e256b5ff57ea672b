package mapping

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ValidationError lists every problem of a mapping file, each as
// "key.path: message", so an admin can fix them all in one go.
type ValidationError struct {
	Problems []string
}

func (e *ValidationError) Error() string {
	return strings.Join(e.Problems, "\n")
}

func (e *ValidationError) add(path, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if path != "" {
		msg = path + ": " + msg
	}
	e.Problems = append(e.Problems, msg)
}

// Parse reads a mapping file: a YAML document whose keys override the
// defaults of Default. Unknown keys, empty or implausible field names and
// two roles mapped to the same CRM field are all reported at once in a
// *ValidationError.
func Parse(data []byte) (*Mapping, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &ValidationError{Problems: []string{"not valid YAML: " + err.Error()}}
	}
	m := defaultMapping
	verr := &ValidationError{}
	m.override(&root, verr)
	m.validate(verr)
	if len(verr.Problems) > 0 {
		return nil, verr
	}
	return &m, nil
}

var rootKeys = []string{"schema", sectionContact, sectionAddress, sectionConsent, sectionFacts}

func (m *Mapping) override(root *yaml.Node, verr *ValidationError) {
	if root.Kind == yaml.DocumentNode {
		root = root.Content[0]
	}
	eachKey(root, "", verr, func(key string, k, v *yaml.Node) {
		switch key {
		case "schema":
			setName(&m.schema, v, key, verr)
		case sectionContact, sectionAddress, sectionConsent:
			m.overrideSection(key, v, verr)
		case sectionFacts:
			m.parseFacts(v, verr)
		default:
			unknownKey(key, k, rootKeys, verr)
		}
	})
}

func (m *Mapping) overrideSection(section string, n *yaml.Node, verr *ValidationError) {
	known := map[string]*string{}
	var keys []string
	for _, s := range m.slots() {
		if s.section == section {
			known[s.key] = s.name
			keys = append(keys, s.key)
		}
	}
	eachKey(n, section, verr, func(key string, k, v *yaml.Node) {
		path := section + "." + key
		if name, ok := known[key]; ok {
			setName(name, v, path, verr)
			return
		}
		unknownKey(path, k, keys, verr)
	})
}

// eachKey calls fn for every key of a YAML mapping, reporting a node that is
// not a mapping and keys given twice.
func eachKey(n *yaml.Node, path string, verr *ValidationError, fn func(key string, k, v *yaml.Node)) {
	if isNull(n) { // an empty section keeps its defaults
		return
	}
	if n.Kind != yaml.MappingNode {
		verr.add(path, "want a mapping of keys, got %s (line %d)", kindName(n), n.Line)
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := joinPath(path, k.Value)
		if line, dup := seen[k.Value]; dup {
			verr.add(key, "key given twice (lines %d and %d); keep one", line, k.Line)
			continue
		}
		seen[k.Value] = k.Line
		fn(k.Value, k, v)
	}
}

func unknownKey(path string, k *yaml.Node, known []string, verr *ValidationError) {
	verr.add(path, "unknown key (line %d); known keys: %s", k.Line, strings.Join(known, ", "))
}

func setName(dst *string, v *yaml.Node, path string, verr *ValidationError) {
	switch {
	case isNull(v):
		verr.add(path, "must not be empty; remove the key to keep the default %q (line %d)", *dst, v.Line)
	case v.Kind != yaml.ScalarNode || v.Tag != "!!str":
		verr.add(path, "want a CRM field name, got %s (line %d)", kindName(v), v.Line)
	default:
		*dst = v.Value
	}
}

// fieldName is what a CRM field name plausibly looks like: letters, digits
// and underscores, as the CRM's schema editor produces them.
var fieldName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,99}$`)

// reservedNames are entity keys that are not fields.
var reservedNames = map[string]bool{"id": true, "_metadata": true}

func (m *Mapping) validate(verr *ValidationError) {
	checkName("schema", m.schema, verr)
	type target struct {
		topLevel bool // address keys live in their own namespace
		name     string
	}
	taken := map[target]string{}
	for _, f := range m.facts {
		taken[target{true, f.field}] = sectionFacts + "." + f.name
	}
	for _, s := range m.slots() {
		if !checkName(s.path(), *s.name, verr) {
			continue
		}
		if reservedNames[*s.name] {
			verr.add(s.path(), "%q is not a field but part of every CRM entity; name a field of the contact schema", *s.name)
			continue
		}
		key := target{s.topLevel(), *s.name}
		if other, dup := taken[key]; dup {
			verr.add(s.path(), "field %q is already mapped by %s; each role needs its own field", *s.name, other)
			continue
		}
		taken[key] = s.path()
	}
}

func checkName(path, name string, verr *ValidationError) bool {
	switch {
	case strings.TrimSpace(name) == "":
		verr.add(path, "must not be empty")
	case !fieldName.MatchString(name):
		verr.add(path, "%q is not a plausible CRM field name: use up to 100 letters, digits and _, starting with a letter or _", truncate(name, 60))
	default:
		return true
	}
	return false
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		if isNull(n) {
			return "nothing"
		}
		kind, ok := scalarKinds[n.Tag]
		if !ok {
			kind = "the value"
		}
		return fmt.Sprintf("%s %q", kind, truncate(n.Value, 60))
	}
	return "nothing"
}

var scalarKinds = map[string]string{
	"!!str": "the text", "!!int": "the number", "!!float": "the number",
	"!!bool": "the boolean", "!!timestamp": "the time",
}

// isNull reports an absent or empty YAML value.
func isNull(n *yaml.Node) bool {
	return n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// truncate shortens a value echoed in a message, so a huge input cannot
// flood a log line.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
