package mapping

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentd/consentd/connector"
)

// fullContact is the example entity of the CRM API contract, with consent
// fields filled in.
const fullContact = `{
  "id": "0b6f4a3e-5c1d-4a8e-9d0f-2f7e8c9a1b2c",
  "_metadata": {"id": "0b6f4a3e-5c1d-4a8e-9d0f-2f7e8c9a1b2c", "schema": "contacts", "createdAt": 1716200000000, "updatedAt": 1731600000000},
  "salutation": {"values": ["Frau"]},
  "title": {"values": ["Dr."]},
  "firstName": {"values": ["J\u00fcrgen"]},
  "lastName": {"values": ["Weiß-Müller"]},
  "companyName": {"values": []},
  "emails": {"values": [{"value": "j.weiss@example.de", "type": "private", "default": true}]},
  "phoneNumbers": {"values": [{"value": "+49 89 1234567", "type": "mobile", "default": true}]},
  "addresses": {"values": [{"street": "Hauptstraße", "houseNumber": "5a", "zipcode": "80331", "city": "München", "country": "DE", "default": true}]},
  "responsibleUser": {"values": ["u-17"]},
  "einwilligung_quelle": {"values": ["Webformular"]},
  "einwilligung_zweck": {"values": ["Objektangebote"]},
  "einwilligung_datum": {"values": ["2026-11-23"]},
  "einwilligung_widerrufsdatum": {"values": []},
  "einwilligung_widerrufsgrund": {"values": [null]},
  "einwilligung_link": {"values": ["https://einwilligung.example.de/e/mueller/abc"]},
  "unmappedField": {"values": [{"anything": 1}]}
}`

func fullAddress() Address {
	return Address{
		CRMID:       "0b6f4a3e-5c1d-4a8e-9d0f-2f7e8c9a1b2c",
		Salutation:  "Frau",
		Title:       "Dr.",
		FirstName:   "Jürgen",
		LastName:    "Weiß-Müller",
		Street:      "Hauptstraße",
		HouseNumber: "5a",
		Zip:         "80331",
		City:        "München",
		Country:     "DE",
		Emails:      []Channel{{Value: "j.weiss@example.de", Type: "private", Default: true}},
		Phones:      []Channel{{Value: "+49 89 1234567", Type: "mobile", Default: true}},
		Consent: ConsentFields{
			Source: "Webformular", Purpose: "Objektangebote", Date: "2026-11-23",
			Link: "https://einwilligung.example.de/e/mueller/abc",
		},
		ResponsibleUser: "u-17",
		CRMCreatedAt:    time.UnixMilli(1716200000000).UTC(),
		CRMUpdatedAt:    time.UnixMilli(1731600000000).UTC(),
	}
}

// decodeEntity decodes JSON the way the connector does.
func decodeEntity(t *testing.T, body string) connector.Entity {
	t.Helper()
	var e connector.Entity
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("test entity does not decode: %v", err)
	}
	return e
}

// contact builds an entity with id c-1 from field name → JSON of the
// values array; it can hold bytes the connector would reject.
func contact(fields map[string]string) connector.Entity {
	e := connector.Entity{ID: "c-1", Fields: map[string][]json.RawMessage{}}
	for name, values := range fields {
		var raws []json.RawMessage
		if err := json.Unmarshal([]byte(values), &raws); err != nil {
			panic(fmt.Sprintf("bad test values for %s: %v", name, err))
		}
		e.Fields[name] = raws
	}
	return e
}

// entries returns a JSON array of n copies of entry.
func entries(n int, entry string) string {
	return "[" + strings.TrimSuffix(strings.Repeat(entry+",", n), ",") + "]"
}

