package web

import "net/http"

// problemView explains why a request could not be served and what to do.
type problemView struct {
	Layout  layout
	Kind    string
	Heading string
	Text    string
	Back    string // the page, to start over; empty outside a link
}

// problem answers status with a page explaining kind: too_many, too_large,
// method, incomplete, forged, expired or failed. With a visit it speaks
// in the company's name and links back to the page.
func (s *server) problem(w http.ResponseWriter, r *http.Request, v *visit, status int, kind string, args ...any) {
	lang, co, back := "", (*Company)(nil), ""
	if v != nil {
		lang, co, back = v.lang, v.co, v.pageURL(r)
	} else {
		lang = s.language(w, r)
	}
	c := s.views.catalogs[lang]
	s.render(w, r, status, lang, "problem", problemView{
		Layout:  newLayout(r, lang, "problem."+kind+".title", co),
		Kind:    kind,
		Heading: c.msg("problem." + kind + ".title"),
		Text:    c.msg("problem."+kind+".text", args...),
		Back:    back,
	})
}
