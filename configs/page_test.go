package configs

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const testSecret = "0123456789abcdef0123456789abcdef-secret"

func TestParsePageAndConsent(t *testing.T) {
	yml := strings.Replace(minimal, `http: {public_url: "https://einwilligung.example.de"}`,
		`http: {public_url: "https://einwilligung.example.de", secret: "${SECRET}", trust_proxy: true, rate_limit: {per_ip: 50, per_link: 0.5, burst: 5}}`, 1) +
		`    page:
      address: "Hauptstraße 5, 80331 München"
      logo_url: https://cdn.example.de/logo.png
      privacy_url: https://acme.example.de/datenschutz?lang=de
      imprint_url: http://acme.example.de/impressum
      email: info@acme.example.de
      phone: "+49 (89) 123456-0"
    consent:
      purpose: Vermittlung
      source: Website
      text_version: "2026-11"
      text: "Ich willige ein.\n\nWiderruf jederzeit."
      activity_type: Zustimmung
      fallback_user: u-1
      record_client: false
`
	cfg := mustParse(t, yml, "", map[string]string{"SECRET": testSecret})
	co := cfg.Companies[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"http", cfg.HTTP, HTTP{Listen: "127.0.0.1:8080", PublicURL: "https://einwilligung.example.de", Secret: testSecret, TrustProxy: true,
			RateLimit: RateLimit{PerIP: 50, PerLink: 0.5, Burst: 5}}},
		{"page", co.Page, Page{Address: "Hauptstraße 5, 80331 München", LogoURL: "https://cdn.example.de/logo.png",
			PrivacyURL: "https://acme.example.de/datenschutz?lang=de", ImprintURL: "http://acme.example.de/impressum",
			Email: "info@acme.example.de", Phone: "+49 (89) 123456-0"}},
		{"consent", co.Consent, Consent{Purpose: "Vermittlung", Source: "Website", TextVersion: "2026-11",
			Text: "Ich willige ein.\n\nWiderruf jederzeit.", ActivityType: "Zustimmung", FallbackUser: "u-1", RecordClient: false}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %+v, want %+v", c.name, c.got, c.want)
		}
	}
	if err := cfg.HTTP.RequireSecret(); err != nil {
		t.Errorf("RequireSecret = %v, want nil with a secret", err)
	}
}

func TestBuiltinConsentText(t *testing.T) {
	yml := minimal + "    consent: {purpose: Vermietung von Wohnungen, text_version: \"v7\"}\n"
	c := mustParse(t, yml, "", nil).Companies[0].Consent
	if c.TextVersion != "v7" {
		t.Errorf("TextVersion = %q, want the configured v7", c.TextVersion)
	}
	for _, part := range []string{"Acme Immobilien", "„Vermietung von Wohnungen“", "jederzeit mit Wirkung für die Zukunft widerrufen"} {
		if !strings.Contains(c.Text, part) {
			t.Errorf("built-in text lacks %q:\n%s", part, c.Text)
		}
	}
}

