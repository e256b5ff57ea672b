package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/consentd/consentd/consent"
)

// saveProfile creates a search profile, or replaces the one the form
// edits.
func (s *server) saveProfile(w http.ResponseWriter, r *http.Request, v *visit) {
	in, fe := s.profileInput(v)
	if len(fe) > 0 { // also show what else is wrong, all in one go
		for field, code := range in.Validate() {
			if _, ok := fe[field]; !ok {
				fe[field] = code
			}
		}
		s.renderPage(w, r, v, http.StatusUnprocessableEntity, &submitted{form: "profile", errors: fe})
		return
	}
	_, err := v.co.Actions.SaveProfile(r.Context(), v.subj, in, v.client, v.actionID)
	if !s.rejected(w, r, v, "profile", err) {
		s.finish(w, r, v, err, "profile-saved")
	}
}

// deleteProfile deletes a search profile in two steps without script:
// the first POST shows what would be deleted with a confirming form, the
// second (confirm=yes) deletes.
func (s *server) deleteProfile(w http.ResponseWriter, r *http.Request, v *visit) {
	id := v.field("id")
	if v.form.Get("confirm") != "yes" {
		s.confirmDelete(w, r, v, id)
		return
	}
	_, err := v.co.Actions.DeleteProfile(r.Context(), v.subj, id, v.client, v.actionID)
	s.finish(w, r, v, err, "profile-deleted")
}

// confirmView asks before a search profile is deleted.
type confirmView struct {
	Layout  layout
	Profile profileItem
	Form    form
	Back    string
}

func (s *server) confirmDelete(w http.ResponseWriter, r *http.Request, v *visit, id string) {
	p, ok := findProfile(v.subj, id)
	if !ok { // deleted meanwhile, e.g. from another tab
		seeOther(w, "../"+url.PathEscape(v.token))
		return
	}
	c := s.views.catalogs[v.lang]
	s.render(w, r, http.StatusOK, v.lang, "confirm", confirmView{
		Layout:  newLayout(r, v.lang, "confirm.title", v.co),
		Profile: s.profileItem(r, v, c, p),
		Form:    s.newForm(r, v, "profile-delete"),
		Back:    v.pageURL(r),
	})
}

// profileInput reads the profile form. Numbers are read in the form's
// language; what does not parse is reported in the domain's codes.
func (s *server) profileInput(v *visit) (consent.ProfileInput, consent.FieldErrors) {
	c := s.views.catalogs[v.lang]
	in := consent.ProfileInput{
		ID: v.field("id"), Title: v.field("title"), MarketingType: v.field("marketingType"),
		EstateTypes: v.form["estateTypes"], ZipCodes: splitList(v.field("zipCodes")), Cities: splitList(v.field("cities")),
		Active: v.form.Get("active") == "yes",
	}
	fe := consent.FieldErrors{}
	for _, n := range []struct {
		name string
		dst  **float64
	}{{"priceMax", &in.PriceMax}, {"livingAreaMin", &in.LivingAreaMin}, {"roomsMin", &in.RoomsMin}} {
		f, ok := c.parseNumber(v.field(n.name))
		if !ok {
			fe[n.name] = "invalid_number"
		}
		*n.dst = f
	}
	return in, fe
}

// splitList splits a list typed with commas, semicolons or line breaks.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(c rune) bool { return c == ',' || c == ';' || c == '\n' }) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
