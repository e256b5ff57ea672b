package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/consentd/consentd/store"
)

// backlogEvery is how often serve reads what waits in each company's
// database for the metrics; a slow pace keeps hundreds of companies from
// churning the database budget.
const backlogEvery = time.Minute

// backlogMetrics are the gauges of what waits per company: CRM writes in
// the outbox and open deletion requests.
type backlogMetrics struct {
	pending, parked, oldest, erasures, stale *prometheus.GaugeVec
}

func newBacklogMetrics(reg prometheus.Registerer) *backlogMetrics {
	gauge := func(name, help string, labels ...string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, append([]string{"company"}, labels...))
	}
	m := &backlogMetrics{
		pending:  gauge("consentd_outbox_pending", "CRM writes waiting in the outbox."),
		parked:   gauge("consentd_outbox_parked", "CRM writes parked after failures; consentd outbox -retry sends them again."),
		oldest:   gauge("consentd_outbox_oldest_pending_age_seconds", "Age of the oldest pending CRM write, 0 when none."),
		erasures: gauge("consentd_erasure_requests", "Deletion requests by state: open, overdue (open past the due date).", "state"),
		stale:    gauge("consentd_consents_stale", "Consents given but unused for longer than the company's renewal period."),
	}
	reg.MustRegister(m.pending, m.parked, m.oldest, m.erasures, m.stale)
	return m
}

func (m *backlogMetrics) forget(company string) {
	for _, g := range []*prometheus.GaugeVec{m.pending, m.parked, m.oldest, m.erasures, m.stale} {
		g.DeletePartialMatch(prometheus.Labels{"company": company})
	}
}

// watchBacklog refreshes the backlog gauges until ctx ends.
func (d *daemon) watchBacklog(ctx context.Context) {
	for {
		for _, slug := range d.slugs() {
			if err := d.observeBacklog(ctx, slug); err != nil && ctx.Err() == nil {
				d.a.log.Warn().Err(err).Str("company", slug).Msg("could not read the outbox and deletion backlog for the metrics")
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backlogEvery):
		}
	}
}

func (d *daemon) observeBacklog(ctx context.Context, slug string) error {
	db, release, err := d.dbs.Acquire(ctx, slug)
	if err != nil {
		return err
	}
	defer release()
	now := d.a.now()
	ob, err := db.OutboxStats(ctx)
	if err != nil {
		return err
	}
	er, err := db.ErasureStats(ctx, now)
	if err != nil {
		return err
	}
	m := d.backlog
	m.pending.WithLabelValues(slug).Set(float64(ob.Pending))
	m.parked.WithLabelValues(slug).Set(float64(ob.Parked))
	m.oldest.WithLabelValues(slug).Set(0)
	if ob.OldestPending != nil {
		m.oldest.WithLabelValues(slug).Set(now.Sub(*ob.OldestPending).Seconds())
	}
	m.erasures.WithLabelValues(slug, "open").Set(float64(er.Open))
	m.erasures.WithLabelValues(slug, "overdue").Set(float64(er.Overdue))
	return d.observeStale(ctx, slug, db)
}

// observeStale sets the stale-consent gauge with the company's purpose
// and renewal period as configured now.
func (d *daemon) observeStale(ctx context.Context, slug string, db *store.DB) error {
	c, ok := d.config().Company(slug)
	if !ok {
		return nil // dropped by a reload meanwhile
	}
	st, err := d.a.serviceOn(db, c).Staleness(ctx)
	if err != nil {
		return err
	}
	d.backlog.stale.WithLabelValues(slug).Set(float64(st.Stale))
	return nil
}
