package web

import (
	"bytes"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/time/rate"

	"github.com/consentd/consentd/configs"
	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
)

const (
	testSecret = "0123456789abcdef0123456789abcdef"
	// Tokens as the domain issues them: 43 base64url characters.
	tokenA     = "kB3s9dQmX2vLr7TzY0pWnE5uHcJfA1gK8oIbVqRtS4x"
	tokenOther = "Zp4Lq8Wn2Xc6Vb0Nm1Ks3Jd5Hf7Gg9Rt2Ey4Uw6Io8A"
	tokenGone  = "Rv7Ty2Ui9Op4As6Df1Gh3Jk5Lz8Xc0Vb2Nm4Qw6Er8T"
	pagePath   = "/e/acme/" + tokenA
)

var (
	testNow  = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	givenAt  = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	withdrAt = time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
)

// clock is a settable time for form expiry and rate limits.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer collects log output from concurrent requests.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func f64(v float64) *float64 { return &v }

// contact is the subject of tokenA unless a test changes it.
func contact() *consent.Subject {
	return &consent.Subject{
		Link: store.Link{ID: 7, AddressID: "a-1"},
		Address: mapping.Address{
			CRMID: "a-1", Salutation: "Frau", Title: "Dr.", FirstName: "Erika", LastName: "Müller",
			Street: "Hauptstraße", HouseNumber: "5a", Zip: "80331", City: "München",
			Emails: []mapping.Channel{{Value: "old@example.de"}, {Value: "erika@example.de", Default: true}},
			Phones: []mapping.Channel{{Value: "+49 89 123456"}},
		},
	}
}

func given(subj *consent.Subject) *consent.Subject {
	subj.Consent = &store.ConsentState{State: store.ConsentGiven, TextVersion: "2026-11", GivenAt: &givenAt}
	return subj
}

func withProfiles(subj *consent.Subject) *consent.Subject {
	subj.Profiles = []mapping.SearchProfile{
		{CRMID: "sp-1", ContactID: "a-1", Title: "3 Zimmer München", Active: true, MarketingType: "BUY",
			EstateTypes: []string{"APARTMENT", "HOUSE"}, ZipCodes: []string{"80331"}, Cities: []string{"München"},
			PriceMax: f64(650000), LivingAreaMin: f64(70), RoomsMin: f64(2.5)},
		{CRMID: "sp-2", ContactID: "a-1", MarketingType: "RENT"},
		{CRMID: consent.PendingPrefix + "x", ContactID: "a-1", Title: "Gerade angelegt", MarketingType: "RENT"},
	}
	return subj
}

func acmeCompany(a Actions) *Company {
	return &Company{
		Slug: "acme", Name: "Acme Immobilien GmbH",
		Page: configs.Page{
			Address: "Hauptstraße 5, 80331 München", LogoURL: "https://cdn.example.de/logo.png",
			PrivacyURL: "https://acme.example.de/datenschutz", ImprintURL: "https://acme.example.de/impressum",
			Email: "info@acme.example.de", Phone: "+49 89 555-0",
		},
		Consent: configs.Consent{
			Purpose: "Akquisition und Vermittlung von Immobilien", TextVersion: "2026-11",
			Text:       "Ich willige ein, dass die Acme Immobilien GmbH\nmeine Daten verarbeitet.\n\nWiderruf jederzeit.",
			Recipients: []configs.Recipient{{Name: "Sparkasse Finanzierung", Purpose: "Finanzierungsangebote"}, {Name: "Umzug & Co. KG"}},
		},
		Actions: a,
	}
}

type harness struct {
	t     *testing.T
	h     http.Handler
	acme  *fakeActions
	other *fakeActions
	clock *clock
	logs  *syncBuffer
	srv   *server
}

// newHarness serves company "acme" with tokenA opening subj, and company
// "other" with tokenOther. Rate limits are out of the way unless tuned.
func newHarness(t *testing.T, subj *consent.Subject, tune ...func(*Options)) *harness {
	t.Helper()
	h := &harness{
		t:     t,
		acme:  &fakeActions{subjects: map[string]*consent.Subject{tokenA: subj}},
		other: &fakeActions{subjects: map[string]*consent.Subject{tokenOther: contact()}},
		clock: &clock{t: testNow},
		logs:  &syncBuffer{},
	}
	companies := map[string]*Company{"acme": acmeCompany(h.acme), "other": {Slug: "other", Name: "Other GmbH", Actions: h.other}}
	opts := Options{
		Secret: []byte(testSecret), Now: h.clock.now, PerIPRate: rate.Inf, PerLinkRate: rate.Inf, Burst: 1,
		MinInvalidDuration: time.Millisecond,
	}
	for _, f := range tune {
		f(&opts)
	}
	handler, srv, err := newServer(func(slug string) (*Company, bool) { c, ok := companies[slug]; return c, ok }, opts, zerolog.New(h.logs))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.h, h.srv = handler, srv
	return h
}

