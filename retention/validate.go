package retention

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// factName is what a fact is called: short, lower case, as the CRM mapping
// declares facts ("maklervertrag_brief").
var factName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// classID is a short code like K6 or K1b, as brokers and the activity text
// refer to a class.
var classID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$`)

func (p *Policy) validate(verr *ValidationError) {
	if p.RenewalAfter.IsZero() {
		verr.add("renewal_after", "must be longer than zero, e.g. 17m")
	}
	if p.HolidayRegion != "" && !slices.Contains(regions, p.HolidayRegion) {
		verr.add("holiday_region", "%q is not a German state code; use one of %s, or leave it empty for the nationwide holidays only", truncate(p.HolidayRegion, 60), strings.Join(regions, ", "))
	}
	if len(p.Classes) == 0 {
		verr.add("classes", "list at least one class")
	}
	for _, c := range p.Classes {
		c.validate(verr)
	}
	p.validateProof(verr)
	for i, r := range p.Rules {
		p.validateRule(fmt.Sprintf("rules[%d]", i), r, verr)
	}
	for i, h := range p.Holds {
		h.validate(fmt.Sprintf("holds[%d]", i), verr)
	}
}

func (c Class) validate(verr *ValidationError) {
	path := "classes." + c.ID
	if !classID.MatchString(c.ID) {
		verr.add(path, "%q is not a usable class id: use up to 20 letters, digits, _ and -, like K6 or K1b", truncate(c.ID, 60))
	}
	required(path+".name", c.Name, verr)
	required(path+".data", c.Data, verr)
	if c.Keep.IsZero() {
		verr.add(path+".keep", "required: a period longer than zero, like 6y or 12m30d")
	}
	if c.From != "" {
		checkFact(path+".from", c.From, verr)
	}
	oneOf(path+".duty", c.Duty, []string{DutyKeep, DutyLimit}, verr)
	oneOf(path+".on_expiry", c.OnExpiry, []string{OnExpiryDelete, OnExpiryDestroy, OnExpiryReview}, verr)
}

func (p *Policy) validateProof(verr *ValidationError) {
	for _, ref := range []struct{ key, id string }{
		{"ledger", p.Proof.Ledger}, {"phone_ledger", p.Proof.PhoneLedger},
		{"suppression", p.Proof.Suppression}, {"case_file", p.Proof.CaseFile},
	} {
		p.checkClass("proof."+ref.key, ref.id, verr)
	}
}

func (p *Policy) validateRule(path string, r Rule, verr *ValidationError) {
	p.checkClass(path+".class", r.Class, verr)
	if required(path+".fact", r.Fact, verr) {
		checkFact(path+".fact", r.Fact, verr)
	}
	if r.Clock != "" {
		checkFact(path+".clock", r.Clock, verr)
	}
}

func (h Hold) validate(path string, verr *ValidationError) {
	switch {
	case h.Fact != "" && h.Address != "":
		verr.add(path, "give either fact (every contact with that fact) or address (one contact), not both")
	case h.Fact != "":
		checkFact(path+".fact", h.Fact, verr)
	case h.Address == "":
		verr.add(path, "give a fact (every contact with that fact) or an address (one contact's CRM id)")
	}
	required(path+".reason", h.Reason, verr)
}

// checkClass reports a reference to a class the policy does not define.
func (p *Policy) checkClass(path, id string, verr *ValidationError) {
	if !required(path, id, verr) {
		return
	}
	if _, ok := p.Class(id); !ok {
		verr.add(path, "class %q is not defined in classes (defined: %s)", truncate(id, 60), p.classIDs())
	}
}

func (p *Policy) classIDs() string {
	ids := make([]string, len(p.Classes))
	for i, c := range p.Classes {
		ids[i] = c.ID
	}
	return listOrNone(ids)
}

func checkFact(path, name string, verr *ValidationError) {
	if !factName.MatchString(name) {
		verr.add(path, "%q is not a fact name: use up to 40 lower-case letters, digits and _, starting with a letter", truncate(name, 60))
	}
}

func required(path, value string, verr *ValidationError) bool {
	if value == "" {
		verr.add(path, "required")
		return false
	}
	return true
}

func oneOf(path, value string, allowed []string, verr *ValidationError) {
	if required(path, value, verr) && !slices.Contains(allowed, value) {
		verr.add(path, "%q is not one of %s", truncate(value, 60), strings.Join(allowed, ", "))
	}
}

func listOrNone(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	return strings.Join(items, ", ")
}

// Bind checks the policy against the facts a company's CRM mapping declares:
// every fact a rule or hold names, and every class's From that a rule uses
// as its clock, must be a built-in fact or a declared one. A
// *ValidationError lists each unknown fact with its path.
func (p *Policy) Bind(declared []string) error {
	b := binder{known: append(BuiltinFacts(), declared...), declared: listOrNone(declared), verr: &ValidationError{}}
	for i, r := range p.Rules {
		path := fmt.Sprintf("rules[%d]", i)
		b.check(path+".fact", r.Fact, "")
		if r.Clock != "" {
			b.check(path+".clock", r.Clock, "")
		} else if c, ok := p.Class(r.Class); ok && c.From != "" {
			b.check("classes."+c.ID+".from", c.From, ", the clock of "+path+",")
		}
	}
	for i, h := range p.Holds {
		if h.Fact != "" {
			b.check(fmt.Sprintf("holds[%d].fact", i), h.Fact, "")
		}
	}
	return b.verr.err()
}

// binder collects the unknown facts of Bind.
type binder struct {
	known    []string
	declared string
	verr     *ValidationError
}

func (b binder) check(path, fact, role string) {
	if !slices.Contains(b.known, fact) {
		b.verr.add(path, "%q%s is neither a built-in fact nor a fact the mapping declares (declared: %s)", fact, role, b.declared)
	}
}
