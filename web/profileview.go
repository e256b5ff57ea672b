package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/mapping"
)

// profileItem is one search profile in the list.
type profileItem struct {
	ID       string
	Title    string
	Active   bool
	Pending  bool // just created; the CRM has not confirmed it yet, so it cannot change
	Facts    []fact
	EditHref string
	Delete   form
}

type fact struct{ Label, Value string }

// profileForm creates a search profile or edits one.
type profileForm struct {
	Form      form
	ID        string // empty: a new profile
	Title     field
	Marketing choiceGroup
	Estates   choiceGroup
	Places    []field
	Limits    []field
	Active    bool
	Cancel    string // leaves editing
}

func (f *profileForm) problems() []fieldProblem {
	parts := []problemLister{f.Title, f.Marketing, f.Estates}
	for _, fl := range append(append([]field{}, f.Places...), f.Limits...) {
		parts = append(parts, fl)
	}
	return collect(parts...)
}

// The profile form's text inputs: its title, where, and the limits.
var (
	placeFields = []fieldSpec{{name: "cities", max: 500, hint: true}, {name: "zipCodes", max: 500, hint: true}}
	limitFields = []fieldSpec{
		{name: "priceMax", inputMode: "decimal", max: 20, hint: true},
		{name: "livingAreaMin", inputMode: "decimal", max: 20, hint: true},
		{name: "roomsMin", inputMode: "decimal", max: 10},
	}
	titleField    = fieldSpec{name: "title", max: 100, hint: true}
	profileFields = append(append([]fieldSpec{titleField}, placeFields...), limitFields...)
)

func (s *server) profileItems(r *http.Request, v *visit, c *catalog) []profileItem {
	out := make([]profileItem, 0, len(v.subj.Profiles))
	for _, p := range v.subj.Profiles {
		out = append(out, s.profileItem(r, v, c, p))
	}
	return out
}

func (s *server) profileItem(r *http.Request, v *visit, c *catalog, p mapping.SearchProfile) profileItem {
	item := profileItem{
		ID: p.CRMID, Title: p.Title, Active: p.Active, Pending: strings.HasPrefix(p.CRMID, consent.PendingPrefix),
		EditHref: v.pageURL(r) + "?edit=" + url.QueryEscape(p.CRMID) + "#h-profile",
		Delete:   s.newForm(r, v, "profile-delete"),
	}
	if item.Title == "" {
		item.Title = c.msg("profile.untitled")
	}
	add := func(label, value string) {
		if value != "" {
			item.Facts = append(item.Facts, fact{Label: c.msg("label.profile." + label), Value: value})
		}
	}
	add("marketingType", choiceLabels(c, "marketingType", []string{p.MarketingType}))
	add("estateTypes", choiceLabels(c, "estateTypes", p.EstateTypes))
	add("places", strings.Join(append(append([]string{}, p.Cities...), p.ZipCodes...), ", "))
	add("priceMax", amount(c, "fmt.price", p.PriceMax))
	add("livingAreaMin", amount(c, "fmt.area", p.LivingAreaMin))
	add("roomsMin", amount(c, "fmt.rooms", p.RoomsMin))
	return item
}

// choiceLabels names CRM codes in the page's language.
func choiceLabels(c *catalog, group string, values []string) string {
	var out []string
	for _, v := range values {
		if v == "" {
			continue
		}
		label, err := c.text("choice." + group + "." + v)
		if err != nil {
			label = v
		}
		out = append(out, label)
	}
	return strings.Join(out, ", ")
}

func amount(c *catalog, format string, f *float64) string {
	if f == nil {
		return ""
	}
	return c.msg(format, c.number(*f))
}

func (s *server) profileForm(r *http.Request, in formInput, edited *mapping.SearchProfile) profileForm {
	p := mapping.SearchProfile{Active: true}
	if edited != nil {
		p = *edited
	}
	f := profileForm{Form: s.newForm(r, in.v, "profile"), ID: p.CRMID, Active: p.Active}
	if in.resubmitted("profile") {
		f.ID, f.Active = in.v.field("id"), in.v.form.Get("active") == "yes"
	}
	if f.ID != "" {
		f.Cancel = in.v.pageURL(r) + "#h-profiles"
	}
	f.Title = in.field("profile", titleField.name, p.Title)
	f.Marketing = in.choices("profile", "marketingType", consent.MarketingTypes, []string{p.MarketingType})
	f.Estates = in.choices("profile", "estateTypes", consent.EstateTypes, p.EstateTypes)
	stored := map[string]string{
		"cities": strings.Join(p.Cities, ", "), "zipCodes": strings.Join(p.ZipCodes, ", "),
		"priceMax": number(in.c, p.PriceMax), "livingAreaMin": number(in.c, p.LivingAreaMin), "roomsMin": number(in.c, p.RoomsMin),
	}
	for _, spec := range placeFields {
		f.Places = append(f.Places, in.field("profile", spec.name, stored[spec.name]))
	}
	for _, spec := range limitFields {
		f.Limits = append(f.Limits, in.field("profile", spec.name, stored[spec.name]))
	}
	return f
}

func number(c *catalog, f *float64) string {
	if f == nil {
		return ""
	}
	return c.number(*f)
}

// editedProfile is the profile a page link asks to edit (?edit=ID).
func editedProfile(r *http.Request, subj *consent.Subject) *mapping.SearchProfile {
	id := r.URL.Query().Get("edit")
	if p, ok := findProfile(subj, id); ok && !strings.HasPrefix(id, consent.PendingPrefix) {
		return &p
	}
	return nil
}

func findProfile(subj *consent.Subject, id string) (mapping.SearchProfile, bool) {
	for _, p := range subj.Profiles {
		if p.CRMID == id && id != "" {
			return p, true
		}
	}
	return mapping.SearchProfile{}, false
}
