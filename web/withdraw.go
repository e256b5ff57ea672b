package web

import "net/http"

// maxReason is the domain's limit on the optional reason of a withdrawal
// or deletion request, in characters; the form tells the browser.
const maxReason = 500

// reasonField is the optional reason of a withdrawal or deletion request.
var reasonField = fieldSpec{name: "reason", max: maxReason, area: true, hint: true}

// reasonForm is a form with an optional reason: withdraw or delete.
type reasonForm struct {
	Form   form
	Reason field
}

func (f *reasonForm) problems() []fieldProblem { return f.Reason.problems() }

// withdraw withdraws consent at once, with an optional reason.
func (s *server) withdraw(w http.ResponseWriter, r *http.Request, v *visit) {
	_, err := v.co.Actions.Withdraw(r.Context(), v.subj, v.field("reason"), v.client, v.actionID)
	if !s.rejected(w, r, v, "withdraw", err) {
		s.finish(w, r, v, err, "withdraw")
	}
}

func (s *server) reasonForm(r *http.Request, in formInput, formName string) reasonForm {
	return reasonForm{
		Form:   s.newForm(r, in.v, formName),
		Reason: in.field(formName, "reason", ""),
	}
}
