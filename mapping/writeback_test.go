package mapping

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/consentd/consentd/connector"
)

// customMapping renames every field a write-back touches, so a test sees
// that the names come from the mapping.
func customMapping(t *testing.T) *Mapping {
	t.Helper()
	m, err := Parse([]byte(`
contact: {salutation: anrede, title: titel, firstName: vorname, lastName: nachname, emails: mails, phones: telefone, addresses: anschriften}
address: {street: strasse, houseNumber: hausnummer, zip: plz, city: ort, country: land}
consent: {source: ew_quelle, purpose: ew_zweck, date: ew_datum, withdrawalDate: ew_widerruf, withdrawalReason: ew_grund, link: ew_link}
`))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// asJSON renders a patch as the connector sends it, for comparison.
func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestConsentAndLinkPatches(t *testing.T) {
	m := customMapping(t)
	tests := []struct {
		name  string
		patch map[string][]any
		want  string
	}{
		{"consent given", m.ConsentPatch(ConsentFields{Source: "Kontaktformular", Purpose: "Akquisition und Vermittlung von Immobilien",
			Date: "2026-11-23", Link: "ignored"}),
			`{"ew_datum":["2026-11-23"],"ew_grund":[],"ew_quelle":["Kontaktformular"],"ew_widerruf":[],"ew_zweck":["Akquisition und Vermittlung von Immobilien"]}`},
		{"all empty", m.ConsentPatch(ConsentFields{}),
			`{"ew_datum":[],"ew_grund":[],"ew_quelle":[],"ew_widerruf":[],"ew_zweck":[]}`},
		{"withdrawal", m.WithdrawalPatch("2026-12-01", `<b>"Zu viel Post" – Weiß</b>`),
			`{"ew_grund":["\u003cb\u003e\"Zu viel Post\" – Weiß\u003c/b\u003e"],"ew_widerruf":["2026-12-01"]}`},
		{"link", m.LinkPatch("https://einwilligung.example.de/e/mueller/abc_-9"), `{"ew_link":["https://einwilligung.example.de/e/mueller/abc_-9"]}`},
		{"link cleared", m.LinkPatch(""), `{"ew_link":[]}`},
	}
	for _, tt := range tests {
		if got := asJSON(t, tt.patch); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestContactPatch(t *testing.T) {
	m := customMapping(t)
	a := fullAddress()
	a.Emails = WithDefault([]Channel{{Value: "alt@example.de", Type: "private", Default: true}, {Value: "büro@example.de", Type: "business"}}, "neu@example.de")
	a.Phones = nil
	want := `{"anrede":["Frau"],"anschriften":[{"default":true,"hausnummer":"5a","land":"DE","ort":"München","plz":"80331","strasse":"Hauptstraße"}],` +
		`"mails":[{"default":true,"type":"private","value":"neu@example.de"},{"default":false,"type":"private","value":"alt@example.de"},{"default":false,"type":"business","value":"büro@example.de"}],` +
		`"nachname":["Weiß-Müller"],"telefone":[],"titel":["Dr."],"vorname":["Jürgen"]}`
	if got := asJSON(t, m.ContactPatch(a)); got != want {
		t.Errorf("patch\n got %s\nwant %s", got, want)
	}
	empty := Address{CRMID: "x"}
	if got := asJSON(t, m.ContactPatch(empty)["anschriften"]); got != "[]" {
		t.Errorf("no postal address gives %s, want []", got)
	}
}

// TestContactPatchRoundTrip writes a contact's data as a patch and reads
// it back through the same mapping: what was written is what is read.
func TestContactPatchRoundTrip(t *testing.T) {
	for name, m := range map[string]*Mapping{"default": Default(), "custom": customMapping(t)} {
		a := fullAddress()
		a.Emails = WithDefault(a.Emails, "neu@example.de")
		a.Phones = WithDefault(a.Phones, "+49 170 9999999")
		e := connector.Entity{ID: a.CRMID, Metadata: connector.Metadata{CreatedAt: 1716200000000, UpdatedAt: 1731600000000},
			Fields: map[string][]json.RawMessage{}}
		for field, values := range m.ContactPatch(a) {
			for _, v := range values {
				raw, _ := json.Marshal(v)
				e.Fields[field] = append(e.Fields[field], raw)
			}
		}
		got, err := m.Address(e)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := a
		want.Consent, want.ResponsibleUser = ConsentFields{}, "" // not part of a contact patch
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: read back\n%+v\nwant\n%+v", name, got, want)
		}
	}
}

func TestWithDefault(t *testing.T) {
	old := []Channel{{Value: "a@example.de", Type: "private", Default: true}, {Value: "B@example.de", Type: "business"}}
	tests := []struct {
		name  string
		in    []Channel
		value string
		want  []Channel
	}{
		{"new value in front, old default kept", old, "c@example.de",
			[]Channel{{Value: "c@example.de", Type: "private", Default: true}, {Value: "a@example.de", Type: "private"}, {Value: "B@example.de", Type: "business"}}},
		{"existing value moves to front with its type", old, " b@example.de ",
			[]Channel{{Value: "b@example.de", Type: "business", Default: true}, {Value: "a@example.de", Type: "private"}}},
		{"empty value keeps the list", old, "", old},
		{"no entries yet", nil, "+49 89 1", []Channel{{Value: "+49 89 1", Default: true}}},
		{"none flagged: first entry's type", []Channel{{Value: "x", Type: "mobile"}}, "y",
			[]Channel{{Value: "y", Type: "mobile", Default: true}, {Value: "x", Type: "mobile"}}},
	}
	for _, tt := range tests {
		before := append([]Channel(nil), tt.in...)
		if got := WithDefault(tt.in, tt.value); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
		if !reflect.DeepEqual(tt.in, before) {
			t.Errorf("%s: the input list was changed", tt.name)
		}
	}
}

func TestProfileOut(t *testing.T) {
	p := SearchProfile{CRMID: "sp-9", ContactID: "k1", Title: "3 Zimmer München", Active: true, MarketingType: "BUY",
		EstateTypes: []string{"APARTMENT"}, ZipCodes: []string{"80331", "80333"}, Cities: []string{"München"},
		PriceMax: new(650000.0), LivingAreaMin: new(70.0), RoomsMin: new(3.0)}
	got := Default().ProfileOut(p)
	want := `{"id":"sp-9","contactId":"k1","title":"3 Zimmer München","active":true,"marketingType":"BUY","estateTypes":["APARTMENT"],` +
		`"zipCodes":["80331","80333"],"cities":["München"],"priceMax":650000,"livingAreaMin":70,"roomsMin":3}`
	if s := asJSON(t, got); s != want {
		t.Errorf("profile\n got %s\nwant %s", s, want)
	}
	*got.PriceMax = 1
	got.ZipCodes[0] = "x"
	if *p.PriceMax != 650000 || p.ZipCodes[0] != "80331" {
		t.Error("ProfileOut shares memory with its input")
	}
	back, err := Default().SearchProfile(got)
	if err != nil || back.CRMID != "sp-9" || back.Title != p.Title {
		t.Errorf("mapped back %+v, %v", back, err)
	}
}
