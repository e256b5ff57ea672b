package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/mockcrm"
)

// retentionKeys are Müller's mapping with the CRM's retention fields, the
// example retention file, a data-protection officer and one recipient, as
// keys that continue Müller's entry of serveConfig.
func retentionKeys(t *testing.T) string {
	t.Helper()
	mapping := filepath.Join(t.TempDir(), "mapping.yaml")
	facts := "facts:\n"
	for _, f := range []string{"nachweis_datum", "maklervertrag_brief", "provision_hauptvertrag", "gwg_akte",
		"gwg_beziehung_ende", "mietbewerbung_abgelehnt", "rechtsstreit"} {
		facts += "  " + f + ": " + f + "\n"
	}
	if err := os.WriteFile(mapping, []byte(facts), 0o600); err != nil {
		t.Fatal(err)
	}
	example, err := filepath.Abs("../../configs/retention.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return "    mapping: " + mapping + "\n    retention: " + example + "\n" +
		"    consent:\n      dpo_user: u-5\n      recipients:\n        - {name: Sparkasse Finanzierung, purpose: Finanzierungsangebote}\n"
}

// A deletion request from the page to the closed case: the broker reads in
// the CRM what he may delete and what he must restrict, deletes the
// contact, reconciliation closes the case and purges the mirror, and the
// export shows exactly the proof that remains.
func TestDeletionRequestFromPageToClosedCase(t *testing.T) {
	f := newFixture(t, 15)
	f.config = f.serveConfig(retentionKeys(t))
	f.run("migrate").expect(t, exitOK)
	f.run("sync", "-company", "mueller-immobilien").expect(t, exitOK)
	addressID, link := firstLink(t, f.run("links", "-company", "mueller-immobilien"))
	if !f.crm.UpdateContact(addressID, map[string]any{"maklervertrag_brief": "2024-03-05", "rechtsstreit": nil}) {
		t.Fatal("the mock CRM refused the brokerage contract date")
	}
	f.run("sync", "-company", "mueller-immobilien").expect(t, exitOK)
	f.run("retention", "-company", "mueller-immobilien", "-address", addressID).
		expect(t, exitOK, "K6", "restricted until 2031-01-01 by K6")

	s := f.serve(f.config, "listen")
	page := pageClient{t: t, base: "http://" + s.addrs["listen"]}
	path := strings.TrimPrefix(link, "https://einwilligung.example.de")
	_, body := page.get(path)
	if !strings.Contains(body, "Sparkasse Finanzierung") {
		t.Fatalf("the page offers no objection to the recipient:\n%s", body)
	}
	del := page.form(path, body, "/delete")
	del.values.Set("reason", "Ich ziehe ins Ausland.")
	del.values.Add("recipients", "Sparkasse Finanzierung")
	if code, loc := page.post(del); code != http.StatusSeeOther || !strings.HasSuffix(loc, "done/deletion") {
		t.Fatalf("POST delete = %d → %q", code, loc)
	}
	eventuallyServed(t, s, "the broker and the data-protection officer are told in the CRM", func() bool {
		return len(erasureActivities(f.crm, addressID)) == 2
	})
	if code := s.stop(); code != exitOK {
		t.Fatalf("serve exit code %d:\n%s", code, s.stderr)
	}
	acts := erasureActivities(f.crm, addressID)
	broker := acts[0]
	for _, part := range []string{"Sperren statt löschen bis 01.01.2031: Maklervertragsakte (K6",
		"Widerspruch gegen Weitergabe an: Sparkasse Finanzierung"} {
		if !strings.Contains(broker.Description, part) {
			t.Errorf("the broker's activity lacks %q:\n%s", part, broker.Description)
		}
	}
	if acts[1].ResponsibleUser != "u-5" {
		t.Errorf("the copy went to %q, want the data-protection officer u-5", acts[1].ResponsibleUser)
	}
	f.run("status", "-company", "mueller-immobilien").expect(t, exitOK, "deletion requests: 1 open")

	if !f.crm.DeleteContact(addressID) {
		t.Fatal("the mock CRM refused to delete the contact")
	}
	f.run("sync", "-company", "mueller-immobilien", "-full").expect(t, exitOK)
	f.run("status", "-company", "mueller-immobilien").expect(t, exitOK, "deletion requests: none open")
	e := exportOf(t, f, addressID)
	if e.Address != nil || len(e.SearchProfiles) != 0 || len(e.Links) != 0 {
		t.Errorf("the mirror still holds the deleted contact: %+v", e)
	}
	if len(e.Events) != 1 || e.Events[0].Kind != "deletion_requested" || len(e.Suppressions) == 0 ||
		len(e.RecipientObjections) != 1 || len(e.DeletionRequests) != 1 || e.DeletionRequests[0].State != "closed" {
		t.Errorf("the proof kept: %+v", e)
	}
	for _, leaked := range []string{"Ich ziehe ins Ausland.", "@"} {
		if raw := f.run("export", "-company", "mueller-immobilien", "-address", addressID).stdout; strings.Contains(raw, leaked) {
			t.Errorf("the export of a deleted contact still holds %q:\n%s", leaked, raw)
		}
	}
	f.run("verify", "-company", "mueller-immobilien").expect(t, exitOK, "ledger intact")
}

func erasureActivities(crm *mockcrm.Server, addressID string) []mockcrm.Activity {
	var out []mockcrm.Activity
	for _, a := range crm.Activities() {
		if strings.HasPrefix(a.Subject, "Löschanfrage") && a.Entities[0].ID == addressID {
			out = append(out, a)
		}
	}
	return out
}

func exportOf(t *testing.T, f *fixture, addressID string) consent.Export {
	t.Helper()
	r := f.run("export", "-company", "mueller-immobilien", "-address", addressID)
	r.expect(t, exitOK)
	var e consent.Export
	if err := json.Unmarshal([]byte(r.stdout), &e); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, r.stdout)
	}
	return e
}

