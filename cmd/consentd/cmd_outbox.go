package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	gosync "sync"
	"text/tabwriter"
	"time"

	"github.com/consentd/consentd/configs"
	"github.com/consentd/consentd/connector"
	"github.com/consentd/consentd/jobs"
	"github.com/consentd/consentd/store"
)

// outboxListLimit bounds the rows listed per company.
const outboxListLimit = 100

func outboxCommand() command {
	return command{
		name:    "outbox",
		summary: "show CRM writes waiting or parked; -retry re-queues parked ones",
		flags: func(fs *flag.FlagSet) func(context.Context, *app) error {
			slug := fs.String("company", "", `company slug from the config, or "all" (required)`)
			retry := fs.Bool("retry", false, "re-queue parked rows, e.g. after fixing the CRM field or activity type they failed on")
			list := fs.Bool("list", false, "list the parked rows with their errors")
			return func(ctx context.Context, a *app) error {
				if *slug == "" {
					return usagef(`outbox: -company is required (a slug from the config, or "all")`)
				}
				return a.outbox(ctx, *slug, *retry, *list)
			}
		},
	}
}

func (a *app) outbox(ctx context.Context, slug string, retry, list bool) error {
	var (
		mu     gosync.Mutex
		blocks = map[string][]byte{}
	)
	err := a.eachCompany(ctx, slug, func(ctx context.Context, c *configs.Company) error {
		var buf bytes.Buffer
		err := a.companyOutbox(ctx, &buf, c, retry, list)
		mu.Lock()
		blocks[c.Slug] = buf.Bytes()
		mu.Unlock()
		return err
	})
	for _, s := range keysOf(blocks) {
		a.stdout.Write(blocks[s])
	}
	return err
}

func (a *app) companyOutbox(ctx context.Context, w io.Writer, c *configs.Company, retry, list bool) error {
	db, err := a.stores.Open(ctx, c.Slug)
	if err != nil {
		return err
	}
	if retry {
		n, err := db.RequeueParked(ctx, a.now())
		if err != nil {
			return fmt.Errorf("re-queue parked outbox rows: %w", err)
		}
		fmt.Fprintf(w, "%s: re-queued %d parked rows; consentd serve delivers them within seconds\n", c.Slug, n)
	}
	st, err := db.OutboxStats(ctx)
	if err != nil {
		return fmt.Errorf("read outbox statistics: %w", err)
	}
	fmt.Fprintf(w, "%s: outbox %s\n", c.Slug, outboxSummary(st, a.now()))
	if !list {
		return nil
	}
	rows, err := db.ParkedOutbox(ctx, outboxListLimit)
	if err != nil {
		return fmt.Errorf("list parked outbox rows: %w", err)
	}
	printOutboxRows(w, rows, a.now())
	return nil
}

// outboxSummary reads like "3 pending (oldest queued 2m10s ago), 1 parked".
func outboxSummary(st store.OutboxStats, now time.Time) string {
	oldest := ""
	if st.OldestPending != nil {
		oldest = fmt.Sprintf(" (oldest queued %s ago)", age(now, *st.OldestPending))
	}
	return fmt.Sprintf("%d pending%s, %d parked", st.Pending, oldest, st.Parked)
}

func age(now, t time.Time) time.Duration {
	return max(now.Sub(t), 0).Round(time.Second)
}

// printOutboxRows lists rows without their payloads: those hold personal
// data and, for links, a token.
func printOutboxRows(w io.Writer, rows []store.OutboxRow, now time.Time) {
	if len(rows) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  ID\tADDRESS\tKIND\tSTATE\tATTEMPTS\tQUEUED\tLAST ERROR")
	for _, r := range rows {
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%d\t%s ago\t%s\n", r.ID, r.AddressID, r.Kind, r.State, r.Attempts,
			age(now, r.CreatedAt), r.LastError)
	}
	tw.Flush()
	if len(rows) >= outboxListLimit {
		fmt.Fprintf(w, "  (the first %d shown)\n", outboxListLimit)
	}
}

// outboxWorker builds the outbox worker of one company for consentd serve:
// on the company's CRM client, its database taken from dbs for each pass;
// observe (may be nil) hears of every delivery attempt, for metrics.
func (a *app) outboxWorker(c *configs.Company, crm *connector.Client, dbs *jobs.Databases, observe func(jobs.OutboxAttempt)) *jobs.Outbox {
	return jobs.NewOutbox(c.Slug, dbs, crm, jobs.OutboxOptions{Now: a.now, Observe: observe}, a.companyLog(c))
}
