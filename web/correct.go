package web

import (
	"net/http"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/mapping"
)

// correctForm lets a contact correct the data the broker holds (case 2).
type correctForm struct {
	Form         form
	Salutation   choiceGroup
	Fields       []field
	GivesConsent bool // saving also gives consent, as the domain records it
}

func (f *correctForm) problems() []fieldProblem {
	parts := []problemLister{f.Salutation}
	for _, fl := range f.Fields {
		parts = append(parts, fl)
	}
	return collect(parts...)
}

// salutations the form offers, as the CRM stores them.
var salutations = []string{"Frau", "Herr", ""}

// correctionFields are the form's text inputs in page order.
var correctionFields = []fieldSpec{
	{name: "title", autocomplete: "honorific-prefix", max: 50, hint: true},
	{name: "firstName", autocomplete: "given-name", max: 100},
	{name: "lastName", autocomplete: "family-name", max: 100, required: true},
	{name: "street", autocomplete: "address-line1", max: 100},
	{name: "houseNumber", max: 20},
	{name: "zip", autocomplete: "postal-code", inputMode: "numeric", max: 10},
	{name: "city", autocomplete: "address-level2", max: 100},
	{name: "email", typ: "email", autocomplete: "email", max: 254},
	{name: "phone", typ: "tel", autocomplete: "tel", max: 40, hint: true},
}

// correct saves a contact's corrected data.
func (s *server) correct(w http.ResponseWriter, r *http.Request, v *visit) {
	in := consent.Correction{
		Salutation: v.field("salutation"), Title: v.field("title"),
		FirstName: v.field("firstName"), LastName: v.field("lastName"),
		Street: v.field("street"), HouseNumber: v.field("houseNumber"), Zip: v.field("zip"), City: v.field("city"),
		Email: v.field("email"), Phone: v.field("phone"),
	}
	_, err := v.co.Actions.Correct(r.Context(), v.subj, in, v.client, v.actionID)
	if !s.rejected(w, r, v, "correct", err) {
		s.finish(w, r, v, err, "correct")
	}
}

func (s *server) correctForm(r *http.Request, in formInput, givesConsent bool) correctForm {
	a := in.v.subj.Address
	stored := map[string]string{
		"title": a.Title, "firstName": a.FirstName, "lastName": a.LastName, "street": a.Street,
		"houseNumber": a.HouseNumber, "zip": a.Zip, "city": a.City,
		"email": mapping.DefaultChannel(a.Emails).Value, "phone": mapping.DefaultChannel(a.Phones).Value,
	}
	f := correctForm{Form: s.newForm(r, in.v, "correct"), GivesConsent: givesConsent}
	values := salutations
	if a.Salutation != "" && !isOneOf(a.Salutation, "frau", "herr") {
		values = append([]string{a.Salutation}, salutations...) // keep what the CRM holds selectable
	}
	f.Salutation = in.choices("correct", "salutation", values, []string{a.Salutation})
	for _, spec := range correctionFields {
		f.Fields = append(f.Fields, in.field("correct", spec.name, stored[spec.name]))
	}
	return f
}
