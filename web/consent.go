package web

import "net/http"

// giveConsent records consent to the text the page shows (case 1, and
// giving it again after a withdrawal). Consent that already exists, or a
// second submit of the same form, records nothing new.
func (s *server) giveConsent(w http.ResponseWriter, r *http.Request, v *visit) {
	_, err := v.co.Actions.Give(r.Context(), v.subj, v.client, v.actionID)
	s.finish(w, r, v, err, "consent")
}
