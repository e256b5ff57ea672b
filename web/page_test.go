package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
)

func TestPageShowsEachCase(t *testing.T) {
	erasureDue := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		subj    *consent.Subject
		path    string
		want    []string
		notWant []string
		values  map[string]string // input id → value shown
	}{
		{
			name: "case 1: no consent yet",
			subj: contact(),
			want: []string{
				`<html lang="de">`, "Acme Immobilien GmbH", "Hauptstraße 5, 80331 München", `src="https://cdn.example.de/logo.png"`,
				`href="https://acme.example.de/datenschutz">Datenschutz`, `href="https://acme.example.de/impressum">Impressum`,
				"Sehr geehrte Frau \u2068Dr. Müller\u2069,", "Sie haben bisher nicht eingewilligt.",
				"<p>Ich willige ein, dass die Acme Immobilien GmbH meine Daten verarbeitet.</p>", "<p>Widerruf jederzeit.</p>",
				"<dd>Akquisition und Vermittlung von Immobilien</dd>", "<dd>2026-11</dd>",
				`/consent">`, ">Einwilligen</button>", "Daten speichern und einwilligen",
				"Sie haben noch kein Suchprofil.", ">Löschung beantragen</button>", "innerhalb eines Monats",
				"gebuchten Besichtigungstermin",
			},
			notWant: []string{`/withdraw"`, "Einwilligung widerrufen</button>"},
			values: map[string]string{
				"f-correct-title": "Dr.", "f-correct-firstName": "Erika", "f-correct-lastName": "Müller", "f-correct-street": "Hauptstraße",
				"f-correct-houseNumber": "5a", "f-correct-zip": "80331", "f-correct-city": "München",
				"f-correct-email": "erika@example.de", "f-correct-phone": "&#43;49 89 123456",
			},
		},
		{
			name: "case 4: consent given, data and deletion stay open",
			subj: given(contact()),
			want: []string{
				"Sie haben am 02.11.2026 eingewilligt.", "Ihre Einwilligung vom 02.11.2026 gilt.",
				`/correct"`, ">Daten speichern</button>", `/withdraw"`, "Einwilligung widerrufen</button>", `/delete"`,
			},
			notWant: []string{`/consent"`, "und einwilligen"},
		},
		{
			name: "consent to an earlier text version",
			subj: func() *consent.Subject {
				s := given(contact())
				s.Consent.TextVersion = "2025-01"
				return s
			}(),
			want: []string{"am 02.11.2026 in eine frühere Fassung", ">In die neue Fassung einwilligen</button>", "Daten speichern und einwilligen", `/withdraw"`},
		},
		{
			name: "withdrawn consent can be given again",
			subj: func() *consent.Subject {
				s := contact()
				s.Consent = &store.ConsentState{State: store.ConsentWithdrawn, GivenAt: &givenAt, WithdrawnAt: &withdrAt}
				return s
			}(),
			want:    []string{"Einwilligung am 01.12.2026 widerrufen", ">Erneut einwilligen</button>", `/delete"`},
			notWant: []string{`/withdraw"`},
		},
		{
			name: "open deletion request",
			subj: func() *consent.Subject {
				s := contact()
				s.Consent = &store.ConsentState{State: store.ConsentWithdrawn, GivenAt: &givenAt, WithdrawnAt: &withdrAt}
				s.Erasure = &store.ErasureRequest{State: store.ErasureOpen, ReceivedAt: withdrAt, DueAt: erasureDue}
				return s
			}(),
			want:    []string{"Ihre Löschanfrage vom 01.12.2026 ist eingegangen", "bis zum 01.01.2027 eine Antwort"},
			notWant: []string{`/delete"`},
		},
		{
			name: "search profiles listed",
			subj: withProfiles(given(contact())),
			want: []string{
				`<h3 dir="auto">3 Zimmer München</h3>`, "<dd dir=\"auto\">Kaufen</dd>", "Wohnung, Haus", "München, 80331",
				"bis 650.000 €", "ab 70 m²", "ab 2,5", "Suchprofil ohne Namen", `<span class="tag">pausiert</span>`,
				`?edit=sp-1#h-profile"`, `name="id" value="sp-1"`, `name="id" value="sp-2"`,
				"Gerade angelegt", "wird gerade gespeichert", `<h3 id="h-profile">Neues Suchprofil</h3>`, ">Suchprofil anlegen</button>",
			},
			notWant: []string{`value="pending:x"`, "edit=pending"},
		},
		{
			name: "search profile opened for editing",
			subj: withProfiles(given(contact())),
			path: pagePath + "?edit=sp-1",
			want: []string{
				`<h3 id="h-profile">Suchprofil bearbeiten</h3>`, `<input type="hidden" name="id" value="sp-1">`,
				`value="BUY" checked`, `value="APARTMENT" checked`, `value="HOUSE" checked`,
				">Änderungen speichern</button>", ">Abbrechen</a>",
			},
			values: map[string]string{
				"f-profile-title": "3 Zimmer München", "f-profile-priceMax": "650.000", "f-profile-roomsMin": "2,5",
				"f-profile-cities": "München", "f-profile-zipCodes": "80331", "f-profile-livingAreaMin": "70",
			},
		},
		{
			name: "a salutation the page does not offer stays selectable",
			subj: func() *consent.Subject {
				s := contact()
				s.Address.Salutation = "Divers"
				return s
			}(),
			want: []string{
				`<input type="radio" id="f-correct-salutation-Divers" name="salutation" value="Divers" checked><label for="f-correct-salutation-Divers">Divers</label>`,
				`value="Frau"><label`, "Guten Tag \u2068Dr. Erika Müller\u2069,",
			},
		},
		{
			name:    "a pending profile cannot be edited",
			subj:    withProfiles(given(contact())),
			path:    pagePath + "?edit=" + consent.PendingPrefix + "x",
			want:    []string{"Neues Suchprofil"},
			notWant: []string{"Suchprofil bearbeiten"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.subj)
			path := tt.path
			if path == "" {
				path = pagePath
			}
			res := h.get(path)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200\n%s", res.StatusCode, res.body)
			}
			mustContain(t, res.body, tt.want...)
			mustNotContain(t, res.body, tt.notWant...)
			for id, want := range tt.values {
				if got := valueOf(t, res.body, id); got != want {
					t.Errorf("%s shows %q, want %q", id, got, want)
				}
			}
		})
	}
}

