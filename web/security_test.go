package web

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/mapping"
)

func TestInvalidLinksLookAlike(t *testing.T) {
	const minDuration = 25 * time.Millisecond
	h := newHarness(t, contact(), func(o *Options) { o.MinInvalidDuration = minDuration })
	h.acme.subjects[tokenGone] = nil // revoked: the domain answers ErrLinkInvalid
	h.acme.resolve = func(token string) (*consent.Subject, error) {
		if subj := h.acme.subjects[token]; subj != nil {
			return subj, nil
		}
		return nil, consent.ErrLinkInvalid
	}
	paths := map[string]string{
		"unknown company":         "/e/nobody/" + tokenA,
		"malformed token":         "/e/acme/%3Cscript%3E",
		"unknown token":           "/e/acme/" + strings.Repeat("Q", 43),
		"revoked token":           "/e/acme/" + tokenGone,
		"other company's token":   "/e/acme/" + tokenOther,
		"this token at the other": "/e/other/" + tokenA,
		"overlong token":          "/e/acme/" + strings.Repeat("A", 5000),
	}
	var first string
	for name, path := range paths {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			res := h.get(path, "Accept-Language", "de-DE")
			took := time.Since(start)
			if res.StatusCode != http.StatusNotFound {
				t.Fatalf("status %d, want 404", res.StatusCode)
			}
			if took < minDuration {
				t.Errorf("answered in %s, faster than %s", took, minDuration)
			}
			mustContain(t, res.body, "<h1>Link nicht gültig</h1>")
			mustNotContain(t, res.body, "Acme", "Other GmbH", "nobody", tokenA)
			if first == "" {
				first = res.body
			} else if res.body != first {
				t.Errorf("body differs from the other invalid links:\n%s\nvs\n%s", res.body, first)
			}
			if res.Header.Get("Set-Cookie") != "" {
				t.Errorf("sets a cookie: %s", res.Header.Get("Set-Cookie"))
			}
		})
	}
	if calls := h.other.recorded(); len(calls) != 0 {
		t.Errorf("the other company was asked to act: %+v", calls)
	}
}

func TestSecurityHeaders(t *testing.T) {
	base := map[string]string{
		"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' https:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
		"Referrer-Policy":         "no-referrer",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Permissions-Policy":      "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
	}
	h := newHarness(t, contact())
	f := h.form(pagePath, "consent")
	answers := map[string]*http.Response{
		"page":          h.get(pagePath).Response,
		"invalid":       h.get("/e/acme/nope").Response,
		"post redirect": h.post(f.path, f.values).Response,
		"done":          h.get(pagePath + "/done/consent").Response,
		"405":           h.do(httptest.NewRequest(http.MethodPut, pagePath, nil)).Response,
		"static":        h.get("/static/" + styleName).Response,
	}
	limited := newHarness(t, contact(), func(o *Options) { o.PerIPRate = 0.5 })
	limited.get(pagePath)
	answers["429"] = limited.get(pagePath).Response
	for name, res := range answers {
		for k, v := range base {
			if got := res.Header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", name, k, got, v)
			}
		}
		wantCache := "no-store"
		if name == "static" {
			wantCache = "public, max-age=31536000, immutable"
		}
		if got := res.Header.Get("Cache-Control"); got != wantCache {
			t.Errorf("%s: Cache-Control %q, want %q", name, got, wantCache)
		}
		if res.Header.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over plain http", name)
		}
	}
	if answers["429"].StatusCode != http.StatusTooManyRequests {
		t.Errorf("429 case got %d", answers["429"].StatusCode)
	}
}

func TestHSTSAndSecureCookies(t *testing.T) {
	tests := []struct {
		name       string
		trustProxy bool
		publicURL  string
		tls        bool
		header     []string
		want       bool
	}{
		{name: "plain http", want: false},
		{name: "direct TLS", tls: true, want: true},
		{name: "trusted proxy says https", trustProxy: true, header: []string{"X-Forwarded-Proto", "https"}, want: true},
		{name: "untrusted proxy header", header: []string{"X-Forwarded-Proto", "https"}, want: false},
		{name: "https public URL behind a trusted proxy", trustProxy: true, publicURL: "https://einwilligung.example.de", want: true},
		{name: "https public URL without a trusted proxy", publicURL: "https://einwilligung.example.de", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, contact(), func(o *Options) { o.TrustProxy, o.PublicURL = tt.trustProxy, tt.publicURL })
			req := httptest.NewRequest(http.MethodGet, pagePath+"?lang=en", nil)
			setHeaders(req, tt.header)
			if tt.tls {
				req.TLS = &tls.ConnectionState{}
			}
			res := h.do(req)
			hsts := res.Header.Get("Strict-Transport-Security") == "max-age=31536000"
			cookie := res.Cookies()
			if hsts != tt.want || len(cookie) != 1 || cookie[0].Secure != tt.want {
				t.Errorf("HSTS %v, cookies %+v; want HSTS and a secure cookie: %v", hsts, cookie, tt.want)
			}
		})
	}
}

