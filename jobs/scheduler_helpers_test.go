package jobs_test

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/consentd/consentd/connector"
	"github.com/consentd/consentd/jobs"
	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/mockcrm"
	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/store/storetest"
	"github.com/consentd/consentd/sync"
)

// daemon is one consentd process in a test: its store manager, budget,
// metrics and scheduler, and the log it wrote.
type daemon struct {
	stores  *store.Manager
	dbs     *jobs.Databases
	metrics *jobs.Metrics
	sched   *jobs.Scheduler
	log     *logBuffer
}

func newDaemon(t *testing.T, stores *store.Manager, o jobs.SchedulerOptions) *daemon {
	t.Helper()
	d := &daemon{stores: stores, dbs: jobs.NewDatabases(stores, 8), metrics: jobs.NewMetrics(time.Now), log: &logBuffer{}}
	o.Databases, o.Metrics = d.dbs, d.metrics
	d.sched = jobs.NewScheduler(o, zerolog.New(d.log))
	t.Cleanup(func() { d.sched.Stop(0) })
	return d
}

// set schedules jobs of one company and fails the test on error.
func (d *daemon) set(t *testing.T, company string, list ...jobs.Job) {
	t.Helper()
	if err := d.sched.Set(company, list); err != nil {
		t.Fatal(err)
	}
}

// scrape returns the metrics as a Prometheus server reads them.
func (d *daemon) scrape(t *testing.T) string {
	t.Helper()
	rec := httptest.NewRecorder()
	d.metrics.Handler(zerolog.Nop()).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

// metric is the value of one sample line of a scrape, or "" if absent.
func metric(scrape, series string) string {
	for _, line := range strings.Split(scrape, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}

// crm is a mock CRM over HTTP.
type crm struct {
	mock *mockcrm.Server
	url  string
}

func newCRM(t *testing.T, contacts int) *crm {
	t.Helper()
	mock := mockcrm.New(mockcrm.Options{Contacts: contacts, Seed: 7, RatePerSecond: -1})
	srv := httptest.NewServer(mock)
	t.Cleanup(srv.Close)
	return &crm{mock: mock, url: srv.URL}
}

// client is a consentd CRM client of the mock, as each process has its own.
func (c *crm) client(t *testing.T) *connector.Client {
	t.Helper()
	client, err := connector.New(connector.Config{
		BaseURL: c.url, APIToken: mockcrm.DefaultAPIToken, RequestsPerSecond: 10000, Burst: 1000,
		BackoffMin: time.Millisecond, BackoffMax: 10 * time.Millisecond,
	}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// mirrorJob is a company's mirror run of mode on spec, as serve builds it.
func mirrorJob(company string, mode sync.Mode, spec string, client *connector.Client, m *jobs.Metrics) jobs.Job {
	return jobs.Job{Company: company, Name: mode.Job(), Spec: spec, Group: "mirror",
		Run: func(ctx context.Context, r *jobs.Run) error {
			s := sync.New(client, r.DB, mapping.Default(), sync.Options{PageSize: 50, ProfileWorkers: 4}, r.Log)
			_, err := s.Run(ctx, mode)
			if st, statsErr := r.DB.Stats(context.WithoutCancel(ctx)); statsErr == nil {
				m.ObserveMirror(company, st)
			}
			return err
		}}
}

// interval is one job_runs row's time span; a run still open ends in the
// future.
type interval struct {
	ID             int64
	Job, Outcome   string
	Started, Ended time.Time
	Fetched        int64
}

// runs reads the company's job_runs straight from its database.
func runs(t *testing.T, stores *store.Manager, company string) []interval {
	t.Helper()
	// A run still running ends, for overlaps, in a day.
	rows, err := storetest.SQL(t, stores, company).Query(`SELECT id, job, outcome, started_at, coalesce(finished_at, $1), fetched
		FROM job_runs ORDER BY id`, time.Now().Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []interval
	for rows.Next() {
		var iv interval
		if err := rows.Scan(&iv.ID, &iv.Job, &iv.Outcome, &iv.Started, &iv.Ended, &iv.Fetched); err != nil {
			t.Fatal(err)
		}
		out = append(out, iv)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// overlaps lists the pairs of runs among runs whose intervals overlap.
func overlaps(runs []interval) [][2]interval {
	var out [][2]interval
	for i, a := range runs {
		for _, b := range runs[i+1:] {
			if a.Started.Before(b.Ended) && b.Started.Before(a.Ended) {
				out = append(out, [2]interval{a, b})
			}
		}
	}
	return out
}

// logBuffer collects log output from several goroutines.
type logBuffer struct {
	mu gosync.Mutex
	b  bytes.Buffer
}

var _ io.Writer = (*logBuffer)(nil)

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// eventually polls cond until it holds or the time is up.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
