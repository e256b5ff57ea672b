// Package sync mirrors a company's CRM contacts and their search profiles
// into the company's own database: incrementally by change time, or in full
// with a reconciliation that notices contacts deleted in the CRM.
package sync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/consentd/consentd/connector"
	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
)

// Mode selects what a run does.
type Mode int

const (
	// Incremental mirrors contacts changed since the watermark.
	Incremental Mode = iota
	// Full mirrors every contact and marks those the CRM no longer has.
	Full
)

// Job is the name a mode's runs carry in job_runs and in logs.
func (m Mode) Job() string {
	if m == Full {
		return "sync.full"
	}
	return "sync.incremental"
}

// lockName serialises every mirror run of one company, whatever its mode,
// across processes.
const lockName = "mirror"

// ErrBusy means another run for the same company holds the mirror lock.
var ErrBusy = errors.New("another sync for this company is running")

// CRM is what a run needs from the CRM; *connector.Client provides it.
type CRM interface {
	Search(ctx context.Context, schema string, q connector.Query, page, size int) (*connector.Page, error)
	SearchProfiles(ctx context.Context, contactID string) ([]connector.SearchProfile, error)
}

// Options tune a company's runs.
type Options struct {
	PageSize       int           // contacts per search request, 1–500
	Overlap        time.Duration // how far before the watermark an incremental run starts again
	ProfileWorkers int           // concurrent search-profile requests
	DryRun         bool          // fetch and map only; write nothing, take no lock
	Now            func() time.Time
}

func (o Options) withDefaults() Options {
	if o.PageSize <= 0 {
		o.PageSize = 200
	}
	if o.ProfileWorkers <= 0 {
		o.ProfileWorkers = 4
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Syncer runs mirror runs for one company.
type Syncer struct {
	crm  CRM
	db   *store.DB
	m    *mapping.Mapping
	opts Options
	log  zerolog.Logger
}

// New returns a Syncer for one company's CRM and database.
func New(crm CRM, db *store.DB, m *mapping.Mapping, opts Options, log zerolog.Logger) *Syncer {
	return &Syncer{crm: crm, db: db, m: m, opts: opts.withDefaults(), log: log}
}

// Result is what a run did.
type Result struct {
	RunID     int64
	Mode      Mode
	Counts    store.RunCounts
	Watermark store.Watermark
	Duration  time.Duration
	// Contacts and Profiles are the durations of the two phases: paging
	// through the contacts, then fetching the due search profiles.
	Contacts, Profiles time.Duration
}

// Run performs one mirror run. It returns ErrBusy, without touching
// anything, when another run for the company is under way.
func (s *Syncer) Run(ctx context.Context, mode Mode) (Result, error) {
	if s.opts.DryRun {
		return s.dryRun(ctx, mode)
	}
	release, ok, err := s.db.TryLock(ctx, lockName)
	if err != nil {
		return Result{Mode: mode}, fmt.Errorf("take mirror lock: %w", err)
	}
	if !ok {
		return Result{Mode: mode}, ErrBusy
	}
	defer release()
	if err := s.closeInterrupted(ctx); err != nil {
		return Result{Mode: mode}, err
	}
	return s.recorded(ctx, mode)
}

// closeInterrupted settles the record of runs whose process died: holding
// the lock proves none of them is still under way.
func (s *Syncer) closeInterrupted(ctx context.Context) error {
	for _, job := range []string{Incremental.Job(), Full.Job()} {
		n, err := s.db.CloseInterruptedRuns(ctx, job, s.opts.Now())
		if err != nil {
			return err
		}
		if n > 0 {
			s.log.Warn().Str("job", job).Int64("runs", n).Msg("earlier runs were cut off with their process; the watermark kept their committed pages")
		}
	}
	return nil
}

// recorded runs under a job_runs row, so admins see failures as well as
// successes.
func (s *Syncer) recorded(ctx context.Context, mode Mode) (Result, error) {
	start := s.opts.Now()
	runID, err := s.db.StartRun(ctx, mode.Job(), start)
	if err != nil {
		return Result{Mode: mode}, fmt.Errorf("record run start: %w", err)
	}
	r := s.newRun(mode, runID)
	runErr := r.execute(ctx)
	res := r.result(start)
	// The run's own context may be canceled; the record must still be written.
	finishCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := s.db.FinishRun(finishCtx, runID, outcome(runErr), r.counts, errText(runErr), s.opts.Now()); err != nil {
		return res, errors.Join(runErr, fmt.Errorf("record run end: %w", err))
	}
	return res, runErr
}

// dryRun fetches and maps like a real run but writes nothing, so it needs
// neither the lock nor a run record.
func (s *Syncer) dryRun(ctx context.Context, mode Mode) (Result, error) {
	start := s.opts.Now()
	r := s.newRun(mode, 0)
	err := r.execute(ctx)
	return r.result(start), err
}

func (s *Syncer) newRun(mode Mode, id int64) *run {
	log := s.log.With().Str("job", mode.Job()).Int64("run_id", id).Bool("dry_run", s.opts.DryRun).Logger()
	return &run{Syncer: s, mode: mode, id: id, log: log}
}

func (r *run) result(start time.Time) Result {
	return Result{RunID: r.id, Mode: r.mode, Counts: r.counts, Watermark: r.watermark,
		Duration: r.opts.Now().Sub(start), Contacts: r.contactsTook, Profiles: r.profilesTook}
}

func outcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	default:
		return "failed"
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
