package jobs_test

import (
	"context"
	"errors"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/consentd/consentd/jobs"
	"github.com/consentd/consentd/store/storetest"
)

// probe is a job function that tells when its runs start and end, and
// keeps every run going until it is let go.
type probe struct {
	started chan struct{}
	letGo   chan struct{}
	took    time.Duration // how long each run takes once let go

	mu         gosync.Mutex
	running    int
	maxRunning int
	spans      [][2]time.Time
}

func newProbe(took time.Duration) *probe {
	return &probe{started: make(chan struct{}, 100), letGo: make(chan struct{}), took: took}
}

// run is the job function. It ends with the context's error when the
// context ends first.
func (p *probe) run(ctx context.Context, _ *jobs.Run) error {
	start := p.enter()
	defer p.leave(start)
	p.started <- struct{}{}
	select {
	case <-p.letGo:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-time.After(p.took):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *probe) enter() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running++
	p.maxRunning = max(p.maxRunning, p.running)
	return time.Now()
}

func (p *probe) leave(start time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running--
	p.spans = append(p.spans, [2]time.Time{start, time.Now()})
}

func (p *probe) stats() (runs, maxRunning int, spans [][2]time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.spans), p.maxRunning, append([][2]time.Time(nil), p.spans...)
}

func job(company, name string, run func(context.Context, *jobs.Run) error) jobs.Job {
	return jobs.Job{Company: company, Name: name, Spec: "@every 1s", Run: run}
}

func TestSkipIfStillRunningIsLoggedAndCounted(t *testing.T) {
	t.Parallel()
	stores := storetest.Manager(t)
	storetest.DB(t, stores, "firma-a")
	d := newDaemon(t, stores, jobs.SchedulerOptions{})
	p := newProbe(0)
	d.set(t, "firma-a", job("firma-a", "test.slow", p.run))
	d.sched.Start()

	<-p.started
	const skipped = `consentd_job_skipped_total{company="firma-a",job="test.slow",reason="running"}`
	eventually(t, 5*time.Second, "a skip is counted", func() bool { return metric(d.scrape(t), skipped) != "" })
	close(p.letGo)
	d.sched.Stop(5 * time.Second)

	if _, most, _ := p.stats(); most != 1 {
		t.Errorf("%d runs of the job at once, want 1", most)
	}
	if !strings.Contains(d.log.String(), `"company":"firma-a","job":"test.slow","reason":"running","message":"scheduled run skipped: the previous run has not ended"`) {
		t.Errorf("the skip is not logged with company and job:\n%s", d.log)
	}
	if ok := metric(d.scrape(t), `consentd_job_runs_total{company="firma-a",job="test.slow",outcome="ok"}`); ok == "" {
		t.Errorf("the run that ended is not counted:\n%s", d.scrape(t))
	}
}

func TestJobsOfAGroupWaitForEachOtherAndRunsStayWithinTheBound(t *testing.T) {
	t.Parallel()
	stores := storetest.Manager(t)
	companies := []string{"firma-a", "firma-b", "firma-c", "firma-d"}
	for _, c := range companies {
		storetest.DB(t, stores, c)
	}
	d := newDaemon(t, stores, jobs.SchedulerOptions{MaxConcurrent: 2})
	all := newProbe(300 * time.Millisecond)
	close(all.letGo)
	grouped := newProbe(300 * time.Millisecond)
	close(grouped.letGo)
	for _, c := range companies[1:] {
		d.set(t, c, job(c, "test.work", all.run))
	}
	// Two jobs of firma-a share a group: they queue instead of overlapping.
	full, incremental := job("firma-a", "test.full", grouped.run), job("firma-a", "test.incremental", grouped.run)
	full.Group, incremental.Group = "mirror", "mirror"
	d.set(t, "firma-a", full, incremental)
	d.sched.Start()
	time.Sleep(2500 * time.Millisecond)
	d.sched.Stop(5 * time.Second)

	runs, most, _ := all.stats()
	if runs == 0 || most > 2 {
		t.Errorf("%d runs, at most %d at once; want some, never more than 2", runs, most)
	}
	runs, most, _ = grouped.stats()
	if runs < 2 || most != 1 {
		t.Errorf("grouped jobs: %d runs, at most %d at once; want both to run, one at a time", runs, most)
	}
}

