package main

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/connector"
	"github.com/consentd/consentd/mockcrm"
)

// The whole path a contact takes: a link printed by "links", the page
// served by "serve", consent given with the page's own form, and the
// outbox worker writing the result to the CRM exactly once.
func TestConsentGivenOnThePageReachesTheCRMOnce(t *testing.T) {
	f := newFixture(t, 15)
	f.config = f.serveConfig(schmidt)
	f.run("migrate").expect(t, exitOK)
	f.run("sync", "-company", "all").expect(t, exitOK)
	addressID, link := firstLink(t, f.run("links", "-company", "mueller-immobilien"))
	s := f.serve(f.config, "listen", "admin_listen")
	page := pageClient{t: t, base: "http://" + s.addrs["listen"]}
	path := strings.TrimPrefix(link, "https://einwilligung.example.de")

	code, body := page.get(path)
	if code != http.StatusOK || !strings.Contains(body, "Müller Immobilien GmbH") {
		t.Fatalf("GET page = %d:\n%s", code, body)
	}
	consentForm := page.form(path, body, "/consent")
	for range 2 { // the same form sent twice, as a double click would
		if code, loc := page.post(consentForm); code != http.StatusSeeOther || !strings.HasSuffix(loc, "done/consent") {
			t.Fatalf("POST consent = %d → %q", code, loc)
		}
	}
	eventuallyServed(t, s, "the CRM holds the consent", func() bool {
		return len(consentActivities(f.crm, addressID)) == 1 && crmField(t, f.crm, addressID, "einwilligung_datum") != ""
	})
	time.Sleep(1500 * time.Millisecond) // time for a second activity, were one to come
	if got := consentActivities(f.crm, addressID); len(got) != 1 {
		t.Fatalf("the CRM holds %d Einwilligung activities, want exactly 1: %+v", len(got), got)
	}
	wantFields := map[string]string{
		"einwilligung_quelle": "Kontaktformular", "einwilligung_zweck": "Akquisition und Vermittlung von Immobilien",
		"einwilligung_datum": time.Now().In(berlin(t)).Format(time.DateOnly), "einwilligung_widerrufsdatum": "", "einwilligung_widerrufsgrund": "",
	}
	for field, want := range wantFields {
		if got := crmField(t, f.crm, addressID, field); got != want {
			t.Errorf("CRM field %s = %q, want %q", field, got, want)
		}
	}
	_, metrics := s.get("admin_listen", "/metrics")
	for _, want := range []string{
		`consentd_page_actions_total{action="give",company="mueller-immobilien",result="ok"} 2`,
		`consentd_outbox_attempt_age_seconds_count{company="mueller-immobilien",kind="crm.activity",result="delivered"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	otherCompany := strings.Replace(path, "/e/mueller-immobilien/", "/e/schmidt-partner/", 1)
	if code, _ := page.get(otherCompany); code != http.StatusNotFound {
		t.Errorf("Müller's token under Schmidt's slug = %d, want 404", code)
	}
}

// consentOnPage opens the page at base+path as the contact would, checks
// it shows want, and sends its consent form.
func consentOnPage(t *testing.T, base, path, want string) {
	t.Helper()
	page := pageClient{t: t, base: base}
	code, body := page.get(path)
	if code != http.StatusOK || !strings.Contains(body, want) {
		t.Fatalf("GET %s = %d, want 200 showing %q:\n%s", path, code, want, body)
	}
	if code, loc := page.post(page.form(path, body, "/consent")); code != http.StatusSeeOther || !strings.HasSuffix(loc, "done/consent") {
		t.Fatalf("POST consent = %d → %q", code, loc)
	}
}

func firstLink(t *testing.T, r outcome) (addressID, link string) {
	t.Helper()
	r.expect(t, exitOK)
	id, link, ok := strings.Cut(strings.SplitN(r.stdout, "\n", 2)[0], "\t")
	if !ok {
		t.Fatalf("links printed no link:\n%s", r.stdout)
	}
	return id, link
}

func berlin(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func consentActivities(crm *mockcrm.Server, addressID string) []mockcrm.Activity {
	var out []mockcrm.Activity
	for _, a := range crm.Activities() {
		if a.Type == "Einwilligung" && len(a.Entities) == 1 && a.Entities[0].ID == addressID {
			out = append(out, a)
		}
	}
	return out
}

func crmField(t *testing.T, crm *mockcrm.Server, id, field string) string {
	t.Helper()
	raw, ok := crm.Contact(id)
	if !ok {
		t.Fatalf("the CRM has no contact %s", id)
	}
	var e connector.Entity
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	var v string
	if vals := e.Fields[field]; len(vals) > 0 {
		json.Unmarshal(vals[0], &v)
	}
	return v
}

// pageClient is a browser without JavaScript: it reads forms from the HTML
// and posts them back, not following redirects.
type pageClient struct {
	t    *testing.T
	base string
}

type pageForm struct {
	action string
	values url.Values
}

var (
	formRe   = regexp.MustCompile(`(?s)<form method="post" action="([^"]+)"[^>]*>(.*?)</form>`)
	hiddenRe = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// form finds the form posting to …suffix on the page at path; the page
// links relatively, so actions resolve against the page's own path.
func (c pageClient) form(path, body, suffix string) pageForm {
	c.t.Helper()
	for _, m := range formRe.FindAllStringSubmatch(body, -1) {
		ref, err := url.Parse(html.UnescapeString(m[1]))
		if err != nil || !strings.HasSuffix(ref.Path, suffix) {
			continue
		}
		action := (&url.URL{Path: path}).ResolveReference(ref).String()
		vals := url.Values{}
		for _, h := range hiddenRe.FindAllStringSubmatch(m[2], -1) {
			vals.Set(h[1], html.UnescapeString(h[2]))
		}
		return pageForm{action: action, values: vals}
	}
	c.t.Fatalf("the page has no form posting to …%s:\n%s", suffix, body)
	return pageForm{}
}

func (c pageClient) do(req *http.Request) (*http.Response, string) {
	c.t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func (c pageClient) get(path string) (int, string) {
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	res, body := c.do(req)
	return res.StatusCode, body
}

func (c pageClient) post(f pageForm) (int, string) {
	req, _ := http.NewRequest(http.MethodPost, c.base+f.action, strings.NewReader(f.values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, _ := c.do(req)
	return res.StatusCode, res.Header.Get("Location")
}
