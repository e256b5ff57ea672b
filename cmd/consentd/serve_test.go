package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"
	"time"
)

// served is consentd serve running through Main, as main runs it.
type served struct {
	t      *testing.T
	m      *Main
	cancel context.CancelFunc
	code   chan int
	stderr *lockedBuffer
	addrs  map[string]string // by config key: listen, admin_listen
}

// serve starts serve on config and waits until it listens on the
// addresses named by keys.
func (f *fixture) serve(config string, keys ...string) *served {
	f.t.Helper()
	bound := make(chan [2]string, len(keys))
	s := &served{t: f.t, code: make(chan int, 1), stderr: &lockedBuffer{}, addrs: map[string]string{}}
	s.m = &Main{Stdout: io.Discard, Stderr: s.stderr, Now: time.Now,
		LookupEnv: func(k string) (string, bool) { v, ok := f.env[k]; return v, ok },
		listening: func(name string, addr net.Addr) { bound <- [2]string{name, addr.String()} }}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() {
		code := s.m.Run(ctx, []string{"-config", config, "serve"})
		if err := s.m.Close(); err != nil {
			f.t.Errorf("close: %v", err)
		}
		s.code <- code
	}()
	for range keys {
		select {
		case b := <-bound:
			s.addrs[b[0]] = b[1]
		case code := <-s.code:
			f.t.Fatalf("serve exited with %d before listening:\n%s", code, s.stderr)
		case <-time.After(10 * time.Second):
			f.t.Fatalf("serve does not listen:\n%s", s.stderr)
		}
	}
	f.t.Cleanup(func() { s.stop() })
	return s
}

// stop ends serve the way SIGTERM does and returns its exit code.
func (s *served) stop() int {
	s.cancel()
	select {
	case code := <-s.code:
		s.code <- code // a second stop returns it too
		return code
	case <-time.After(30 * time.Second):
		s.t.Fatalf("serve did not stop:\n%s", s.stderr)
		return -1
	}
}

func (s *served) get(key, path string) (int, string) {
	s.t.Helper()
	res, err := http.Get("http://" + s.addrs[key] + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return res.StatusCode, string(body)
}

// serveConfig writes a config for serve with fast schedules, Müller and the
// extra companies given as YAML list items.
func (f *fixture) serveConfig(extra string) string {
	f.t.Helper()
	cfg := stores(f.stores) + `
http:
  listen: 127.0.0.1:0
  admin_listen: 127.0.0.1:0
  public_url: https://einwilligung.example.de
  secret: ${CONSENTD_HTTP_SECRET}
sync:
  page_size: 50
jobs:
  jitter: 0s
serve:
  grace: 5s
companies:
  - slug: mueller-immobilien
    name: Müller Immobilien GmbH
    crm: &crm
      base_url: ` + f.crmURL + `
      token: ${MUELLER_CRM_TOKEN}
      requests_per_second: 1000
      burst: 100
    schedule: {sync: "@every 1s", reconcile: "@every 3s"}
` + extra
	path := filepath.Join(f.t.TempDir(), "consentd.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		f.t.Fatal(err)
	}
	return path
}

const schmidt = `  - slug: schmidt-partner
    name: Schmidt & Partner Immobilien
    crm: *crm
    schedule: {sync: "@every 1s"}
`

func TestServeEndToEnd(t *testing.T) {
	f := newFixture(t, 120)
	f.run("migrate").expect(t, exitOK)
	config := f.serveConfig("")
	s := f.serve(config, "listen", "admin_listen")

	if code, body := s.get("admin_listen", "/healthz"); code != http.StatusOK || !strings.Contains(body, `"ok"`) {
		t.Fatalf("/healthz = %d %s", code, body)
	}
	const ok = `consentd_job_runs_total{company="mueller-immobilien",job="sync.incremental",outcome="ok"}`
	eventuallyServed(t, s, "an incremental run ends ok", func() bool {
		_, body := s.get("admin_listen", "/metrics")
		return strings.Contains(body, ok) && strings.Contains(body, `consentd_crm_requests_total{company="mueller-immobilien",status="200"}`) &&
			strings.Contains(body, `consentd_outbox_pending{company="mueller-immobilien"} 0`) &&
			strings.Contains(body, `consentd_erasure_requests{company="mueller-immobilien",state="open"} 0`)
	})
	if code, body := s.get("admin_listen", "/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz = %d %s", code, body)
	}
	if code, _ := s.get("listen", "/metrics"); code != http.StatusNotFound {
		t.Errorf("the consent page port serves /metrics (%d) although admin_listen is set", code)
	}

	if code := s.stop(); code != exitOK {
		t.Fatalf("exit code %d after the stop, want 0:\n%s", code, s.stderr)
	}
	log := s.stderr.String()
	for _, want := range []string{`"message":"consentd serving"`, `"company":"mueller-immobilien","job":"sync.incremental","run_id":`,
		`"message":"sync run finished"`, `"message":"stopped"`} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %s", want)
		}
	}
	if strings.Contains(log, crmToken) {
		t.Error("the CRM token reached the log")
	}
	status := f.run("status")
	status.expect(t, exitOK, "COMPANY", "NEXT RUN", "sync.incremental", "sync.full")
	if !strings.Contains(status.stdout, "mueller-immobilien  120") {
		t.Errorf("the status table lacks the mirror size:\n%s", status.stdout)
	}
}

func TestServeReloadsCompaniesAndKeepsTheConfigOnProblems(t *testing.T) {
	f := newFixture(t, 30)
	f.run("migrate").expect(t, exitOK)
	config := f.serveConfig("")
	s := f.serve(config, "listen", "admin_listen")
	d := s.m.app.served

	rewrite(t, config, f.serveConfig(schmidt)) // schmidt-partner has no database yet
	d.reload()
	code, body := s.get("admin_listen", "/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `consentd migrate -company schmidt-partner`) {
		t.Fatalf("/readyz after adding an unmigrated company = %d %s", code, body)
	}

	rewrite(t, config, f.serveConfig(schmidt+"    colour: blue\n"))
	d.reload()
	if code, _ := s.get("admin_listen", "/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("a broken file changed the companies in effect: /readyz %d", code)
	}

	rewrite(t, config, f.serveConfig(""))
	d.reload()
	if code, body := s.get("admin_listen", "/readyz"); code != http.StatusOK {
		t.Errorf("/readyz after removing schmidt-partner = %d %s", code, body)
	}
	if code := s.stop(); code != exitOK {
		t.Fatalf("exit code %d", code)
	}
	log := s.stderr.String()
	for _, want := range []string{
		`"added":["schmidt-partner"]`, `"key":"companies[1].colour"`, `"message":"config not reloaded`, `"removed":["schmidt-partner"]`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %s:\n%s", want, log)
		}
	}
}

func TestServeFailsAtOnceOnAPortInUse(t *testing.T) {
	f := newFixture(t, 1)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	config := f.serveConfig("")
	busy := strings.Replace(read(t, config), "  listen: 127.0.0.1:0\n", "  listen: "+taken.Addr().String()+"\n", 1)
	if err := os.WriteFile(config, []byte(busy), 0o600); err != nil {
		t.Fatal(err)
	}
	runMain(t, f.env, "-config", config, "serve").expect(t, exitFailure, "http.listen "+taken.Addr().String())
}

// rewrite replaces the file at path with the one at from.
func rewrite(t *testing.T, path, from string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(read(t, from)), 0o600); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func eventuallyServed(t *testing.T, s *served, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 15s:\n%s", what, s.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lockedBuffer is a log destination safe for several goroutines.
type lockedBuffer struct {
	mu gosync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
