package configs

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// RateLimit bounds consent page requests. Token buckets: a client address
// and a single link may each spend Burst requests at once, refilled at
// their rate.
type RateLimit struct {
	PerIP   float64 `yaml:"per_ip"`   // requests per second from one client address
	PerLink float64 `yaml:"per_link"` // requests per second on one consent link
	Burst   int     `yaml:"burst"`
}

// Page is a company's branding on its consent page.
type Page struct {
	Address    string `yaml:"address"`     // postal address shown in the header
	LogoURL    string `yaml:"logo_url"`    // https image; empty: the name alone
	PrivacyURL string `yaml:"privacy_url"` // privacy policy; empty: link hidden
	ImprintURL string `yaml:"imprint_url"` // imprint; empty: link hidden
	Email      string `yaml:"email"`       // contact address for questions
	Phone      string `yaml:"phone"`
}

// Consent says what a contact consents to and how consent is recorded.
type Consent struct {
	Purpose      string `yaml:"purpose"`       // written to the CRM and the ledger
	Source       string `yaml:"source"`        // written to the CRM as the consent's source
	TextVersion  string `yaml:"text_version"`  // names the wording; each change of text needs a new one
	Text         string `yaml:"text"`          // German consent text; empty: the built-in text
	ActivityType string `yaml:"activity_type"` // CRM activity type of consent events
	FallbackUser string `yaml:"fallback_user"` // CRM user for activities when a contact has no broker
	RecordClient bool   `yaml:"record_client"` // keep the truncated IP address and user agent as proof
	DPOUser      string `yaml:"dpo_user"`      // CRM user of the data-protection officer: gets a copy of each deletion request
	DPOContact   string `yaml:"dpo_contact"`   // CRM contact of an external data-protection officer, linked to that copy
	// Recipients are the third parties the company passes contacts' data
	// to; a contact may object to each, and each must be told of an
	// erasure (Art. 19 GDPR).
	Recipients []Recipient `yaml:"recipients"`
}

// Recipient is a third party that receives contacts' data for a purpose.
type Recipient struct {
	Name    string `yaml:"name"`    // as the contact reads it, e.g. "Sparkasse München (Finanzierung)"
	Purpose string `yaml:"purpose"` // what the data go there for
}

// RecipientNames lists the recipients' names in configured order.
func (c Consent) RecipientNames() []string {
	names := make([]string, len(c.Recipients))
	for i, r := range c.Recipients {
		names[i] = r.Name
	}
	return names
}

const (
	// MinSecretBytes is the shortest http.secret accepted.
	MinSecretBytes = 32
	// BuiltinTextVersion names the built-in consent text.
	BuiltinTextVersion = "consentd-1"

	maxPageText    = 300
	maxConsentText = 20000
)

