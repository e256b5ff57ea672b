package web

import (
	"net/http"
	"testing"
)

func TestLanguageNegotiation(t *testing.T) {
	tests := []struct {
		name     string
		path     string
		header   []string
		wantLang string
		want     string
	}{
		{"German by default", pagePath, nil, "de", "Ihre Einwilligung und Ihre Daten"},
		{"English browser", pagePath, []string{"Accept-Language", "en-GB,en;q=0.9"}, "en", "Your consent and your data"},
		{"Swiss German browser", pagePath, []string{"Accept-Language", "de-CH, en;q=0.8"}, "de", "Ihre Einwilligung"},
		{"unsupported first, English second", pagePath, []string{"Accept-Language", "fr-FR, en;q=0.5, de;q=0.4"}, "en", "Your consent"},
		{"English not acceptable", pagePath, []string{"Accept-Language", "en;q=0"}, "de", "Ihre Einwilligung"},
		{"switch to English", pagePath + "?lang=en", []string{"Accept-Language", "de"}, "en", "Dear \u2068Dr. Müller\u2069,"},
		{"cookie wins over the browser", pagePath, []string{"Accept-Language", "de", "Cookie", "lang=en"}, "en", "Your consent"},
		{"switch wins over the cookie", pagePath + "?lang=de", []string{"Cookie", "lang=en"}, "de", "Ihre Einwilligung"},
		{"unknown switch value ignored", pagePath + "?lang=fr", []string{"Accept-Language", "en"}, "en", "Your consent"},
		{"bad cookie ignored", pagePath, []string{"Cookie", "lang=xx"}, "de", "Ihre Einwilligung"},
		{"confirmation in English", pagePath + "/done/deletion?lang=en", nil, "en", "What happens next"},
		{"invalid link in English", "/e/acme/nope", []string{"Accept-Language", "en"}, "en", "<h1>Link not valid</h1>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, withProfiles(given(contact())))
			res := h.get(tt.path, tt.header...)
			mustContain(t, res.body, `<html lang="`+tt.wantLang+`">`, tt.want)
			other := map[string]string{"de": "en", "en": "de"}[tt.wantLang]
			mustContain(t, res.body, `<a href="?lang=`+other+`" hreflang="`+other+`" lang="`+other+`">`, `<span aria-current="page" lang="`+tt.wantLang+`">`)
		})
	}
}

func TestLanguageSwitchIsRemembered(t *testing.T) {
	h := newHarness(t, contact())
	res := h.get(pagePath + "?lang=en")
	cookies := res.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies %+v, want the lang cookie", cookies)
	}
	c := cookies[0]
	if c.Name != "lang" || c.Value != "en" || c.Path != "/" || c.MaxAge != 365*24*3600 || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure {
		t.Errorf("cookie %+v; want lang=en for a year, HttpOnly, SameSite=Lax, not Secure over http", c)
	}
	if res := h.get(pagePath, "Cookie", c.String()); res.Header.Get("Set-Cookie") != "" {
		t.Error("a page without a switch sets the cookie again")
	}
}

func TestFormsKeepTheirLanguage(t *testing.T) {
	h := newHarness(t, given(contact()))
	f := h.form(pagePath+"?lang=en", "profile")
	f.values.Set("marketingType", "BUY")
	f.values.Set("priceMax", "1,250,000.50")
	res := h.post(f.path, f.values) // no cookie, no Accept-Language: the form says English
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d\n%s", res.StatusCode, res.body)
	}
	if got := h.acme.recorded()[0].profile.PriceMax; got == nil || *got != 1250000.5 {
		t.Errorf("price %v, want 1250000.5 read the English way", got)
	}
	f.values.Set("priceMax", "lots")
	res = h.post(f.path, f.values)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", res.StatusCode)
	}
	mustContain(t, res.body, `<html lang="en">`, "Maximum price: Please enter a number of 0 or more")
}

func TestAcceptLanguage(t *testing.T) {
	tests := map[string]string{
		"":                         "de",
		"en":                       "en",
		"EN-us":                    "en",
		"*":                        "de",
		"fr, it":                   "de",
		"de;q=0.5, en;q=0.6":       "en",
		"en;q=0.6, de;q=0.6":       "en",
		"en;q=abc, de;q=0.1":       "de",
		"en;level=1":               "de",
		"en;q=2":                   "de",
		",,;;q=,en-US;q=0.7,de-AT": "de",
	}
	for header, want := range tests {
		if got := acceptLanguage(header); got != want {
			t.Errorf("acceptLanguage(%q) = %q, want %q", header, got, want)
		}
	}
}

func TestNumbers(t *testing.T) {
	v, err := loadViews()
	if err != nil {
		t.Fatal(err)
	}
	de, en := v.catalogs["de"], v.catalogs["en"]
	format := []struct {
		c    *catalog
		f    float64
		want string
	}{
		{de, 650000, "650.000"}, {en, 650000, "650,000"}, {de, 2.5, "2,5"}, {en, 1234567.25, "1,234,567.25"},
		{de, 0, "0"}, {de, 999, "999"}, {de, 1000, "1.000"},
	}
	for _, tt := range format {
		if got := tt.c.number(tt.f); got != tt.want {
			t.Errorf("%s number(%g) = %q, want %q", tt.c.lang, tt.f, got, tt.want)
		}
	}
	parse := []struct {
		c    *catalog
		in   string
		want float64
		ok   bool
		null bool
	}{
		{c: de, in: "650.000", want: 650000, ok: true},
		{c: de, in: " 650.000,50 € ", want: 650000.5, ok: true},
		{c: de, in: "2,5", want: 2.5, ok: true},
		{c: de, in: "120 m²", want: 120, ok: true},
		{c: en, in: "€1,250,000.75", want: 1250000.75, ok: true},
		{c: en, in: "2.5", want: 2.5, ok: true},
		{c: de, in: "", ok: true, null: true},
		{c: de, in: "  ", ok: true, null: true},
		{c: de, in: "-1"}, {c: de, in: "1e9"}, {c: de, in: "Inf"}, {c: de, in: "NaN"}, {c: de, in: "0x10"},
		{c: de, in: "zwei"}, {c: en, in: "1.2.3"}, {c: de, in: "1_000"},
	}
	for _, tt := range parse {
		got, ok := tt.c.parseNumber(tt.in)
		switch {
		case ok != tt.ok:
			t.Errorf("%s parseNumber(%q) ok = %v, want %v", tt.c.lang, tt.in, ok, tt.ok)
		case ok && tt.null && got != nil:
			t.Errorf("%s parseNumber(%q) = %v, want nil", tt.c.lang, tt.in, *got)
		case ok && !tt.null && (got == nil || *got != tt.want):
			t.Errorf("%s parseNumber(%q) = %v, want %g", tt.c.lang, tt.in, got, tt.want)
		}
	}
}
