package retention_test

import (
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/retention"
)

func TestBrokerTextAndExplain(t *testing.T) {
	t.Parallel()
	p := examplePolicy(t)
	now := day(t, "2026-03-05").Add(9 * time.Hour)
	tests := []struct {
		name    string
		address string
		facts   retention.Facts
		broker  []string
		explain []string
	}{
		{
			name:  "restrict some, delete others",
			facts: retention.Facts{"maklervertrag_brief": "2024-03-05", "gwg_akte": "ja", "profiles_changed": "2025-12-01", "mietbewerbung_abgelehnt": "2025-08-01"},
			broker: []string{
				"Löschfristen (Stand 05.03.2026):",
				"Sperren statt löschen solange gwg_akte besteht: Geldwäscheakte (K8, § 8 Abs. 4 GwG) – Identifizierungsdaten, Ausweiskopie, wirtschaftlich Berechtigte, Risikobewertung",
				"Sperren statt löschen bis 01.01.2031: Maklervertragsakte (K6, § 257 HGB, § 147 AO, § 14 MaBV) – Vertrag, Angebote, Geschäftsbriefe, MaBV-Unterlagen",
				"Jetzt löschen: Suchprofil (K3) – Suchkriterien, Benachrichtigungseinstellungen",
				"Jetzt löschen: Mietbewerbung (nicht berücksichtigt) (K2) – Selbstauskunft, Einkommensnachweise",
				"Jetzt löschen: Kontaktdaten für Werbung (aus Verteilern und Werbelisten entfernen)",
			},
			explain: []string{
				"as of 2026-03-05 (Europe/Berlin)",
				"binding K8 Geldwäscheakte: fact gwg_akte, open: kept while gwg_akte applies, duty keep (§ 8 Abs. 4 GwG), on expiry destroy",
				"binding K6 Maklervertragsakte: fact maklervertrag_brief, start 2024-03-05, until 2031-01-01, duty keep (§ 257 HGB, § 147 AO, § 14 MaBV), on expiry delete",
				"limited K3 Suchprofil: fact profiles_changed, start 2025-12-01, until 2026-12-31, duty limit (Art. 6 Abs. 1 lit. b und a DSGVO), on expiry delete",
				"expired K2 Mietbewerbung (nicht berücksichtigt): fact mietbewerbung_abgelehnt, start 2025-08-01, until 2026-02-01, duty limit (Abwehr von Ansprüchen nach dem AGG), on expiry delete",
				"verdict: restricted while gwg_akte applies by K8",
			},
		},
		{
			name:  "restricted until a date; an expired destroy class",
			facts: retention.Facts{"maklervertrag_brief": "2024-03-05", "nachweis_datum": "2025-06-01", "gwg_beziehung_ende": "2018-05-01"},
			broker: []string{
				"Löschfristen (Stand 05.03.2026):",
				"Sperren statt löschen bis 01.01.2031: Maklervertragsakte (K6, § 257 HGB, § 147 AO, § 14 MaBV) – Vertrag, Angebote, Geschäftsbriefe, MaBV-Unterlagen",
				"Sperren statt löschen bis 01.01.2029: Nachweisakte (K1b, §§ 652, 195, 199 BGB) – Name, Kontaktdaten, Objekt, Exposé-Datum, Provisionsklausel",
				"Jetzt vernichten (auch Kopien): Geldwäscheakte (K8) – Identifizierungsdaten, Ausweiskopie, wirtschaftlich Berechtigte, Risikobewertung",
				"Jetzt löschen: Kontaktdaten für Werbung (aus Verteilern und Werbelisten entfernen)",
			},
			explain: []string{
				"as of 2026-03-05 (Europe/Berlin)",
				"binding K6 Maklervertragsakte: fact maklervertrag_brief, start 2024-03-05, until 2031-01-01, duty keep (§ 257 HGB, § 147 AO, § 14 MaBV), on expiry delete",
				"binding K1b Nachweisakte: fact nachweis_datum, start 2025-06-01, until 2029-01-01, duty keep (§§ 652, 195, 199 BGB), on expiry delete",
				"expired K8 Geldwäscheakte: fact gwg_beziehung_ende, start 2018-05-01, until 2024-01-01, duty keep (§ 8 Abs. 4 GwG), on expiry destroy",
				"verdict: restricted until 2031-01-01 by K6",
			},
		},
		{
			name:  "nothing binds: the whole contact goes",
			facts: retention.Facts{"profiles_changed": "2025-12-01"},
			broker: []string{
				"Löschfristen (Stand 05.03.2026):",
				"Jetzt löschen: Suchprofil (K3) – Suchkriterien, Benachrichtigungseinstellungen",
				"Jetzt löschen: den Kontakt mit allen übrigen Daten, auch den Kontaktdaten für Werbung",
			},
			explain: []string{
				"as of 2026-03-05 (Europe/Berlin)",
				"limited K3 Suchprofil: fact profiles_changed, start 2025-12-01, until 2026-12-31, duty limit (Art. 6 Abs. 1 lit. b und a DSGVO), on expiry delete",
				"verdict: deletable now",
			},
		},
		{
			name: "no class applies",
			broker: []string{
				"Löschfristen (Stand 05.03.2026):",
				"Jetzt löschen: den Kontakt mit allen übrigen Daten, auch den Kontaktdaten für Werbung",
			},
			explain: []string{"as of 2026-03-05 (Europe/Berlin)", "no class applies", "verdict: deletable now"},
		},
		{
			name:    "holds suspend every deletion",
			address: "a-held",
			facts:   retention.Facts{"rechtsstreit": "ja", "maklervertrag_brief": "2024-03-05", "profiles_changed": "2025-12-01"},
			broker: []string{
				"Löschfristen (Stand 05.03.2026):",
				"Löschung ausgesetzt: Rechtsstreit anhängig (bis auf Weiteres)",
				"Löschung ausgesetzt: Prüfung (bis 30.06.2026)",
				"Sperren statt löschen bis 01.01.2031: Maklervertragsakte (K6, § 257 HGB, § 147 AO, § 14 MaBV) – Vertrag, Angebote, Geschäftsbriefe, MaBV-Unterlagen",
			},
			explain: []string{
				"as of 2026-03-05 (Europe/Berlin)",
				"hold: Rechtsstreit anhängig (fact rechtsstreit), until further notice",
				"hold: Prüfung (this contact), until 2026-06-30",
				"binding K6 Maklervertragsakte: fact maklervertrag_brief, start 2024-03-05, until 2031-01-01, duty keep (§ 257 HGB, § 147 AO, § 14 MaBV), on expiry delete",
				"limited K3 Suchprofil: fact profiles_changed, start 2025-12-01, until 2026-12-31, duty limit (Art. 6 Abs. 1 lit. b und a DSGVO), on expiry delete",
				"verdict: on hold",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := p.Evaluate(tt.address, tt.facts, now)
			if got, want := d.BrokerText(), strings.Join(tt.broker, "\n"); got != want {
				t.Errorf("BrokerText:\n%s\nwant:\n%s", got, want)
			}
			if got, want := d.Explain(), strings.Join(tt.explain, "\n"); got != want {
				t.Errorf("Explain:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestBrokerTextOfOtherClasses(t *testing.T) {
	t.Parallel()
	p, err := retention.Parse([]byte(`
classes:
  K5: {name: Sperrlisteneintrag, data: Kennung, keep: 3y, duty: keep, on_expiry: review, basis: Art. 21 Abs. 3 DSGVO}
  X1: {name: Notizen, data: Gesprächsnotizen, keep: 1y, duty: keep, on_expiry: delete}
proof: {ledger: K5, phone_ledger: K5, suppression: K5, case_file: K5}
rules:
  - {class: K5, fact: consent_withdrawn}
  - {class: X1, fact: notiz}
`))
	if err != nil {
		t.Fatal(err)
	}
	d := p.Evaluate("a1", retention.Facts{"consent_withdrawn": "2022-01-10", "notiz": "2026-01-10"}, day(t, "2026-03-05"))
	want := strings.Join([]string{
		"Löschfristen (Stand 05.03.2026):",
		"Sperren statt löschen bis 10.01.2027: Notizen (X1) – Gesprächsnotizen",
		"Jetzt prüfen, ob noch nötig: Sperrlisteneintrag (K5) – Kennung",
		"Jetzt löschen: Kontaktdaten für Werbung (aus Verteilern und Werbelisten entfernen)",
	}, "\n")
	if got := d.BrokerText(); got != want {
		t.Errorf("BrokerText:\n%s\nwant:\n%s", got, want)
	}
	if got := d.Explain(); !strings.Contains(got, "binding X1 Notizen: fact notiz, start 2026-01-10, until 2027-01-10, duty keep (no basis given), on expiry delete") {
		t.Errorf("Explain lacks the class without basis:\n%s", got)
	}
}
