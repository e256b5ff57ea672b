package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/consentd/consentd/mockcrm"
)

// buildConsentd builds the real binary, for tests that must kill a process.
func buildConsentd(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "consentd")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestSyncKilledWithSIGKILLResumesFromTheWatermark(t *testing.T) {
	f := newFixture(t, 1500)
	f.run("migrate").expect(t, exitOK)
	f.crm.SetFaults(mockcrm.Faults{Latency: 40 * time.Millisecond}) // about 30 pages of 50: long enough to kill mid-run
	cmd := exec.Command(buildConsentd(t), "-config", f.config, "sync", "-company", "mueller-immobilien", "-full")
	cmd.Env = append(os.Environ(), "MUELLER_CRM_TOKEN="+crmToken, "CONSENTD_HTTP_SECRET="+httpSecret)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	db := companyDB(t, f)
	mirrored := func() (n int) {
		db.Get(&n, `SELECT COUNT(*) FROM addresses`)
		return n
	}
	eventuallyCount(t, "a few pages mirrored", func() bool { return mirrored() >= 200 })
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	partial := mirrored()
	if partial >= 1500 {
		t.Fatalf("the run finished before it was killed (%d addresses); make it slower", partial)
	}

	f.crm.SetFaults(mockcrm.Faults{})
	f.run("sync", "-company", "mueller-immobilien").expect(t, exitOK)
	if got := mirrored(); got != 1500 {
		t.Fatalf("after the rerun the mirror holds %d addresses, want 1500", got)
	}
	var outcome string
	if err := db.Get(&outcome, `SELECT outcome FROM job_runs ORDER BY id LIMIT 1`); err != nil || outcome != "interrupted" {
		t.Fatalf("the killed run is recorded as %q (%v), want interrupted", outcome, err)
	}
	var fetched int
	if err := db.Get(&fetched, `SELECT fetched FROM job_runs ORDER BY id DESC LIMIT 1`); err != nil || fetched >= 1500 {
		t.Fatalf("the rerun fetched %d contacts (%v): it should continue from the watermark, not start over", fetched, err)
	}
}

func eventuallyCount(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