func TestPageAndConsentProblems(t *testing.T) {
	tests := []struct {
		name string
		yml  string
		want []Problem
	}{
		{
			name: "short secret, bad rate limits, wrong bool",
			yml: strings.Replace(minimal, `http: {public_url: "https://einwilligung.example.de"}`,
				`http: {public_url: "https://einwilligung.example.de", secret: short, trust_proxy: "yes", rate_limit: {per_ip: 0, per_link: -1, burst: 0}}`, 1),
			want: []Problem{
				{"http.trust_proxy", `want true or false, got the text "yes" (line 2)`},
				{"http.secret", "is 5 bytes, want at least 32; generate one with: openssl rand -base64 48"},
				{"http.rate_limit.per_ip", "must be positive, got 0"},
				{"http.rate_limit.per_link", "must be positive, got -1"},
				{"http.rate_limit.burst", "must be at least 1, got 0"},
			},
		},
		{
			name: "bad recipients and officer",
			yml: minimal + `    consent:
      dpo_user: "u-1\nu-2"
      recipients:
        - {name: "", purpose: Finanzierung}
        - {name: Sparkasse}
        - {name: Sparkasse, purpose: Versicherung}
        - Bank
`,
			want: []Problem{
				{"companies[0].consent.recipients[3]", `want a mapping of keys, got the text "Bank" (line 15)`},
				{"companies[0].consent.dpo_user", "must be a single line"},
				{"companies[0].consent.recipients[0].name", `is required: the recipient as contacts know it, e.g. "Sparkasse München (Finanzierung)"`},
				{"companies[0].consent.recipients[2].name", `"Sparkasse" is named twice; name each recipient once`},
				{"companies[0].consent.recipients[3].name", `is required: the recipient as contacts know it, e.g. "Sparkasse München (Finanzierung)"`},
			},
		},
		{
			name: "bad page values",
			yml: minimal + `    page:
      address: "Zeile 1\nZeile 2"
      logo_url: http://acme.example.de/logo.png
      privacy_url: /datenschutz
      imprint_url: "https://user:pw@acme.example.de/impressum"
      email: "Acme <info@acme.example.de>"
      phone: "call us"
`,
			want: []Problem{
				{"companies[0].page.address", "must be a single line"},
				{"companies[0].page.logo_url", `want an https:// URL (the page loads no insecure content), got "http://acme.example.de/logo.png"`},
				{"companies[0].page.privacy_url", `want an absolute URL starting with https:// or http://, got "/datenschutz"`},
				{"companies[0].page.imprint_url", "must not contain a user name or password"},
				{"companies[0].page.email", `"Acme <info@acme.example.de>" is not an e-mail address; write it bare, e.g. info@mueller-immobilien.de`},
				{"companies[0].page.phone", `"call us" is not a phone number; use digits, spaces and + ( ) / . -, e.g. +49 89 123456`},
			},
		},
		{
			name: "page URL without host, over-long address",
			yml:  minimal + fmt.Sprintf("    page: {address: %q, privacy_url: \"https://\", logo_url: \"https://%%zz\"}\n", strings.Repeat("ä", 301)),
			want: []Problem{
				{"companies[0].page.address", "is 301 characters long, at most 300 fit the page"},
				{"companies[0].page.logo_url", `is not a valid URL: invalid URL escape "%zz"`},
				{"companies[0].page.privacy_url", "has no host; want e.g. https://example.de/datenschutz"},
			},
		},
		{
			name: "custom text without version, empty required keys, bad version",
			yml: minimal + `    consent: {purpose: " ", source: "", activity_type: "", text: "Ich willige ein."}
  - slug: other
    name: Other
    crm: {base_url: "https://c.example.com", token: t}
    consent: {text_version: "v 1", fallback_user: "a\nb"}
`,
			want: []Problem{
				{"companies[0].consent.purpose", "is required: the purpose of processing, e.g. Akquisition und Vermittlung von Immobilien"},
				{"companies[0].consent.source", "is required: where consent comes from, e.g. Kontaktformular"},
				{"companies[0].consent.activity_type", "is required: the CRM activity type, e.g. Einwilligung"},
				{"companies[0].consent.text_version", `is required with a custom text: name this wording, e.g. "2026-11", and give every later change a new version`},
				{"companies[1].consent.fallback_user", "must be a single line"},
				{"companies[1].consent.text_version", `"v 1" is not a version name: use up to 40 letters, digits, . _ -, e.g. "2026-11"`},
			},
		},
		{
			name: "over-long text",
			yml:  minimal + fmt.Sprintf("    consent: {text_version: v1, text: %q}\n", strings.Repeat("x", 20001)),
			want: []Problem{{"companies[0].consent.text", "is 20001 characters long, at most 20000 allowed"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problemsOf(t, tt.yml, "", nil)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", list(got), list(tt.want))
			}
		})
	}
}

func TestHTTPSecretNeverShows(t *testing.T) {
	yml := strings.Replace(minimal, `http: {public_url: "https://einwilligung.example.de"}`,
		`http: {public_url: "https://einwilligung.example.de", secret: "${SECRET}"}`, 1)
	cfg := mustParse(t, yml, "", map[string]string{"SECRET": testSecret})
	for _, out := range []string{fmt.Sprintf("%v", *cfg), fmt.Sprintf("%+v", cfg.HTTP), fmt.Sprint(cfg.HTTP)} {
		if strings.Contains(out, "secret") || !strings.Contains(out, "Secret:xxxxx") {
			t.Errorf("printed config shows the secret or no redaction: %s", out)
		}
	}
	printed := cfg.HTTP.String()
	for i := range reflect.TypeFor[HTTP]().NumField() {
		if name := reflect.TypeFor[HTTP]().Field(i).Name; !strings.Contains(printed, name+":") {
			t.Errorf("HTTP.String() leaves out %s: %s", name, printed)
		}
	}
	short := strings.Replace(yml, "${SECRET}", "s3cret-x", 1)
	for _, p := range problemsOf(t, short, "", nil) {
		if strings.Contains(p.Message, "s3cret") {
			t.Errorf("problem shows the secret: %s", p)
		}
	}
}

func TestRequireSecret(t *testing.T) {
	err := HTTP{}.RequireSecret()
	if err == nil || !strings.Contains(err.Error(), "http.secret is required") || !strings.Contains(err.Error(), "openssl rand") {
		t.Errorf("RequireSecret = %v, want what is missing and how to make one", err)
	}
}

func TestExampleFilePageAndConsent(t *testing.T) {
	cfg, err := Load("consentd.example.yaml", env(map[string]string{
		"MUELLER_CRM_TOKEN": "a", "SCHMIDT_CRM_TOKEN": "b", "CONSENTD_HTTP_SECRET": testSecret,
	}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	mueller, schmidt := cfg.Companies[0], cfg.Companies[1]
	if cfg.HTTP.Secret != testSecret || cfg.HTTP.RateLimit != defaultRateLimit || cfg.HTTP.TrustProxy {
		t.Errorf("http = %+v, want the secret from the environment and default limits", cfg.HTTP)
	}
	if mueller.Page.PrivacyURL == "" || mueller.Consent.TextVersion != "2026-11" || !strings.HasPrefix(mueller.Consent.Text, "Ich willige ein, dass die Müller") {
		t.Errorf("mueller-immobilien page %+v, consent %+v; want the example's values", mueller.Page, mueller.Consent)
	}
	if schmidt.Page != (Page{}) || schmidt.Consent.TextVersion != BuiltinTextVersion || !strings.Contains(schmidt.Consent.Text, "Schmidt & Partner Immobilien") {
		t.Errorf("schmidt-partner consent %+v; want the built-in text", schmidt.Consent)
	}
}