func TestHostileNamesAreEscaped(t *testing.T) {
	subj := given(contact())
	subj.Address = mapping.Address{
		CRMID: "a-1", Salutation: `Frau"><script>alert(1)</script>`, Title: `"><img src=x onerror=alert(1)>`,
		FirstName: "Zoë ß", LastName: "<script>alert('x')</script>", Street: `Straße " onfocus="alert(1)`,
		City: "שלום עליכם", Emails: []mapping.Channel{{Value: `a"b@example.de`}},
	}
	subj.Profiles = []mapping.SearchProfile{{CRMID: `sp-"><b>`, ContactID: "a-1", Title: "<img src=x onerror=alert(2)>", Cities: []string{"<i>Köln</i>"}}}
	h := newHarness(t, subj)
	for _, path := range []string{pagePath, pagePath + "/done/correct"} {
		res := h.get(path)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", path, res.StatusCode)
		}
		mustNotContain(t, res.body, "<script>", "<img src=x", `onfocus="`, "<b>", "<i>")
	}
	res := h.get(pagePath)
	mustContain(t, res.body,
		"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", `value="&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"`,
		`value="Zoë ß"`, `value="Straße &#34; onfocus=&#34;alert(1)"`, `value="שלום עליכם"`, `value="a&#34;b@example.de"`,
		"&lt;img src=x onerror=alert(2)&gt;", "&lt;i&gt;Köln&lt;/i&gt;", `?edit=sp-%22%3E%3Cb%3E#h-profile`,
		`value="Frau&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" checked`,
	)
}

func TestRateLimits(t *testing.T) {
	t.Run("per client address", func(t *testing.T) {
		h := newHarness(t, contact(), func(o *Options) { o.PerIPRate, o.Burst = 1, 3 })
		for i := range 3 {
			if res := h.get(pagePath); res.StatusCode != http.StatusOK {
				t.Fatalf("request %d: status %d", i, res.StatusCode)
			}
		}
		res := h.get(pagePath)
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "1" {
			t.Fatalf("status %d, Retry-After %q; want 429 after 1 s", res.StatusCode, res.Header.Get("Retry-After"))
		}
		mustContain(t, res.body, "<h1>Zu viele Anfragen</h1>", "in 1 s noch einmal")
		other := httptest.NewRequest(http.MethodGet, pagePath, nil)
		other.RemoteAddr = "198.51.100.7:4000"
		if res := h.do(other); res.StatusCode != http.StatusOK {
			t.Errorf("another client: status %d, want 200", res.StatusCode)
		}
		h.clock.advance(time.Second)
		if res := h.get(pagePath); res.StatusCode != http.StatusOK {
			t.Errorf("after a second: status %d, want 200", res.StatusCode)
		}
	})
	t.Run("per link", func(t *testing.T) {
		h := newHarness(t, contact(), func(o *Options) { o.PerLinkRate, o.Burst = 0.1, 2 })
		h.get(pagePath)
		h.get(pagePath)
		res := h.get(pagePath)
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "10" {
			t.Fatalf("status %d, Retry-After %q; want 429 after 10 s", res.StatusCode, res.Header.Get("Retry-After"))
		}
		if res := h.get("/e/other/" + tokenOther); res.StatusCode != http.StatusOK {
			t.Errorf("another link: status %d, want 200", res.StatusCode)
		}
	})
	t.Run("forwarded address only behind a trusted proxy", func(t *testing.T) {
		for _, trust := range []bool{false, true} {
			h := newHarness(t, contact(), func(o *Options) { o.PerIPRate, o.Burst, o.TrustProxy = 1, 1, trust })
			statuses := ""
			for _, client := range []string{"203.0.113.1", "203.0.113.2"} {
				statuses += h.get(pagePath, "X-Forwarded-For", "10.9.9.9, "+client).Status[:3] + " "
			}
			want := map[bool]string{false: "200 429 ", true: "200 200 "}[trust]
			if statuses != want {
				t.Errorf("trust proxy %v: statuses %q, want %q", trust, statuses, want)
			}
		}
	})
}

func TestLogsHoldNoPersonalData(t *testing.T) {
	subj := withProfiles(given(contact()))
	h := newHarness(t, subj)
	h.acme.withdraw = func(string) (consent.Outcome, error) {
		return consent.Outcome{}, &testError{"withdraw failed for link " + tokenA}
	}
	h.get(pagePath + "?lang=en")
	h.submit("correct", nil)
	h.get(pagePath + "/done/correct")
	h.submit("withdraw", nil)
	h.get("/e/nobody/" + tokenOther)
	logs := h.logs.String()
	for _, secret := range []string{tokenA, tokenOther, "Müller", "Erika", "erika@example.de", "123456", "Hauptstraße", "nobody", "192.0.2.1"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log shows %q:\n%s", secret, logs)
		}
	}
	for _, want := range []string{`"route":"page"`, `"route":"action:correct"`, `"route":"done"`, `"company":"acme"`, `"status":303`, `"status":500`, `"status":404`, `"duration":`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
}

type testError struct{ msg string }

func (e *testError) Error() string { return e.msg }
