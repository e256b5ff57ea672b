package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
)

func TestBadFormsAreRefused(t *testing.T) {
	tests := []struct {
		name       string
		tamper     func(h *harness, f *pageForm)
		wantStatus int
		want       string
	}{
		{"no form token", func(_ *harness, f *pageForm) { f.values.Del("csrf") }, http.StatusForbidden, "Formular nicht gültig"},
		{"altered form token", func(_ *harness, f *pageForm) { f.values.Set("csrf", f.values.Get("csrf")+"x") }, http.StatusForbidden, "Formular nicht gültig"},
		{"form token of another form", func(_ *harness, f *pageForm) { f.values.Set("action_id", "AAAAAAAAAAAAAAAAAAAAAAAAAA") }, http.StatusForbidden, "Formular nicht gültig"},
		{"form token with a later expiry", func(_ *harness, f *pageForm) {
			_, mac, _ := strings.Cut(f.values.Get("csrf"), ".")
			f.values.Set("csrf", fmt.Sprint(testNow.Add(100*time.Hour).Unix())+"."+mac)
		}, http.StatusForbidden, "Formular nicht gültig"},
		{"form token of another link", func(h *harness, f *pageForm) {
			_, token := h.srv.forms.issue("acme", hashToken(tokenOther), testNow)
			f.values.Set("csrf", token)
		}, http.StatusForbidden, "Formular nicht gültig"},
		{"expired form", func(h *harness, _ *pageForm) { h.clock.advance(8*time.Hour + time.Second) }, http.StatusForbidden, "Formular abgelaufen"},
		{"form just within its time", func(h *harness, _ *pageForm) { h.clock.advance(8 * time.Hour) }, http.StatusSeeOther, ""},
		{"no action id", func(_ *harness, f *pageForm) { f.values.Del("action_id") }, http.StatusBadRequest, "Formular unvollständig"},
		{"malformed action id", func(_ *harness, f *pageForm) { f.values.Set("action_id", "not-an-id") }, http.StatusBadRequest, "Formular unvollständig"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, contact())
			f := h.form(pagePath, "consent")
			tt.tamper(h, &f)
			res := h.post(f.path, f.values)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d\n%s", res.StatusCode, tt.wantStatus, res.body)
			}
			calls := h.acme.recorded()
			if tt.wantStatus != http.StatusSeeOther {
				mustContain(t, res.body, "<h1>"+tt.want+"</h1>", "nichts gespeichert", `href="../../../e/acme/`+tokenA+`">Zurück zu Ihrer Seite`, "Acme Immobilien GmbH")
				if len(calls) != 0 {
					t.Errorf("a refused form reached the domain: %+v", calls)
				}
			} else if len(calls) != 1 {
				t.Errorf("calls %+v, want one", calls)
			}
		})
	}
}

func TestOversizeBodies(t *testing.T) {
	h := newHarness(t, contact(), func(o *Options) { o.MaxBody = 1024 })
	f := h.form(pagePath, "correct")
	f.values.Set("lastName", strings.Repeat("x", 2000))
	t.Run("declared length", func(t *testing.T) {
		res := h.post(f.path, f.values)
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d, want 413", res.StatusCode)
		}
		mustContain(t, res.body, "<h1>Zu viele Daten</h1>")
	})
	t.Run("streamed without length", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, f.path, io.MultiReader(strings.NewReader(f.values.Encode())))
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res := h.do(req)
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d, want 413", res.StatusCode)
		}
		mustContain(t, res.body, "<h1>Zu viele Daten</h1>", "Acme Immobilien GmbH")
	})
	if calls := h.acme.recorded(); len(calls) != 0 {
		t.Errorf("oversize forms reached the domain: %+v", calls)
	}
}

