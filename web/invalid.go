package web

import (
	"net/http"
	"time"
)

// invalid answers the "link not valid" page. Every reason (unknown
// company, malformed, unknown, revoked or another company's token, a path
// that is no page) gets the same status and body and takes at least
// MinInvalidDuration, so nothing tells whether a link ever existed.
func (s *server) invalid(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	if ri.route == "unknown" {
		ri.route = "invalid"
	}
	lang := s.language(w, r)
	s.padInvalid(r, ri.start)
	s.render(w, r, http.StatusNotFound, lang, "invalid", invalidView{Layout: newLayout(r, lang, "invalid.title", nil)})
}

// invalidView is the "link not valid" page: the layout alone.
type invalidView struct{ Layout layout }

// padInvalid waits until the request has taken MinInvalidDuration, so an
// unknown company answers no faster than an unknown token (which costs a
// database query).
func (s *server) padInvalid(r *http.Request, start time.Time) {
	wait := s.opts.MinInvalidDuration - time.Since(start)
	if wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}
