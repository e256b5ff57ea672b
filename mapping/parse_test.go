package mapping

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

var defaultFields = []string{
	"salutation", "title", "firstName", "lastName", "companyName", "emails", "phoneNumbers",
	"addresses", "responsibleUser", "einwilligung_quelle", "einwilligung_zweck", "einwilligung_datum",
	"einwilligung_widerrufsdatum", "einwilligung_widerrufsgrund", "einwilligung_link",
}

func TestParseOverridesDefaults(t *testing.T) {
	tests := []struct {
		name       string
		yml        string
		wantSchema string
		wantFields []string
	}{
		{"empty file keeps the defaults", "", "contacts", defaultFields},
		{"comments only", "# nothing to change\n", "contacts", defaultFields},
		{"empty sections", "contact:\naddress:\nconsent: {}\n", "contacts", defaultFields},
		{
			name: "renamed fields",
			yml: `
schema: kontakte
contact:
  phones: telefon
  responsibleUser: betreuer
address:
  zip: plz            # address keys are not schema fields
consent:
  link: cf_consent_link
`,
			wantSchema: "kontakte",
			wantFields: []string{
				"salutation", "title", "firstName", "lastName", "companyName", "emails", "telefon",
				"addresses", "betreuer", "einwilligung_quelle", "einwilligung_zweck", "einwilligung_datum",
				"einwilligung_widerrufsdatum", "einwilligung_widerrufsgrund", "cf_consent_link",
			},
		},
		{
			name:       "two roles may swap names",
			yml:        "contact: {firstName: lastName, lastName: firstName}",
			wantSchema: "contacts",
			wantFields: defaultFields,
		},
		{
			name:       "facts add their fields",
			yml:        "facts:\n  maklervertrag_brief: mv_datum\n  gwg_akte: gwg\n",
			wantSchema: "contacts",
			wantFields: append(slices.Clone(defaultFields), "mv_datum", "gwg"),
		},
		{
			name:       "an address key may share a name with a schema field",
			yml:        "address: {city: title}",
			wantSchema: "contacts",
			wantFields: defaultFields,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.yml)
			if m.Schema() != tt.wantSchema {
				t.Errorf("Schema = %q, want %q", m.Schema(), tt.wantSchema)
			}
			if got := sorted(m.Fields()); !reflect.DeepEqual(got, sorted(tt.wantFields)) {
				t.Errorf("Fields = %v, want %v", got, tt.wantFields)
			}
			want := append([]string{"id", "_metadata"}, m.Fields()...)
			if got := m.FetchFields(); !reflect.DeepEqual(got, want) {
				t.Errorf("FetchFields = %v, want %v", got, want)
			}
		})
	}
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

