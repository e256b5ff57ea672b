package main

import (
	"context"
	"errors"
	"io"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/consentd/consentd/configs"
	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/jobs"
	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/mockcrm"
	"github.com/consentd/consentd/store"
)

const company = "mueller-immobilien"

var linkLine = regexp.MustCompile(`^(\S+)\t(https://einwilligung\.example\.de/e/mueller-immobilien/([A-Za-z0-9_-]{43}))$`)

// links parses the address id → URL lines of a links run; any other line
// on stdout fails the test, since the output feeds a mail merge.
func links(t *testing.T, out string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		m := linkLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("stdout line %q is not address<TAB>link", line)
		}
		got[m[1]] = m[2]
	}
	return got
}

func token(link string) string { return link[strings.LastIndex(link, "/")+1:] }

// service is the company's consent manager, as the consent page uses it.
func (f *fixture) service() *consent.Service {
	f.t.Helper()
	return consent.NewService(f.db(), mapping.Default(), consent.Settings{Company: company,
		PublicURL: "https://einwilligung.example.de", Text: consent.Text{Version: "2026-11", Body: "Ich willige ein."}}, time.Now)
}

func (f *fixture) db() *store.DB {
	f.t.Helper()
	db, err := f.stores.Open(context.Background(), company)
	if err != nil {
		f.t.Fatal(err)
	}
	return db
}

// give gives consent through a link, as a contact on the page does.
func (f *fixture) give(link, actionID string) {
	f.t.Helper()
	svc := f.service()
	subj, err := svc.Resolve(context.Background(), token(link))
	if err != nil {
		f.t.Fatalf("resolve link: %v", err)
	}
	if _, err := svc.Give(context.Background(), subj, consent.Client{}, actionID); err != nil {
		f.t.Fatalf("give consent: %v", err)
	}
}

// deliver runs the company's outbox worker as consentd serve builds it,
// until a pass finds nothing due, and returns how many rows its observer
// saw delivered.
func (f *fixture) deliver() int {
	f.t.Helper()
	cfg, err := configs.Load(f.config, func(k string) (string, bool) { v, ok := f.env[k]; return v, ok })
	if err != nil {
		f.t.Fatal(err)
	}
	a, err := newApp(&Main{Stdout: io.Discard, Stderr: io.Discard, Now: time.Now}, cfg)
	if err != nil {
		f.t.Fatal(err)
	}
	defer a.Close()
	c, _ := cfg.Company(company)
	crm, err := a.crmClient(c)
	if err != nil {
		f.t.Fatal(err)
	}
	var observed atomic.Int64 // rows of different addresses are delivered side by side
	w := a.outboxWorker(c, crm, jobs.NewDatabases(a.stores, 1), func(at jobs.OutboxAttempt) {
		if at.Result == jobs.OutboxDelivered {
			observed.Add(1)
		}
	})
	for range 10 {
		delivered, failed, err := w.DeliverDue(context.Background())
		if err != nil {
			f.t.Fatal(err)
		}
		if delivered+failed == 0 {
			return int(observed.Load())
		}
	}
	f.t.Fatal("the outbox does not drain")
	return 0
}

// exec runs SQL on the company database, bypassing consentd.
func (f *fixture) exec(query string, args ...any) {
	f.t.Helper()
	if _, err := companyDB(f.t, f).Exec(query, args...); err != nil {
		f.t.Fatalf("%s: %v", query, err)
	}
}

