package retention_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/consentd/consentd/retention"
)

func examplePolicy(t *testing.T) *retention.Policy {
	t.Helper()
	p, err := retention.Load("../configs/retention.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p.Holds = append(p.Holds, retention.Hold{Address: "a-held", Reason: "Prüfung", Until: day(t, "2026-06-30")})
	return p
}

// summary writes restrictions as "K6 fact 2024-03-05..2031-01-01" or
// "K8 fact open" to compare them at a glance.
func summary(rs []retention.Restriction) []string {
	var out []string
	for _, r := range rs {
		if r.Until.IsZero() {
			out = append(out, r.Class.ID+" "+r.Fact+" open")
			continue
		}
		out = append(out, fmt.Sprintf("%s %s %s..%s", r.Class.ID, r.Fact, r.Start.Format(time.DateOnly), r.Until.Format(time.DateOnly)))
	}
	return out
}

func holdReasons(hs []retention.Hold) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Reason)
	}
	return out
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	p := examplePolicy(t)
	now := day(t, "2026-03-05").Add(12 * time.Hour)
	tests := []struct {
		name                      string
		address                   string
		facts                     retention.Facts
		now                       time.Time
		holds                     []string
		binding, limited, expired []string
		restrictedUntil           string // "" for none or open
		deletable                 bool
	}{
		{name: "no facts: nothing applies", facts: nil, deletable: true},
		{
			name:            "a contract file binds until the end of its year plus 6 years",
			facts:           retention.Facts{"maklervertrag_brief": "2024-03-05"},
			binding:         []string{"K6 maklervertrag_brief 2024-03-05..2031-01-01"},
			restrictedUntil: "2031-01-01",
		},
		{
			name: "the longest duty wins; a run-out class is listed as expired",
			facts: retention.Facts{
				"nachweis_datum": "2025-06-01", "maklervertrag_brief": "2024-03-05T09:30:00+01:00", "provision_hauptvertrag": "2020-05-05",
			},
			binding:         []string{"K6 maklervertrag_brief 2024-03-05..2031-01-01", "K1b nachweis_datum 2025-06-01..2029-01-01"},
			expired:         []string{"K6c provision_hauptvertrag 2020-05-05..2024-01-01"},
			restrictedUntil: "2031-01-01",
		},
		{
			name:    "an open end beats every date; equals ignores case",
			facts:   retention.Facts{"maklervertrag_brief": "2024-03-05", "gwg_akte": " JA "},
			binding: []string{"K8 gwg_akte open", "K6 maklervertrag_brief 2024-03-05..2031-01-01"},
		},
		{
			name:      "equals must match",
			facts:     retention.Facts{"gwg_akte": "nein"},
			deletable: true,
		},
		{
			name:            "the clock fact ends the open end",
			facts:           retention.Facts{"gwg_akte": "ja", "gwg_beziehung_ende": "2025-04-30"},
			binding:         []string{"K8 gwg_beziehung_ende 2025-04-30..2031-01-01"},
			restrictedUntil: "2031-01-01",
		},
		{
			name:    "a clock fact that is no date keeps the class open",
			facts:   retention.Facts{"maklervertrag_brief": "ja"},
			binding: []string{"K6 maklervertrag_brief open"},
		},
		{
			name:      "limit classes are deleted on request; run-out ones are expired",
			facts:     retention.Facts{"profiles_changed": "2025-12-01", "mietbewerbung_abgelehnt": "2025-08-01"},
			limited:   []string{"K3 profiles_changed 2025-12-01..2026-12-31"},
			expired:   []string{"K2 mietbewerbung_abgelehnt 2025-08-01..2026-02-01"},
			deletable: true,
		},
		{
			name:      "a class expires at the start of its last day",
			facts:     retention.Facts{"mietbewerbung_abgelehnt": "2025-09-05"},
			now:       day(t, "2026-03-05"),
			expired:   []string{"K2 mietbewerbung_abgelehnt 2025-09-05..2026-03-05"},
			deletable: true,
		},
		{
			name:      "a class runs until the moment before",
			facts:     retention.Facts{"mietbewerbung_abgelehnt": "2025-09-05"},
			now:       day(t, "2026-03-05").Add(-time.Nanosecond),
			limited:   []string{"K2 mietbewerbung_abgelehnt 2025-09-05..2026-03-05"},
			deletable: true,
		},
		{
			name:    "a hold on a fact suspends everything",
			facts:   retention.Facts{"rechtsstreit": "Az. 1 O 23/26", "maklervertrag_brief": "2024-03-05", "profiles_changed": "2025-12-01"},
			holds:   []string{"Rechtsstreit anhängig"},
			binding: []string{"K6 maklervertrag_brief 2024-03-05..2031-01-01"},
			limited: []string{"K3 profiles_changed 2025-12-01..2026-12-31"},
			// the binding classes still say how long restriction lasts after the hold
			restrictedUntil: "2031-01-01",
		},
		{
			name:      "an empty fact holds nothing",
			facts:     retention.Facts{"rechtsstreit": "  "},
			deletable: true,
		},
		{name: "a hold on one contact", address: "a-held", holds: []string{"Prüfung"}},
		{name: "a hold lasts through its last day", address: "a-held", now: day(t, "2026-06-30").Add(23 * time.Hour), holds: []string{"Prüfung"}},
		{name: "a hold ends after its last day", address: "a-held", now: day(t, "2026-07-01"), deletable: true},
		{name: "a hold on another contact", address: "a-other", deletable: true},
		{
			name:      "proof classes count only when a rule names them",
			facts:     retention.Facts{"consent_withdrawn": "2025-01-01", "erasure_closed": "2025-02-01"},
			deletable: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := now
			if !tt.now.IsZero() {
				at = tt.now
			}
			d := p.Evaluate(tt.address, tt.facts, at)
			if !d.Now.Equal(at) {
				t.Errorf("Now = %s", show(d.Now))
			}
			check := func(what string, got, want []string) {
				if !slices.Equal(got, want) {
					t.Errorf("%s = %q, want %q", what, got, want)
				}
			}
			check("holds", holdReasons(d.Holds), tt.holds)
			check("binding", summary(d.Binding), tt.binding)
			check("limited", summary(d.Limited), tt.limited)
			check("expired", summary(d.Expired), tt.expired)
			until, ok := d.RestrictedUntil()
			if got := until.Format(time.DateOnly); ok != (tt.restrictedUntil != "") || (ok && got != tt.restrictedUntil) {
				t.Errorf("RestrictedUntil = %s, %v; want %q", got, ok, tt.restrictedUntil)
			}
			if d.DeletableNow() != tt.deletable {
				t.Errorf("DeletableNow = %v, want %v", d.DeletableNow(), tt.deletable)
			}
		})
	}
}