func TestPageFormsCarryFreshKeys(t *testing.T) {
	h := newHarness(t, withProfiles(given(contact())))
	res := h.get(pagePath)
	seen := map[string]bool{}
	total := 0
	for _, action := range []string{"correct", "profile", "profile-delete", "withdraw", "delete"} {
		for _, f := range formsIn(t, pagePath, res.body, action) {
			total++
			id := f.values.Get("action_id")
			if !validActionID(id) || seen[id] {
				t.Errorf("form %s: action id %q is malformed or repeated", action, id)
			}
			seen[id] = true
			if err := h.srv.forms.check("acme", hashToken(tokenA), id, f.values.Get("csrf"), testNow); err != nil {
				t.Errorf("form %s: token does not check: %v", action, err)
			}
			if f.path != pagePath+"/"+action || f.values.Get("lang") != "de" {
				t.Errorf("form %s posts to %s in %q", action, f.path, f.values.Get("lang"))
			}
		}
	}
	if total != 6 { // correct, profile, two profile deletes, withdraw, delete
		t.Errorf("found %d forms, want 6", total)
	}
}

func TestGreeting(t *testing.T) {
	tests := []struct {
		a      mapping.Address
		de, en string
	}{
		{mapping.Address{Salutation: "Frau", Title: "Dr.", LastName: "Müller"}, "Sehr geehrte Frau \u2068Dr. Müller\u2069,", "Dear \u2068Dr. Müller\u2069,"},
		{mapping.Address{Salutation: "Frau", FirstName: "Erika", LastName: "Müller"}, "Sehr geehrte Frau \u2068Müller\u2069,", "Dear Ms \u2068Müller\u2069,"},
		{mapping.Address{Salutation: "Herr", LastName: "Weiß"}, "Sehr geehrter Herr \u2068Weiß\u2069,", "Dear Mr \u2068Weiß\u2069,"},
		{mapping.Address{Salutation: "Mr.", Title: "Prof. Dr.", LastName: "Schmidt"}, "Sehr geehrter Herr \u2068Prof. Dr. Schmidt\u2069,", "Dear \u2068Prof. Dr. Schmidt\u2069,"},
		{mapping.Address{FirstName: "Alex", LastName: "Kim"}, "Guten Tag \u2068Alex Kim\u2069,", "Dear \u2068Alex Kim\u2069,"},
		{mapping.Address{Salutation: "Divers", Title: "Dr.", FirstName: "Sam", LastName: "Roe"}, "Guten Tag \u2068Dr. Sam Roe\u2069,", "Dear \u2068Dr. Sam Roe\u2069,"},
		{mapping.Address{Salutation: "Frau", FirstName: "Erika"}, "Guten Tag \u2068Erika\u2069,", "Dear \u2068Erika\u2069,"},
		{mapping.Address{Salutation: "Herr"}, "Guten Tag,", "Hello,"},
	}
	v, err := loadViews()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		if got := greeting(v.catalogs["de"], tt.a); got != tt.de {
			t.Errorf("de greeting(%+v) = %q, want %q", tt.a, got, tt.de)
		}
		if got := greeting(v.catalogs["en"], tt.a); got != tt.en {
			t.Errorf("en greeting(%+v) = %q, want %q", tt.a, got, tt.en)
		}
	}
}

func TestConsentTextParagraphs(t *testing.T) {
	got := paragraphs("Erster Absatz\nüber zwei Zeilen.\r\n\r\n\n\nZweiter  Absatz.\n")
	want := []string{"Erster Absatz über zwei Zeilen.", "Zweiter Absatz."}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("paragraphs = %q, want %q", got, want)
	}
}