func TestInvalidFieldsComeBackWithMessages(t *testing.T) {
	validating := func(h *harness) {
		h.acme.correct = func(in consent.Correction) (consent.Outcome, error) { return consent.Outcome{}, in.Validate() }
		h.acme.save = func(in consent.ProfileInput) (consent.Outcome, error) { return consent.Outcome{}, in.Validate() }
		h.acme.withdraw = func(string) (consent.Outcome, error) {
			return consent.Outcome{}, consent.FieldErrors{"reason": "too_long"}
		}
		h.acme.deletion = func(string) (consent.Outcome, error) {
			return consent.Outcome{}, consent.FieldErrors{"reason": "invalid_text"}
		}
	}
	tests := []struct {
		name      string
		action    string
		fields    url.Values
		wantCalls int
		want      []string
	}{
		{
			name: "correction", action: "correct",
			fields:    url.Values{"lastName": {""}, "email": {"erika@"}, "zip": {"!!"}, "phone": {"call me"}, "firstName": {"Eri<ka>"}},
			wantCalls: 1,
			want: []string{
				`<h2 id="error-summary-title">Bitte prüfen Sie Ihre Angaben</h2>`,
				`<a href="#f-correct-lastName">Nachname: Bitte füllen Sie dieses Feld aus.</a>`,
				`<a href="#f-correct-email">E-Mail-Adresse: Bitte geben Sie eine E-Mail-Adresse wie name@beispiel.de an.</a>`,
				`<p class="error" id="f-correct-zip-error">`, "Bitte geben Sie eine gültige Postleitzahl an",
				"Bitte geben Sie eine Telefonnummer aus Ziffern an", "ohne die Zeichen &lt; und &gt;",
				`maxlength="254" dir="auto" autocomplete="email" value="erika@"`, `value="Eri&lt;ka&gt;"`, `value="call me"`,
				`aria-invalid="true" aria-describedby="f-correct-phone-hint f-correct-phone-error"`,
				`aria-invalid="true" aria-describedby="f-correct-lastName-error"`,
				`<div class="field has-error">`, `autocomplete="address-line1" value="Hauptstraße"`, `value="Frau" checked`,
			},
		},
		{
			name: "profile numbers the page cannot read", action: "profile",
			fields:    url.Values{"priceMax": {"viel"}, "roomsMin": {"-2"}, "cities": {"Au"}},
			wantCalls: 0,
			want: []string{
				`<a href="#f-profile-marketingType-BUY">Kaufen oder mieten?: Bitte füllen Sie dieses Feld aus.</a>`,
				`<a href="#f-profile-priceMax">Höchstpreis: Bitte geben Sie eine Zahl ab 0 an`,
				`<a href="#f-profile-roomsMin">Zimmer mindestens: Bitte geben Sie eine Zahl ab 0 an`,
				`value="viel"`, `<input id="f-profile-cities" name="cities" type="text" maxlength="500" dir="auto" value="Au" aria-describedby="f-profile-cities-hint">`, `<fieldset class="choices has-error" aria-describedby="f-profile-marketingType-error">`,
			},
		},
		{
			name: "profile the domain refuses", action: "profile",
			fields:    url.Values{"marketingType": {"LEASE"}, "estateTypes": {"CASTLE"}, "zipCodes": {"?"}},
			wantCalls: 1,
			want:      []string{"Kaufen oder mieten?: Bitte wählen Sie eine der angebotenen Möglichkeiten.", "Art der Immobilie: Bitte wählen Sie", "Postleitzahlen: Bitte geben Sie eine gültige Postleitzahl an"},
		},
		{
			name: "withdrawal reason too long", action: "withdraw", fields: url.Values{"reason": {"lang"}},
			wantCalls: 1,
			want:      []string{`<a href="#f-withdraw-reason">Grund: Dieser Eintrag ist zu lang. Bitte kürzen Sie ihn.</a>`, ">lang</textarea>"},
		},
		{
			name: "deletion reason with markup", action: "delete", fields: url.Values{"reason": {"<b>weg</b>"}},
			wantCalls: 1,
			want:      []string{"Grund: Bitte verwenden Sie nur normalen Text", ">&lt;b&gt;weg&lt;/b&gt;</textarea>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, given(contact()))
			validating(h)
			res := h.submit(tt.action, tt.fields)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422\n%s", res.StatusCode, res.body)
			}
			mustContain(t, res.body, tt.want...)
			if n := len(h.acme.recorded()); n != tt.wantCalls {
				t.Errorf("%d calls to the domain, want %d", n, tt.wantCalls)
			}
			if again := formsIn(t, pagePath+"/"+tt.action, res.body, tt.action); len(again) != 1 || !validActionID(again[0].values.Get("action_id")) {
				t.Errorf("the form is not offered again with fresh keys: %+v", again)
			}
		})
	}
}

func TestUnknownFieldProblemGetsAGeneralMessage(t *testing.T) {
	h := newHarness(t, given(contact()))
	h.acme.correct = func(consent.Correction) (consent.Outcome, error) {
		return consent.Outcome{}, consent.FieldErrors{"country": "strange_code"}
	}
	res := h.submit("correct", nil)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", res.StatusCode)
	}
	mustContain(t, res.body, `<a href="#h-correct">Das Formular enthält eine ungültige Angabe.`)
}

