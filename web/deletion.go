package web

import "net/http"

// requestDeletion records a deletion request (case 3): consent is
// withdrawn at once, the broker is told, and the contact learns what
// happens next on the confirmation page.
func (s *server) requestDeletion(w http.ResponseWriter, r *http.Request, v *visit) {
	_, err := v.co.Actions.RequestDeletion(r.Context(), v.subj, v.request(), v.client, v.actionID)
	if !s.rejected(w, r, v, "delete", err) {
		s.finish(w, r, v, err, "deletion")
	}
}
