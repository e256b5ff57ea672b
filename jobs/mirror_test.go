package jobs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/jobs"
	"github.com/consentd/consentd/mockcrm"
	"github.com/consentd/consentd/store/storetest"
	"github.com/consentd/consentd/sync"
)

// A process stopped hard in the middle of a mirror run (no grace at all)
// records the run as canceled; the next process resumes from the watermark
// and loses nothing.
func TestAMirrorRunStoppedHardResumesFromTheWatermark(t *testing.T) {
	t.Parallel()
	const company, contacts = "mueller-immobilien", 600
	stores := storetest.Manager(t)
	db := storetest.DB(t, stores, company)
	c := newCRM(t, contacts)
	c.mock.SetFaults(mockcrm.Faults{Latency: 100 * time.Millisecond})
	first := newDaemon(t, stores, jobs.SchedulerOptions{})
	first.set(t, company, mirrorJob(company, sync.Incremental, "@every 1s", c.client(t), first.metrics))
	first.sched.Start()
	eventually(t, 10*time.Second, "the first pages are mirrored", func() bool {
		st, err := db.Stats(context.Background())
		return err == nil && st.Addresses > 0
	})
	first.sched.Stop(0)

	cut := runs(t, stores, company)
	if len(cut) != 1 || cut[0].Outcome != "canceled" {
		t.Fatalf("job_runs after the hard stop = %+v, want one canceled run", cut)
	}
	st, err := db.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Addresses >= contacts || st.Watermark.UpdatedAtMS == 0 {
		t.Fatalf("after the stop: %d addresses, watermark %+v; want a run cut off after its first pages", st.Addresses, st.Watermark)
	}

	c.mock.SetFaults(mockcrm.Faults{})
	next := newDaemon(t, storetest.Replica(t, stores), jobs.SchedulerOptions{})
	next.set(t, company, mirrorJob(company, sync.Incremental, "@every 1s", c.client(t), next.metrics))
	next.sched.Start()
	const ok = `consentd_job_runs_total{company="mueller-immobilien",job="sync.incremental",outcome="ok"}`
	eventually(t, 20*time.Second, "a run ends ok", func() bool { return metric(next.scrape(t), ok) != "" })
	next.sched.Stop(10 * time.Second)

	if st, err = db.Stats(context.Background()); err != nil || st.Addresses != contacts {
		t.Fatalf("mirror holds %d addresses (%v), the CRM %d contacts", st.Addresses, err, contacts)
	}
	all := runs(t, stores, company)
	if resumed := all[1]; resumed.Outcome != "ok" || resumed.Fetched >= contacts {
		t.Errorf("the next run %+v fetched %d contacts, want it to start at the watermark, not at the beginning", resumed, resumed.Fetched)
	}
}

func TestMetricsShowJobsCRMRequestsAndTheMirror(t *testing.T) {
	t.Parallel()
	const company = "schmidt-partner"
	stores := storetest.Manager(t)
	storetest.DB(t, stores, company)
	c := newCRM(t, 120)
	d := newDaemon(t, stores, jobs.SchedulerOptions{})
	d.metrics.WatchDatabases(d.dbs)
	client := c.client(t)
	d.metrics.WatchCRM(company, client)
	d.set(t, company, mirrorJob(company, sync.Full, "@every 1s", client, d.metrics))
	d.sched.Start()
	const ok = `consentd_job_runs_total{company="schmidt-partner",job="sync.full",outcome="ok"}`
	eventually(t, 10*time.Second, "a run ends ok", func() bool { return metric(d.scrape(t), ok) != "" })
	d.sched.Stop(10 * time.Second)

	scrape := d.scrape(t)
	for _, series := range []string{
		`consentd_job_duration_seconds_count{company="schmidt-partner",job="sync.full"}`,
		`consentd_crm_requests_total{company="schmidt-partner",status="200"}`,
		`consentd_crm_retries_total{company="schmidt-partner"}`,
		`consentd_sync_lag_seconds{company="schmidt-partner"}`,
		`consentd_job_last_success_timestamp_seconds{company="schmidt-partner",job="sync.full"}`,
		`consentd_jobs_running`, `consentd_jobs_waiting`, `consentd_db_company_slots`,
		`go_goroutines`, `process_start_time_seconds`,
	} {
		if metric(scrape, series) == "" {
			t.Errorf("scrape lacks %s", series)
		}
	}
	if got := metric(scrape, `consentd_mirror_addresses{company="schmidt-partner"}`); got != "120" {
		t.Errorf("mirror size %q, want 120", got)
	}

	d.metrics.Forget(company)
	if scrape := d.scrape(t); strings.Contains(scrape, company) {
		t.Errorf("a forgotten company still has series:\n%s", scrape)
	}
}
