package main

import (
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/consentd/consentd/store/storetest"
)

// Two serve processes against one database and one CRM, with fast
// schedules and contacts giving consent on both: no mirror run of a company
// overlaps another, and no CRM write is sent twice.
func TestTwoServeReplicasNeverRunOrSendTwice(t *testing.T) {
	f := newFixture(t, 60)
	f.config = f.serveConfig("")
	f.run("migrate").expect(t, exitOK)
	f.run("sync", "-company", "all").expect(t, exitOK)
	links := strings.Split(strings.TrimSpace(f.run("links", "-company", "mueller-immobilien").stdout), "\n")
	replicas := []*served{f.serve(f.config, "listen"), f.serve(f.config, "listen")}

	deadline := time.Now().Add(8 * time.Second)
	for i := 0; time.Now().Before(deadline) && i < len(links); i++ {
		if i%5 == 0 {
			f.crm.UpdateContact(f.crm.ContactIDs()[i], map[string]any{"lastName": "Geändert"})
		}
		_, link, _ := strings.Cut(links[i], "\t")
		consentOnPage(t, "http://"+replicas[i%2].addrs["listen"], strings.TrimPrefix(link, "https://einwilligung.example.de"), "Müller Immobilien GmbH")
		time.Sleep(100 * time.Millisecond)
	}
	eventuallyServed(t, replicas[0], "several mirror runs ended", func() bool { return mirrorRuns(t, f) >= 4 })
	eventuallyServed(t, replicas[0], "every queued CRM write delivered", func() bool { return pendingOutbox(t, f) == 0 })
	for _, r := range replicas {
		if code := r.stop(); code != exitOK {
			t.Fatalf("replica exit code %d:\n%s", code, r.stderr)
		}
	}
	assertNoOverlappingRuns(t, f)
	assertEachActivityOnce(t, f)
}

// companyDB opens Müller's database directly, as an admin with psql or
// sqlite3 would.
func companyDB(t *testing.T, f *fixture) *sqlx.DB {
	t.Helper()
	return storetest.SQL(t, f.stores, "mueller-immobilien")
}

func pendingOutbox(t *testing.T, f *fixture) int {
	var n int
	if err := companyDB(t, f).Get(&n, `SELECT COUNT(*) FROM outbox WHERE state <> 'done'`); err != nil {
		t.Fatal(err)
	}
	return n
}

func mirrorRuns(t *testing.T, f *fixture) int {
	var n int
	if err := companyDB(t, f).Get(&n, `SELECT COUNT(*) FROM job_runs WHERE job LIKE 'sync.%' AND outcome = 'ok'`); err != nil {
		t.Fatal(err)
	}
	return n
}

func assertNoOverlappingRuns(t *testing.T, f *fixture) {
	t.Helper()
	var overlaps int
	runs := mirrorRuns(t, f)
	err := companyDB(t, f).Get(&overlaps, `SELECT COUNT(*) FROM job_runs a JOIN job_runs b ON a.id < b.id
		WHERE a.job LIKE 'sync.%' AND b.job LIKE 'sync.%'
		  AND a.started_at < COALESCE(b.finished_at, $1) AND b.started_at < COALESCE(a.finished_at, $1)`, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if runs < 4 || overlaps != 0 {
		t.Fatalf("%d mirror runs ended ok, %d pairs overlapped; want several runs and no overlap", runs, overlaps)
	}
}

func assertEachActivityOnce(t *testing.T, f *fixture) {
	t.Helper()
	seen := map[string]int{}
	for _, a := range f.crm.Activities() {
		seen[a.ExternalID]++
	}
	if len(seen) < 10 {
		t.Fatalf("only %d activities reached the CRM", len(seen))
	}
	for key, n := range seen {
		if n != 1 {
			t.Errorf("activity %s reached the CRM %d times", key, n)
		}
	}
}
