package jobs_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/jobs"
	"github.com/consentd/consentd/mockcrm"
	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/store/storetest"
	"github.com/consentd/consentd/sync"
)

// Two consentd processes against one PostgreSQL and one CRM, with every
// schedule firing in both at the same second: no job ever runs twice at
// once, the loser of each race counts a skip, and the mirror ends complete.
func TestTwoReplicasNeverRunAJobTwiceAtOnce(t *testing.T) {
	t.Parallel()
	const company = "mueller-immobilien"
	primary := storetest.Manager(t)
	storetest.DB(t, primary, company)
	c := newCRM(t, 400)
	replicas := []*daemon{
		newDaemon(t, primary, jobs.SchedulerOptions{}),
		newDaemon(t, storetest.Replica(t, primary), jobs.SchedulerOptions{}),
	}
	for _, d := range replicas {
		housekeeping := jobs.Job{Company: company, Name: "test.housekeeping", Spec: "@every 1s", Lock: "test.housekeeping",
			Run: func(ctx context.Context, r *jobs.Run) error {
				time.Sleep(700 * time.Millisecond)
				return nil
			}}
		client := c.client(t)
		d.set(t, company, mirrorJob(company, sync.Incremental, "@every 1s", client, d.metrics),
			mirrorJob(company, sync.Full, "@every 2s", client, d.metrics), housekeeping)
		d.sched.Start()
	}
	// Timing on a loaded machine varies, so brokers keep editing until both
	// kinds of job ran often enough and a lock race was lost, not for a
	// fixed time.
	edited := brokersEdit(t, c.mock, time.Minute, func() bool {
		mirror, housekeeping := countRuns(runs(t, primary, company))
		return mirror >= 4 && housekeeping >= 4 && lockedSkips(t, replicas, company) > 0
	})
	for _, d := range replicas {
		d.sched.Stop(10 * time.Second)
	}

	all := runs(t, primary, company)
	var mirror, housekeeping []interval
	for _, r := range all {
		if r.Outcome != "ok" {
			t.Errorf("run %+v did not end ok", r)
		}
		if strings.HasPrefix(r.Job, "sync.") {
			mirror = append(mirror, r)
		} else {
			housekeeping = append(housekeeping, r)
		}
	}
	if len(mirror) < 4 || len(housekeeping) < 4 {
		t.Fatalf("%d mirror and %d housekeeping runs in a minute, want 4 of each", len(mirror), len(housekeeping))
	}
	for _, pair := range append(overlaps(mirror), overlaps(housekeeping)...) {
		t.Errorf("runs overlap: %+v and %+v", pair[0], pair[1])
	}
	skips := lockedSkips(t, replicas, company)
	if skips == 0 {
		t.Error("no run was skipped for the other replica's lock")
	}
	t.Logf("%d mirror runs, %d housekeeping runs, %d runs skipped for the other replica's lock", len(mirror), len(housekeeping), skips)
	assertMirrorComplete(t, primary, company, c, edited)
}

func countRuns(all []interval) (mirror, other int) {
	for _, r := range all {
		if strings.HasPrefix(r.Job, "sync.") {
			mirror++
		} else {
			other++
		}
	}
	return mirror, other
}

// brokersEdit changes a contact's last name in the CRM every 100ms until
// done reports true or limit has passed, and returns the last names it gave.
func brokersEdit(t *testing.T, mock *mockcrm.Server, limit time.Duration, done func() bool) map[string]string {
	t.Helper()
	ids := mock.ContactIDs()
	edited := map[string]string{}
	end := time.Now().Add(limit)
	for i := 0; time.Now().Before(end) && (i%10 != 9 || !done()); i++ {
		id, name := ids[i%len(ids)], fmt.Sprintf("Geändert-%d", i)
		if !mock.UpdateContact(id, map[string]any{"lastName": name}) {
			t.Fatalf("the mock CRM refused to change contact %s", id)
		}
		edited[id] = name
		time.Sleep(100 * time.Millisecond)
	}
	return edited
}

func lockedSkips(t *testing.T, replicas []*daemon, company string) int {
	t.Helper()
	total := 0
	for _, d := range replicas {
		scrape := d.scrape(t)
		for _, job := range []string{"sync.incremental", "sync.full", "test.housekeeping"} {
			v := metric(scrape, fmt.Sprintf(`consentd_job_skipped_total{company=%q,job=%q,reason="locked"}`, company, job))
			n, _ := strconv.Atoi(v)
			total += n
		}
	}
	return total
}

// assertMirrorComplete runs one last incremental sync and checks that the
// mirror holds every contact of the CRM and every edit.
func assertMirrorComplete(t *testing.T, stores *store.Manager, company string, c *crm, edited map[string]string) {
	t.Helper()
	ctx := context.Background()
	db, err := stores.Open(ctx, company)
	if err != nil {
		t.Fatal(err)
	}
	d := newDaemon(t, stores, jobs.SchedulerOptions{})
	if err := mirrorJob(company, sync.Incremental, "@daily", c.client(t), d.metrics).Run(ctx, &jobs.Run{DB: db}); err != nil {
		t.Fatal(err)
	}
	st, err := db.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if contacts := len(c.mock.ContactIDs()); st.Addresses != int64(contacts) {
		t.Fatalf("mirror holds %d addresses, the CRM %d contacts", st.Addresses, contacts)
	}
	for id, name := range edited {
		a, ok, err := db.Address(ctx, id)
		if err != nil || !ok || a.LastName != name {
			t.Fatalf("contact %s: mirror has last name %q (found %t, %v), the CRM %q", id, a.LastName, ok, err, name)
		}
	}
}
