package retention_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/consentd/consentd/retention"
)

// minimal is a valid policy with one class serving as every proof class.
const minimal = `
classes:
  K1:
    name: Akte
    data: Briefe
    keep: 1y
    duty: keep
    on_expiry: delete
proof: {ledger: K1, phone_ledger: K1, suppression: K1, case_file: K1}
`

func TestParseReadsEveryKey(t *testing.T) {
	t.Parallel()
	p, err := retention.Parse([]byte(`
renewal_after: 2y
holiday_region: BY
proof:
  ledger: K6
  phone_ledger: K6
  suppression: K2
  case_file: K2
classes:
  K6:
    name: Maklervertragsakte
    data: Vertrag, Angebote
    keep: 6y
    from: maklervertrag_brief
    end_of_year: true
    duty: keep
    basis: § 257 HGB
    on_expiry: destroy
    cap: 10y
  K2:
    name: Mietbewerbung
    data: Selbstauskunft
    keep: 6m
    duty: limit
    on_expiry: review
rules:
  - class: K6
    fact: maklervertrag_brief
  - class: K2
    fact: status
    equals: " Abgelehnt "
    clock: abgelehnt_am
holds:
  - fact: rechtsstreit
    reason: Rechtsstreit anhängig
  - address: 0b6f4a3e-5c1d
    reason: Prüfung
    until: 2027-06-30
`))
	if err != nil {
		t.Fatal(err)
	}
	want := &retention.Policy{
		Classes: []retention.Class{
			{
				ID: "K6", Name: "Maklervertragsakte", Data: "Vertrag, Angebote", From: "maklervertrag_brief", Basis: "§ 257 HGB",
				OnExpiry: "destroy", Duty: "keep", Keep: retention.Period{Years: 6}, Cap: retention.Period{Years: 10}, EndOfYear: true,
			},
			{ID: "K2", Name: "Mietbewerbung", Data: "Selbstauskunft", OnExpiry: "review", Duty: "limit", Keep: retention.Period{Months: 6}},
		},
		Rules: []retention.Rule{
			{Class: "K6", Fact: "maklervertrag_brief"},
			{Class: "K2", Fact: "status", Equals: "Abgelehnt", Clock: "abgelehnt_am"},
		},
		Holds: []retention.Hold{
			{Fact: "rechtsstreit", Reason: "Rechtsstreit anhängig"},
			{Address: "0b6f4a3e-5c1d", Reason: "Prüfung", Until: day(t, "2027-06-30")},
		},
		Proof:         retention.Proof{Ledger: "K6", PhoneLedger: "K6", Suppression: "K2", CaseFile: "K2"},
		RenewalAfter:  retention.Period{Years: 2},
		HolidayRegion: "BY",
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("Parse\n got %+v\nwant %+v", p, want)
	}
}

