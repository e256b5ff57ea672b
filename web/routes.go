package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// action handles one form's POST on a valid link whose form was checked.
type action func(s *server, w http.ResponseWriter, r *http.Request, v *visit)

// actions are the forms a page posts, by the last path segment.
var actions = map[string]action{
	"consent":        (*server).giveConsent,
	"correct":        (*server).correct,
	"withdraw":       (*server).withdraw,
	"delete":         (*server).requestDeletion,
	"profile":        (*server).saveProfile,
	"profile-delete": (*server).deleteProfile,
}

var (
	readMethods = []string{http.MethodGet, http.MethodHead}
	postMethods = []string{http.MethodPost}
)

// route dispatches by path:
//
//	/e/{slug}/{token}              the page
//	/e/{slug}/{token}/{action}     a form's POST
//	/e/{slug}/{token}/done/{kind}  the confirmation after an action
//	/static/{name}                 the style sheet
//
// Everything else gets the "link not valid" page.
func (s *server) route(w http.ResponseWriter, r *http.Request) {
	segs := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch {
	case len(segs) == 2 && segs[0] == "static":
		s.serveStatic(w, r, segs[1])
	case r.URL.Path == "/robots.txt":
		s.robots(w, r)
	case len(segs) >= 3 && segs[0] == "e" && segs[1] != "" && segs[2] != "":
		s.routeLink(w, r, segs[1], segs[2], segs[3:])
	default:
		s.invalid(w, r)
	}
}

func (s *server) routeLink(w http.ResponseWriter, r *http.Request, slug, token string, rest []string) {
	switch {
	case len(rest) == 0:
		s.onLink(w, r, "page", readMethods, slug, token, (*server).page)
	case len(rest) == 1 && actions[rest[0]] != nil:
		s.post(w, r, rest[0], slug, token)
	case len(rest) == 2 && rest[0] == "done" && slices.Contains(doneKinds, rest[1]):
		kind := rest[1]
		s.onLink(w, r, "done", readMethods, slug, token, func(s *server, w http.ResponseWriter, r *http.Request, v *visit) {
			s.done(w, r, v, kind)
		})
	default:
		s.invalid(w, r)
	}
}

// onLink checks the method, opens the link and runs the handler.
func (s *server) onLink(w http.ResponseWriter, r *http.Request, route string, methods []string, slug, token string, handle action) {
	info(r).route = route
	if !slices.Contains(methods, r.Method) {
		s.wrongMethod(w, r, methods...)
		return
	}
	if v, ok := s.open(w, r, slug, token); ok {
		handle(s, w, r, v)
	}
}

// post handles a form's POST. A GET of the same URL, a reload of an
// answered form, goes back to the page.
func (s *server) post(w http.ResponseWriter, r *http.Request, name, slug, token string) {
	route := "action:" + name
	switch {
	case slices.Contains(readMethods, r.Method):
		info(r).route = route
		seeOther(w, "../"+url.PathEscape(token))
	case r.Method == http.MethodPost && s.tooLarge(r):
		info(r).route = route
		s.problem(w, r, nil, http.StatusRequestEntityTooLarge, "too_large")
	default:
		s.onLink(w, r, route, postMethods, slug, token, checkedForm(actions[name]))
	}
}

// seeOther redirects to a URL relative to the request's, so redirects
// work behind a path prefix too (http.Redirect would make it absolute).
func seeOther(w http.ResponseWriter, location string) {
	w.Header().Set("Location", location)
	w.WriteHeader(http.StatusSeeOther)
}

// wrongMethod answers 405 naming the methods the URL takes.
func (s *server) wrongMethod(w http.ResponseWriter, r *http.Request, allowed ...string) {
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	s.problem(w, r, nil, http.StatusMethodNotAllowed, "method")
}