func TestEvaluateRulesOfOneClass(t *testing.T) {
	t.Parallel()
	p, err := retention.Parse([]byte(`
classes:
  K2: {name: Bewerbung, data: Selbstauskunft, keep: 6m, duty: limit, on_expiry: delete}
  K4: {name: Nachweis, data: Protokoll, keep: 3y, from: consent_withdrawn, end_of_year: true, duty: keep, on_expiry: delete}
  K6: {name: Akte, data: Vertrag, keep: 6y, end_of_year: true, duty: keep, on_expiry: delete}
proof: {ledger: K4, phone_ledger: K4, suppression: K4, case_file: K4}
rules:
  - {class: K2, fact: status, equals: abgelehnt, clock: abgelehnt_am}
  - {class: K4, fact: consent_given}
  - {class: K6, fact: vertrag_alt}
  - {class: K6, fact: vertrag_neu}
  - {class: K6, fact: vertrag_offen}
`))
	if err != nil {
		t.Fatal(err)
	}
	now := day(t, "2026-03-05")
	tests := []struct {
		name    string
		facts   retention.Facts
		binding []string
		limited []string
		expired []string
	}{
		{
			name:    "the clock fact differs from the rule's fact",
			facts:   retention.Facts{"status": "Abgelehnt", "abgelehnt_am": "2026-01-10"},
			limited: []string{"K2 status 2026-01-10..2026-07-10"},
		},
		{
			name:    "without its clock date the class stays open",
			facts:   retention.Facts{"status": "abgelehnt"},
			limited: []string{"K2 status open"},
		},
		{
			name:    "a proof class a rule names: open while consent stands",
			facts:   retention.Facts{"consent_given": "2024-05-01"},
			binding: []string{"K4 consent_given open"},
		},
		{
			name:    "a proof class a rule names: three years after the year of withdrawal",
			facts:   retention.Facts{"consent_given": "2024-05-01", "consent_withdrawn": "2025-02-01"},
			binding: []string{"K4 consent_given 2025-02-01..2029-01-01"},
		},
		{
			name:    "the later of two rules of a class wins",
			facts:   retention.Facts{"vertrag_alt": "2018-01-10", "vertrag_neu": "2023-06-01"},
			binding: []string{"K6 vertrag_neu 2023-06-01..2030-01-01"},
		},
		{
			name:    "an open rule of a class beats its dated ones",
			facts:   retention.Facts{"vertrag_alt": "2018-01-10", "vertrag_offen": "ja", "vertrag_neu": "2023-06-01"},
			binding: []string{"K6 vertrag_offen open"},
		},
		{
			name:    "a class expires only when every rule of it has run out",
			facts:   retention.Facts{"vertrag_alt": "2018-01-10", "vertrag_neu": "2019-06-01"},
			expired: []string{"K6 vertrag_neu 2019-06-01..2026-01-01"},
		},
	}
	for _, tt := range tests {
		d := p.Evaluate("a1", tt.facts, now)
		if got := summary(d.Binding); !slices.Equal(got, tt.binding) {
			t.Errorf("%s: binding %q, want %q", tt.name, got, tt.binding)
		}
		if got := summary(d.Limited); !slices.Equal(got, tt.limited) {
			t.Errorf("%s: limited %q, want %q", tt.name, got, tt.limited)
		}
		if got := summary(d.Expired); !slices.Equal(got, tt.expired) {
			t.Errorf("%s: expired %q, want %q", tt.name, got, tt.expired)
		}
	}
}

