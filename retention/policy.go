// Package retention holds a company's retention policy ("Löschfristen"):
// the classes its contacts' data fall into, the rules that put a contact's
// data into classes from facts, legal holds, and the evaluation that tells
// a broker what may be deleted now and what must wait until when. It also
// owns the German calendar rules for deadlines.
package retention

import (
	_ "embed"
	"fmt"
	"os"
	"slices"
	"time"
)

// Class is one retention class: a type of data, how long it is kept and why.
type Class struct {
	ID, Name, Data string
	From           string // fact whose date starts the clock; empty: the rule's fact
	Basis          string // the legal basis, e.g. "§ 257 HGB"
	OnExpiry       string // OnExpiryDelete, OnExpiryDestroy or OnExpiryReview
	Duty           string // DutyKeep or DutyLimit
	Keep, Cap      Period // Cap is zero when the class has none
	EndOfYear      bool   // the clock starts at the end of the year of the fact's date
}

// Duties of a class.
const (
	// DutyKeep: a legal duty or legal claims bind the data until expiry, so
	// an erasure request restricts them instead (§ 35(3) BDSG).
	DutyKeep = "keep"
	// DutyLimit: the data may be kept at most this long; an erasure request
	// deletes them at once.
	DutyLimit = "limit"
)

// What happens to a class's data when its period has run out.
const (
	OnExpiryDelete  = "delete"
	OnExpiryDestroy = "destroy" // delete beyond recovery, including copies (GwG files)
	OnExpiryReview  = "review"  // look again whether the data are still needed
)

// Rule puts a contact's data into Class when the contact's fact Fact has a
// value (equal to Equals, ignoring case, when Equals is set). Clock names
// the fact whose date starts the class's clock; empty: the class's From,
// else Fact.
type Rule struct{ Class, Fact, Equals, Clock string }

// Hold suspends every deletion for the contacts it covers: those whose fact
// Fact has a value, or the one contact with the CRM id Address.
type Hold struct {
	Fact, Address, Reason string
	Until                 time.Time // start of the hold's last day; zero: until further notice
}

// Proof names the classes that govern the proof consentd itself keeps.
type Proof struct{ Ledger, PhoneLedger, Suppression, CaseFile string }

// Policy is the retention policy of one company.
type Policy struct {
	Classes       []Class // in file order
	Rules         []Rule
	Holds         []Hold
	Proof         Proof
	RenewalAfter  Period // consent unused this long is flagged for renewal
	HolidayRegion string // state code whose holidays count for due dates; empty: nationwide only
}

// Built-in facts consentd computes for every contact, whatever the CRM
// holds. Each is a date.
const (
	FactCRMCreated       = "crm_created"       // the contact was created in the CRM
	FactCRMUpdated       = "crm_updated"       // the contact was last changed in the CRM
	FactConsentGiven     = "consent_given"     // consent was last given
	FactConsentWithdrawn = "consent_withdrawn" // consent was withdrawn and not given again since
	FactConsentLastUsed  = "consent_last_used" // consent was last used; the day it was given when never used
	FactProfilesChanged  = "profiles_changed"  // the contact last created, changed or deleted a search profile
	FactErasureRequested = "erasure_requested" // the contact asked for erasure
	FactErasureClosed    = "erasure_closed"    // the erasure request was answered and closed
)

// BuiltinFacts lists the names of the built-in facts.
func BuiltinFacts() []string {
	return []string{
		FactCRMCreated, FactCRMUpdated, FactConsentGiven, FactConsentWithdrawn,
		FactConsentLastUsed, FactProfilesChanged, FactErasureRequested, FactErasureClosed,
	}
}

//go:embed default.yaml
var defaultYAML []byte

// Default is the built-in policy: the classes of retention-classes.md, and
// rules over built-in facts only, since a company's CRM may have no custom
// fields. Each call returns a new copy.
func Default() *Policy {
	p, err := Parse(defaultYAML)
	if err != nil {
		panic("retention: the built-in default.yaml is invalid: " + err.Error()) // caught by the package's tests
	}
	return p
}

// Load reads and parses the policy file at path.
func Load(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read retention policy: %w", err)
	}
	p, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("retention policy %s: %w", path, err)
	}
	return p, nil
}

// Class finds the class with the given id.
func (p *Policy) Class(id string) (Class, bool) {
	i := slices.IndexFunc(p.Classes, func(c Class) bool { return c.ID == id })
	if i < 0 {
		return Class{}, false
	}
	return p.Classes[i], true
}

// Expiry is when the data of class c expire for a clock starting at start:
// at the end of start's year when c counts from there, plus Keep, but no
// later than Cap after start when c has a cap.
func (c Class) Expiry(start time.Time) time.Time {
	from := start
	if c.EndOfYear {
		from = EndOfYear(start)
	}
	until := c.Keep.AddTo(from)
	if !c.Cap.IsZero() {
		if limit := c.Cap.AddTo(start); limit.Before(until) {
			return limit
		}
	}
	return until
}
