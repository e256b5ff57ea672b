package main

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/consentd/consentd/sync"
)

type syncRow struct {
	slug string
	res  sync.Result
	err  error
}

func printSyncRows(w io.Writer, rows []syncRow) {
	if len(rows) == 0 {
		return
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].slug < rows[j].slug })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "COMPANY\tJOB\tFETCHED\tINSERTED\tUPDATED\tUNCHANGED\tDELETED\tSKIPPED\tPROFILES\tREQUESTS\tDURATION\tRESULT\t")
	for _, r := range rows {
		c := r.res.Counts
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t\n", r.slug, r.res.Mode.Job(),
			c.Fetched, c.Inserted, c.Updated, c.Unchanged, c.Deleted, c.Skipped, c.Profiles, c.Requests,
			r.res.Duration.Round(time.Millisecond), runResult(r.err))
	}
	tw.Flush()
}

func runResult(err error) string {
	if err != nil {
		return "failed"
	}
	return "ok"
}
