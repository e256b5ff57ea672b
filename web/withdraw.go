package web

import (
	"net/http"

	"github.com/consentd/consentd/consent"
)

// maxReason is the domain's limit on the optional reason of a withdrawal
// or deletion request, in characters; the form tells the browser.
const maxReason = 500

// reasonField is the optional reason of a withdrawal or deletion request.
var reasonField = fieldSpec{name: "reason", max: maxReason, area: true, hint: true}

// reasonForm is a form with an optional reason and, when the company
// names recipients of contacts' data, objections to each: withdraw or
// delete.
type reasonForm struct {
	Form       form
	Reason     field
	Recipients *choiceGroup // nil when the company names no recipients
}

func (f *reasonForm) problems() []fieldProblem {
	p := f.Reason.problems()
	if f.Recipients != nil {
		p = append(p, f.Recipients.problems()...)
	}
	return p
}

// request is what a withdrawal or deletion form sent.
func (v *visit) request() consent.Request {
	return consent.Request{Reason: v.field("reason"), Recipients: v.form["recipients"]}
}

// withdraw withdraws consent at once, with an optional reason.
func (s *server) withdraw(w http.ResponseWriter, r *http.Request, v *visit) {
	_, err := v.co.Actions.Withdraw(r.Context(), v.subj, v.request(), v.client, v.actionID)
	if !s.rejected(w, r, v, "withdraw", err) {
		s.finish(w, r, v, err, "withdraw")
	}
}

func (s *server) reasonForm(r *http.Request, in formInput, formName string) reasonForm {
	f := reasonForm{
		Form:   s.newForm(r, in.v, formName),
		Reason: in.field(formName, "reason", ""),
	}
	if names := in.v.co.Consent.RecipientNames(); len(names) > 0 {
		g := in.choices(formName, "recipients", names, nil)
		f.Recipients = &g
	}
	return f
}
