package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	gosync "sync"
	"text/tabwriter"
	"time"

	"github.com/consentd/consentd/configs"
	"github.com/consentd/consentd/store"
)

func statusCommand() command {
	return command{
		name:    "status",
		summary: "show mirror size, watermark and last runs per company",
		flags: func(fs *flag.FlagSet) func(context.Context, *app) error {
			slug := fs.String("company", "all", `company slug from the config, or "all"`)
			return func(ctx context.Context, a *app) error {
				return a.status(ctx, *slug)
			}
		},
	}
}

func (a *app) status(ctx context.Context, slug string) error {
	if err := a.printOverview(ctx, a.stdout, slug); err != nil {
		return err
	}
	var (
		mu     gosync.Mutex
		blocks = map[string][]byte{}
	)
	err := a.eachCompany(ctx, slug, func(ctx context.Context, c *configs.Company) error {
		var buf bytes.Buffer
		err := a.companyStatus(ctx, &buf, c)
		mu.Lock()
		blocks[c.Slug] = buf.Bytes()
		mu.Unlock()
		return err
	})
	slugs := keysOf(blocks)
	for _, s := range slugs {
		a.stdout.Write(blocks[s])
	}
	return err
}

func (a *app) companyStatus(ctx context.Context, w io.Writer, c *configs.Company) error {
	fmt.Fprintf(w, "%s — %s (database %s)\n", c.Slug, c.Name, a.stores.DatabaseLocation(c.Slug))
	db, err := a.stores.Open(ctx, c.Slug)
	if err != nil {
		fmt.Fprintf(w, "  not available: %v\n\n", err)
		return err
	}
	st, err := db.Stats(ctx)
	if err != nil {
		return fmt.Errorf("read mirror statistics: %w", err)
	}
	runs, err := db.LastRuns(ctx)
	if err != nil {
		return fmt.Errorf("read run history: %w", err)
	}
	fmt.Fprintf(w, "  addresses %d (deleted in the CRM: %d), search profiles %d (contacts still to fetch: %d), watermark %s\n",
		st.Addresses, st.Deleted, st.SearchProfiles, st.ProfilesDue, watermarkText(st.Watermark, a.cfg.Jobs.Location))
	if err := a.consentStatus(ctx, w, c, db); err != nil {
		return err
	}
	printRuns(w, runs, a.cfg.Jobs.Location)
	fmt.Fprintln(w)
	return nil
}

// consentStatus shows what waits: CRM writes in the outbox, parked ones
// needing an admin.
func (a *app) consentStatus(ctx context.Context, w io.Writer, c *configs.Company, db *store.DB) error {
	ob, err := db.OutboxStats(ctx)
	if err != nil {
		return fmt.Errorf("read outbox statistics: %w", err)
	}
	fmt.Fprintf(w, "  outbox %s%s\n", outboxSummary(ob, a.now()), parkedHint(ob, c))
	er, err := db.ErasureStats(ctx, a.now())
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  deletion requests: %s\n", erasureSummary(er))
	if er.Open > 0 {
		if err := a.printOpenErasures(ctx, w, db); err != nil {
			return err
		}
	}
	return a.renewalStatus(ctx, w, c, db)
}

// maxListedErasures keeps status short; the earliest due come first.
const maxListedErasures = 20

// printOpenErasures lists the open deletion requests, earliest due first,
// with the verdict and the broker's last notice.
func (a *app) printOpenErasures(ctx context.Context, w io.Writer, db *store.DB) error {
	open, err := db.OpenErasures(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "    DUE\tADDRESS\tRECEIVED\tCHANNEL\tVERDICT\tBROKER TOLD")
	for _, r := range open[:min(len(open), maxListedErasures)] {
		fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\t%s\t%s\n", r.DueAt.In(a.cfg.Jobs.Location).Format(time.DateOnly), r.AddressID,
			r.ReceivedAt.In(a.cfg.Jobs.Location).Format(time.DateOnly), r.Channel, verdictText(r), lastNotice(r))
	}
	if len(open) > maxListedErasures {
		fmt.Fprintf(tw, "    … and %d more\n", len(open)-maxListedErasures)
	}
	return tw.Flush()
}

func verdictText(r store.ErasureRequest) string {
	if r.Verdict == store.VerdictRestricted && r.RestrictedUntil != nil {
		return "restricted until " + r.RestrictedUntil.Format(time.DateOnly)
	}
	return r.Verdict
}

// lastNotice is the last step of telling the broker.
func lastNotice(r store.ErasureRequest) string {
	for _, step := range []struct {
		at   *time.Time
		text string
	}{{r.OverdueAt, "overdue notice"}, {r.Reminded2At, "reminded 2 days before"}, {r.Reminded7At, "reminded 7 days before"}, {r.NotifiedAt, "on request"}} {
		if step.at != nil {
			return step.text
		}
	}
	return "not yet"
}

// renewalStatus shows consents unused for longer than the renewal period
// and suppression entries due for review: both wait for the broker.
func (a *app) renewalStatus(ctx context.Context, w io.Writer, c *configs.Company, db *store.DB) error {
	st, err := a.serviceOn(db, c).Staleness(ctx)
	if err != nil {
		return err
	}
	stale := "none"
	if st.Stale > 0 {
		stale = fmt.Sprintf("%d unused for over %s (longest since %s): ask these contacts to renew their consent before relying on it",
			st.Stale, c.Retention.RenewalAfter, st.Oldest.Format(time.DateOnly))
	}
	fmt.Fprintf(w, "  stale consents: %s\n", stale)
	review, err := db.SuppressionsForReview(ctx, a.now())
	if err != nil {
		return err
	}
	if review > 0 {
		fmt.Fprintf(w, "  suppression entries due for review: %d\n", review)
	}
	return nil
}

func erasureSummary(st store.ErasureStats) string {
	if st.Open == 0 {
		return "none open"
	}
	return fmt.Sprintf("%d open, %d overdue, next due %s", st.Open, st.Overdue, st.NextDue.Format(time.DateOnly))
}

func parkedHint(st store.OutboxStats, c *configs.Company) string {
	if st.Parked == 0 {
		return ""
	}
	return fmt.Sprintf(` — parked rows wait for you: "consentd outbox -company %s -list" shows why, -retry sends them again`, c.Slug)
}

// Times in status are shown in the schedules' time zone, as the overview
// table shows the next runs.
func watermarkText(w store.Watermark, loc *time.Location) string {
	if w.UpdatedAtMS == 0 {
		return "none (no sync yet)"
	}
	return time.UnixMilli(w.UpdatedAtMS).In(loc).Format("2006-01-02 15:04:05.000 MST")
}

func printRuns(w io.Writer, runs []store.Run, loc *time.Location) {
	if len(runs) == 0 {
		fmt.Fprintln(w, "  no runs yet")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  JOB\tLAST START\tOUTCOME\tDURATION\tFETCHED\tINSERTED\tUPDATED\tDELETED\tSKIPPED\tERROR")
	for _, r := range runs {
		c := r.Counts
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", r.Job, r.StartedAt.In(loc).Format("2006-01-02 15:04:05 MST"),
			outcomeText(r), runDuration(r), c.Fetched, c.Inserted, c.Updated, c.Deleted, c.Skipped, r.Error)
	}
	tw.Flush()
}

func outcomeText(r store.Run) string {
	if r.FinishedAt == nil {
		return "running"
	}
	return r.Outcome
}

func runDuration(r store.Run) string {
	if r.FinishedAt == nil {
		return "-"
	}
	return r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond).String()
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
