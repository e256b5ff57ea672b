package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// RunCounts are the figures a job run reports.
type RunCounts struct {
	Fetched, Inserted, Updated, Unchanged, Deleted, Skipped int64
	Requests                                                int64 // CRM requests made
	Profiles                                                int64 // contacts whose search profiles were mirrored
}

// Run is one row of the job history.
type Run struct {
	ID         int64
	Job        string
	Outcome    string // "running", "ok", "failed", "canceled" or "interrupted"
	Error      string
	StartedAt  time.Time
	FinishedAt *time.Time // nil while running
	Counts     RunCounts
}

// Outcomes a finished run can have.
const (
	OutcomeOK       = "ok"
	OutcomeFailed   = "failed"
	OutcomeCanceled = "canceled"
	// OutcomeInterrupted marks a run whose process died before it ended.
	OutcomeInterrupted = "interrupted"
)

// maxRunError bounds the error text kept with a run.
const maxRunError = 8 << 10

// runRow is a row of job_runs.
type runRow struct {
	ID         int64      `db:"id"`
	Job        string     `db:"job"`
	Outcome    string     `db:"outcome"`
	Error      string     `db:"error"`
	StartedAt  time.Time  `db:"started_at"`
	FinishedAt *time.Time `db:"finished_at"`
	Fetched    int64      `db:"fetched"`
	Inserted   int64      `db:"inserted"`
	Updated    int64      `db:"updated"`
	Unchanged  int64      `db:"unchanged"`
	Deleted    int64      `db:"deleted"`
	Skipped    int64      `db:"skipped"`
	Requests   int64      `db:"requests"`
	Profiles   int64      `db:"profiles"`
}

// StartRun records that job started at at and returns the run's id, which
// grows with every run.
func (db *DB) StartRun(ctx context.Context, job string, at time.Time) (int64, error) {
	if job == "" || checkText("job name", job) != nil {
		return 0, fmt.Errorf("start run: job name %q must be non-empty UTF-8 text", job)
	}
	var id int64
	if err := db.pool.GetContext(ctx, &id, db.q.StartRun, job, at.UTC()); err != nil {
		return 0, fmt.Errorf("start %s run: %w", job, err)
	}
	return id, nil
}

// FinishRun records how run runID ended. outcome is OutcomeOK, OutcomeFailed
// or OutcomeCanceled; errText is kept, made valid text and cut to 8 KiB, so
// a strange error never keeps its run from being recorded. A run finishes
// only once.
func (db *DB) FinishRun(ctx context.Context, runID int64, outcome string, counts RunCounts, errText string, at time.Time) error {
	switch outcome {
	case OutcomeOK, OutcomeFailed, OutcomeCanceled:
	default:
		return fmt.Errorf("finish run %d: outcome %q is not one of ok, failed, canceled", runID, outcome)
	}
	row := runRow{ID: runID, Outcome: outcome, Error: cleanErrorText(errText), FinishedAt: new(at.UTC()),
		Fetched: counts.Fetched, Inserted: counts.Inserted, Updated: counts.Updated,
		Unchanged: counts.Unchanged, Deleted: counts.Deleted, Skipped: counts.Skipped, Requests: counts.Requests,
		Profiles: counts.Profiles}
	res, err := db.pool.NamedExecContext(ctx, db.q.FinishRun, row)
	if err != nil {
		return fmt.Errorf("finish run %d: %w", runID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("finish run %d: count rows: %w", runID, err)
	}
	if n != 1 {
		return fmt.Errorf("finish run %d: no run with that id is running", runID)
	}
	return nil
}

// CloseInterruptedRuns marks runs of job that never ended as interrupted at
// at. Only the holder of the job's lock may call it: then no other run of
// the job is under way, and an open one died with its process.
func (db *DB) CloseInterruptedRuns(ctx context.Context, job string, at time.Time) (int64, error) {
	res, err := db.pool.ExecContext(ctx, db.q.CloseInterruptedRuns, job, at.UTC())
	if err != nil {
		return 0, fmt.Errorf("close interrupted %s runs: %w", job, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("close interrupted %s runs: count rows: %w", job, err)
	}
	return n, nil
}

func cleanErrorText(s string) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
	if len(s) <= maxRunError {
		return s
	}
	return strings.ToValidUTF8(s[:maxRunError], "") + "…"
}

// LastRuns returns the latest run of each job, ordered by job.
func (db *DB) LastRuns(ctx context.Context) ([]Run, error) {
	var rows []runRow
	if err := db.pool.SelectContext(ctx, &rows, db.q.LastRuns); err != nil {
		return nil, fmt.Errorf("read last runs: %w", err)
	}
	runs := make([]Run, len(rows))
	for i, r := range rows {
		runs[i] = Run{ID: r.ID, Job: r.Job, Outcome: r.Outcome, Error: r.Error,
			StartedAt: r.StartedAt.UTC(), FinishedAt: utcPtr(r.FinishedAt),
			Counts: RunCounts{Fetched: r.Fetched, Inserted: r.Inserted, Updated: r.Updated,
				Unchanged: r.Unchanged, Deleted: r.Deleted, Skipped: r.Skipped, Requests: r.Requests,
				Profiles: r.Profiles}}
	}
	return runs, nil
}

// Stats is a summary of a company's mirror.
type Stats struct {
	Addresses      int64 // mirrored and not marked deleted
	Deleted        int64 // marked deleted: the CRM no longer has them
	SearchProfiles int64
	ProfilesDue    int64 // contacts whose search profiles still have to be fetched
	Watermark      Watermark
}

// Stats counts what the company's mirror holds.
func (db *DB) Stats(ctx context.Context) (Stats, error) {
	var row struct {
		Addresses      int64 `db:"addresses"`
		Deleted        int64 `db:"deleted"`
		SearchProfiles int64 `db:"search_profiles"`
		ProfilesDue    int64 `db:"profiles_due"`
	}
	if err := db.pool.GetContext(ctx, &row, db.q.Stats); err != nil {
		return Stats{}, fmt.Errorf("count mirror: %w", err)
	}
	w, err := db.Watermark(ctx)
	if err != nil {
		return Stats{}, err
	}
	return Stats{Addresses: row.Addresses, Deleted: row.Deleted, SearchProfiles: row.SearchProfiles,
		ProfilesDue: row.ProfilesDue, Watermark: w}, nil
}
