package jobs

import (
	"context"
	"time"

	"github.com/rs/zerolog"

	"github.com/consentd/consentd/store"
)

// run carries out one scheduled run of j: it waits for its slots, runs the
// job and counts how it ended.
func (s *Scheduler) run(j Job) {
	log := s.log.With().Str("company", j.Company).Str("job", j.Name).Logger()
	db, release, err := s.reserve(j)
	defer release()
	switch {
	case s.work.Err() != nil:
		log.Debug().Msg("run not started: consentd is stopping")
		return
	case err != nil:
		log.Error().Err(err).Msg("run could not start")
		s.opts.Metrics.observeUnstarted(j)
		return
	}
	start := s.opts.Now()
	err = s.execute(j, db, log)
	s.count(j, err, s.opts.Now().Sub(start))
}

// reserve waits, in this order, for the job's group in this process, a job
// slot and the company's database slot, and gives up when the scheduler
// stops taking work. release is never nil.
func (s *Scheduler) reserve(j Job) (db *store.DB, release func(), err error) {
	s.opts.Metrics.waiting.Inc()
	defer s.opts.Metrics.waiting.Dec()
	var undo []func()
	release = func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	for _, sem := range []chan struct{}{s.group(j), s.slots} {
		if err := take(s.work, sem); err != nil {
			return nil, release, err
		}
		undo = append(undo, func() { <-sem })
	}
	db, free, err := s.opts.Databases.Acquire(s.work, j.Company)
	undo = append(undo, free)
	return db, release, err
}

func take(ctx context.Context, sem chan struct{}) error {
	select {
	case sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// execute runs the job until it ends or the grace period after a stop is
// over. The context carries the run's logger.
func (s *Scheduler) execute(j Job, db *store.DB, log zerolog.Logger) error {
	s.opts.Metrics.running.Inc()
	defer s.opts.Metrics.running.Dec()
	r := &Run{DB: db, Log: log}
	ctx := log.WithContext(s.hard)
	if j.Lock == "" {
		return j.Run(ctx, r)
	}
	return s.recorded(ctx, j, r)
}

// count records how a run ended in the metrics. A run that found the job's
// lock taken was skipped: another process runs the job.
func (s *Scheduler) count(j Job, err error, took time.Duration) {
	if isBusy(err) {
		s.skip(j, SkipLocked, "scheduled run skipped: another consentd process is running this job")
		return
	}
	s.opts.Metrics.observeRun(j, outcome(err, s.hard.Err() != nil), took, s.opts.Now())
}
