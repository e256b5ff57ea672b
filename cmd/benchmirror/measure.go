package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	gosync "sync"
	"syscall"
	"time"

	_ "github.com/lib/pq"
)

// result holds one size's figures.
type result struct {
	contacts, changed          int
	fetchOnly, full, incr      timing
	incrSearches, incrProfiles int
}

// timing is one consentd process: wall time, peak resident memory and the
// phases its sync summary line reports.
type timing struct {
	wall     time.Duration
	peakKB   int64
	contacts time.Duration // paging through the contacts and writing them
	profiles time.Duration // fetching the due search profiles
}

func measure(ctx context.Context, o options, n int) (result, error) {
	r := result{contacts: n}
	addr, err := freeAddr()
	if err != nil {
		return r, err
	}
	stopMock, err := startMock(ctx, o, addr, n)
	if err != nil {
		return r, err
	}
	defer stopMock()
	base := "http://" + addr
	slug := fmt.Sprintf("bench%d", n)
	prefix := fmt.Sprintf("consentd_bench_%d_", os.Getpid())
	cfg, err := writeConfig(o, slug, prefix, base)
	if err != nil {
		return r, err
	}
	defer dropDatabase(o.dsn, prefix+slug)
	return r, runAll(ctx, o, &r, cfg, slug, base)
}

func runAll(ctx context.Context, o options, r *result, cfg, slug, base string) error {
	if _, err := consentd(ctx, o, cfg, "migrate", "-company", slug); err != nil {
		return err
	}
	var err error
	if r.fetchOnly, err = consentd(ctx, o, cfg, "sync", "-company", slug, "-full", "-dry-run"); err != nil {
		return err
	}
	if r.full, err = consentd(ctx, o, cfg, "sync", "-company", slug, "-full"); err != nil {
		return err
	}
	r.changed = int(float64(r.contacts) * o.changedShare)
	if err := touchContacts(ctx, base, r.changed, o.pageSize); err != nil {
		return fmt.Errorf("change contacts in the mock CRM: %w", err)
	}
	before, err := requestCounts(base)
	if err != nil {
		return err
	}
	if r.incr, err = consentd(ctx, o, cfg, "sync", "-company", slug); err != nil {
		return err
	}
	after, err := requestCounts(base)
	r.incrSearches = after["search"] - before["search"]
	r.incrProfiles = after["profile.list"] - before["profile.list"]
	return err
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func startMock(ctx context.Context, o options, addr string, n int) (func(), error) {
	logf, err := os.Create(filepath.Join(o.dir, fmt.Sprintf("mockcrm-%d.log", n)))
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, o.mockcrm, "-listen", addr, "-contacts", fmt.Sprint(n), "-seed", "1", "-rate", "-1")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start mock CRM: %w", err)
	}
	stop := func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		logf.Close()
	}
	if err := waitReady(ctx, "http://"+addr+"/_mock/inspect"); err != nil {
		stop()
		return nil, err
	}
	return stop, nil
}

func waitReady(ctx context.Context, url string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("mock CRM at %s did not come up within 60 s", url)
}

func writeConfig(o options, slug, prefix, base string) (string, error) {
	path := filepath.Join(o.dir, slug+".yaml")
	cfg := fmt.Sprintf(`database:
  driver: postgres
  admin_dsn: %q
  name_prefix: %s
http:
  public_url: http://127.0.0.1:8080
sync:
  page_size: %d
  profile_workers: 8
companies:
  - slug: %s
    name: Benchmark Immobilien
    crm:
      base_url: %s
      token: mock-api-token
      requests_per_second: 100000
      burst: 1000
`, o.dsn, prefix, o.pageSize, slug, base)
	return path, os.WriteFile(path, []byte(cfg), 0o600)
}

// consentd runs one command of the real binary and measures it.
func consentd(ctx context.Context, o options, cfg string, args ...string) (timing, error) {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, o.consentd, append([]string{"-config", cfg, "-log-level", "info"}, args...)...)
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	start := time.Now()
	err := cmd.Run()
	t := timing{wall: time.Since(start)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		t.peakKB = ru.Maxrss
	}
	if err != nil {
		return t, fmt.Errorf("consentd %v: %w\n%s", args, err, stderr.String())
	}
	t.contacts, t.profiles = phases(stderr.Bytes())
	return t, nil
}

// phases reads the durations of the two sync phases from the run's JSON
// summary line (milliseconds, zerolog's default).
func phases(logs []byte) (contacts, profiles time.Duration) {
	for _, line := range bytes.Split(logs, []byte("\n")) {
		var l struct {
			Message  string  `json:"message"`
			Contacts float64 `json:"contacts_took"`
			Profiles float64 `json:"profiles_took"`
		}
		if json.Unmarshal(line, &l) == nil && l.Message == "sync run finished" {
			return time.Duration(l.Contacts * float64(time.Millisecond)), time.Duration(l.Profiles * float64(time.Millisecond))
		}
	}
	return 0, 0
}

func requestCounts(base string) (map[string]int, error) {
	resp, err := http.Get(base + "/_mock/inspect")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var v struct {
		Requests map[string]int `json:"requests"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return nil, fmt.Errorf("read mock CRM request counts: %w", err)
	}
	return v.Requests, nil
}

func dropDatabase(dsn, name string) {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, name)); err != nil {
		fmt.Fprintf(os.Stderr, "benchmirror: drop %s: %v\n", name, err)
	}
}

// crmSession speaks the CRM API as a broker's other tools would.
type crmSession struct {
	base, token string
}

func (s *crmSession) do(ctx context.Context, method, path string, body any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("cognitoToken", s.token)
	if s.token == "" {
		req.Header.Set("token", "mock-api-token")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, out)
	}
	return out, err
}

// touchContacts changes the last name of n contacts through the CRM API, as
// brokers editing their CRM would.
func touchContacts(ctx context.Context, base string, n, pageSize int) error {
	s := &crmSession{base: base}
	tok, err := s.do(ctx, http.MethodGet, "/admin-token-service/stable/public/adminUser/authenticate", nil)
	if err != nil {
		return err
	}
	s.token = string(tok)
	ids, err := s.firstIDs(ctx, n, pageSize)
	if err != nil {
		return err
	}
	return s.patchAll(ctx, ids)
}

func (s *crmSession) firstIDs(ctx context.Context, n, pageSize int) ([]string, error) {
	var ids []string
	for page := 1; len(ids) < n; page++ {
		body := map[string]any{"target": "ENTITY", "fetch": []string{"id"},
			"sorts": []map[string]string{{"field": "id", "order": "ASC"}}}
		raw, err := s.do(ctx, http.MethodPost, fmt.Sprintf("/search-service/stable/schemas/contacts?page=%d&size=%d", page, pageSize), body)
		if err != nil {
			return nil, err
		}
		var res struct {
			Entries []struct{ ID string } `json:"entries"`
		}
		if err := json.Unmarshal(raw, &res); err != nil || len(res.Entries) == 0 {
			return nil, fmt.Errorf("read ids from page %d: %v", page, err)
		}
		for _, e := range res.Entries {
			ids = append(ids, e.ID)
		}
	}
	return ids[:n], nil
}

func (s *crmSession) patchAll(ctx context.Context, ids []string) error {
	work := make(chan string)
	errs := make(chan error, len(ids))
	var wg gosync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for id := range work {
				_, err := s.do(ctx, http.MethodPatch, "/entity-service/stable/schemas/contacts/entities/"+id,
					map[string]any{"lastName": map[string]any{"values": []string{"Geändert-" + id[:8]}}})
				errs <- err
			}
		})
	}
	for _, id := range ids {
		work <- id
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