func TestStopLetsRunsFinishWithinTheGraceThenCancelsAndRecordsThem(t *testing.T) {
	t.Parallel()
	stores := storetest.Manager(t)
	storetest.DB(t, stores, "firma-a")
	d := newDaemon(t, stores, jobs.SchedulerOptions{})
	quick, stubborn := newProbe(200*time.Millisecond), newProbe(time.Hour)
	close(quick.letGo)
	close(stubborn.letGo)
	q, s := job("firma-a", "test.quick", quick.run), job("firma-a", "test.stubborn", stubborn.run)
	q.Lock, s.Lock = "test.quick", "test.stubborn"
	d.set(t, "firma-a", q, s)
	d.sched.Start()
	<-quick.started
	<-stubborn.started

	const grace = time.Second
	began := time.Now()
	d.sched.Stop(grace)
	if took := time.Since(began); took < grace || took > grace+2*time.Second {
		t.Errorf("Stop took %s with a grace period of %s", took, grace)
	}
	outcomes := map[string]string{}
	for _, r := range runs(t, stores, "firma-a") {
		outcomes[r.Job] = r.Outcome
	}
	if outcomes["test.quick"] != "ok" || outcomes["test.stubborn"] != "canceled" {
		t.Errorf("recorded outcomes %v, want test.quick ok and test.stubborn canceled", outcomes)
	}
}

func TestRecordedRunsCarryTheirIDOnEveryLogLine(t *testing.T) {
	t.Parallel()
	stores := storetest.Manager(t)
	storetest.DB(t, stores, "firma-a")
	d := newDaemon(t, stores, jobs.SchedulerOptions{})
	var calls atomic.Int32
	done := make(chan struct{})
	retention := job("firma-a", "retention", func(ctx context.Context, r *jobs.Run) error {
		r.Log.Info().Msg("checking deadlines")
		zerolog.Ctx(ctx).Info().Msg("deadline passed")
		r.Counts.Deleted = 3
		if calls.Add(1) == 1 {
			return errors.New("broker activity refused")
		}
		close(done)
		return nil
	})
	retention.Lock = "retention"
	d.set(t, "firma-a", retention)
	d.sched.Start()
	<-done
	d.sched.Stop(5 * time.Second)

	got := runs(t, stores, "firma-a")
	if len(got) != 2 || got[0].Outcome != "failed" || got[1].Outcome != "ok" {
		t.Fatalf("job_runs = %+v, want a failed run, then an ok one", got)
	}
	log := d.log.String()
	for _, want := range []string{
		`"company":"firma-a","job":"retention","run_id":1,"message":"checking deadlines"`,
		`"company":"firma-a","job":"retention","run_id":1,"message":"deadline passed"`,
		`"company":"firma-a","job":"retention","run_id":1,"error":"broker activity refused","outcome":"failed","fetched":0,"inserted":0,"updated":0,"unchanged":0,"deleted":3`,
		`"company":"firma-a","job":"retention","run_id":2,"outcome":"ok"`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %s:\n%s", want, log)
		}
	}
}

func TestRemoveAndSetChangeACompanysJobs(t *testing.T) {
	t.Parallel()
	stores := storetest.Manager(t)
	storetest.DB(t, stores, "firma-a")
	d := newDaemon(t, stores, jobs.SchedulerOptions{})
	p := newProbe(0)
	close(p.letGo)
	d.set(t, "firma-a", job("firma-a", "test.work", p.run))
	d.sched.Start()
	if _, ok := d.sched.Next("firma-a", "test.work"); !ok {
		t.Fatal("the job has no next run")
	}
	bad := job("firma-a", "test.work", p.run)
	bad.Spec = "jeden Tag"
	if err := d.sched.Set("firma-a", []jobs.Job{bad}); err == nil || !strings.Contains(err.Error(), "jeden Tag") {
		t.Fatalf("Set with a bad spec: %v", err)
	}
	<-p.started // the old schedule stayed
	d.sched.Remove("firma-a")
	if _, ok := d.sched.Next("firma-a", "test.work"); ok {
		t.Fatal("a removed job still has a next run")
	}
	time.Sleep(50 * time.Millisecond) // a run already started may end
	before, _, _ := p.stats()
	time.Sleep(1500 * time.Millisecond)
	if after, _, _ := p.stats(); after != before {
		t.Errorf("%d runs after Remove", after-before)
	}
}

func TestARunThatCannotStartIsLoggedAndCountedAsFailed(t *testing.T) {
	t.Parallel()
	stores := storetest.Manager(t) // firma-a's database was never created
	d := newDaemon(t, stores, jobs.SchedulerOptions{})
	d.set(t, "firma-a", job("firma-a", "test.work", newProbe(0).run))
	d.sched.Start()
	const failed = `consentd_job_runs_total{company="firma-a",job="test.work",outcome="failed"}`
	eventually(t, 3*time.Second, "the failed start is counted", func() bool { return metric(d.scrape(t), failed) != "" })
	if !strings.Contains(d.log.String(), `consentd migrate -company firma-a`) {
		t.Errorf("the log does not name the fix:\n%s", d.log)
	}
}
