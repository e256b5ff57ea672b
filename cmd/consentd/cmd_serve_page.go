package main

import (
	"context"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/consentd/consentd/configs"
	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/jobs"
	"github.com/consentd/consentd/web"
)

// pageHandler serves the consent page, /e/{slug}/{token}, for the companies
// of the config in effect, so that a reload reaches the page at once.
func (d *daemon) pageHandler() (http.Handler, error) {
	h := d.config().HTTP
	if err := h.RequireSecret(); err != nil {
		return nil, usageError{msg: err.Error()}
	}
	return web.New(d.pageCompany, web.Options{
		Secret: []byte(h.Secret), TrustProxy: h.TrustProxy, PublicURL: h.PublicURL, Now: d.a.now,
		PerIPRate: rate.Limit(h.RateLimit.PerIP), PerLinkRate: rate.Limit(h.RateLimit.PerLink), Burst: h.RateLimit.Burst,
	}, d.a.log.With().Str("component", "web").Logger())
}

// pageCompany finds a company of the config in effect as the page shows it.
func (d *daemon) pageCompany(slug string) (*web.Company, bool) {
	cfg := d.config()
	pages := d.pages.Load()
	if pages == nil || pages.cfg != cfg {
		pages = d.newPageCompanies(cfg)
		d.pages.Store(pages)
	}
	c, ok := pages.bySlug[slug]
	return c, ok
}

// pageCompanies are the companies of one config as the page shows them,
// made once per config rather than on every request.
type pageCompanies struct {
	cfg    *configs.Config
	bySlug map[string]*web.Company
}

func (d *daemon) newPageCompanies(cfg *configs.Config) *pageCompanies {
	pages := &pageCompanies{cfg: cfg, bySlug: make(map[string]*web.Company, len(cfg.Companies))}
	for i := range cfg.Companies {
		c := &cfg.Companies[i]
		actions := &pageActions{d: d, c: c, settings: consentSettings(cfg.HTTP, c)}
		pages.bySlug[c.Slug] = &web.Company{Slug: c.Slug, Name: c.Name, Page: c.Page, Consent: c.Consent, Actions: actions}
	}
	return pages
}

// pageActions runs the page's actions on the company's database, taken
// from the daemon's budget for each call in turn with the company's outbox
// worker, and wakes the worker once an action has queued CRM writes.
type pageActions struct {
	d        *daemon
	c        *configs.Company
	settings consent.Settings
}

func (p *pageActions) do(ctx context.Context, action string, fn func(*consent.Service) error) error {
	db, release, err := p.d.dbs.AcquirePage(ctx, p.c.Slug)
	if err != nil {
		return err
	}
	defer release()
	err = fn(consent.NewService(db, p.c.Mapping, p.settings, p.d.a.now))
	if action != "" {
		p.d.actions.observe(p.c.Slug, action, err)
	}
	if err == nil && action != "" {
		p.d.notifyOutbox(p.c.Slug)
	}
	return err
}

func (p *pageActions) Resolve(ctx context.Context, token string) (s *consent.Subject, err error) {
	err = p.do(ctx, "", func(svc *consent.Service) (e error) { s, e = svc.Resolve(ctx, token); return e })
	return s, err
}

func (p *pageActions) Give(ctx context.Context, subj *consent.Subject, c consent.Client, id string) (o consent.Outcome, err error) {
	err = p.do(ctx, "give", func(svc *consent.Service) (e error) { o, e = svc.Give(ctx, subj, c, id); return e })
	return o, err
}

func (p *pageActions) Correct(ctx context.Context, subj *consent.Subject, in consent.Correction, c consent.Client, id string) (o consent.Outcome, err error) {
	err = p.do(ctx, "correct", func(svc *consent.Service) (e error) { o, e = svc.Correct(ctx, subj, in, c, id); return e })
	return o, err
}

func (p *pageActions) Withdraw(ctx context.Context, subj *consent.Subject, req consent.Request, c consent.Client, id string) (o consent.Outcome, err error) {
	err = p.do(ctx, "withdraw", func(svc *consent.Service) (e error) { o, e = svc.Withdraw(ctx, subj, req, c, id); return e })
	return o, err
}

func (p *pageActions) RequestDeletion(ctx context.Context, subj *consent.Subject, req consent.Request, c consent.Client, id string) (o consent.Outcome, err error) {
	err = p.do(ctx, "delete", func(svc *consent.Service) (e error) { o, e = svc.RequestDeletion(ctx, subj, req, c, id); return e })
	return o, err
}

func (p *pageActions) SaveProfile(ctx context.Context, subj *consent.Subject, in consent.ProfileInput, c consent.Client, id string) (o consent.Outcome, err error) {
	err = p.do(ctx, "profile", func(svc *consent.Service) (e error) { o, e = svc.SaveProfile(ctx, subj, in, c, id); return e })
	return o, err
}

func (p *pageActions) DeleteProfile(ctx context.Context, subj *consent.Subject, profileID string, c consent.Client, id string) (o consent.Outcome, err error) {
	err = p.do(ctx, "profile-delete", func(svc *consent.Service) (e error) { o, e = svc.DeleteProfile(ctx, subj, profileID, c, id); return e })
	return o, err
}

// outboxWorkers is the company's outbox worker, on the company's shared CRM
// client, with its database from the budget.
func (d *daemon) outboxWorkers(c *servedCompany) []worker {
	slug := c.cfg.Slug
	w := d.a.outboxWorker(&c.cfg, c.crm, d.dbs, func(a jobs.OutboxAttempt) { d.actions.observeOutbox(slug, a) })
	d.outboxes.Store(slug, w)
	return []worker{w}
}

func (d *daemon) notifyOutbox(slug string) {
	if w, ok := d.outboxes.Load(slug); ok {
		w.(*jobs.Outbox).Notify()
	}
}

// actionMetrics count the page's actions and the write-back they cause.
type actionMetrics struct {
	actions   *prometheus.CounterVec
	writeback *prometheus.HistogramVec
}

func newActionMetrics(reg prometheus.Registerer) *actionMetrics {
	m := &actionMetrics{
		actions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "consentd_page_actions_total", Help: "Consent page actions by kind and result (ok or error).",
		}, []string{"company", "action", "result"}),
		writeback: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "consentd_outbox_attempt_age_seconds", Help: "Age of outbox rows at each delivery attempt, by result; for delivered rows the write-back latency from the page action to the CRM.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600},
		}, []string{"company", "kind", "result"}),
	}
	reg.MustRegister(m.actions, m.writeback)
	return m
}

func (m *actionMetrics) observe(company, action string, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.actions.WithLabelValues(company, action, result).Inc()
}

func (m *actionMetrics) observeOutbox(company string, a jobs.OutboxAttempt) {
	m.writeback.WithLabelValues(company, a.Kind, string(a.Result)).Observe(a.Age.Seconds())
}

func (m *actionMetrics) forget(company string) {
	m.actions.DeletePartialMatch(prometheus.Labels{"company": company})
	m.writeback.DeletePartialMatch(prometheus.Labels{"company": company})
}
