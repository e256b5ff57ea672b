package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/mockcrm"
	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/store/storetest"
)

// fixture is a config file on disk pointing at a mock CRM and the test
// databases, as an admin would write it.
type fixture struct {
	t      *testing.T
	crm    *mockcrm.Server
	crmURL string
	config string
	env    map[string]string
	stores *store.Manager
}

const (
	crmToken   = "geheimes-api-token-4711"
	httpSecret = "formular-schluessel-0123456789abcdef0123456789"
)

func newFixture(t *testing.T, contacts int) *fixture {
	t.Helper()
	crm := mockcrm.New(mockcrm.Options{Contacts: contacts, Seed: 11, APIToken: crmToken, RatePerSecond: -1})
	srv := httptest.NewServer(crm)
	t.Cleanup(srv.Close)
	stores := storetest.Manager(t)
	f := &fixture{t: t, crm: crm, crmURL: srv.URL, stores: stores, env: map[string]string{
		"MUELLER_CRM_TOKEN": crmToken, "CONSENTD_HTTP_SECRET": httpSecret}}
	f.config = f.writeConfig(srv.URL)
	return f
}

func (f *fixture) writeConfig(crmURL string) string {
	cfg := stores(f.stores) + `
http:
  public_url: https://einwilligung.example.de
sync:
  page_size: 50
companies:
  - slug: mueller-immobilien
    name: Müller Immobilien GmbH
    crm:
      base_url: ` + crmURL + `
      token: ${MUELLER_CRM_TOKEN}
      requests_per_second: 1000
      burst: 100
`
	path := filepath.Join(f.t.TempDir(), "consentd.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		f.t.Fatal(err)
	}
	return path
}

// stores is the database: section of a config for the test databases of
// m, on the engine the tests run against.
func stores(m *store.Manager) string {
	c := m.Config()
	where := "  admin_dsn: " + c.AdminDSN + "\n"
	if c.Driver == store.DriverSQLite {
		where = "  dir: " + c.Dir + "\n"
	}
	return "database:\n  driver: " + c.Driver + "\n" + where + "  name_prefix: " + c.NamePrefix + "\n"
}

// outcome is what one run of Main printed and returned.
type outcome struct {
	code           int
	stdout, stderr string
}

func (f *fixture) run(args ...string) outcome {
	f.t.Helper()
	return runMain(f.t, f.env, append([]string{"-config", f.config}, args...)...)
}

func runMain(t *testing.T, env map[string]string, args ...string) outcome {
	t.Helper()
	var stdout, stderr bytes.Buffer
	m := &Main{Stdout: &stdout, Stderr: &stderr, Now: time.Now, LookupEnv: func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}}
	code := m.Run(context.Background(), args)
	if err := m.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	return outcome{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func (r outcome) expect(t *testing.T, code int, outputs ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	for _, want := range outputs {
		if !strings.Contains(r.stdout+r.stderr, want) {
			t.Fatalf("output lacks %q\nstdout:\n%s\nstderr:\n%s", want, r.stdout, r.stderr)
		}
	}
	if strings.Contains(r.stdout+r.stderr, crmToken) {
		t.Fatalf("the CRM token reached the output:\n%s%s", r.stdout, r.stderr)
	}
}

func TestMirrorEndToEnd(t *testing.T) {
	f := newFixture(t, 240)
	f.run("migrate").expect(t, exitOK, "mueller-immobilien: applied migration 0001")
	f.run("migrate", "-company", "mueller-immobilien").expect(t, exitOK, "is up to date")

	first := f.run("sync", "-company", "all")
	first.expect(t, exitOK, "sync.incremental", " 240 ", "ok")

	ids := f.crm.ContactIDs()
	if !f.crm.UpdateContact(ids[5], map[string]any{"lastName": "Görlitzer"}) || !f.crm.DeleteContact(ids[6]) {
		t.Fatal("mock CRM refused the change")
	}
	f.run("sync", "-company", "mueller-immobilien").expect(t, exitOK, "sync.incremental", "  1  ")
	full := f.run("sync", "-company", "mueller-immobilien", "-full")
	full.expect(t, exitOK, "sync.full")

	// The contact the CRM deleted is purged right after reconciliation.
	st := f.run("status")
	st.expect(t, exitOK, "addresses 239 (deleted in the CRM: 0)", "sync.full", "sync.incremental")
	if strings.Contains(f.run("export", "-company", "mueller-immobilien", "-address", ids[6]).stdout, `"last_name"`) {
		t.Error("the mirror still holds the contact the CRM deleted")
	}
	if strings.Contains(st.stdout, "running") {
		t.Fatalf("status shows a run still running:\n%s", st.stdout)
	}
}

func TestUsageAndConfigErrorsExit2(t *testing.T) {
	f := newFixture(t, 1)
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte(`database:
  driver: oracle
http:
  public_url: ftp://x
companies:
  - slug: Bad_Slug
    name: x
    crm:
      base_url: nope
      token: ${UNSET_TOKEN}
    schedule:
      sync: every day
    colour: blue
`), 0o600)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"no command", []string{"-config", f.config}, []string{"no command given", "Commands:"}},
		{"unknown command", []string{"-config", f.config, "frobnicate"}, []string{`unknown command "frobnicate"`}},
		{"missing config file", []string{"-config", "/nonexistent/consentd.yaml", "status"}, []string{"not found", "consentd.example.yaml"}},
		{"sync without company", []string{"-config", f.config, "sync"}, []string{"-company is required"}},
		{"unknown company", []string{"-config", f.config, "sync", "-company", "schulze"}, []string{"schulze", "mueller-immobilien"}},
		{"bad flag", []string{"-config", f.config, "sync", "-fast"}, []string{"-fast"}},
		{"bad log level", []string{"-config", f.config, "-log-level", "loud", "status"}, []string{`log level "loud"`}},
		{"every config problem at once", []string{"-config", bad, "status"}, []string{
			"database.driver", "http.public_url", "companies[0].slug", "companies[0].crm.base_url",
			"UNSET_TOKEN", "companies[0].schedule.sync", "colour"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runMain(t, f.env, tt.args...).expect(t, exitUsage, tt.want...)
		})
	}
}

func TestStaleSchemaNamesTheFix(t *testing.T) {
	f := newFixture(t, 1)
	f.run("sync", "-company", "mueller-immobilien").expect(t, exitFailure, `run "consentd migrate -company mueller-immobilien"`)
	f.run("status").expect(t, exitFailure, "consentd migrate")
}

func TestCRMRefusingTheTokenFailsAndKeepsTheWatermark(t *testing.T) {
	f := newFixture(t, 30)
	f.run("migrate").expect(t, exitOK)
	f.env["MUELLER_CRM_TOKEN"] = "falsches-token"
	f.run("sync", "-company", "all").expect(t, exitFailure, "crm.token", "failed")
	f.run("status").expect(t, exitOK, "watermark none (no sync yet)", "failed")
}

func TestCRMDownFailsWithExit1(t *testing.T) {
	f := newFixture(t, 30)
	f.run("migrate").expect(t, exitOK)
	f.config = f.writeConfig("http://127.0.0.1:1")
	f.run("sync", "-company", "all").expect(t, exitFailure, "company mueller-immobilien")
	f.run("status").expect(t, exitOK, "watermark none (no sync yet)")
}
