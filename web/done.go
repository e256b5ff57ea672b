package web

import (
	"errors"
	"net/http"

	"github.com/consentd/consentd/consent"
)

// doneKinds are the confirmations, one per action.
var doneKinds = []string{"consent", "correct", "withdraw", "deletion", "profile-saved", "profile-deleted"}

// doneView confirms an action and says what happens next.
type doneView struct {
	Layout    layout
	Kind      string
	Company   string
	Consented bool   // consent is given now
	GivenOn   string // when it was given
	DueOn     string // deletion request: the answer's deadline
	Back      string
}

// finish ends an action: on success POST-redirect-GET to its
// confirmation, so a reload does not send the form again.
func (s *server) finish(w http.ResponseWriter, r *http.Request, v *visit, err error, kind string) {
	switch {
	case err == nil:
		seeOther(w, "done/"+kind)
	case errors.Is(err, consent.ErrLinkInvalid): // revoked meanwhile
		s.invalid(w, r)
	case errors.Is(err, consent.ErrProfileNotFound): // deleted meanwhile, e.g. in the CRM
		s.problem(w, r, v, http.StatusNotFound, "profile_gone")
	case errors.Is(err, consent.ErrProfilePending):
		s.problem(w, r, v, http.StatusConflict, "profile_pending")
	default:
		s.failed(w, r, v, err, v.token)
	}
}

// done shows the confirmation of an action.
func (s *server) done(w http.ResponseWriter, r *http.Request, v *visit, kind string) {
	c := s.views.catalogs[v.lang]
	view := doneView{
		Layout:    newLayout(r, v.lang, "done."+kind+".title", v.co),
		Kind:      kind,
		Company:   v.co.Name,
		Consented: consentState(v.subj) == stateGiven,
		Back:      v.pageURL(r),
	}
	if cs := v.subj.Consent; cs != nil {
		view.GivenOn = dateOf(c, cs.GivenAt)
	}
	if e := openErasure(c, v.subj); e != nil {
		view.DueOn = e.DueOn
	}
	s.render(w, r, http.StatusOK, v.lang, "done", view)
}
