package jobs

import (
	"strconv"
	gosync "sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/consentd/consentd/connector"
	"github.com/consentd/consentd/store"
)

// CRMStats is a CRM client's counters; *connector.Client has them.
type CRMStats interface {
	Stats() connector.Stats
}

// companyCollector reads per-company figures at scrape time: the CRM
// clients' request counters and the mirrors' size and watermark.
type companyCollector struct {
	now func() time.Time

	mu     gosync.Mutex
	crm    map[string]CRMStats
	mirror map[string]store.Stats

	requests, retries, reauths, lag, addresses *prometheus.Desc
}

func newCompanyCollector(now func() time.Time) *companyCollector {
	company := []string{"company"}
	return &companyCollector{
		now: now, crm: map[string]CRMStats{}, mirror: map[string]store.Stats{},
		requests: prometheus.NewDesc("consentd_crm_requests_total",
			`CRM requests by HTTP status; status "none" means no answer (network error or timeout).`,
			[]string{"company", "status"}, nil),
		retries: prometheus.NewDesc("consentd_crm_retries_total", "CRM requests repeated after a failure.", company, nil),
		reauths: prometheus.NewDesc("consentd_crm_reauths_total", "CRM session tokens exchanged again after expiring.", company, nil),
		lag: prometheus.NewDesc("consentd_sync_lag_seconds",
			"Time since the CRM change time of the newest mirrored contact (the watermark); grows while brokers change nothing, too.",
			company, nil),
		addresses: prometheus.NewDesc("consentd_mirror_addresses", "Contacts in the company's mirror, those deleted in the CRM left out.", company, nil),
	}
}

func (c *companyCollector) watchCRM(company string, s CRMStats) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.crm[company] = s
}

func (c *companyCollector) observeMirror(company string, st store.Stats) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mirror[company] = st
}

func (c *companyCollector) forget(company string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.crm, company)
	delete(c.mirror, company)
}

// Describe implements prometheus.Collector.
func (c *companyCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.requests, c.retries, c.reauths, c.lag, c.addresses} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *companyCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	crm := make(map[string]CRMStats, len(c.crm))
	for k, v := range c.crm {
		crm[k] = v
	}
	mirror := make(map[string]store.Stats, len(c.mirror))
	for k, v := range c.mirror {
		mirror[k] = v
	}
	c.mu.Unlock()
	for company, s := range crm {
		c.collectCRM(ch, company, s.Stats())
	}
	now := c.now()
	for company, st := range mirror {
		c.collectMirror(ch, company, st, now)
	}
}

func (c *companyCollector) collectCRM(ch chan<- prometheus.Metric, company string, s connector.Stats) {
	for code, n := range s.ByStatus {
		ch <- prometheus.MustNewConstMetric(c.requests, prometheus.CounterValue, float64(n), company, statusLabel(code))
	}
	ch <- prometheus.MustNewConstMetric(c.retries, prometheus.CounterValue, float64(s.Retries), company)
	ch <- prometheus.MustNewConstMetric(c.reauths, prometheus.CounterValue, float64(s.Reauths), company)
}

func statusLabel(code int) string {
	if code == 0 {
		return "none"
	}
	return strconv.Itoa(code)
}

func (c *companyCollector) collectMirror(ch chan<- prometheus.Metric, company string, st store.Stats, now time.Time) {
	ch <- prometheus.MustNewConstMetric(c.addresses, prometheus.GaugeValue, float64(st.Addresses), company)
	if st.Watermark.UpdatedAtMS == 0 {
		return // nothing mirrored yet: no lag to tell
	}
	lag := now.Sub(time.UnixMilli(st.Watermark.UpdatedAtMS))
	ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, max(lag.Seconds(), 0), company)
}
