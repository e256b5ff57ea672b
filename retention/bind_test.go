package retention_test

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/consentd/consentd/retention"
)

// exampleFacts are the CRM facts configs/retention.example.yaml reads.
var exampleFacts = []string{
	"nachweis_datum", "maklervertrag_brief", "provision_hauptvertrag", "gwg_beziehung_ende",
	"gwg_akte", "mietbewerbung_abgelehnt", "rechtsstreit",
}

func TestExampleFile(t *testing.T) {
	t.Parallel()
	p, err := retention.Load("../configs/retention.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	def := retention.Default()
	if !reflect.DeepEqual(p.Classes, def.Classes) || p.Proof != def.Proof || p.RenewalAfter != def.RenewalAfter {
		t.Error("the example's classes, proof or renewal differ from the built-in default")
	}
	if p.HolidayRegion != "NW" {
		t.Errorf("holiday region %q, want the example's NW", p.HolidayRegion)
	}
	wantRules := []retention.Rule{
		{Class: "K3", Fact: "profiles_changed"},
		{Class: "K1b", Fact: "nachweis_datum"},
		{Class: "K6", Fact: "maklervertrag_brief"},
		{Class: "K6c", Fact: "provision_hauptvertrag"},
		{Class: "K8", Fact: "gwg_beziehung_ende"},
		{Class: "K8", Fact: "gwg_akte", Equals: "ja", Clock: "gwg_beziehung_ende"},
		{Class: "K2", Fact: "mietbewerbung_abgelehnt"},
	}
	if !slices.Equal(p.Rules, wantRules) {
		t.Errorf("rules %+v\nwant %+v", p.Rules, wantRules)
	}
	if wantHolds := []retention.Hold{{Fact: "rechtsstreit", Reason: "Rechtsstreit anhängig"}}; !slices.Equal(p.Holds, wantHolds) {
		t.Errorf("holds %+v, want %+v", p.Holds, wantHolds)
	}
	if err := p.Bind(exampleFacts); err != nil {
		t.Errorf("Bind to the example's facts: %v", err)
	}
	assertProblems(t, p.Bind(exampleFacts[1:]), []string{
		`rules[1].fact: "nachweis_datum" is neither a built-in fact nor a fact the mapping declares (declared: maklervertrag_brief, provision_hauptvertrag, gwg_beziehung_ende, gwg_akte, mietbewerbung_abgelehnt, rechtsstreit)`,
		`classes.K1b.from: "nachweis_datum", the clock of rules[1], is neither a built-in fact nor a fact the mapping declares (declared: maklervertrag_brief, provision_hauptvertrag, gwg_beziehung_ende, gwg_akte, mietbewerbung_abgelehnt, rechtsstreit)`,
	})
}

func TestBindReportsEveryUnknownFact(t *testing.T) {
	t.Parallel()
	p, err := retention.Parse([]byte(minimal + `
rules:
  - class: K1
    fact: consent_given
  - class: K1
    fact: nachweis
  - class: K1
    fact: akte
    clock: akte_datum
  - class: K1
    fact: crm_created
    clock: erasure_closed
holds:
  - fact: streit
    reason: Streit
  - fact: akte
    reason: Akte
  - address: 0b6f
    reason: Prüfung
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		declared []string
		want     []string
	}{
		{"all declared", []string{"nachweis", "akte", "akte_datum", "streit"}, nil},
		{
			name:     "some missing",
			declared: []string{"akte", "b"},
			want: []string{
				`rules[1].fact: "nachweis" is neither a built-in fact nor a fact the mapping declares (declared: akte, b)`,
				`rules[2].clock: "akte_datum" is neither a built-in fact nor a fact the mapping declares (declared: akte, b)`,
				`holds[0].fact: "streit" is neither a built-in fact nor a fact the mapping declares (declared: akte, b)`,
			},
		},
		{
			name: "none declared",
			want: []string{
				`rules[1].fact: "nachweis" is neither a built-in fact nor a fact the mapping declares (declared: none)`,
				`rules[2].fact: "akte" is neither a built-in fact nor a fact the mapping declares (declared: none)`,
				`rules[2].clock: "akte_datum" is neither a built-in fact nor a fact the mapping declares (declared: none)`,
				`holds[0].fact: "streit" is neither a built-in fact nor a fact the mapping declares (declared: none)`,
				`holds[1].fact: "akte" is neither a built-in fact nor a fact the mapping declares (declared: none)`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertProblems(t, p.Bind(tt.declared), tt.want)
		})
	}
}

func TestBindChecksTheClassClockOnce(t *testing.T) {
	t.Parallel()
	p, err := retention.Parse([]byte(`
classes:
  K6: {name: Akte, data: Vertrag, keep: 6y, from: vertrag_datum, end_of_year: true, duty: keep, on_expiry: delete}
  K7: {name: Belege, data: Rechnungen, keep: 8y, from: beleg_datum, duty: keep, on_expiry: delete}
proof: {ledger: K6, phone_ledger: K6, suppression: K6, case_file: K6}
rules:
  - {class: K6, fact: vertrag}
  - {class: K6, fact: vertrag_neu}
  - {class: K6, fact: vertrag_alt, clock: crm_created}
`))
	if err != nil {
		t.Fatal(err)
	}
	assertProblems(t, p.Bind([]string{"vertrag", "vertrag_neu", "vertrag_alt"}), []string{
		`classes.K6.from: "vertrag_datum", the clock of rules[0], is neither a built-in fact nor a fact the mapping declares (declared: vertrag, vertrag_neu, vertrag_alt)`,
	})
}

func assertProblems(t *testing.T, err error, want []string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Errorf("Bind = %v, want nil", err)
		}
		return
	}
	var verr *retention.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("error %v, want a *ValidationError", err)
	}
	if !slices.Equal(verr.Problems, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", lines(verr.Problems), lines(want))
	}
}
