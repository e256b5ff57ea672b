package consent_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
)

// correction is what the page's form sends for a contact, prefilled.
func correction(a mapping.Address) consent.Correction {
	return consent.Correction{Salutation: a.Salutation, Title: a.Title, FirstName: a.FirstName, LastName: "Weiß",
		Street: a.Street, HouseNumber: a.HouseNumber, Zip: a.Zip, City: a.City, Email: a.Emails[0].Value, Phone: a.Phones[0].Value}
}

func TestCorrect(t *testing.T) {
	t.Parallel()
	clean := contact("a1")
	clean.LastName = "Weiß"
	f := newFixture(t, "korrektur", clean, contact("a2"))
	ctx := t.Context()
	subj, token := f.subject("a1")

	in := correction(clean)
	in.FirstName, in.Street, in.HouseNumber, in.Email = "  Jörg ", "Maximilianstraße", "3", "Joerg.Weiss@example.de"
	out, err := f.svc.Correct(ctx, subj, in, web, "correct-1")
	if err != nil || out.Kind != consent.KindCorrected || out.Duplicate {
		t.Fatalf("correct: %+v, %v", out, err)
	}
	events := f.events("a1")
	if len(events) != 2 || events[0].Kind != store.EventDataCorrected || events[0].ActionID != "correct-1" ||
		events[0].Details != `{"fields":["firstName","street","houseNumber","email"]}` || events[1].Kind != store.EventGiven {
		t.Errorf("events %+v", events)
	}
	got := mirrored(t, f, "a1")
	wantEmails := []mapping.Channel{{Value: "Joerg.Weiss@example.de", Type: "private", Default: true},
		{Value: "j.weiss@example.de", Type: "private"}, {Value: "buero@example.de", Type: "business"}}
	if got.FirstName != "Jörg" || got.Street != "Maximilianstraße" || got.HouseNumber != "3" || got.Zip != "80331" ||
		!reflect.DeepEqual(got.Emails, wantEmails) || !reflect.DeepEqual(got.Phones, clean.Phones) || got.Consent.Date != "2026-11-23" {
		t.Errorf("mirror %+v", got)
	}
	q := f.outbox("a1")
	if len(q) != 2 || q[0].Kind != consent.OutboxPatch || q[1].Kind != consent.OutboxActivity {
		t.Fatalf("outbox %+v", q)
	}
	// Only the changed fields and the consent fields: the phone list and
	// the names not touched stay as the CRM has them.
	wantPatch := `{"fields":{"addresses":[{"city":"München","country":"DE","default":true,"houseNumber":"3","street":"Maximilianstraße","zipcode":"80331"}],` +
		`"einwilligung_datum":["2026-11-23"],"einwilligung_quelle":["Kontaktformular"],"einwilligung_widerrufsdatum":[],"einwilligung_widerrufsgrund":[],` +
		`"einwilligung_zweck":["Akquisition und Vermittlung von Immobilien"],` +
		`"emails":[{"default":true,"type":"private","value":"Joerg.Weiss@example.de"},{"default":false,"type":"private","value":"j.weiss@example.de"},{"default":false,"type":"business","value":"buero@example.de"}],` +
		`"firstName":["Jörg"]},"schema":"contacts"}`
	if p := jsonOf(t, q[0].Payload); p != wantPatch {
		t.Errorf("patch\n got %s\nwant %s", p, wantPatch)
	}

	// The same data again with consent given: nothing to record. Only the
	// e-mail's case differs, which is no change either.
	again := in
	again.FirstName, again.Email = "Jörg", "joerg.weiss@EXAMPLE.de"
	out, err = f.svc.Correct(ctx, f.reload(token), again, web, "correct-2")
	if err != nil || !out.Duplicate {
		t.Errorf("same data again: %+v, %v", out, err)
	}
	if out, err := f.svc.Correct(ctx, f.reload(token), again, web, "correct-1"); err != nil || !out.Duplicate {
		t.Errorf("form sent twice: %+v, %v", out, err)
	}
	if len(f.events("a1")) != 2 {
		t.Error("repeating a correction recorded something")
	}

	// A correction after consent: data_corrected only, consent stays.
	in2 := again
	in2.Phone = "+49 170 1234567"
	if _, err := f.svc.Correct(ctx, f.reload(token), in2, web, "correct-3"); err != nil {
		t.Fatal(err)
	}
	q = f.outbox("a1")
	if len(q) != 3 || jsonOf(t, q[2].Payload) != `{"fields":{"phoneNumbers":[{"default":true,"type":"mobile","value":"+49 170 1234567"},{"default":false,"type":"mobile","value":"+49 89 123456"}]},"schema":"contacts"}` {
		t.Errorf("outbox after phone correction %+v", q)
	}
	if r := f.verify(); !r.OK || r.Events != 3 {
		t.Errorf("verify %+v", r)
	}
}

func TestCorrectRefusesBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "korrektur-fehler", contact("a1"))
	subj, _ := f.subject("a1")
	base := correction(subj.Address)
	with := func(mod func(*consent.Correction)) consent.Correction {
		c := base
		mod(&c)
		return c
	}
	huge := strings.Repeat("ß", 1<<19) // 1 MB
	tests := []struct {
		name string
		in   consent.Correction
		want consent.FieldErrors
	}{
		{"script in first name", with(func(c *consent.Correction) { c.FirstName = "<script>alert(1)</script>" }), consent.FieldErrors{"firstName": "invalid_text"}},
		{"no last name", with(func(c *consent.Correction) { c.LastName = "   " }), consent.FieldErrors{"lastName": "required"}},
		{"NUL in city", with(func(c *consent.Correction) { c.City = "Mün\x00chen" }), consent.FieldErrors{"city": "invalid_text"}},
		{"broken UTF-8 in street", with(func(c *consent.Correction) { c.Street = "Stra\xdfe" }), consent.FieldErrors{"street": "invalid_text"}},
		{"1 MB name", with(func(c *consent.Correction) { c.LastName = huge }), consent.FieldErrors{"lastName": "too_long"}},
		{"everything wrong", consent.Correction{Salutation: strings.Repeat("x", 31), Title: "Dr.\a", LastName: "", HouseNumber: strings.Repeat("1", 21),
			Zip: "8033!", Email: "Jürgen <j@example.de>", Phone: "call me"},
			consent.FieldErrors{"salutation": "too_long", "title": "invalid_text", "lastName": "required", "houseNumber": "too_long",
				"zip": "invalid_zip", "email": "invalid_email", "phone": "invalid_phone"}},
		{"e-mail without domain dot", with(func(c *consent.Correction) { c.Email = "jw@localhost" }), consent.FieldErrors{"email": "invalid_email"}},
		{"phone too short", with(func(c *consent.Correction) { c.Phone = "+49 1" }), consent.FieldErrors{"phone": "invalid_phone"}},
	}
	for _, tt := range tests {
		if got := tt.in.Validate(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Validate = %v, want %v", tt.name, got, tt.want)
		}
		_, err := f.svc.Correct(t.Context(), subj, tt.in, web, "x")
		var fe consent.FieldErrors
		if !errors.As(err, &fe) || !reflect.DeepEqual(fe, tt.want) {
			t.Errorf("%s: Correct error %v", tt.name, err)
		}
		if strings.Contains(err.Error(), "script") || len(err.Error()) > 300 {
			t.Errorf("%s: error repeats the input: %.100s", tt.name, err)
		}
	}
	good := with(func(c *consent.Correction) {
		c.FirstName, c.LastName, c.Street, c.Zip, c.Email = "Zoë-Ça", "O'Brien-Weiß", "Äußere Maximilianstraße", "A-1010", "zoe@müller.example.de"
	})
	if e := good.Validate(); len(e) != 0 {
		t.Errorf("umlauts, ß, apostrophes refused: %v", e)
	}
	if n := f.count("SELECT COUNT(*) FROM consent_events"); n != 0 {
		t.Errorf("%d events recorded for refused input", n)
	}
}