func TestDefaultMatchesContract(t *testing.T) {
	m := Default()
	if m.Schema() != "contacts" {
		t.Errorf("Schema = %q, want contacts", m.Schema())
	}
	if got := m.Fields(); !reflect.DeepEqual(got, defaultFields) {
		t.Errorf("Fields = %v, want %v", got, defaultFields)
	}
	fields := m.Fields()
	fields[0] = "changed"
	if Default().Fields()[0] != "salutation" || m.Fields()[0] != "salutation" {
		t.Error("changing a returned slice changed the mapping")
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	tests := []struct {
		name string
		yml  string
		want []string
	}{
		{
			name: "unknown keys with line numbers",
			yml:  "contact:\n  fristName: vorname\nadress:\n  zip: plz\n",
			want: []string{
				"contact.fristName: unknown key (line 2); known keys: salutation, title, firstName, lastName, companyName, emails, phones, addresses, responsibleUser",
				"adress: unknown key (line 3); known keys: schema, contact, address, consent, facts",
			},
		},
		{
			name: "duplicate target",
			yml:  "contact:\n  firstName: name\n  lastName: name\nconsent:\n  source: emails\n",
			want: []string{
				`contact.lastName: field "name" is already mapped by contact.firstName; each role needs its own field`,
				`consent.source: field "emails" is already mapped by contact.emails; each role needs its own field`,
			},
		},
		{
			name: "duplicate address key",
			yml:  "address: {street: strasse, city: strasse}",
			want: []string{`address.city: field "strasse" is already mapped by address.street; each role needs its own field`},
		},
		{
			name: "empty and null names",
			yml:  "contact:\n  firstName: ''\n  lastName:\nschema: \"  \"\n",
			want: []string{
				`contact.lastName: must not be empty; remove the key to keep the default "lastName" (line 3)`,
				"schema: must not be empty",
				"contact.firstName: must not be empty",
			},
		},
		{
			name: "not a plausible field name",
			yml:  "contact:\n  firstName: first name\n  lastName: 1st\nconsent:\n  link: _metadata.updatedAt\n",
			want: []string{
				`contact.firstName: "first name" is not a plausible CRM field name: use up to 100 letters, digits and _, starting with a letter or _`,
				`contact.lastName: "1st" is not a plausible CRM field name: use up to 100 letters, digits and _, starting with a letter or _`,
				`consent.link: "_metadata.updatedAt" is not a plausible CRM field name: use up to 100 letters, digits and _, starting with a letter or _`,
			},
		},
		{
			name: "reserved names",
			yml:  "contact: {firstName: id, lastName: _metadata}",
			want: []string{
				`contact.firstName: "id" is not a field but part of every CRM entity; name a field of the contact schema`,
				`contact.lastName: "_metadata" is not a field but part of every CRM entity; name a field of the contact schema`,
			},
		},
		{
			name: "wrong YAML types",
			yml:  "contact:\n  firstName: 12\n  lastName: [a, b]\n  title: {x: y}\nconsent: [date]\n",
			want: []string{
				`contact.firstName: want a CRM field name, got the number "12" (line 2)`,
				"contact.lastName: want a CRM field name, got a list (line 3)",
				"contact.title: want a CRM field name, got a mapping (line 4)",
				"consent: want a mapping of keys, got a list (line 5)",
			},
		},
		{
			name: "facts",
			yml: "facts:\n  Vertrag: vertrag\n  gwg: [a]\n  nachweis: emails\n  akte: akte\n  akte_2: akte\n" +
				"  leer:\n  ende: 'x y'\n",
			want: []string{
				`facts.Vertrag: "Vertrag" is not a usable fact name: use up to 40 lower-case letters, digits and _, starting with a letter (line 2)`,
				"facts.gwg: want the CRM field that holds the fact, got a list (line 3)",
				`facts.akte_2: field "akte" already holds the fact "akte"; each fact needs its own field`,
				"facts.leer: want the CRM field that holds the fact, got nothing (line 7)",
				`facts.ende: "x y" is not a plausible CRM field name: use up to 100 letters, digits and _, starting with a letter or _`,
				`contact.emails: field "emails" is already mapped by facts.nachweis; each role needs its own field`,
			},
		},
		{
			name: "key given twice",
			yml:  "contact:\n  firstName: a\n  firstName: b\n",
			want: []string{"contact.firstName: key given twice (lines 2 and 3); keep one"},
		},
		{
			name: "top level is not a mapping",
			yml:  "- contact\n",
			want: []string{"want a mapping of keys, got a list (line 1)"},
		},
		{
			name: "not YAML",
			yml:  "contact:\n\tfirstName: a\n",
			want: []string{"not valid YAML: yaml: line 2: found character that cannot start any token"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(tt.yml))
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Parse = %v, %v; want a *ValidationError", m, err)
			}
			if !reflect.DeepEqual(verr.Problems, tt.want) {
				t.Errorf("Problems =\n%s\nwant\n%s", strings.Join(verr.Problems, "\n"), strings.Join(tt.want, "\n"))
			}
			if err.Error() != strings.Join(tt.want, "\n") {
				t.Errorf("Error() = %q, want one problem per line", err.Error())
			}
		})
	}
}