// response is an answer with its body read.
type response struct {
	*http.Response
	body string
}

func (h *harness) do(req *http.Request) response {
	h.t.Helper()
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return response{Response: res, body: string(body)}
}

// get requests path; header holds name, value pairs.
func (h *harness) get(path string, header ...string) response {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	setHeaders(req, header)
	return h.do(req)
}

func (h *harness) post(path string, form url.Values, header ...string) response {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	setHeaders(req, header)
	return h.do(req)
}

func setHeaders(req *http.Request, header []string) {
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
}

var (
	formPattern     = regexp.MustCompile(`(?s)<form method="post" action="([^"]*)"[^>]*>(.*?)</form>`)
	inputPattern    = regexp.MustCompile(`<input [^>]*>`)
	attrPattern     = regexp.MustCompile(`\b(type|name|value)="([^"]*)"`)
	textareaPattern = regexp.MustCompile(`(?s)<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>`)
)

// formValues is what a browser sends for a form's markup: every input,
// checked radio buttons and checkboxes, and text areas.
func formValues(markup string) url.Values {
	values := url.Values{}
	for _, in := range inputPattern.FindAllString(markup, -1) {
		attrs := map[string]string{}
		for _, a := range attrPattern.FindAllStringSubmatch(in, -1) {
			attrs[a[1]] = html.UnescapeString(a[2])
		}
		checkable := attrs["type"] == "radio" || attrs["type"] == "checkbox"
		if attrs["name"] != "" && (!checkable || strings.Contains(in, " checked")) {
			values.Add(attrs["name"], attrs["value"])
		}
	}
	for _, ta := range textareaPattern.FindAllStringSubmatch(markup, -1) {
		values.Add(ta[1], html.UnescapeString(ta[2]))
	}
	return values
}

// pageForm is a form found in a rendered page.
type pageForm struct {
	path   string // absolute, resolved against the page's path
	values url.Values
}

// formsIn lists the forms of the page at from whose action ends in
// "/"+action, with the values a browser would send.
func formsIn(t *testing.T, from, body, action string) []pageForm {
	t.Helper()
	base, _ := url.Parse(from)
	var out []pageForm
	for _, m := range formPattern.FindAllStringSubmatch(body, -1) {
		act := html.UnescapeString(m[1])
		if !strings.HasSuffix(act, "/"+action) {
			continue
		}
		rel, err := url.Parse(act)
		if err != nil {
			t.Fatalf("form action %q: %v", act, err)
		}
		out = append(out, pageForm{path: base.ResolveReference(rel).Path, values: formValues(m[2])})
	}
	return out
}

// form returns the first form posting action on the page at from.
func (h *harness) form(from, action string) pageForm {
	h.t.Helper()
	res := h.get(from)
	forms := formsIn(h.t, from, res.body, action)
	if len(forms) == 0 {
		h.t.Fatalf("page %s (status %d) has no form posting %s", from, res.StatusCode, action)
	}
	return forms[0]
}

// submit fetches the page, fills the form posting action with fields and
// sends it.
func (h *harness) submit(action string, fields url.Values, header ...string) response {
	h.t.Helper()
	f := h.form(pagePath, action)
	f.fill(fields)
	return h.post(f.path, f.values, header...)
}

// fill sets fields as a person would; an empty list clears one (an
// unticked checkbox).
func (f pageForm) fill(fields url.Values) {
	for k, v := range fields {
		if len(v) == 0 {
			f.values.Del(k)
		} else {
			f.values[k] = v
		}
	}
}

func mustContain(t *testing.T, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Errorf("body lacks %q", p)
		}
	}
}

func mustNotContain(t *testing.T, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(body, p) {
			t.Errorf("body contains %q", p)
		}
	}
}

// valueOf is the value an input shows, by its id.
func valueOf(t *testing.T, body, id string) string {
	t.Helper()
	m := regexp.MustCompile(`<input id="` + regexp.QuoteMeta(id) + `"[^>]* value="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Errorf("no input %s", id)
		return ""
	}
	return m[1]
}
