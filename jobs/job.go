// Package jobs runs consentd's background work for every company: the
// cron schedules (mirror runs today; retention and link issuance plug in
// the same way), their locks across replicas, the budgets for concurrent
// jobs and database connections, run history, metrics and health probes,
// and the outbox worker that writes consent back to the CRM.
package jobs

import (
	"context"
	"errors"

	"github.com/rs/zerolog"

	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/sync"
)

// Job is one kind of work on a company's schedule.
type Job struct {
	Company string // slug
	Name    string // e.g. "sync.incremental"; job_runs, logs and metrics carry it
	Spec    string // cron spec: five fields, a descriptor such as @daily, or @every 10m
	// Lock names the advisory lock that keeps the job from running twice at
	// once for its company, across every consentd process. The scheduler
	// takes it, marks runs cut off with their process as interrupted,
	// records the run in job_runs and logs its summary line. Leave it empty
	// for a job that does all of this itself and returns ErrBusy (or
	// sync.ErrBusy) when the lock is held elsewhere, as the mirror runs do.
	Lock string
	// Group names the company's jobs that must not run at the same time.
	// Within one process they wait for each other instead of being skipped,
	// so a nightly full run is not lost to an incremental one that happens
	// to be running. Default: Lock, else Name.
	Group string
	Run   func(ctx context.Context, r *Run) error
}

// Run is a job's run in progress, as the job's function sees it.
type Run struct {
	DB *store.DB
	// ID is the run's job_runs id when the scheduler records the run, else 0.
	ID int64
	// Log carries company and job, and run_id when the scheduler records
	// the run. The run's context carries it too (zerolog.Ctx).
	Log zerolog.Logger
	// Counts is what the run did; the scheduler records it with the run.
	Counts store.RunCounts
}

func (j Job) group() string {
	switch {
	case j.Group != "":
		return j.Group
	case j.Lock != "":
		return j.Lock
	default:
		return j.Name
	}
}

// key names the job of one company.
func (j Job) key() string { return j.Company + "/" + j.Name }

// ErrBusy means another consentd process holds the job's lock for the
// company: that process runs the job, so this run is skipped, not failed.
var ErrBusy = errors.New("another consentd process is running this job for the company")

func isBusy(err error) bool {
	return errors.Is(err, ErrBusy) || errors.Is(err, sync.ErrBusy)
}

// How a run ended, as metrics and logs name it.
const (
	OutcomeOK       = store.OutcomeOK
	OutcomeFailed   = store.OutcomeFailed
	OutcomeCanceled = store.OutcomeCanceled
)

// Why a run was skipped.
const (
	SkipRunning = "running" // its previous run in this process has not ended
	SkipLocked  = "locked"  // another process holds the job's lock
)

// outcome classifies a run's error; stopped tells whether the run was
// told to stop.
func outcome(err error, stopped bool) string {
	switch {
	case err == nil:
		return OutcomeOK
	case stopped, errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return OutcomeCanceled
	default:
		return OutcomeFailed
	}
}
