package jobs

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/consentd/consentd/store"
)

// Metrics are consentd's Prometheus metrics. They live in a registry of
// their own, never the global one, so that tests and several daemons in
// one process do not collide. Other parts of consentd add theirs (outbox
// backlog, deletion requests, page actions) through Registerer.
type Metrics struct {
	reg         *prometheus.Registry
	duration    *prometheus.HistogramVec
	runs        *prometheus.CounterVec
	skipped     *prometheus.CounterVec
	lastSuccess *prometheus.GaugeVec
	running     prometheus.Gauge
	waiting     prometheus.Gauge
	companies   *companyCollector
}

// jobBuckets span mirror runs from a quiet incremental one to a full run of
// a large company.
var jobBuckets = []float64{0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600}

// NewMetrics builds the registry with the Go runtime and process metrics
// and the job, CRM and mirror metrics. now is the clock of the sync lag.
func NewMetrics(now func() time.Time) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "consentd_job_duration_seconds", Help: "How long job runs took, whatever their outcome.", Buckets: jobBuckets,
		}, []string{"company", "job"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "consentd_job_runs_total", Help: "Job runs by outcome: ok, failed or canceled.",
		}, []string{"company", "job", "outcome"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "consentd_job_skipped_total",
			Help: "Scheduled runs not started: reason running (the previous run had not ended) or locked (another consentd process was running the job).",
		}, []string{"company", "job", "reason"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "consentd_job_last_success_timestamp_seconds", Help: "When the job last ended ok in this process, Unix time.",
		}, []string{"company", "job"}),
		running: prometheus.NewGauge(prometheus.GaugeOpts{Name: "consentd_jobs_running", Help: "Job runs under way."}),
		waiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "consentd_jobs_waiting", Help: "Job runs due but waiting for a free job or database slot.",
		}),
		companies: newCompanyCollector(now),
	}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.duration, m.runs, m.skipped, m.lastSuccess, m.running, m.waiting, m.companies)
	return m
}

// Registerer is where other parts of consentd register their metrics.
func (m *Metrics) Registerer() prometheus.Registerer { return m.reg }

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler(log zerolog.Logger) http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog: promLogger{log}, ErrorHandling: promhttp.ContinueOnError, Registry: m.reg,
	})
}

// WatchDatabases publishes how many companies hold database slots.
func (m *Metrics) WatchDatabases(d *Databases) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "consentd_db_companies_held", Help: "Companies holding database connection slots, in use or warm.",
	}, func() float64 { return float64(d.Held()) }), prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "consentd_db_company_slots", Help: "Companies that may hold database connections at once within the connection budget.",
	}, func() float64 { return float64(d.Slots()) }))
}

// WatchCRM reads the company's CRM client counters at every scrape. The
// client is the one all of the company's jobs share; a new one for the
// company replaces the old.
func (m *Metrics) WatchCRM(company string, c CRMStats) { m.companies.watchCRM(company, c) }

// ObserveMirror records the company's mirror after a run: its size, and
// its watermark for the sync lag.
func (m *Metrics) ObserveMirror(company string, st store.Stats) {
	m.companies.observeMirror(company, st)
}

// Forget drops every series of a company no longer configured.
func (m *Metrics) Forget(company string) {
	only := prometheus.Labels{"company": company}
	m.duration.DeletePartialMatch(only)
	m.runs.DeletePartialMatch(only)
	m.skipped.DeletePartialMatch(only)
	m.lastSuccess.DeletePartialMatch(only)
	m.companies.forget(company)
}

func (m *Metrics) observeRun(j Job, outcome string, took time.Duration, at time.Time) {
	m.duration.WithLabelValues(j.Company, j.Name).Observe(took.Seconds())
	m.runs.WithLabelValues(j.Company, j.Name, outcome).Inc()
	if outcome == OutcomeOK {
		m.lastSuccess.WithLabelValues(j.Company, j.Name).Set(float64(at.Unix()))
	}
}

// observeUnstarted counts a run that could not start, e.g. on a stale
// database schema, as failed.
func (m *Metrics) observeUnstarted(j Job) {
	m.runs.WithLabelValues(j.Company, j.Name, OutcomeFailed).Inc()
}

func (m *Metrics) observeSkip(j Job, reason string) {
	m.skipped.WithLabelValues(j.Company, j.Name, reason).Inc()
}

// promLogger routes the metrics handler's errors to zerolog.
type promLogger struct{ log zerolog.Logger }

func (l promLogger) Println(v ...any) { l.log.Error().Msgf("metrics: %v", v) }
