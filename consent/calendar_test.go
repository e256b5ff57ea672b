package consent_test

import (
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
)

func TestTruncateIP(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"203.0.113.77":                 "203.0.113.0",
		" 10.1.2.3 ":                   "10.1.2.0",
		"203.0.113.77:51234":           "203.0.113.0",
		"::ffff:198.51.100.9":          "198.51.100.0",
		"2001:db8:abcd:12:34::1":       "2001:db8:abcd::",
		"[2001:db8:abcd:12::1]:443":    "2001:db8:abcd::",
		"fe80::1%eth0":                 "fe80::",
		"":                             "",
		"not an address":               "",
		"999.1.1.1":                    "",
		"<script>":                     "",
		strings.Repeat("1", 1<<20):     "",
		"203.0.113.77, 198.51.100.1":   "",
		"2001:db8::1\x00":              "",
		"::":                           "::",
		"255.255.255.255":              "255.255.255.0",
		"2001:0db8:0000:0000::0000:01": "2001:db8::",
	}
	for in, want := range tests {
		if got := consent.TruncateIP(in); got != want {
			t.Errorf("TruncateIP(%.30q) = %q, want %q", in, got, want)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	t.Parallel()
	good := settings("mueller")
	if err := good.Validate(); err != nil {
		t.Errorf("good settings: %v", err)
	}
	bad := consent.Settings{PublicURL: "einwilligung.example.de"}
	err := bad.Validate()
	for _, want := range []string{"company slug is empty", `public URL "einwilligung.example.de"`, "consent text needs a version and a body"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	s := consent.NewService(nil, nil, consent.Settings{Company: "x", PublicURL: "https://e.example.de/"}, nil).Settings()
	if s.Purpose != consent.DefaultPurpose || s.Source != consent.DefaultSource || s.ActivityType != "Einwilligung" || s.PublicURL != "https://e.example.de" {
		t.Errorf("defaults %+v", s)
	}
	if got := consent.NewService(nil, nil, s, nil).URL("tok"); got != "https://e.example.de/e/x/tok" {
		t.Errorf("URL %q", got)
	}
}

func TestFieldErrorsMessage(t *testing.T) {
	t.Parallel()
	e := consent.FieldErrors{"zip": "invalid_zip", "email": "invalid_email"}
	if got := e.Error(); got != "invalid input: email: invalid_email, zip: invalid_zip" {
		t.Errorf("message %q", got)
	}
}

func TestUserAgentIsCleaned(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "browser", contact("a1"))
	subj, _ := f.subject("a1")
	ua := "Mozilla\x00/5.0\n\xff (" + strings.Repeat("ü", 1000) + ")"
	if _, err := f.svc.Give(t.Context(), subj, consent.Client{IP: "2001:db8:1:2::9", UserAgent: ua}, "f"); err != nil {
		t.Fatal(err)
	}
	e := f.events("a1")[0]
	if !strings.HasPrefix(e.UserAgent, "Mozilla/5.0 (üü") || len(e.UserAgent) > 512 || e.ClientIP != "2001:db8:1::" {
		t.Errorf("recorded %q (%d bytes), %q", e.UserAgent[:20], len(e.UserAgent), e.ClientIP)
	}
}