func TestParseDefaults(t *testing.T) {
	t.Parallel()
	p, err := retention.Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if p.RenewalAfter != (retention.Period{Months: 17}) || p.HolidayRegion != "" || p.Rules != nil || p.Holds != nil {
		t.Errorf("defaults: renewal %s, region %q, rules %v, holds %v", p.RenewalAfter, p.HolidayRegion, p.Rules, p.Holds)
	}
	if c := p.Classes[0]; c.EndOfYear || !c.Cap.IsZero() || c.From != "" || c.Basis != "" {
		t.Errorf("optional class keys: %+v", c)
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yml  string
		want []string
	}{
		{
			name: "unknown keys with their lines",
			yml:  "renewal: 17m\nclasses:\n  K1:\n    name: Akte\n    data: Briefe\n    kep: 1y\n    keep: 1y\n    duty: keep\n    on_expiry: delete\nproof: {ledger: K1, phone_ledger: K1, suppression: K1, case_file: K1, archive: K1}\nrules:\n  - class: K1\n    fact: akte\n    equal: ja\n",
			want: []string{
				"renewal: unknown key (line 1); known keys: renewal_after, holiday_region, proof, classes, rules, holds",
				"classes.K1.kep: unknown key (line 6); known keys: name, data, keep, from, end_of_year, duty, basis, on_expiry, cap",
				"proof.archive: unknown key (line 10); known keys: ledger, phone_ledger, suppression, case_file",
				"rules[0].equal: unknown key (line 14); known keys: class, fact, equals, clock",
			},
		},
		{
			name: "bad values of a class",
			yml: `
classes:
  K1:
    name: Akte
    keep: 6 Jahre
    end_of_year: ja
    duty: forever
    on_expiry: archive
    cap: [10y]
    from: Vertrag Datum
  K 2:
    name: [a, b]
    data: x
    keep:
    duty: limit
    on_expiry: delete
proof: {ledger: K1, phone_ledger: K1, suppression: K1, case_file: K1}
`,
			want: []string{
				`classes.K1.keep: "6 Jahre" is not a period: write years, months and days like 3y, 6m, 30d or 12m30d (line 5)`,
				`classes.K1.end_of_year: want true or false, got "ja" (line 6)`,
				`classes.K1.cap: want a period like 3y, got a list (line 9)`,
				`classes.K 2.name: want text, got a list (line 12)`,
				`classes.K1.data: required`,
				`classes.K1.from: "Vertrag Datum" is not a fact name: use up to 40 lower-case letters, digits and _, starting with a letter`,
				`classes.K1.duty: "forever" is not one of keep, limit`,
				`classes.K1.on_expiry: "archive" is not one of delete, destroy, review`,
				`classes.K 2: "K 2" is not a usable class id: use up to 20 letters, digits, _ and -, like K6 or K1b`,
				`classes.K 2.keep: required: a period longer than zero, like 6y or 12m30d`,
			},
		},
		{
			name: "duplicate class ids, unknown classes in rules and proof",
			yml: `
classes:
  K1: {name: Akte, data: Briefe, keep: 1y, duty: keep, on_expiry: delete}
  K1: {name: Akte 2, data: Briefe, keep: 2y, duty: keep, on_expiry: delete}
proof: {ledger: K1, phone_ledger: K4T, suppression: K1}
rules:
  - class: K9
    fact: akte
  - fact: akte
  - class: K1
    clock: Datum
`,
			want: []string{
				"classes.K1: key given twice (lines 3 and 4); keep one",
				`proof.phone_ledger: class "K4T" is not defined in classes (defined: K1)`,
				`proof.case_file: class "K9" is not defined in classes (defined: K1)`,
				`rules[0].class: class "K9" is not defined in classes (defined: K1)`,
				"rules[1].class: required",
				"rules[2].fact: required",
				`rules[2].clock: "Datum" is not a fact name: use up to 40 lower-case letters, digits and _, starting with a letter`,
			},
		},
		{
			name: "holds, region and renewal",
			yml: minimal + `
renewal_after: 0d
holiday_region: Bayern
holds:
  - fact: rechtsstreit
    address: 0b6f
    reason: Streit
  - reason: nichts
  - address: 0b6f
    until: 30.06.2027
  - fact: Streit!
    reason: x
    until: 2027-02-30
`,
			want: []string{
				`holds[2].until: "30.06.2027" is not a date: write YYYY-MM-DD, e.g. 2027-06-30 (line 19)`,
				`holds[3].until: "2027-02-30" is not a date: write YYYY-MM-DD, e.g. 2027-06-30 (line 22)`,
				"renewal_after: must be longer than zero, e.g. 17m",
				`holiday_region: "Bayern" is not a German state code; use one of BW, BY, BE, BB, HB, HH, HE, MV, NI, NW, RP, SL, SN, ST, SH, TH, or leave it empty for the nationwide holidays only`,
				"holds[0]: give either fact (every contact with that fact) or address (one contact), not both",
				"holds[1]: give a fact (every contact with that fact) or an address (one contact's CRM id)",
				"holds[2].reason: required",
				`holds[3].fact: "Streit!" is not a fact name: use up to 40 lower-case letters, digits and _, starting with a letter`,
			},
		},
		{
			name: "wrong shapes",
			yml:  "classes: [K1]\nrules: {class: K1}\nholds: yes please\nproof: K1\n",
			want: []string{
				"classes: want a mapping of keys, got a list (line 1)",
				"rules: want a list, got a mapping (line 2)",
				`holds: want a list, got "yes please" (line 3)`,
				`proof: want a mapping of keys, got "K1" (line 4)`,
				`proof.ledger: class "K4" is not defined in classes (defined: none)`,
				`proof.phone_ledger: class "K4T" is not defined in classes (defined: none)`,
				`proof.suppression: class "K5" is not defined in classes (defined: none)`,
				`proof.case_file: class "K9" is not defined in classes (defined: none)`,
			},
		},
		{
			name: "empty lists, repeated keys, long values",
			yml: minimal + `rules:
holds:
  - fact: streit
    reason: a
    reason: b
    until: [2027-06-30]
holiday_region: ` + strings.Repeat("ü", 40) + "\n",
			want: []string{
				"holds[0].reason: key given twice (lines 13 and 14); keep one",
				"holds[0].until: want a date like 2027-06-30, got a list (line 15)",
				`holiday_region: "` + strings.Repeat("ü", 30) + `…" is not a German state code; use one of BW, BY, BE, BB, HB, HH, HE, MV, NI, NW, RP, SL, SN, ST, SH, TH, or leave it empty for the nationwide holidays only`,
			},
		},
		{
			name: "empty file",
			yml:  "# nothing yet\n",
			want: []string{
				"classes: list at least one class",
				`proof.ledger: class "K4" is not defined in classes (defined: none)`,
				`proof.phone_ledger: class "K4T" is not defined in classes (defined: none)`,
				`proof.suppression: class "K5" is not defined in classes (defined: none)`,
				`proof.case_file: class "K9" is not defined in classes (defined: none)`,
			},
		},
		{
			name: "not YAML",
			yml:  "classes: [unclosed\n",
			want: []string{"not valid YAML: yaml: line 1: did not find expected ',' or ']'"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := retention.Parse([]byte(tt.yml))
			var verr *retention.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Parse = %+v, %v; want a *ValidationError", p, err)
			}
			if !slices.Equal(verr.Problems, tt.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", lines(verr.Problems), lines(tt.want))
			}
		})
	}
}

func lines(s []string) string {
	out := ""
	for _, l := range s {
		out += "  " + l + "\n"
	}
	return out
}

func TestParseAliases(t *testing.T) {
	t.Parallel()
	p, err := retention.Parse([]byte(`
classes:
  K1: &akte {name: Akte, data: Briefe, keep: 1y, duty: keep, on_expiry: delete}
  K2: *akte
proof: {ledger: K1, phone_ledger: K1, suppression: K2, case_file: K2}
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Classes) != 2 || p.Classes[1].ID != "K2" || p.Classes[1].Keep != (retention.Period{Years: 1}) {
		t.Errorf("classes %+v", p.Classes)
	}
}