func TestDomainFailures(t *testing.T) {
	tests := []struct {
		name       string
		fail       error
		wantStatus int
		want       string
	}{
		{"database down", fmt.Errorf("give: connect to db for link %s: refused", tokenA), http.StatusInternalServerError, "<h1>Das hat leider nicht geklappt</h1>"},
		{"link revoked meanwhile", consent.ErrLinkInvalid, http.StatusNotFound, "<h1>Link nicht gültig</h1>"},
		{"profile gone", fmt.Errorf("profile_deleted: %w", consent.ErrProfileNotFound), http.StatusNotFound, "<h1>Suchprofil nicht gefunden</h1>"},
		{"profile pending", fmt.Errorf("profile_deleted: %w", consent.ErrProfilePending), http.StatusConflict, "<h1>Suchprofil wird noch gespeichert</h1>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, withProfiles(given(contact())))
			h.acme.remove = func(string) (consent.Outcome, error) { return consent.Outcome{}, tt.fail }
			res := h.submit("profile-delete", url.Values{"confirm": {"yes"}})
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d\n%s", res.StatusCode, tt.wantStatus, res.body)
			}
			mustContain(t, res.body, tt.want)
			if logs := h.logs.String(); strings.Contains(logs, tokenA) {
				t.Errorf("log shows the token:\n%s", logs)
			}
		})
	}
	t.Run("resolve fails", func(t *testing.T) {
		h := newHarness(t, contact())
		h.acme.resolve = func(string) (*consent.Subject, error) { return nil, errors.New("resolve link: connection refused") }
		res := h.get(pagePath)
		if res.StatusCode != http.StatusInternalServerError {
			t.Fatalf("status %d, want 500", res.StatusCode)
		}
		mustContain(t, res.body, "Bitte versuchen Sie es in einigen Minuten noch einmal")
		mustContain(t, h.logs.String(), `"error":"resolve link: connection refused"`)
	})
}

func TestRoutesAndMethods(t *testing.T) {
	tests := []struct {
		method, path string
		wantStatus   int
		wantAllow    string
		want         string
	}{
		{http.MethodPut, pagePath, http.StatusMethodNotAllowed, "GET, HEAD", "<h1>Das geht so nicht</h1>"},
		{http.MethodPost, pagePath, http.StatusMethodNotAllowed, "GET, HEAD", "Das geht so nicht"},
		{http.MethodDelete, pagePath + "/consent", http.StatusMethodNotAllowed, "POST", "Das geht so nicht"},
		{http.MethodPost, pagePath + "/done/consent", http.StatusMethodNotAllowed, "GET, HEAD", "Das geht so nicht"},
		{http.MethodPost, "/static/" + styleName, http.StatusMethodNotAllowed, "GET, HEAD", "Das geht so nicht"},
		{http.MethodPost, pagePath + "/subscribe", http.StatusNotFound, "", "<h1>Link nicht gültig</h1>"},
		{http.MethodGet, pagePath + "/done/everything", http.StatusNotFound, "", "<h1>Link nicht gültig</h1>"},
		{http.MethodGet, pagePath + "/", http.StatusNotFound, "", "<h1>Link nicht gültig</h1>"},
		{http.MethodGet, "/", http.StatusNotFound, "", "<h1>Link nicht gültig</h1>"},
		{http.MethodGet, "/e/acme", http.StatusNotFound, "", "<h1>Link nicht gültig</h1>"},
		{http.MethodGet, "/e//" + tokenA, http.StatusNotFound, "", "<h1>Link nicht gültig</h1>"},
		{http.MethodHead, pagePath, http.StatusOK, "", ""},
		{http.MethodGet, "/robots.txt", http.StatusOK, "", "Disallow: /"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+strings.Replace(tt.path, tokenA, "TOKEN", 1), func(t *testing.T) {
			h := newHarness(t, contact())
			res := h.do(httptest.NewRequest(tt.method, tt.path, nil))
			if res.StatusCode != tt.wantStatus || res.Header.Get("Allow") != tt.wantAllow {
				t.Fatalf("status %d, Allow %q; want %d, %q", res.StatusCode, res.Header.Get("Allow"), tt.wantStatus, tt.wantAllow)
			}
			mustContain(t, res.body, tt.want)
		})
	}
	t.Run("GET of an action goes back to the page", func(t *testing.T) {
		h := newHarness(t, contact())
		res := h.get(pagePath + "/correct")
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "../"+tokenA {
			t.Errorf("status %d to %q, want 303 to ../TOKEN", res.StatusCode, res.Header.Get("Location"))
		}
	})
}