func TestPersonCommands(t *testing.T) {
	f := newFixture(t, 5)
	f.run("migrate").expect(t, exitOK)
	f.run("sync", "-company", "all").expect(t, exitOK)
	id := f.crm.ContactIDs()[0]
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"erasure needs a channel", []string{"erasure", "-company", "mueller-immobilien", "-address", id}, exitUsage, "-channel is required"},
		{"erasure needs an address", []string{"erasure", "-company", "mueller-immobilien", "-channel", "phone"}, exitUsage, "-address is required"},
		{"erasure for one company", []string{"erasure", "-company", "all", "-address", id, "-channel", "phone"}, exitUsage, "must name one company"},
		{"erasure by fax", []string{"erasure", "-company", "mueller-immobilien", "-address", id, "-channel", "fax"}, exitFailure, "use phone, letter or mail"},
		{"erasure of an unknown contact", []string{"erasure", "-company", "mueller-immobilien", "-address", "nobody", "-channel", "phone"}, exitFailure, `address "nobody" is not in the mirror`},
		{"erasure by phone", []string{"erasure", "-company", "mueller-immobilien", "-address", id, "-channel", "phone", "-reason", "am Telefon"}, exitOK, "deletion request of address " + id + " recorded, due"},
		{"erasure again", []string{"erasure", "-company", "mueller-immobilien", "-address", id, "-channel", "letter"}, exitOK, "has an open deletion request since"},
		{"status shows it", []string{"status", "-company", "mueller-immobilien"}, exitOK, "deletion requests: 1 open"},
		{"status lists it", []string{"status", "-company", "mueller-immobilien"}, exitOK, id + "  "},
		{"retention explains", []string{"retention", "-company", "mueller-immobilien", "-address", id}, exitOK, "verdict: deletable now"},
		{"retention of an unknown contact", []string{"retention", "-company", "mueller-immobilien", "-address", "nobody"}, exitFailure, "is not in the mirror"},
		{"retention run", []string{"retention", "-company", "all", "-run"}, exitOK, "mueller-immobilien: purged 0 contacts deleted in the CRM"},
		{"retention with both", []string{"retention", "-company", "mueller-immobilien", "-run", "-address", id}, exitUsage, "either -address or -run"},
		{"export", []string{"export", "-company", "mueller-immobilien", "-address", id}, exitOK, `"channel": "phone"`},
		{"export of nobody", []string{"export", "-company", "mueller-immobilien", "-address", "nobody"}, exitOK, "nothing is held about address nobody"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { f.run(tt.args...).expect(t, tt.code, tt.want) })
	}
}