var (
	defaultRateLimit = RateLimit{PerIP: 10, PerLink: 2, Burst: 30}
	defaultConsent   = Consent{
		Purpose:      "Akquisition und Vermittlung von Immobilien",
		Source:       "Kontaktformular",
		ActivityType: "Einwilligung",
		RecordClient: true,
	}
	textVersionPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$`)
	phonePattern       = regexp.MustCompile(`^\+?[0-9 ()/.-]{3,30}$`)
)

// builtinText is the consent text used when a company configures none.
func builtinText(company, purpose string) string {
	return fmt.Sprintf("Ich willige ein, dass %s meine Kontaktdaten (Anrede, Name, Anschrift, "+
		"E-Mail-Adresse, Telefonnummer) und meine Suchprofile zum Zweck „%s“ speichert und "+
		"verarbeitet und mich dazu per E-Mail, Telefon oder Post über passende Immobilienangebote "+
		"informiert.\n\n"+
		"Diese Einwilligung ist freiwillig. Ich kann sie jederzeit mit Wirkung für die Zukunft "+
		"widerrufen, zum Beispiel über diese Seite. Die Rechtmäßigkeit der bis zum Widerruf "+
		"erfolgten Verarbeitung bleibt davon unberührt.", company, purpose)
}

// String keeps the secret out of anything that prints an HTTP section.
func (h HTTP) String() string {
	secret := ""
	if h.Secret != "" {
		secret = redacted
	}
	return fmt.Sprintf("{Listen:%s PublicURL:%s Secret:%s TrustProxy:%t RateLimit:%+v AdminListen:%s}",
		h.Listen, h.PublicURL, secret, h.TrustProxy, h.RateLimit, h.AdminListen)
}

// RequireSecret reports a missing http.secret, which serving the consent
// page needs; other commands run without it.
func (h HTTP) RequireSecret() error {
	if h.Secret == "" {
		return errors.New("http.secret is required to serve the consent page: it keys the form tokens; " +
			"set secret: ${CONSENTD_HTTP_SECRET} and generate a value with: openssl rand -base64 48")
	}
	return nil
}

func (h *HTTP) validatePage(ps *problems) {
	if h.Secret != "" && len(h.Secret) < MinSecretBytes {
		ps.add("http.secret", "is %d bytes, want at least %d; generate one with: openssl rand -base64 48", len(h.Secret), MinSecretBytes)
	}
	r := h.RateLimit
	if r.PerIP <= 0 {
		ps.add("http.rate_limit.per_ip", "must be positive, got %g", r.PerIP)
	}
	if r.PerLink <= 0 {
		ps.add("http.rate_limit.per_link", "must be positive, got %g", r.PerLink)
	}
	if r.Burst < 1 {
		ps.add("http.rate_limit.burst", "must be at least 1, got %d", r.Burst)
	}
}

func (p *Page) validate(path string, ps *problems) {
	if err := checkLine(p.Address, maxPageText); err != nil {
		ps.add(path+".address", "%v", err)
	}
	for _, u := range []struct {
		key       string
		value     *string
		httpsOnly bool
	}{
		{"logo_url", &p.LogoURL, true}, {"privacy_url", &p.PrivacyURL, false}, {"imprint_url", &p.ImprintURL, false},
	} {
		if err := checkLinkURL(*u.value, u.httpsOnly); err != nil {
			ps.add(path+"."+u.key, "%v", err)
		}
	}
	if p.Email != "" {
		if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email {
			ps.add(path+".email", "%s is not an e-mail address; write it bare, e.g. info@mueller-immobilien.de", quote(p.Email))
		}
	}
	if p.Phone != "" && !phonePattern.MatchString(p.Phone) {
		ps.add(path+".phone", "%s is not a phone number; use digits, spaces and + ( ) / . -, e.g. +49 89 123456", quote(p.Phone))
	}
}

// checkLinkURL accepts an empty value or an absolute URL a contact's
// browser may open: https, or http where httpsOnly is false.
func checkLinkURL(raw string, httpsOnly bool) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Errorf("is not a valid URL: %s", urlReason(err))
	case u.User != nil:
		return errors.New("must not contain a user name or password")
	case httpsOnly && u.Scheme != "https":
		return fmt.Errorf("want an https:// URL (the page loads no insecure content), got %s", quote(raw))
	case u.Scheme != "https" && u.Scheme != "http":
		return fmt.Errorf("want an absolute URL starting with https:// or http://, got %s", quote(raw))
	case u.Host == "":
		return fmt.Errorf("has no host; want e.g. %s://example.de/datenschutz", u.Scheme)
	}
	return nil
}

// checkLine accepts one line of printable text of at most limit characters.
func checkLine(s string, limit int) error {
	switch {
	case !utf8.ValidString(s):
		return errors.New("is not valid UTF-8 text")
	case utf8.RuneCountInString(s) > limit:
		return fmt.Errorf("is %d characters long, at most %d fit the page", utf8.RuneCountInString(s), limit)
	case strings.ContainsAny(s, "\x00\r\n"):
		return errors.New("must be a single line")
	}
	return nil
}

// validate checks the consent settings and fills in the built-in text for
// a company that configures none, naming the company and its purpose.
func (c *Consent) validate(path, company string, ps *problems) {
	for _, f := range []struct{ key, value, what string }{
		{"purpose", c.Purpose, "the purpose of processing, e.g. " + defaultConsent.Purpose},
		{"source", c.Source, "where consent comes from, e.g. " + defaultConsent.Source},
		{"activity_type", c.ActivityType, "the CRM activity type, e.g. " + defaultConsent.ActivityType},
	} {
		if strings.TrimSpace(f.value) == "" {
			ps.add(path+"."+f.key, "is required: %s", f.what)
		} else if err := checkLine(f.value, maxPageText); err != nil {
			ps.add(path+"."+f.key, "%v", err)
		}
	}
	for _, f := range []struct{ key, value string }{
		{"fallback_user", c.FallbackUser}, {"dpo_user", c.DPOUser}, {"dpo_contact", c.DPOContact},
	} {
		if err := checkLine(f.value, maxPageText); err != nil {
			ps.add(path+"."+f.key, "%v", err)
		}
	}
	c.validateRecipients(path+".recipients", ps)
	c.validateText(path, company, ps)
}

// maxRecipientName keeps a recipient's name a label on the page.
const maxRecipientName = 100

func (c *Consent) validateRecipients(path string, ps *problems) {
	seen := map[string]bool{}
	for i, r := range c.Recipients {
		at := fmt.Sprintf("%s[%d]", path, i)
		switch err := checkLine(r.Name, maxRecipientName); {
		case strings.TrimSpace(r.Name) == "":
			ps.add(at+".name", "is required: the recipient as contacts know it, e.g. \"Sparkasse München (Finanzierung)\"")
		case err != nil:
			ps.add(at+".name", "%v", err)
		case seen[r.Name]:
			ps.add(at+".name", "%s is named twice; name each recipient once", quote(r.Name))
		}
		seen[r.Name] = true
		if err := checkLine(r.Purpose, maxPageText); err != nil {
			ps.add(at+".purpose", "%v", err)
		}
	}
}

func (c *Consent) validateText(path, company string, ps *problems) {
	if c.TextVersion != "" && !textVersionPattern.MatchString(c.TextVersion) {
		ps.add(path+".text_version", "%s is not a version name: use up to 40 letters, digits, . _ -, e.g. \"2026-11\"", quote(c.TextVersion))
	}
	switch {
	case strings.TrimSpace(c.Text) == "":
		c.Text = builtinText(company, c.Purpose)
		if c.TextVersion == "" {
			c.TextVersion = BuiltinTextVersion
		}
	case c.TextVersion == "":
		ps.add(path+".text_version", "is required with a custom text: name this wording, e.g. \"2026-11\", and give every later change a new version")
	case !utf8.ValidString(c.Text) || strings.ContainsRune(c.Text, 0):
		ps.add(path+".text", "is not valid UTF-8 text")
	case utf8.RuneCountInString(c.Text) > maxConsentText:
		ps.add(path+".text", "is %d characters long, at most %d allowed", utf8.RuneCountInString(c.Text), maxConsentText)
	}
}
