package retention

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Restriction is one class that applies to a contact's data.
type Restriction struct {
	Class Class
	Fact  string    // the fact that put the data into the class
	Start time.Time // clock start; zero when open
	Until time.Time // expiry; zero when open (kept while it applies)
}

// Open reports a restriction without an end: it lasts while its fact does.
func (r Restriction) Open() bool { return r.Until.IsZero() }

// Decision is what a policy says about one contact's data at Now.
type Decision struct {
	Now     time.Time
	Holds   []Hold        // active holds (suspend every class and every deletion)
	Binding []Restriction // duty=keep classes not yet expired: restrict instead of delete; longest first, open ones first
	Limited []Restriction // duty=limit classes that apply (deleted on request; also listed so the broker knows which data)
	Expired []Restriction // classes whose period has run out: that data type is due for deletion
}

// DeletableNow reports that nothing keeps the contact's data: no hold and
// no binding class.
func (d Decision) DeletableNow() bool { return len(d.Holds) == 0 && len(d.Binding) == 0 }

// RestrictedUntil is when the last binding class expires, the longest duty
// winning; ok is false when no class binds or one binds without an end.
func (d Decision) RestrictedUntil() (time.Time, bool) {
	if len(d.Binding) == 0 || d.Binding[0].Open() { // Binding is sorted open first, then longest
		return time.Time{}, false
	}
	return d.Binding[0].Until, true
}

// Evaluate applies the policy's rules and holds to the contact addressID
// with the given facts at now. Classes come out in file order within each
// list, binding ones sorted by how long they bind. Proof classes count
// only when a rule names them.
func (p *Policy) Evaluate(addressID string, facts Facts, now time.Time) Decision {
	d := Decision{Now: now, Holds: p.activeHolds(addressID, facts, now)}
	for _, c := range p.Classes {
		r, ok := p.restriction(c, facts)
		switch {
		case !ok:
		case !r.Open() && !now.Before(r.Until):
			d.Expired = append(d.Expired, r)
		case c.Duty == DutyKeep:
			d.Binding = append(d.Binding, r)
		default:
			d.Limited = append(d.Limited, r)
		}
	}
	slices.SortStableFunc(d.Binding, longestFirst)
	return d
}

// longestFirst orders open restrictions first, then by expiry, latest first.
func longestFirst(a, b Restriction) int {
	if a.Open() || b.Open() {
		return cmp.Compare(boolRank(b.Open()), boolRank(a.Open()))
	}
	return b.Until.Compare(a.Until)
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// restriction merges every rule of class c that applies to facts into one
// restriction: the data stay as long as the longest rule keeps them.
func (p *Policy) restriction(c Class, facts Facts) (Restriction, bool) {
	var best Restriction
	found := false
	for _, rule := range p.Rules {
		if rule.Class != c.ID || !rule.applies(facts) {
			continue
		}
		r := rule.restriction(c, facts)
		if !found || longestFirst(r, best) < 0 {
			best, found = r, true
		}
	}
	return best, found
}

func (r Rule) applies(facts Facts) bool {
	v := facts.value(r.Fact)
	return v != "" && (r.Equals == "" || strings.EqualFold(v, r.Equals))
}

func (r Rule) restriction(c Class, facts Facts) Restriction {
	out := Restriction{Class: c, Fact: r.Fact}
	if start, ok := facts.Date(r.clock(c)); ok {
		out.Start, out.Until = start, c.Expiry(start)
	}
	return out
}

// clock is the fact whose date starts the class's clock for this rule.
func (r Rule) clock(c Class) string {
	return cmp.Or(r.Clock, c.From, r.Fact)
}

// activeHolds are the holds covering the contact at now; a hold lasts
// through its last day.
func (p *Policy) activeHolds(addressID string, facts Facts, now time.Time) []Hold {
	var out []Hold
	for _, h := range p.Holds {
		covers := (h.Fact != "" && facts.value(h.Fact) != "") || (h.Address != "" && h.Address == addressID)
		if covers && (h.Until.IsZero() || now.Before(h.Until.AddDate(0, 0, 1))) {
			out = append(out, h)
		}
	}
	return out
}