func TestBindingOrder(t *testing.T) {
	t.Parallel()
	p, err := retention.Parse([]byte(`
classes:
  A: {name: A, data: a, keep: 1y, duty: keep, on_expiry: delete}
  B: {name: B, data: b, keep: 5y, duty: keep, on_expiry: delete}
  C: {name: C, data: c, keep: 3y, duty: keep, on_expiry: delete}
  D: {name: D, data: d, keep: 2y, duty: keep, on_expiry: delete}
  E: {name: E, data: e, keep: 2y, duty: keep, on_expiry: delete}
proof: {ledger: A, phone_ledger: A, suppression: A, case_file: A}
rules:
  - {class: A, fact: a}
  - {class: B, fact: b}
  - {class: C, fact: c}
  - {class: D, fact: d}
  - {class: E, fact: e}
`))
	if err != nil {
		t.Fatal(err)
	}
	d := p.Evaluate("a1", retention.Facts{"a": "2026-01-01", "b": "2026-01-01", "c": "offen", "d": "2026-01-01", "e": "offen"}, day(t, "2026-03-05"))
	want := []string{"C c open", "E e open", "B b 2026-01-01..2031-01-01", "D d 2026-01-01..2028-01-01", "A a 2026-01-01..2027-01-01"}
	if got := summary(d.Binding); !slices.Equal(got, want) {
		t.Errorf("binding %q, want %q", got, want)
	}
}
