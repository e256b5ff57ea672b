package jobs

import (
	"context"
	"fmt"
	gosync "sync"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/rs/zerolog"
)

// SchedulerOptions configure a Scheduler.
type SchedulerOptions struct {
	Location      *time.Location // zone the cron specs are read in; default UTC
	MaxConcurrent int            // runs under way at once over all companies; default 8
	Jitter        time.Duration  // window of each company's fixed start offset
	Databases     *Databases     // company databases within the connection budget; required
	Metrics       *Metrics       // required
	Now           func() time.Time
}

// DefaultMaxConcurrent bounds concurrent runs when the options do not.
const DefaultMaxConcurrent = 8

// Scheduler runs every company's jobs on their cron schedules. A job whose
// previous run has not ended is skipped, logged and counted; a job whose
// lock another process holds is skipped the same way; every run waits for
// one of MaxConcurrent job slots and for its company's database slot.
type Scheduler struct {
	opts  SchedulerOptions
	log   zerolog.Logger
	cron  *cron.Cron
	slots chan struct{}

	// work ends when the scheduler stops taking new work: runs waiting for
	// a slot give up. hard ends when the grace period is over: runs under
	// way are canceled.
	work, hard         context.Context
	stopWork, stopHard context.CancelFunc
	runs               gosync.WaitGroup

	mu       gosync.Mutex
	stopping bool
	entries  map[string][]entry       // by company
	active   map[string]bool          // by Job.key: a run is waiting or under way
	groups   map[string]chan struct{} // by company/group: held by the run under way
}

type entry struct {
	job string
	id  cron.EntryID
}

// NewScheduler returns a scheduler with no jobs; Set adds them, Start
// starts the clock.
func NewScheduler(o SchedulerOptions, log zerolog.Logger) *Scheduler {
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = DefaultMaxConcurrent
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	log = log.With().Str("component", "scheduler").Logger()
	s := &Scheduler{
		opts: o, log: log, slots: make(chan struct{}, o.MaxConcurrent),
		cron:    cron.New(cron.WithLocation(o.Location), cron.WithLogger(cronLogger{log}), cron.WithChain(cron.Recover(cronLogger{log}))),
		entries: map[string][]entry{}, active: map[string]bool{}, groups: map[string]chan struct{}{},
	}
	s.work, s.stopWork = context.WithCancel(context.Background())
	s.hard, s.stopHard = context.WithCancel(context.Background())
	return s
}

// Set schedules the company's jobs, replacing those it had. Runs under way
// finish and still count as running for their job. A spec that does not
// parse fails Set and leaves the company's jobs as they were.
func (s *Scheduler) Set(company string, jobs []Job) error {
	scheds := make([]cron.Schedule, len(jobs))
	for i, j := range jobs {
		if j.Company != company || j.Name == "" || j.Run == nil {
			return fmt.Errorf("job %q of company %q: want company %q, a name and a function", j.Name, j.Company, company)
		}
		sched, err := ParseSchedule(j.Spec, company, s.opts.Jitter)
		if err != nil {
			return fmt.Errorf("job %s: %w", j.Name, err)
		}
		scheds[i] = sched
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removeLocked(company)
	for i, j := range jobs {
		run := cron.NewChain(s.skipIfStillRunning(j)).Then(cron.FuncJob(func() { s.run(j) }))
		s.entries[company] = append(s.entries[company], entry{job: j.Name, id: s.cron.Schedule(scheds[i], run)})
	}
	return nil
}

// Remove unschedules the company's jobs; runs under way finish.
func (s *Scheduler) Remove(company string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removeLocked(company)
}

func (s *Scheduler) removeLocked(company string) {
	for _, e := range s.entries[company] {
		s.cron.Remove(e.id)
	}
	delete(s.entries, company)
}

// Next is when the company's job runs next; false when it is not
// scheduled or the scheduler has not started.
func (s *Scheduler) Next(company, job string) (time.Time, bool) {
	s.mu.Lock()
	var id cron.EntryID
	for _, e := range s.entries[company] {
		if e.job == job {
			id = e.id
		}
	}
	s.mu.Unlock()
	next := s.cron.Entry(id).Next
	return next, !next.IsZero()
}

// Start starts running the schedules.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops the schedules and the runs waiting for a slot, lets the runs
// under way finish within grace, then cancels them and waits until they
// have recorded how they ended.
func (s *Scheduler) Stop(grace time.Duration) {
	s.mu.Lock()
	s.stopping = true
	s.mu.Unlock()
	s.stopWork()
	s.cron.Stop()
	done := make(chan struct{})
	go func() {
		s.runs.Wait()
		close(done)
	}()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
		return
	case <-t.C:
	}
	if n := s.activeRuns(); n > 0 {
		s.log.Warn().Dur("grace", grace).Int("runs", n).Msg("runs still going after the grace period; canceling them")
	}
	s.stopHard()
	<-done
}

func (s *Scheduler) activeRuns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.active)
}

// skipIfStillRunning is the scheduler's own version of cron's wrapper: the
// skip is logged with the company and job, and counted.
func (s *Scheduler) skipIfStillRunning(j Job) cron.JobWrapper {
	return func(next cron.Job) cron.Job {
		return cron.FuncJob(func() {
			admitted, running := s.admit(j)
			if running {
				s.skip(j, SkipRunning, "scheduled run skipped: the previous run has not ended")
			}
			if !admitted {
				return
			}
			defer s.leave(j)
			next.Run()
		})
	}
}

// admit marks the job active unless it is already, or the scheduler stops.
func (s *Scheduler) admit(j Job) (admitted, running bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.stopping:
		return false, false
	case s.active[j.key()]:
		return false, true
	}
	s.active[j.key()] = true
	s.runs.Add(1)
	return true, false
}

func (s *Scheduler) leave(j Job) {
	s.mu.Lock()
	delete(s.active, j.key())
	s.mu.Unlock()
	s.runs.Done()
}

func (s *Scheduler) skip(j Job, reason, msg string) {
	s.log.Info().Str("company", j.Company).Str("job", j.Name).Str("reason", reason).Msg(msg)
	s.opts.Metrics.observeSkip(j, reason)
}

// group is the one-place queue of the company's jobs in j's group.
func (s *Scheduler) group(j Job) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := j.Company + "/" + j.group()
	g, ok := s.groups[key]
	if !ok {
		g = make(chan struct{}, 1)
		s.groups[key] = g
	}
	return g
}

// cronLogger gives the cron library's remarks to zerolog instead of its
// global logger: routine ones at debug level.
type cronLogger struct{ log zerolog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug().Fields(kv).Msg("cron: " + msg) }

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error().Err(err).Fields(kv).Msg("cron: " + msg)
}
