package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	gosync "sync"
	"text/tabwriter"
	"time"

	"github.com/consentd/consentd/configs"
	"github.com/consentd/consentd/jobs"
	"github.com/consentd/consentd/store"
)

// companyOverview is one company's line in the status table.
type companyOverview struct {
	company  *configs.Company
	stats    store.Stats
	last     map[string]store.Run // by job
	failures map[string]int64     // runs failed in the last day, by job
	err      error
}

// failureWindow is how far back the status table counts failed runs.
const failureWindow = 24 * time.Hour

// printOverview prints one table of the selected companies: mirror size,
// watermark, and per job the last run, the next one by the config's
// schedule and the failures of the last day. A company whose database
// cannot be read says so; its block below tells why.
func (a *app) printOverview(ctx context.Context, w io.Writer, slug string) error {
	if _, err := a.cfg.Select(slug); err != nil {
		return usageError{msg: err.Error()}
	}
	var (
		mu   gosync.Mutex
		rows []companyOverview
	)
	_ = a.eachCompany(ctx, slug, func(ctx context.Context, c *configs.Company) error {
		o := a.overview(ctx, c)
		mu.Lock()
		rows = append(rows, o)
		mu.Unlock()
		return nil // the company's block reports the failure
	})
	sort.Slice(rows, func(i, j int) bool { return rows[i].company.Slug < rows[j].company.Slug })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COMPANY\tADDRESSES\tWATERMARK\tJOB\tLAST RUN\tOUTCOME\tNEXT RUN\tFAILED 24H")
	for _, o := range rows {
		a.printOverviewRows(tw, o)
	}
	tw.Flush()
	fmt.Fprintln(w)
	return nil
}

func (a *app) overview(ctx context.Context, c *configs.Company) companyOverview {
	o := companyOverview{company: c}
	db, err := a.stores.Open(ctx, c.Slug)
	if err != nil {
		o.err = err
		return o
	}
	if o.stats, o.err = db.Stats(ctx); o.err != nil {
		return o
	}
	runs, err := db.LastRuns(ctx)
	if err != nil {
		o.err = err
		return o
	}
	o.last = map[string]store.Run{}
	for _, r := range runs {
		o.last[r.Job] = r
	}
	o.failures, o.err = db.FailuresSince(ctx, a.now().Add(-failureWindow))
	return o
}

// printOverviewRows writes a row per scheduled job; the company's figures
// stand in its first row.
func (a *app) printOverviewRows(w io.Writer, o companyOverview) {
	if o.err != nil {
		fmt.Fprintf(w, "%s\t-\t-\t-\t-\tnot available (see below)\t-\t-\n", o.company.Slug)
		return
	}
	for i, k := range jobKinds {
		company, size, mark := "", "", ""
		if i == 0 {
			company, size, mark = o.company.Slug, fmt.Sprint(o.stats.Addresses), a.localTime(watermarkTime(o.stats.Watermark))
		}
		last, outcome := "-", "never run"
		if r, ok := o.last[k.name]; ok {
			last, outcome = a.localTime(r.StartedAt), outcomeText(r)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", company, size, mark, k.name, last, outcome,
			a.nextRun(o.company, k), o.failures[k.name])
	}
}

func watermarkTime(w store.Watermark) time.Time {
	if w.UpdatedAtMS == 0 {
		return time.Time{}
	}
	return time.UnixMilli(w.UpdatedAtMS)
}

// nextRun is when serve runs the job next for the company, as the config
// schedules it.
func (a *app) nextRun(c *configs.Company, k jobKind) string {
	next, err := jobs.NextRun(k.spec(c), c.Slug, a.cfg.Jobs.Jitter, a.cfg.Jobs.Location, a.now())
	if err != nil || next.IsZero() {
		return "never"
	}
	return a.localTime(next)
}

// localTime shows t in the time zone the schedules are read in.
func (a *app) localTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(a.cfg.Jobs.Location).Format("2006-01-02 15:04:05 MST")
}