func mustParse(t *testing.T, yml string) *Mapping {
	t.Helper()
	m, err := Parse([]byte(yml))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

func TestAddressMapsFields(t *testing.T) {
	custom := `
contact:
  firstName: vorname
  lastName: nachname
  emails: mailadressen
  addresses: anschriften
address:
  zip: plz
  city: ort
consent:
  date: consent_date
`
	tests := []struct {
		name    string
		mapping string
		entity  connector.Entity
		want    func() Address
	}{
		{
			name:   "contract example with umlauts and ß",
			entity: decodeEntity(t, fullContact),
			want:   fullAddress,
		},
		{
			name:   "only an id",
			entity: decodeEntity(t, `{"id": "c-1"}`),
			want:   func() Address { return Address{CRMID: "c-1"} },
		},
		{
			name: "empty value lists",
			entity: contact(map[string]string{
				"firstName": `[]`, "emails": `[]`, "addresses": `[]`, "einwilligung_datum": `[]`,
			}),
			want: func() Address { return Address{CRMID: "c-1"} },
		},
		{
			name:   "fields null and values null",
			entity: decodeEntity(t, `{"id": "c-1", "firstName": null, "lastName": {"values": [null]}, "emails": {"values": null}}`),
			want:   func() Address { return Address{CRMID: "c-1"} },
		},
		{
			name: "surrounding white space trimmed, salutation kept as written",
			entity: contact(map[string]string{
				"salutation": `["  herr "]`, "firstName": `["\t Anna \n"]`,
				"emails":    `[{"value": " a@example.de ", "type": " work "}]`,
				"addresses": `[{"city": "  Köln  "}]`,
			}),
			want: func() Address {
				return Address{
					CRMID: "c-1", Salutation: "herr", FirstName: "Anna", City: "Köln",
					Emails: []Channel{{Value: "a@example.de", Type: "work"}},
				}
			},
		},
		{
			name:   "first value of a single-valued field",
			entity: contact(map[string]string{"lastName": `["Schmidt", "Meier"]`}),
			want:   func() Address { return Address{CRMID: "c-1", LastName: "Schmidt"} },
		},
		{
			name: "several e-mails keep CRM order and default flag; empty ones dropped",
			entity: contact(map[string]string{"emails": `[
				{"value": "alt@example.de", "type": "private"},
				{"value": "", "type": "work"},
				{"value": "haupt@example.de", "type": "work", "default": true},
				{"value": "x@example.de", "default": null}]`}),
			want: func() Address {
				return Address{CRMID: "c-1", Emails: []Channel{
					{Value: "alt@example.de", Type: "private"},
					{Value: "haupt@example.de", Type: "work", Default: true},
					{Value: "x@example.de"},
				}}
			},
		},
		{
			name: "postal address without default flag: the first",
			entity: contact(map[string]string{"addresses": `[
				{"street": "Erste Gasse", "city": "Ulm"},
				{"street": "Zweite Gasse", "city": "Bonn", "default": false}]`}),
			want: func() Address { return Address{CRMID: "c-1", Street: "Erste Gasse", City: "Ulm"} },
		},
		{
			name: "postal address flagged default wins over the first",
			entity: contact(map[string]string{"addresses": `[
				{"street": "Erste Gasse", "city": "Ulm"},
				{"street": "Zweite Gasse", "city": "Bonn", "default": true},
				{"street": "Dritte Gasse", "default": true}]`}),
			want: func() Address { return Address{CRMID: "c-1", Street: "Zweite Gasse", City: "Bonn"} },
		},
		{
			name:    "custom mapping reads renamed fields and ignores the default names",
			mapping: custom,
			entity: contact(map[string]string{
				"vorname": `["Jörg"]`, "nachname": `["Groß"]`, "firstName": `["ignored"]`,
				"mailadressen": `[{"value": "jg@example.de", "default": true}]`,
				"anschriften":  `[{"street": "Allee", "plz": "10115", "ort": "Berlin", "zipcode": "ignored"}]`,
				"consent_date": `["2025-01-31"]`,
			}),
			want: func() Address {
				return Address{
					CRMID: "c-1", FirstName: "Jörg", LastName: "Groß", Street: "Allee", Zip: "10115", City: "Berlin",
					Emails:  []Channel{{Value: "jg@example.de", Default: true}},
					Consent: ConsentFields{Date: "2025-01-31"},
				}
			},
		},
		{
			name: "limits are inclusive",
			entity: contact(map[string]string{
				"lastName": `["` + strings.Repeat("ß", maxText/2) + `"]`,
				"emails":   entries(maxChannels, `{"value": "`+strings.Repeat("a", maxEmail)+`"}`),
			}),
			want: func() Address {
				var emails []Channel
				for range maxChannels {
					emails = append(emails, Channel{Value: strings.Repeat("a", maxEmail)})
				}
				return Address{CRMID: "c-1", LastName: strings.Repeat("ß", maxText/2), Emails: emails}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Default()
			if tt.mapping != "" {
				m = mustParse(t, tt.mapping)
			}
			got, err := m.Address(tt.entity)
			if err != nil {
				t.Fatalf("Address: %v", err)
			}
			if want := tt.want(); !reflect.DeepEqual(got, want) {
				t.Errorf("Address =\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

func TestAddressRejectsMalformedContacts(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	tests := []struct {
		name   string
		entity connector.Entity
		want   string // the whole error
	}{
		{"missing id", decodeEntity(t, `{"firstName": {"values": ["A"]}}`), "field id: is missing"},
		{"blank id", connector.Entity{ID: "  "}, "field id: is missing"},
		{"id with NUL", connector.Entity{ID: "c\x001"}, "field id: is not valid UTF-8 text"},
		{"id too long", connector.Entity{ID: strings.Repeat("9", maxID+1)}, "field id: is 256 bytes long, more than the 255 allowed"},
		{"name is a number", contact(map[string]string{"firstName": `[42]`}), "field firstName: want a string, got number"},
		{"name is an object", contact(map[string]string{"firstName": `[{"de": "A"}]`}), "field firstName: want a string, got object"},
		{"name is a list", contact(map[string]string{"title": `[["Dr."]]`}), "field title: want a string, got array"},
		{"name with NUL", contact(map[string]string{"lastName": `["Mei\u0000er"]`}), "field lastName: contains a NUL character"},
		{"name is invalid UTF-8", contact(map[string]string{"firstName": "[\"J\xfcrgen\"]"}), "field firstName: is not valid UTF-8"},
		{"1 MB name", contact(map[string]string{"lastName": `["` + big + `"]`}), "field lastName: is 1048576 bytes long, more than the 1000 allowed"},
		{"e-mail entry is a string", contact(map[string]string{"emails": `["a@example.de"]`}), "field emails[0]: want an object, got string"},
		{"e-mail value is a number", contact(map[string]string{"emails": `[{"value": 1}]`}), "field emails[0].value: want a string, got number"},
		{"e-mail default is text", contact(map[string]string{"emails": `[{"value": "a@b.de", "default": "yes"}]`}), "field emails[0].default: want true or false, got string"},
		{"e-mail too long", contact(map[string]string{"emails": `[{"value": "` + strings.Repeat("a", maxEmail+1) + `"}]`}), "field emails[0].value: is 321 bytes long, more than the 320 allowed"},
		{"too many e-mails", contact(map[string]string{"emails": entries(21, `{"value": "a@b.de"}`)}), "field emails: has 21 entries, more than the 20 allowed"},
		{"too many phones", contact(map[string]string{"phoneNumbers": entries(21, `{"value": "1"}`)}), "field phoneNumbers: has 21 entries, more than the 20 allowed"},
		{"phone too long", contact(map[string]string{"phoneNumbers": `[{"value": "` + strings.Repeat("1", maxPhone+1) + `"}]`}), "field phoneNumbers[0].value: is 101 bytes long, more than the 100 allowed"},
		{"zip code is a number", contact(map[string]string{"addresses": `[{"zipcode": 80331}]`}), "field addresses[0].zipcode: want a string, got number"},
		{"address entry is a list", contact(map[string]string{"addresses": `[[]]`}), "field addresses[0]: want an object, got array"},
		{"address default flag is a number", contact(map[string]string{"addresses": `[{"city": "Ulm", "default": 1}]`}), "field addresses[0].default: want true or false, got number"},
		{"1 MB street", contact(map[string]string{"addresses": `[{"street": "` + big + `"}]`}), "field addresses[0].street: is 1048576 bytes long, more than the 1000 allowed"},
		{"consent date not a date", contact(map[string]string{"einwilligung_datum": `["23.11.2026"]`}), "field einwilligung_datum: want a date like 2026-11-23 (YYYY-MM-DD)"},
		{"withdrawal date is epoch ms", contact(map[string]string{"einwilligung_widerrufsdatum": `[1731600000000]`}), "field einwilligung_widerrufsdatum: want a string, got number"},
		{"negative created time", connector.Entity{ID: "c-1", Metadata: connector.Metadata{CreatedAt: -5}}, "field _metadata.createdAt: -5 is not a plausible time in epoch milliseconds"},
		{"updated time beyond year 9999", connector.Entity{ID: "c-1", Metadata: connector.Metadata{UpdatedAt: maxEpochMS + 1}}, "field _metadata.updatedAt: 253402300800000 is not a plausible time in epoch milliseconds"},
		{
			"every problem at once",
			contact(map[string]string{"firstName": `[1]`, "lastName": `[true]`, "emails": `[{"value": "a@b.de"}, 7]`}),
			"field firstName: want a string, got number; field lastName: want a string, got boolean; field emails[1]: want an object, got number",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Default().Address(tt.entity)
			if err == nil {
				t.Fatalf("Address = %+v, want error %q", got, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error =\n%s\nwant\n%s", err, tt.want)
			}
			if !reflect.DeepEqual(got, Address{}) {
				t.Errorf("Address on error = %+v, want the zero value", got)
			}
		})
	}
}

func TestAddressErrorsDoNotEchoPersonalData(t *testing.T) {
	e := contact(map[string]string{
		"einwilligung_datum": `["Geheim-Datum"]`,
		"lastName":           `["Mustermann` + strings.Repeat("n", maxText) + `"]`,
	})
	_, err := Default().Address(e)
	if err == nil {
		t.Fatal("Address accepted a malformed contact")
	}
	for _, secret := range []string{"Geheim", "Mustermann"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q contains the contact's data %q", err, secret)
		}
	}
}

func TestAddressIsSafeForConcurrentUse(t *testing.T) {
	m := mustParse(t, "contact: {firstName: vorname}")
	e := contact(map[string]string{"vorname": `["Jörg"]`})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			a, err := m.Address(e)
			if err != nil || a.FirstName != "Jörg" {
				t.Errorf("Address = %+v, %v", a, err)
			}
		})
	}
	wg.Wait()
}
