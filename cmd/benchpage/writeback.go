package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

const (
	writeBackTimeout = 60 * time.Second
	writeBackPoll    = 100 * time.Millisecond
	consentActivity  = "Einwilligung"
)

// writeBackResult is how the consents reached the CRM as activities.
type writeBackResult struct {
	expected, arrived int
	duplicates        int             // activities beyond the first per consent
	latencies         []time.Duration // from the POST's 303 to the activity's creation in the CRM
	span              time.Duration   // from the first 303 to the last activity's creation
	waited            time.Duration   // after the POST phase until all arrived or the timeout
	requests          map[string]int  // CRM API requests since the POST phase began, by kind
}

// inspectClient reads the mock CRM's inspection endpoint.
var inspectClient = &http.Client{Timeout: requestTimeout}

// awaitWriteBack polls the mock CRM until every consent has its activity
// or writeBackTimeout passed. The activities carry the mock's creation
// time, so the poll interval does not blur the latencies. before are the
// CRM's request counts when the POST phase began.
func (b *bench) awaitWriteBack(ctx context.Context, gs []given, before map[string]int) (writeBackResult, error) {
	begin := time.Now()
	for {
		in, err := b.inspect(ctx)
		if err != nil {
			return writeBackResult{}, err
		}
		r := matchWriteBack(gs, in.consentActivities())
		r.requests = countsSince(before, in.Requests)
		if r.waited = time.Since(begin); r.arrived == r.expected || r.waited > writeBackTimeout {
			return r, nil
		}
		select {
		case <-ctx.Done():
			return r, ctx.Err()
		case <-time.After(writeBackPoll):
		}
	}
}

// inspection is the part of the mock CRM's GET /_mock/inspect read here.
type inspection struct {
	Requests   map[string]int `json:"requests"`
	Activities []struct {
		Type     string `json:"type"`
		Entities []struct {
			ID string `json:"id"`
		} `json:"entities"`
		CreatedAt int64 `json:"createdAt"` // epoch ms
	} `json:"activities"`
}

func (b *bench) inspect(ctx context.Context) (inspection, error) {
	var in inspection
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.crmBase+"/_mock/inspect", nil)
	if err != nil {
		return in, err
	}
	res, err := inspectClient.Do(req)
	if err != nil {
		return in, fmt.Errorf("inspect the mock CRM: %w", err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(&in); err != nil {
		return in, fmt.Errorf("read the mock CRM's inspection: %w", err)
	}
	return in, nil
}

// consentActivities returns the creation times of the consent activities
// by the address they are linked to.
func (in inspection) consentActivities() map[string][]time.Time {
	acts := map[string][]time.Time{}
	for _, a := range in.Activities {
		if a.Type == consentActivity && len(a.Entities) > 0 {
			acts[a.Entities[0].ID] = append(acts[a.Entities[0].ID], time.UnixMilli(a.CreatedAt))
		}
	}
	return acts
}

// countsSince returns the request kinds whose count grew, by how much.
func countsSince(before, after map[string]int) map[string]int {
	grew := map[string]int{}
	for kind, n := range after {
		if d := n - before[kind]; d > 0 {
			grew[kind] = d
		}
	}
	return grew
}

// matchWriteBack pairs each consent with the activities of its address.
func matchWriteBack(gs []given, acts map[string][]time.Time) writeBackResult {
	r := writeBackResult{expected: len(gs)}
	var first, last time.Time
	for _, g := range gs {
		if first.IsZero() || g.at.Before(first) {
			first = g.at
		}
		times := acts[g.addressID]
		if len(times) == 0 {
			continue
		}
		r.arrived++
		r.duplicates += len(times) - 1
		r.latencies = append(r.latencies, times[0].Sub(g.at))
		if times[0].After(last) {
			last = times[0]
		}
	}
	if r.arrived > 0 {
		r.span = last.Sub(first)
	}
	return r
}
