package main

import (
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Targets of issue "Consent page".
const (
	targetGetRate      = 2000
	targetGetP99       = 25 * time.Millisecond
	targetWriteBackP50 = time.Second
	targetWriteBackP99 = 5 * time.Second
)

func report(w io.Writer, o options, r results) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "figure\tmeasured\ttarget\tverdict\n")
	reportGet(tw, r.get)
	reportPost(tw, o, r)
	reportWriteBack(tw, r.writeBack)
	reportServe(tw, r)
	tw.Flush()
	fmt.Fprintf(w, "%d contacts, one link each; GET phase: %d clients on random links; POST phase: %d clients, a link each, page GET (not timed) then POST of its consent form (timed).\n",
		o.contacts, o.getWorkers, o.postWorkers)
	fmt.Fprintln(w, "POST rate, POST time only = POSTs ÷ (phase time − the time each client spent on page GETs, averaged over the clients);")
	fmt.Fprintln(w, "POST rate, whole phase = POSTs ÷ phase time, the page GETs included.")
	fmt.Fprintln(w, "Durable: serve answers 303 after the action's transaction committed; consentd verify counts the ledger afterwards.")
	fmt.Fprintln(w, "Write-back = the mock CRM's createdAt of the consent activity (ms) − the moment the POST's 303 was read, same machine clock.")
	fmt.Fprintf(w, "CPU in cores busy on average (this machine has %d); rest = PostgreSQL, the mock CRM, the kernel and whatever else runs here\n", runtime.NumCPU())
	fmt.Fprintf(w, "(load average when the run began: %s).\n", r.loadAvg)
}

func reportGet(tw io.Writer, g getResult) {
	d := distOf(g.latencies)
	rate := float64(d.n) / g.elapsed.Seconds()
	row(tw, "page GET rate", fmt.Sprintf("%.0f req/s (%d in %s)", rate, d.n, round(g.elapsed)), fmt.Sprintf("≥ %d req/s", targetGetRate), rate >= targetGetRate)
	row(tw, "page GET p50", ms(d.p50), "", true)
	row(tw, "page GET p99", ms(d.p99), "≤ "+ms(targetGetP99), d.p99 <= targetGetP99)
	row(tw, "page GET max", ms(d.max), "", true)
	row(tw, "page GET not the link's page (200)", fmt.Sprint(g.errors), "0", g.errors == 0)
	row(tw, "CPU, GET phase", cpu(g.phase), "", true)
}

func reportPost(tw io.Writer, o options, r results) {
	p := r.post
	d := distOf(p.latencies)
	postTime := p.elapsed - p.formTime/time.Duration(o.postWorkers)
	postOnly := float64(len(p.given)) / postTime.Seconds()
	whole := float64(len(p.given)) / p.elapsed.Seconds()
	row(tw, "POST rate, POST time only", fmt.Sprintf("%.0f/s (%d in %s)", postOnly, len(p.given), round(postTime)), fmt.Sprintf("≥ %d/s", targetPostRate), postOnly >= targetPostRate)
	row(tw, "POST rate, whole phase", fmt.Sprintf("%.0f/s (%d in %s)", whole, len(p.given), round(p.elapsed)), fmt.Sprintf("≥ %d/s", targetPostRate), whole >= targetPostRate)
	row(tw, "POST p50", ms(d.p50), "", true)
	row(tw, "POST p99", ms(d.p99), "", true)
	row(tw, "POST max", ms(d.max), "", true)
	row(tw, "POST not 303 / form not found", fmt.Sprintf("%d / %d", p.non303, p.formErrors), "0 / 0", p.non303 == 0 && p.formErrors == 0)
	row(tw, "links used", linksUsed(p.linksUsed, o.contacts), "", true)
	row(tw, "ledger events (verify) = 303s", fmt.Sprintf("%d = %d", r.ledger, len(p.given)), "equal", r.ledger == len(p.given))
	row(tw, "CPU, POST phase", cpu(p.phase), "", true)
}

func reportWriteBack(tw io.Writer, wb writeBackResult) {
	d := distOf(wb.latencies)
	row(tw, "write-back arrived", fmt.Sprintf("%d of %d (waited %s after the POST phase)", wb.arrived, wb.expected, round(wb.waited)), "all", wb.arrived == wb.expected)
	row(tw, "write-back p50", ms(d.p50), "≤ "+ms(targetWriteBackP50), d.n > 0 && d.p50 <= targetWriteBackP50)
	row(tw, "write-back p99", ms(d.p99), "≤ "+ms(targetWriteBackP99), d.n > 0 && d.p99 <= targetWriteBackP99)
	row(tw, "write-back max", ms(d.max), "", true)
	row(tw, "write-back rate", fmt.Sprintf("%.0f/s (first 303 to last activity)", float64(wb.arrived)/wb.span.Seconds()), "", true)
	row(tw, "CRM requests per consent", crmRequests(wb), "", true)
	row(tw, "consent activities too many", fmt.Sprint(wb.duplicates), "0", wb.duplicates == 0)
}

func reportServe(tw io.Writer, r results) {
	exit := "0"
	if r.serve.err != nil {
		exit = r.serve.err.Error()
	}
	row(tw, "serve exit after SIGTERM", exit, "0", r.serve.err == nil)
	row(tw, "serve CPU in all, peak RSS", fmt.Sprintf("%s, %.1f MB", round(r.serve.cpu), float64(r.serve.peakKB)/1024), "", true)
}

// crmRequests tells how many CRM API requests each consent took, and of
// which kinds.
func crmRequests(wb writeBackResult) string {
	total := 0
	var kinds []string
	for _, kind := range slices.Sorted(maps.Keys(wb.requests)) {
		total += wb.requests[kind]
		kinds = append(kinds, fmt.Sprintf("%s %d", kind, wb.requests[kind]))
	}
	return fmt.Sprintf("%.1f (%s)", float64(total)/float64(max(wb.expected, 1)), strings.Join(kinds, ", "))
}

// linksUsed says whether the POST phase ran out of links before its
// time: then the rate is at least the links over the duration.
func linksUsed(used, all int) string {
	if used == all {
		return fmt.Sprintf("all %d, before the phase's time was up", all)
	}
	return fmt.Sprintf("%d of %d", used, all)
}

// row prints one figure; a figure without target gets no verdict.
func row(tw io.Writer, figure, measured, target string, ok bool) {
	verdict := ""
	switch {
	case target == "":
	case ok:
		verdict = "ok"
	default:
		verdict = "MISSED"
	}
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", figure, measured, target, verdict)
}

func cpu(p phase) string {
	return fmt.Sprintf("machine %.2f: serve %.2f, load generator %.2f, rest %.2f", p.machine, p.serve, p.loadgen, p.machine-p.serve-p.loadgen)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func round(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
