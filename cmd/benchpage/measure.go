package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"time"
)

// results are the figures of one run.
type results struct {
	get       getResult
	post      postResult
	ledger    int // events in the ledger, by consentd verify
	writeBack writeBackResult
	serve     serveExit
	loadAvg   string // of the machine before the phases, from /proc/loadavg
}

// serveExit is how serve ended after SIGTERM and what it used in all.
type serveExit struct {
	err    error
	cpu    time.Duration
	peakKB int64
}

// measure runs the three phases one after the other.
func (b *bench) measure(ctx context.Context) (results, error) {
	r := results{loadAvg: loadAverage()}
	var err error
	if r.get, err = b.getPhase(ctx); err != nil {
		return r, fmt.Errorf("page GET phase: %w", err)
	}
	before, err := b.inspect(ctx)
	if err != nil {
		return r, err
	}
	if r.post, err = b.postPhase(ctx, newClient(b.o.postWorkers)); err != nil {
		return r, fmt.Errorf("consent POST phase: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return r, err
	}
	if r.ledger, err = b.verifyLedger(ctx); err != nil {
		return r, err
	}
	if r.writeBack, err = b.awaitWriteBack(ctx, r.post.given, before.Requests); err != nil {
		return r, fmt.Errorf("write-back: %w", err)
	}
	return r, nil
}

// loadAverage tells how busy the machine was over the last 1, 5 and 15
// minutes, as the figures depend on it.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(raw)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// failures lists what must hold whatever the figures: every confirmed
// consent is in the ledger, reached the CRM exactly once, and serve
// stopped cleanly.
func (r results) failures() error {
	var problems []string
	if len(r.post.given) == 0 {
		problems = append(problems, "no consent POST was confirmed with a 303")
	}
	if r.ledger != len(r.post.given) {
		problems = append(problems, fmt.Sprintf("the ledger holds %d events for %d confirmed consents", r.ledger, len(r.post.given)))
	}
	if r.writeBack.duplicates > 0 {
		problems = append(problems, fmt.Sprintf("the CRM holds %d consent activities too many", r.writeBack.duplicates))
	}
	if r.serve.err != nil {
		problems = append(problems, r.serve.err.Error())
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// dist is a latency distribution.
type dist struct {
	n             int
	p50, p99, max time.Duration
}

func distOf(ds []time.Duration) dist {
	if len(ds) == 0 {
		return dist{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return dist{n: len(s), p50: percentile(s, 0.50), p99: percentile(s, 0.99), max: s[len(s)-1]}
}

// percentile is the nearest-rank percentile of sorted: the smallest value
// with at least share p of all values at or below it.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}
