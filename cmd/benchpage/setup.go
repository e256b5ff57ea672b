package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	_ "github.com/lib/pq"
)

const (
	slug           = "bench-page"
	commandTimeout = 5 * time.Minute // one consentd command: migrate, sync, links, verify
	secretEnv      = "CONSENTD_HTTP_SECRET"
)

// bench is one prepared benchmark: the mock CRM, a mirrored company with a
// link per contact, and consentd serve in front of it.
type bench struct {
	o        options
	cfg      string   // generated config file
	env      []string // environment of the consentd processes
	prefix   string   // database name prefix, random per run
	crmBase  string
	pageAddr string // 127.0.0.1:PORT of serve
	pageBase string // http://pageAddr
	links    []link
	serve    *process
	cleanups []func()
}

// link is one contact's personal link, as the path on serve.
type link struct {
	addressID, path string
}

// prepare starts the mock CRM, mirrors its contacts, issues the links and
// starts serve. The returned bench is never nil: close it even on error.
func prepare(ctx context.Context, o options) (*bench, error) {
	b := &bench{o: o, prefix: "consentd_bp_" + strings.ToLower(rand.Text()[:8]) + "_"}
	b.env = append(os.Environ(), secretEnv+"="+(rand.Text() + rand.Text())[:48])
	if err := b.startCRM(ctx); err != nil {
		return b, err
	}
	if err := b.writeConfig(); err != nil {
		return b, err
	}
	b.defer_(b.dropDatabase)
	if err := b.mirror(ctx); err != nil {
		return b, err
	}
	return b, b.startServe(ctx)
}

func (b *bench) defer_(f func()) { b.cleanups = append(b.cleanups, f) }

// close undoes prepare in reverse order.
func (b *bench) close() {
	for i := len(b.cleanups) - 1; i >= 0; i-- {
		b.cleanups[i]()
	}
}

func (b *bench) startCRM(ctx context.Context) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	p, err := start(ctx, b.o.dir, "mockcrm", nil, b.o.mockcrm,
		"-listen", addr, "-contacts", strconv.Itoa(b.o.contacts), "-seed", "1", "-rate", "-1")
	if err != nil {
		return err
	}
	b.defer_(func() { p.stop() })
	b.crmBase = "http://" + addr
	return waitOK(ctx, p, b.crmBase+"/_mock/inspect")
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free loopback port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// writeConfig writes a config whose rate limits let one loopback client
// through and whose schedules stay quiet during the run, so that only the
// page and the outbox worker load serve.
func (b *bench) writeConfig() error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	b.pageAddr, b.pageBase = addr, "http://"+addr
	b.cfg = filepath.Join(b.o.dir, "benchpage.yaml")
	cfg := fmt.Sprintf(`database:
  driver: postgres
  admin_dsn: %q
  name_prefix: %s
http:
  listen: %s
  public_url: %s
  secret: ${%s}
  rate_limit: {per_ip: 1000000, per_link: 1000000, burst: 1000000}
jobs:
  jitter: 0s
serve:
  grace: 10s
companies:
  - slug: %s
    name: Benchmark Immobilien GmbH
    crm:
      base_url: %s
      token: mock-api-token
      requests_per_second: 100000
      burst: 1000
    schedule: {sync: "0 3 1 1 *", reconcile: "0 3 1 1 *", retention: "0 3 1 1 *"}
`, b.o.dsn, b.prefix, addr, b.pageBase, secretEnv, slug, b.crmBase)
	if err := os.WriteFile(b.cfg, []byte(cfg), 0o600); err != nil {
		return fmt.Errorf("write the config: %w", err)
	}
	return nil
}

// mirror creates the company's database, mirrors the mock CRM's contacts
// and issues a link for each of them.
func (b *bench) mirror(ctx context.Context) error {
	if _, err := b.consentd(ctx, "migrate", "-company", slug); err != nil {
		return err
	}
	if _, err := b.consentd(ctx, "sync", "-company", slug, "-full"); err != nil {
		return err
	}
	out, err := b.consentd(ctx, "links", "-company", slug)
	if err != nil {
		return err
	}
	if b.links, err = parseLinks(out, b.pageBase); err != nil {
		return err
	}
	if len(b.links) != b.o.contacts {
		return fmt.Errorf("links issued %d links for %d contacts", len(b.links), b.o.contacts)
	}
	return nil
}

// consentd runs one command of the real binary and returns its output.
func (b *bench) consentd(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, b.o.consentd, append([]string{"-config", b.cfg, "-log-level", "warn"}, args...)...)
	cmd.Env, cmd.Stdout, cmd.Stderr = b.env, &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("consentd %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// parseLinks reads the "address id TAB url" lines of consentd links and
// checks that every URL points at serve.
func parseLinks(out, base string) ([]link, error) {
	var links []link
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		id, url, ok := strings.Cut(line, "\t")
		path, onServe := strings.CutPrefix(url, base+"/e/"+slug+"/")
		if !ok || id == "" || !onServe || path == "" {
			return nil, fmt.Errorf("line %d of the links output is not \"address id TAB %s/e/%s/token\"", i+1, base, slug)
		}
		links = append(links, link{addressID: id, path: "/e/" + slug + "/" + path})
	}
	return links, nil
}

func (b *bench) startServe(ctx context.Context) error {
	p, err := start(ctx, b.o.dir, "serve", b.env, b.o.consentd, "-config", b.cfg, "-log-level", "info", "serve")
	if err != nil {
		return err
	}
	b.serve = p
	b.defer_(func() { p.stop() })
	return waitOK(ctx, p, b.pageBase+"/readyz")
}

// stopServe ends serve with SIGTERM, as systemd would, and tells how it
// went and what it used.
func (b *bench) stopServe() serveExit {
	err := b.serve.stop()
	e := serveExit{err: err}
	e.cpu, e.peakKB = b.serve.usage()
	return e
}

var ledgerRe = regexp.MustCompile(`ledger intact: (\d+) events`)

// verifyLedger runs consentd verify and returns the number of events in
// the intact ledger.
func (b *bench) verifyLedger(ctx context.Context) (int, error) {
	out, err := b.consentd(ctx, "verify", "-company", slug)
	if err != nil {
		return 0, err
	}
	m := ledgerRe.FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("consentd verify printed no event count: %q", out)
	}
	return strconv.Atoi(m[1])
}

func (b *bench) dropDatabase() {
	name := b.prefix + strings.ReplaceAll(slug, "-", "_")
	db, err := sql.Open("postgres", b.o.dsn)
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchpage: drop database %s: %v\n", name, err)
		return
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := db.ExecContext(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, name)); err != nil {
		fmt.Fprintf(os.Stderr, "benchpage: drop database %s: %v\n", name, err)
	}
}