func TestLinksVerifyOutboxEndToEnd(t *testing.T) {
	f := newFixture(t, 20)
	f.run("migrate").expect(t, exitOK)
	f.run("sync", "-company", company).expect(t, exitOK)

	// Links for every contact, printed for a mail merge; the warning goes
	// to stderr so that stdout stays a clean list.
	first := f.run("links", "-company", company)
	first.expect(t, exitOK, "personal consent links", "issued 20 links")
	issued := links(t, first.stdout)
	if ids := f.crm.ContactIDs(); len(issued) != 20 || !slices.Equal(slices.Sorted(maps.Keys(issued)), slices.Sorted(slices.Values(ids))) {
		t.Fatalf("links for %d addresses, want one for each of the CRM's %d", len(issued), len(ids))
	}
	again := f.run("links", "-company", company)
	again.expect(t, exitOK, "issued 0 links")
	if again.stdout != "" {
		t.Fatalf("a second run printed links again:\n%s", again.stdout)
	}

	// New contacts get links written into the CRM field.
	fresh := []string{
		f.crm.CreateContact(map[string]any{"firstName": "Jürgen", "lastName": "Weiß"}),
		f.crm.CreateContact(map[string]any{"firstName": "Aylin", "lastName": "Öztürk"}),
	}
	f.run("sync", "-company", company).expect(t, exitOK)
	written := f.run("links", "-company", company, "-write")
	written.expect(t, exitOK, "issued 2 links", "queued for the CRM's link field")
	newLinks := links(t, written.stdout)
	if len(newLinks) != 2 || newLinks[fresh[0]] == "" || newLinks[fresh[1]] == "" {
		t.Fatalf("links -write printed %v, want links of the new contacts %v", newLinks, fresh)
	}

	// A contact gives consent; the ledger holds one event.
	someone := f.crm.ContactIDs()[3]
	f.give(issued[someone], "action-give-1")
	f.run("verify", "-company", company).expect(t, exitOK, company+": ledger intact: 1 events")

	f.run("outbox", "-company", "all", "-list").expect(t, exitOK, company+": outbox 4 pending (oldest queued", "0 parked")
	f.run("status", "-company", company).expect(t, exitOK, "outbox 4 pending (oldest queued")

	// The broker has not created the activity type yet: the activity parks.
	f.crm.SetActivityTypes("Notiz")
	if n := f.deliver(); n != 3 {
		t.Fatalf("%d rows delivered, want 3: two link writes and the consent fields", n)
	}
	for _, id := range fresh {
		if got := f.crm.Inspect(); !hasLinkWrite(got, id, newLinks[id]) {
			t.Fatalf("the CRM link field of %s was not written", id)
		}
	}
	list := f.run("outbox", "-company", company, "-list")
	list.expect(t, exitOK, "0 pending, 1 parked", "crm.activity", someone, `activity type "Einwilligung" does not exist`)
	if strings.Contains(list.stdout, "Einwilligung erteilt") || strings.Contains(list.stdout, newLinks[fresh[0]]) {
		t.Fatalf("the outbox listing shows a payload:\n%s", list.stdout)
	}
	f.run("status").expect(t, exitOK, "1 parked — parked rows wait for you", "-retry")

	f.crm.SetActivityTypes(mockcrm.DefaultActivityTypes...)
	f.run("outbox", "-company", company, "-retry").expect(t, exitOK, "re-queued 1 parked rows", "outbox 1 pending (oldest queued", "), 0 parked")
	if n := f.deliver(); n != 1 {
		t.Fatalf("%d rows delivered after the retry, want the activity", n)
	}
	f.run("outbox", "-company", company).expect(t, exitOK, "0 pending, 0 parked")
	if acts := f.crm.Activities(); len(acts) != 1 || acts[0].Entities[0].ID != someone {
		t.Fatalf("CRM activities %+v, want one for %s", acts, someone)
	}

	// Someone edits the ledger behind consentd's back.
	f.exec(`UPDATE consent_events SET occurred_at = $1 WHERE id = 1`, time.Now().AddDate(0, 0, -1))
	f.run("verify", "-company", "all").expect(t, exitFailure, "company "+company+": ledger broken at event 1")
}

func hasLinkWrite(in mockcrm.Inspection, contact, link string) bool {
	for _, w := range in.ContactWrites {
		if w.ContactID == contact && strings.Contains(string(w.Fields["einwilligung_link"]), link) {
			return true
		}
	}
	return false
}

