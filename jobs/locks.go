package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"
)

// recordTimeout bounds writing a run's end, which happens even when the run
// was canceled.
const recordTimeout = 10 * time.Second

// recorded runs a job that leaves locking and run history to the
// scheduler: under its advisory lock, with a job_runs row and one summary
// line. It returns ErrBusy, without logging, when another process holds
// the lock.
func (s *Scheduler) recorded(ctx context.Context, j Job, r *Run) error {
	release, ok, err := r.DB.TryLock(ctx, j.Lock)
	switch {
	case err != nil:
		return s.failedStart(r.Log, fmt.Errorf("take the %q lock: %w", j.Lock, err))
	case !ok:
		return ErrBusy
	}
	defer release()
	// Holding the lock proves that no other run of the job is under way:
	// an open record was cut off with its process.
	if n, err := r.DB.CloseInterruptedRuns(ctx, j.Name, s.opts.Now()); err != nil {
		return s.failedStart(r.Log, err)
	} else if n > 0 {
		r.Log.Warn().Int64("runs", n).Msg("earlier runs were cut off with their process")
	}
	start := s.opts.Now()
	if r.ID, err = r.DB.StartRun(ctx, j.Name, start); err != nil {
		return s.failedStart(r.Log, fmt.Errorf("record run start: %w", err))
	}
	r.Log = r.Log.With().Int64("run_id", r.ID).Logger()
	runErr := j.Run(r.Log.WithContext(ctx), r)
	oc := outcome(runErr, ctx.Err() != nil)
	err = errors.Join(runErr, s.finish(ctx, r, oc, runErr))
	s.summary(r, oc, s.opts.Now().Sub(start), err)
	return err
}

func (s *Scheduler) failedStart(log zerolog.Logger, err error) error {
	log.Error().Err(err).Msg("run could not start")
	return err
}

// finish records how the run ended, also after the run was canceled.
func (s *Scheduler) finish(ctx context.Context, r *Run, oc string, runErr error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	text := ""
	if runErr != nil {
		text = runErr.Error()
	}
	if err := r.DB.FinishRun(ctx, r.ID, oc, r.Counts, text, s.opts.Now()); err != nil {
		return fmt.Errorf("record run end: %w", err)
	}
	return nil
}

// summary is the one line every recorded run gets.
func (s *Scheduler) summary(r *Run, oc string, took time.Duration, err error) {
	ev := r.Log.Info()
	if err != nil {
		ev = r.Log.Error().Err(err)
	}
	c := r.Counts
	ev.Str("outcome", oc).Int64("fetched", c.Fetched).Int64("inserted", c.Inserted).Int64("updated", c.Updated).
		Int64("unchanged", c.Unchanged).Int64("deleted", c.Deleted).Int64("skipped", c.Skipped).
		Int64("requests", c.Requests).Dur("duration", took.Round(time.Millisecond)).Msg("job run finished")
}
