package retention

import (
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// ValidationError lists every problem of a policy file, each as
// "key.path: message", so an admin can fix them all in one go.
type ValidationError struct {
	Problems []string

	// reported holds the paths with a problem: each reports only its first,
	// since "required" after "not a period" would only be noise.
	reported map[string]bool
}

func (e *ValidationError) Error() string {
	return strings.Join(e.Problems, "\n")
}

func (e *ValidationError) add(path, format string, args ...any) {
	if e.reported[path] {
		return
	}
	if e.reported == nil {
		e.reported = map[string]bool{}
	}
	e.reported[path] = true
	msg := fmt.Sprintf(format, args...)
	if path != "" {
		msg = path + ": " + msg
	}
	e.Problems = append(e.Problems, msg)
}

func (e *ValidationError) err() error {
	if len(e.Problems) == 0 {
		return nil
	}
	return e
}

// defaultRenewal is how long consent may go unused before it is flagged
// for renewal: courts treat long-unused consent as stale.
var defaultRenewal = Period{Months: 17}

// defaultProof are the classes of retention-classes.md for consentd's own
// proof; a file that keeps these class ids need not repeat them.
var defaultProof = Proof{Ledger: "K4", PhoneLedger: "K4T", Suppression: "K5", CaseFile: "K9"}

// Parse reads a policy file. Unknown keys, bad values and references to
// classes that do not exist are all reported at once in a *ValidationError.
// Facts are checked against a mapping by Bind.
func Parse(data []byte) (*Policy, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &ValidationError{Problems: []string{"not valid YAML: " + err.Error()}}
	}
	p := &Policy{Proof: defaultProof, RenewalAfter: defaultRenewal}
	verr := &ValidationError{}
	d := decoder{verr}
	if root.Kind == yaml.DocumentNode {
		d.fields(root.Content[0], "", p.fields(d))
	}
	p.validate(verr)
	if err := verr.err(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Policy) fields(d decoder) []field {
	return []field{
		{"renewal_after", d.period(&p.RenewalAfter)},
		{"holiday_region", d.text(&p.HolidayRegion)},
		{"proof", func(v *yaml.Node, path string) {
			d.fields(v, path, []field{
				{"ledger", d.text(&p.Proof.Ledger)},
				{"phone_ledger", d.text(&p.Proof.PhoneLedger)},
				{"suppression", d.text(&p.Proof.Suppression)},
				{"case_file", d.text(&p.Proof.CaseFile)},
			})
		}},
		{"classes", func(v *yaml.Node, path string) { p.Classes = d.classes(v, path) }},
		{"rules", func(v *yaml.Node, path string) { p.Rules = d.rules(v, path) }},
		{"holds", func(v *yaml.Node, path string) { p.Holds = d.holds(v, path) }},
	}
}

func (d decoder) classes(n *yaml.Node, path string) []Class {
	var out []Class
	d.each(n, path, func(k, v *yaml.Node, path string) {
		c := Class{ID: k.Value}
		d.fields(v, path, []field{
			{"name", d.text(&c.Name)},
			{"data", d.text(&c.Data)},
			{"keep", d.period(&c.Keep)},
			{"from", d.text(&c.From)},
			{"end_of_year", d.flag(&c.EndOfYear)},
			{"duty", d.text(&c.Duty)},
			{"basis", d.text(&c.Basis)},
			{"on_expiry", d.text(&c.OnExpiry)},
			{"cap", d.period(&c.Cap)},
		})
		out = append(out, c)
	})
	return out
}

func (d decoder) rules(n *yaml.Node, path string) []Rule {
	var out []Rule
	d.list(n, path, func(v *yaml.Node, path string) {
		var r Rule
		d.fields(v, path, []field{
			{"class", d.text(&r.Class)},
			{"fact", d.text(&r.Fact)},
			{"equals", d.text(&r.Equals)},
			{"clock", d.text(&r.Clock)},
		})
		out = append(out, r)
	})
	return out
}

func (d decoder) holds(n *yaml.Node, path string) []Hold {
	var out []Hold
	d.list(n, path, func(v *yaml.Node, path string) {
		var h Hold
		d.fields(v, path, []field{
			{"fact", d.text(&h.Fact)},
			{"address", d.text(&h.Address)},
			{"reason", d.text(&h.Reason)},
			{"until", d.date(&h.Until)},
		})
		out = append(out, h)
	})
	return out
}

// decoder reads YAML nodes into a Policy, collecting problems with their
// key paths and lines instead of stopping at the first.
type decoder struct{ verr *ValidationError }

// field is a known key and how to read its value at its key path.
type field struct {
	key    string
	decode func(v *yaml.Node, path string)
}

// fields reads a mapping of known keys, reporting unknown and repeated ones.
func (d decoder) fields(n *yaml.Node, path string, known []field) {
	d.each(n, path, func(k, v *yaml.Node, keyPath string) {
		for _, f := range known {
			if f.key == k.Value {
				f.decode(v, keyPath)
				return
			}
		}
		keys := make([]string, len(known))
		for i, f := range known {
			keys[i] = f.key
		}
		d.verr.add(keyPath, "unknown key (line %d); known keys: %s", k.Line, strings.Join(keys, ", "))
	})
}

// each calls fn for every key of a mapping; an empty value is an empty
// mapping.
func (d decoder) each(n *yaml.Node, path string, fn func(k, v *yaml.Node, path string)) {
	n = resolve(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.verr.add(path, "want a mapping of keys, got %s (line %d)", describe(n), n.Line)
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		keyPath := joinPath(path, k.Value)
		if line, dup := seen[k.Value]; dup {
			d.verr.add(keyPath, "key given twice (lines %d and %d); keep one", line, k.Line)
			continue
		}
		seen[k.Value] = k.Line
		fn(k, v, keyPath)
	}
}

// list calls fn for every item of a sequence, with the item's path.
func (d decoder) list(n *yaml.Node, path string, fn func(v *yaml.Node, path string)) {
	n = resolve(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.verr.add(path, "want a list, got %s (line %d)", describe(n), n.Line)
		return
	}
	for i, item := range n.Content {
		fn(item, fmt.Sprintf("%s[%d]", path, i))
	}
}

// scalar returns the text of a single value; false (with the problem
// reported) for a list or mapping. An empty value reads as "".
func (d decoder) scalar(v *yaml.Node, path, want string) (string, bool) {
	v = resolve(v)
	if isNull(v) {
		return "", true
	}
	if v.Kind != yaml.ScalarNode {
		d.verr.add(path, "want %s, got %s (line %d)", want, describe(v), v.Line)
		return "", false
	}
	return strings.TrimSpace(v.Value), true
}

func (d decoder) text(dst *string) func(*yaml.Node, string) {
	return func(v *yaml.Node, path string) {
		if s, ok := d.scalar(v, path, "text"); ok {
			*dst = s
		}
	}
}

func (d decoder) period(dst *Period) func(*yaml.Node, string) {
	return func(v *yaml.Node, path string) {
		s, ok := d.scalar(v, path, "a period like 3y")
		if !ok || s == "" { // an empty period is one not given
			return
		}
		p, err := ParsePeriod(s)
		if err != nil {
			d.verr.add(path, "%v (line %d)", err, v.Line)
			return
		}
		*dst = p
	}
}

func (d decoder) flag(dst *bool) func(*yaml.Node, string) {
	return func(v *yaml.Node, path string) {
		v = resolve(v)
		if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" || v.Decode(dst) != nil {
			d.verr.add(path, "want true or false, got %s (line %d)", describe(v), v.Line)
		}
	}
}

func (d decoder) date(dst *time.Time) func(*yaml.Node, string) {
	return func(v *yaml.Node, path string) {
		s, ok := d.scalar(v, path, "a date like 2027-06-30")
		if !ok || s == "" {
			return
		}
		t, err := time.ParseInLocation(time.DateOnly, s, Berlin)
		if err != nil {
			d.verr.add(path, "%q is not a date: write YYYY-MM-DD, e.g. 2027-06-30 (line %d)", truncate(s, 60), v.Line)
			return
		}
		*dst = t
	}
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// isNull reports an absent or empty YAML value.
func isNull(n *yaml.Node) bool {
	return n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "nothing"
		}
		return fmt.Sprintf("%q", truncate(n.Value, 60))
	}
	return "nothing"
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