func TestLinksRotateAndRevoke(t *testing.T) {
	f := newFixture(t, 3)
	f.run("migrate").expect(t, exitOK)
	f.run("sync", "-company", company).expect(t, exitOK)
	issued := links(t, f.run("links", "-company", company).stdout)
	id := f.crm.ContactIDs()[0]

	rotated := f.run("links", "-company", company, "-rotate", id, "-write")
	rotated.expect(t, exitOK, "personal consent links", "the old one no longer works", "queued for the CRM's link field")
	f.run("outbox", "-company", company).expect(t, exitOK, "outbox 1 pending")
	got := links(t, rotated.stdout)
	if len(got) != 1 || got[id] == "" || got[id] == issued[id] {
		t.Fatalf("rotate printed %v, want one new link for %s", got, id)
	}
	svc := f.service()
	if _, err := svc.Resolve(context.Background(), token(issued[id])); !errors.Is(err, consent.ErrLinkInvalid) {
		t.Fatalf("the rotated-out link still opens: %v", err)
	}

	f.run("links", "-company", company, "-revoke", id).expect(t, exitOK, "revoked the link of address "+id)
	if _, err := svc.Resolve(context.Background(), token(got[id])); !errors.Is(err, consent.ErrLinkInvalid) {
		t.Fatalf("the revoked link still opens: %v", err)
	}
	f.run("links", "-company", company, "-revoke", id).expect(t, exitFailure, "has no working link")
	f.run("links", "-company", company, "-rotate", "gibt-es-nicht").expect(t, exitFailure, "no such address")
}

func TestConsentCommandsRefuseBadFlags(t *testing.T) {
	f := newFixture(t, 1)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"links without company", []string{"links"}, "-company must name one company"},
		{"links for all", []string{"links", "-company", "all"}, "-company must name one company"},
		{"links unknown company", []string{"links", "-company", "schulze"}, `unknown company "schulze"`},
		{"revoke and rotate", []string{"links", "-company", company, "-revoke", "a", "-rotate", "b"}, "either -revoke or -rotate"},
		{"revoke with write", []string{"links", "-company", company, "-revoke", "a", "-write"}, "-write does not go with -revoke"},
		{"verify without company", []string{"verify"}, "verify: -company is required"},
		{"outbox without company", []string{"outbox"}, "outbox: -company is required"},
		{"outbox unknown company", []string{"outbox", "-company", "schulze"}, `unknown company "schulze"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.run(tt.args...).expect(t, exitUsage, tt.want)
		})
	}
}

func TestConsentSettingsComeFromTheConfig(t *testing.T) {
	const base = `
database:
  admin_dsn: postgres://postgres@127.0.0.1:5432/postgres
http:
  public_url: https://einwilligung.example.de/
companies:
  - slug: mueller-immobilien
    name: Müller Immobilien GmbH
    crm: {base_url: "https://crm.example.de", token: t}
`
	tests := []struct {
		name    string
		consent string
		want    consent.Settings
	}{
		{"defaults", "", consent.Settings{Company: company, CompanyName: "Müller Immobilien GmbH",
			PublicURL: "https://einwilligung.example.de", Purpose: consent.DefaultPurpose, Source: consent.DefaultSource,
			ActivityType: consent.DefaultActivityType, RecordClient: true, Text: consent.Text{Version: configs.BuiltinTextVersion}}},
		{"configured", `
    consent:
      purpose: Vermietung
      source: Telefon
      text_version: "2026-11"
      text: Ich bin einverstanden.
      activity_type: Notiz
      fallback_user: u-2
      record_client: false
      dpo_user: u-5
      dpo_contact: c-dsb
      recipients:
        - {name: Sparkasse München, purpose: Finanzierung}
`, consent.Settings{Company: company, CompanyName: "Müller Immobilien GmbH", PublicURL: "https://einwilligung.example.de",
			Purpose: "Vermietung", Source: "Telefon", Text: consent.Text{Version: "2026-11", Body: "Ich bin einverstanden."},
			ActivityType: "Notiz", FallbackUser: "u-2", DPOUser: "u-5", DPOContact: "c-dsb",
			Recipients: []consent.Recipient{{Name: "Sparkasse München", Purpose: "Finanzierung"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := configs.Parse([]byte(base+tt.consent), t.TempDir(), func(string) (string, bool) { return "", false })
			if err != nil {
				t.Fatal(err)
			}
			got := consentSettings(cfg.HTTP, &cfg.Companies[0])
			if tt.want.Text.Body == "" && strings.Contains(got.Text.Body, "Müller Immobilien GmbH") {
				tt.want.Text.Body = got.Text.Body // the built-in text, naming the firm
			}
			if got.Policy == nil || len(got.Policy.Classes) == 0 {
				t.Fatalf("settings carry no retention policy: %+v", got.Policy)
			}
			got.Policy = nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("settings\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}
