package web

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"unicode"
)

// checkedForm runs an action only for a POST whose form is within the size
// limit, carries an action id and a valid, unexpired form token for this
// link. Anything else is answered here.
func checkedForm(next action) action {
	return func(s *server, w http.ResponseWriter, r *http.Request, v *visit) {
		r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBody)
		if err := r.ParseForm(); err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				s.problem(w, r, v, http.StatusRequestEntityTooLarge, "too_large")
				return
			}
			s.problem(w, r, v, http.StatusBadRequest, "incomplete")
			return
		}
		v.form, v.actionID = r.PostForm, r.PostForm.Get("action_id")
		if lang := v.form.Get("lang"); slices.Contains(languages, lang) {
			v.lang = lang // numbers are read, and problems told, in the language the form was filled in
		}
		if !validActionID(v.actionID) {
			s.problem(w, r, v, http.StatusBadRequest, "incomplete")
			return
		}
		switch err := s.forms.check(v.slug, v.tokenHash, v.actionID, r.PostForm.Get("csrf"), s.opts.Now()); {
		case errors.Is(err, errFormExpired):
			s.problem(w, r, v, http.StatusForbidden, "expired")
		case err != nil:
			s.problem(w, r, v, http.StatusForbidden, "forged")
		default:
			next(s, w, r, v)
		}
	}
}

// tooLarge answers 413 before anything else when the declared body is
// over the limit.
func (s *server) tooLarge(r *http.Request) bool {
	return r.ContentLength > s.opts.MaxBody
}

// field returns a submitted text field trimmed, with control characters
// other than line breaks and tabs removed.
func (v *visit) field(name string) string {
	return strings.TrimSpace(strings.Map(func(c rune) rune {
		if unicode.IsControl(c) && c != '\n' && c != '\t' {
			return -1
		}
		return c
	}, v.form.Get(name)))
}
