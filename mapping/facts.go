package mapping

import (
	"encoding/json"
	"regexp"

	"go.yaml.in/yaml/v3"
)

// factName is what retention rules call a fact: short, lower case, so a
// rule reads like the broker's own vocabulary ("maklervertrag_brief").
var factName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// parseFacts reads the facts section: fact name → CRM field. A field may
// serve one fact only, and no mapped role (checked in validate).
func (m *Mapping) parseFacts(n *yaml.Node, verr *ValidationError) {
	fields := map[string]string{}
	eachKey(n, sectionFacts, verr, func(key string, k, v *yaml.Node) {
		path := sectionFacts + "." + key
		if !factName.MatchString(key) {
			verr.add(path, "%q is not a usable fact name: use up to 40 lower-case letters, digits and _, starting with a letter (line %d)", truncate(key, 60), k.Line)
			return
		}
		if isNull(v) || v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
			verr.add(path, "want the CRM field that holds the fact, got %s (line %d)", kindName(v), v.Line)
			return
		}
		field := v.Value
		if !checkName(path, field, verr) {
			return
		}
		if other, dup := fields[field]; dup {
			verr.add(path, "field %q already holds the fact %q; each fact needs its own field", field, other)
			return
		}
		fields[field] = key
		m.facts = append(m.facts, fact{name: key, field: field})
	})
}

// readFacts reads the declared facts of a contact as text; a fact without
// a value is left out, so rules can ask "has the contact this fact".
func (m *Mapping) readFacts(r *entityReader) map[string]string {
	if len(m.facts) == 0 {
		return nil
	}
	out := make(map[string]string, len(m.facts))
	for _, f := range m.facts {
		if v := r.first(f.field, decodeFact); v != "" {
			out[f.name] = v
		}
	}
	return out
}

// decodeFact reads a fact's value: text as it is, a number as written, a
// checkbox as "true" when ticked and as no value when not, so a rule on a
// checkbox field applies exactly while it is ticked.
func decodeFact(raw json.RawMessage) (string, error) {
	switch jsonKind(raw) {
	case "boolean":
		if string(raw) == "true" {
			return "true", nil
		}
		return "", nil
	case "number":
		return string(raw), nil
	}
	return decodeText(raw, maxText)
}
