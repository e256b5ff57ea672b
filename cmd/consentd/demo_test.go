package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/mockcrm"
	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/store/storetest"
)

// The demo as a newcomer meets it: a link from the guide opens the page,
// consent given there shows up in the mock CRM's inspection view, Ctrl-C
// stops, and a second start reuses the database and its links. On SQLite
// the demo keeps its file in -data, on PostgreSQL it uses CONSENTD_DEMO_DSN.
func TestDemoLinkConsentReachesTheMockCRMAndASecondStartReusesTheData(t *testing.T) {
	stores := storetest.Manager(t) // drops the demo's database afterwards
	cfg := stores.Config()
	env := map[string]string{"CONSENTD_DEMO_PREFIX": cfg.NamePrefix}
	var args []string
	if cfg.Driver == store.DriverSQLite {
		args = []string{"-data", cfg.Dir}
	} else {
		env["CONSENTD_DEMO_DSN"] = cfg.AdminDSN
	}

	first := startDemo(t, env, args...)
	links := first.links()
	if len(links) != guideLinks {
		t.Fatalf("the guide prints %d links, want %d:\n%s", len(links), guideLinks, first.stdout)
	}
	first.expect("applied migration 0001", stores.DatabaseLocation("mueller-immobilien"), "/_mock/inspect", "Ctrl-C stops")
	consented := links[0]
	consentOnPage(t, linkOrigin(t, consented.page), linkPath(t, consented.page), "Müller Immobilien GmbH (Demo)")
	eventuallyServed(t, first.served, "the mock CRM shows the consent activity", func() bool {
		return len(crmActivities(t, consented.crm, "Einwilligung")) == 1
	})
	first.stopClean()

	second := startDemo(t, env, args...)
	again := second.links()
	second.expect("is up to date")
	for _, l := range again {
		if l.addressID == consented.addressID {
			t.Errorf("the second start prints a link for %s, who consented already", l.addressID)
		}
	}
	page := pageClient{t: t, base: linkOrigin(t, again[0].page)}
	if code, body := page.get(linkPath(t, consented.page)); code != http.StatusOK || !strings.Contains(body, "Müller Immobilien GmbH (Demo)") {
		t.Errorf("the link of the first start on the second = %d, want the consent page:\n%s", code, body)
	}
	second.stopClean()
}

func TestDemoRefusesBadSettings(t *testing.T) {
	env := map[string]string{"CONSENTD_DEMO_PREFIX": "Demo-"}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no contacts", []string{"-contacts", "0"}, exitUsage, "-contacts must be between 1 and"},
		{"brokers too busy", []string{"-every", "10ms"}, exitUsage, "-every must be at least 1s"},
		{"bad page address", []string{"-listen", "nirgendwo"}, exitFailure, "pass -listen 127.0.0.1:0"},
		{"bad database prefix", nil, exitUsage, "database.name_prefix"},
		{"SQLite directory with PostgreSQL", []string{"-postgres", "-data", "demo-daten"}, exitUsage, "-data names the SQLite directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"demo", "-listen", "127.0.0.1:0", "-crm-listen", "127.0.0.1:0"}, tt.args...)
			runMain(t, env, args...).expect(t, tt.code, tt.want)
		})
	}
}

// demoRun is consentd demo running through Main, as main runs it.
type demoRun struct {
	*served
	stdout *lockedBuffer
}

func startDemo(t *testing.T, env map[string]string, args ...string) *demoRun {
	t.Helper()
	r := &demoRun{served: &served{t: t, code: make(chan int, 1), stderr: &lockedBuffer{}}, stdout: &lockedBuffer{}}
	r.m = &Main{Stdout: r.stdout, Stderr: r.stderr, Now: time.Now,
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() {
		code := r.m.Run(ctx, append([]string{"demo", "-listen", "127.0.0.1:0", "-crm-listen", "127.0.0.1:0", "-contacts", "30", "-every", "1s"}, args...))
		if err := r.m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		r.code <- code
	}()
	t.Cleanup(func() { r.stop() })
	return r
}

// guidedLink is one contact of the guide: the consent page and the
// contact in the mock CRM's inspection view.
type guidedLink struct{ addressID, page, crm string }

var guideLinkRe = regexp.MustCompile(`consent page:\s+(http://127\.0\.0\.1:\d+/e/mueller-immobilien/[A-Za-z0-9_-]{43})\n\s+in the CRM:\s+(http://127\.0\.0\.1:\d+/_mock/contacts/(\S+))\n`)

// links waits for the guide and returns its links.
func (r *demoRun) links() []guidedLink {
	r.t.Helper()
	eventuallyServed(r.t, r.served, "the demo prints its guide", func() bool {
		return strings.Contains(r.stdout.String(), "Ctrl-C stops")
	})
	var out []guidedLink
	for _, m := range guideLinkRe.FindAllStringSubmatch(r.stdout.String(), -1) {
		out = append(out, guidedLink{addressID: m[3], page: m[1], crm: m[2]})
	}
	return out
}

func (r *demoRun) expect(outputs ...string) {
	r.t.Helper()
	for _, want := range outputs {
		if !strings.Contains(r.stdout.String(), want) {
			r.t.Errorf("the demo's output lacks %q:\n%s", want, r.stdout)
		}
	}
}

// stopClean stops the demo as Ctrl-C does and expects a clean end.
func (r *demoRun) stopClean() {
	r.t.Helper()
	if code := r.stop(); code != exitOK {
		r.t.Fatalf("exit code %d after Ctrl-C, want 0:\n%s", code, r.stderr)
	}
	r.expect("demo stopped")
}

// consentOnPage opens the link and sends the page's consent form.
// crmActivities are the contact's activities of type kind, as the mock
// CRM's inspection view shows them.
func crmActivities(t *testing.T, contactURL, kind string) []mockcrm.Activity {
	t.Helper()
	res, err := http.Get(contactURL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var d mockcrm.ContactDetail
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatalf("GET %s = %d %s: %v", contactURL, res.StatusCode, body, err)
	}
	var out []mockcrm.Activity
	for _, a := range d.Activities {
		if a.Type == kind {
			out = append(out, a)
		}
	}
	return out
}

func linkOrigin(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Scheme + "://" + u.Host
}

func linkPath(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}
