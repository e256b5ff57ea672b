package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

func report(w io.Writer, o options, rs []result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "contacts\tfetch only\tfull: contacts\tcontacts ÷ fetch (≤ 1.5)\tfull: profiles\tfull total\tpeak RSS full\tchanged\tincremental (< 2 s)\tsearch requests\tbound changed/page+2\tprofile requests\n")
	for _, r := range rs {
		bound := r.changed/o.pageSize + 2
		fmt.Fprintf(tw, "%d\t%s\t%s\t%.2f\t%s\t%s\t%.1f MB\t%d\t%s\t%d\t%d\t%d\n", r.contacts,
			round(r.fetchOnly.wall), round(r.full.contacts), r.full.contacts.Seconds()/r.fetchOnly.contacts.Seconds(),
			round(r.full.profiles), round(r.full.wall), float64(r.full.peakKB)/1024,
			r.changed, round(r.incr.wall), r.incrSearches, bound, r.incrProfiles)
	}
	tw.Flush()
	fmt.Fprintln(w, "fetch only = the same contact pages fetched and mapped (sync -full -dry-run), compared by its contact phase;")
	fmt.Fprintln(w, "full: profiles = one search-profile request per new contact, as the CRM API answers them per contact.")
	if len(rs) >= 2 {
		first, last := rs[0], rs[len(rs)-1]
		fmt.Fprintf(w, "peak RSS %d → %d contacts: %.1f MB → %.1f MB (ratio %.2f; flat = close to 1)\n",
			first.contacts, last.contacts, float64(first.full.peakKB)/1024, float64(last.full.peakKB)/1024,
			float64(last.full.peakKB)/float64(first.full.peakKB))
	}
}

func round(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
