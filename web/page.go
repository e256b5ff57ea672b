package web

import (
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
)

// Consent states as the page tells them.
const (
	stateNone      = "none"
	stateGiven     = "given"
	stateWithdrawn = "withdrawn"
)

// pageView is the consent page: the consent state and text, and a form
// for every action.
type pageView struct {
	Layout      layout
	Company     string
	Greeting    string
	State       string
	Current     bool // consent is given to the text the page shows
	GivenOn     string
	WithdrawnOn string
	Erasure     *erasureView
	Text        []string // paragraphs of the consent text
	Purpose     string
	TextVersion string
	Errors      []fieldProblem
	Give        form
	Correct     correctForm
	Profiles    []profileItem
	Profile     profileForm
	Withdraw    reasonForm
	Deletion    reasonForm
}

// erasureView is an open deletion request.
type erasureView struct {
	ReceivedOn, DueOn string
}

// form is what every form carries: where it posts, its one-time action
// id, the token that binds it to this link, and the language it was
// filled in.
type form struct {
	Action, ActionID, CSRF, Lang string
	Keys                         template.HTML // the hidden keys; "" and the template renders them
}

// fieldProblem links the error summary to a field.
type fieldProblem struct {
	ID, Label, Message string
}

// submitted is a form sent back with problems; the page shows it again
// with the contact's input and a message per field.
type submitted struct {
	form   string // correct, profile, withdraw or delete
	errors consent.FieldErrors
}

// page shows a contact's consent page.
func (s *server) page(w http.ResponseWriter, r *http.Request, v *visit) {
	s.renderPage(w, r, v, http.StatusOK, nil)
}

// rejected shows the page again with the form's problems (422) when err
// lists invalid fields; otherwise it leaves the answer to the caller.
func (s *server) rejected(w http.ResponseWriter, r *http.Request, v *visit, formName string, err error) bool {
	var fe consent.FieldErrors
	if !errors.As(err, &fe) || len(fe) == 0 {
		return false
	}
	s.renderPage(w, r, v, http.StatusUnprocessableEntity, &submitted{form: formName, errors: fe})
	return true
}

func (s *server) renderPage(w http.ResponseWriter, r *http.Request, v *visit, status int, sub *submitted) {
	s.render(w, r, status, v.lang, "page", s.pageView(r, v, sub))
}

func (s *server) pageView(r *http.Request, v *visit, sub *submitted) *pageView {
	c := s.views.catalogs[v.lang]
	pv := &pageView{
		Layout:      newLayout(r, v.lang, "page.title", v.co),
		Company:     v.co.Name,
		Greeting:    greeting(c, v.subj.Address),
		State:       consentState(v.subj),
		Erasure:     openErasure(c, v.subj),
		Text:        paragraphs(v.co.Consent.Text),
		Purpose:     v.co.Consent.Purpose,
		TextVersion: v.co.Consent.TextVersion,
		Give:        s.newForm(r, v, "consent"),
	}
	if cs := v.subj.Consent; cs != nil {
		pv.GivenOn, pv.WithdrawnOn = dateOf(c, cs.GivenAt), dateOf(c, cs.WithdrawnAt)
		pv.Current = pv.State == stateGiven && cs.TextVersion == v.co.Consent.TextVersion
	}
	in := formInput{v: v, c: c, st: s.views.statics[v.lang], sub: sub}
	pv.Correct = s.correctForm(r, in, !pv.Current)
	pv.Profiles = s.profileItems(r, v, c)
	pv.Profile = s.profileForm(r, in, editedProfile(r, v.subj))
	pv.Withdraw = s.reasonForm(r, in, "withdraw")
	pv.Deletion = s.reasonForm(r, in, "delete")
	pv.Errors = in.summary(&pv.Correct, &pv.Profile, &pv.Withdraw, &pv.Deletion)
	return pv
}

// newForm issues a form posting the named action on this link.
func (s *server) newForm(r *http.Request, v *visit, name string) form {
	id, token := s.forms.issue(v.slug, v.tokenHash, s.opts.Now())
	f := form{Action: v.pageURL(r) + "/" + name, ActionID: id, CSRF: token, Lang: v.lang}
	f.Keys = s.views.statics[v.lang].keys(f)
	return f
}

func consentState(subj *consent.Subject) string {
	if subj.Consent == nil {
		return stateNone
	}
	switch subj.Consent.State {
	case store.ConsentGiven:
		return stateGiven
	case store.ConsentWithdrawn:
		return stateWithdrawn
	}
	return stateNone
}

func openErasure(c *catalog, subj *consent.Subject) *erasureView {
	e := subj.Erasure
	if e == nil || e.State != store.ErasureOpen {
		return nil
	}
	return &erasureView{ReceivedOn: c.date(e.ReceivedAt), DueOn: c.date(e.DueAt)}
}

func dateOf(c *catalog, t *time.Time) string {
	if t == nil {
		return ""
	}
	return c.date(*t)
}

// paragraphs splits a consent text at blank lines and joins the lines of
// each paragraph, as YAML block text wraps them.
func paragraphs(text string) []string {
	var out []string
	for p := range strings.SplitSeq(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// greeting addresses the contact as a German letter would: "Sehr geehrte
// Frau Dr. Müller,". The name is isolated for right-to-left scripts.
func greeting(c *catalog, a mapping.Address) string {
	title := join(a.Title, a.LastName)
	key := ""
	switch {
	case a.LastName == "":
		title = join(a.FirstName, a.LastName)
		key = "greet.name"
	case isOneOf(a.Salutation, "frau", "mrs", "ms"):
		key = "greet.female"
	case isOneOf(a.Salutation, "herr", "mr"):
		key = "greet.male"
	default:
		title, key = join(a.Title, a.FirstName, a.LastName), "greet.name"
	}
	if title == "" {
		return c.msg("greet.none")
	}
	if a.Title != "" && key != "greet.name" {
		key += "_title"
	}
	return c.msg(key, "\u2068"+title+"\u2069")
}

func isOneOf(s string, values ...string) bool {
	return slices.Contains(values, strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), "."))
}

// join joins the non-empty parts with spaces.
func join(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}
