package configs

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// decoder walks a YAML node tree into config structs by their yaml tags.
// Walking the tree ourselves, instead of yaml's KnownFields, reports every
// unknown key and wrong type instead of only the first, and expands ${VAR}
// in parsed values, so a variable's value can never inject YAML.
type decoder struct {
	lookupEnv func(string) (string, bool)
	problems  *problems
	merges    int
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	nodeType     = reflect.TypeFor[yaml.Node]()
)

// value decodes n into v. Absent and null values leave v as it is, which
// is how defaults survive.
func (d *decoder) value(n *yaml.Node, v reflect.Value, path string) {
	n = resolveAlias(n)
	if isNull(n) {
		return
	}
	switch {
	case v.Type() == nodeType:
		v.Set(reflect.ValueOf(*n))
	case v.Type() == durationType:
		d.duration(n, v, path)
	case v.Kind() == reflect.Struct:
		d.mapping(n, v, path)
	case v.Kind() == reflect.String:
		d.text(n, v, path)
	case v.Kind() == reflect.Int:
		d.number(n, v, path, "a whole number", "!!int")
	case v.Kind() == reflect.Float64:
		d.number(n, v, path, "a number", "!!int", "!!float")
	case v.Kind() == reflect.Bool:
		d.number(n, v, path, "true or false", "!!bool")
	case v.Kind() == reflect.Slice:
		d.list(n, v, path)
	default:
		panic(fmt.Sprintf("configs: no decoder for %s at %s", v.Type(), path))
	}
}

// list decodes a YAML sequence into a slice, each item from its zero value.
func (d *decoder) list(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.problems.add(path, "want a list, got %s (line %d)", describe(n), n.Line)
		return
	}
	out := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.value(item, out.Index(i), fmt.Sprintf("%s[%d]", path, i))
	}
	v.Set(out)
}

// mapping decodes a YAML mapping into a struct. Merge keys (<<: *anchor)
// apply first, so keys written out override them as YAML specifies.
func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.problems.add(path, "want a mapping of keys, got %s (line %d)", describe(n), n.Line)
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == mergeKey {
			d.merge(n.Content[i+1], v, path)
		}
	}
	fields, names := yamlFields(v.Type())
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key := joinPath(path, k.Value)
		index, known := fields[k.Value]
		switch line, dup := seen[k.Value]; {
		case k.Value == mergeKey:
		case !known:
			d.problems.add(key, "unknown key (line %d); known keys: %s", k.Line, strings.Join(names, ", "))
		case dup:
			d.problems.add(key, "key given twice (lines %d and %d); keep one", line, k.Line)
		default:
			seen[k.Value] = k.Line
			d.value(val, v.Field(index), key)
		}
	}
}

const (
	mergeKey = "<<"
	// maxMerges bounds the work of nested merges, which grows exponentially
	// with their depth.
	maxMerges = 1000
)

func (d *decoder) merge(n *yaml.Node, v reflect.Value, path string) {
	if d.merges++; d.merges > maxMerges {
		d.problems.add(path, "more than %d merges (<<); simplify the anchors", maxMerges)
		return
	}
	n = resolveAlias(n)
	if n.Kind != yaml.SequenceNode {
		d.mapping(n, v, path)
		return
	}
	for _, item := range n.Content {
		d.mapping(resolveAlias(item), v, path)
	}
}

// yamlFields maps a struct's yaml keys to field indexes and lists the keys
// in declaration order for messages.
func yamlFields(t reflect.Type) (map[string]int, []string) {
	fields := map[string]int{}
	var names []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		fields[name] = i
		names = append(names, name)
	}
	return fields, names
}

func (d *decoder) text(n *yaml.Node, v reflect.Value, path string) {
	s, ok := d.scalar(n, path)
	if ok {
		v.SetString(s)
	}
}

func (d *decoder) duration(n *yaml.Node, v reflect.Value, path string) {
	s, ok := d.scalar(n, path)
	if !ok {
		return
	}
	dur, err := time.ParseDuration(s)
	if err != nil {
		d.problems.add(path, "want a duration like 30s, 1m or 1h30m, got %s (line %d)", quote(s), n.Line)
		return
	}
	v.SetInt(int64(dur))
}

// scalar returns a text value with ${VAR} expanded.
func (d *decoder) scalar(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.problems.add(path, "want a single value, got %s (line %d)", describe(n), n.Line)
		return "", false
	}
	s, err := expand(n.Value, d.lookupEnv)
	if err != nil {
		d.problems.add(path, "%v", err)
		return "", false
	}
	return s, true
}

// number decodes an int, a float or a boolean. They are not expanded:
// ${VAR} works in text values only.
func (d *decoder) number(n *yaml.Node, v reflect.Value, path, want string, tags ...string) {
	if n.Kind != yaml.ScalarNode || !slices.Contains(tags, n.Tag) {
		hint := ""
		if strings.Contains(n.Value, "${") {
			hint = "; ${VAR} is expanded in text values only"
		}
		d.problems.add(path, "want %s, got %s (line %d)%s", want, describe(n), n.Line, hint)
		return
	}
	if err := n.Decode(v.Addr().Interface()); err != nil {
		d.problems.add(path, "want %s, got %s (line %d)", want, describe(n), n.Line)
	}
}

// resolveAlias follows *anchor references to the node they name.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// isNull reports an absent or empty YAML value.
func isNull(n *yaml.Node) bool {
	return n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// describe names a node for "want X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!str" {
			return "the text " + quote(n.Value)
		}
		return quote(n.Value)
	}
	return "nothing"
}
