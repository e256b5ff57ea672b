package main

import (
	"context"
	"errors"
	"reflect"
	"time"

	"github.com/rs/zerolog"

	"github.com/consentd/consentd/configs"
	"github.com/consentd/consentd/connector"
	"github.com/consentd/consentd/jobs"
	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/sync"
)

// servedCompany is what serve runs for one company.
type servedCompany struct {
	cfg  configs.Company
	crm  *connector.Client // shared by all of the company's jobs and workers, so its rate limit covers them all
	stop context.CancelFunc
}

// jobKind is a job on every company's schedule.
type jobKind struct {
	name  string
	spec  func(*configs.Company) string
	lock  string // see jobs.Job.Lock
	group string // see jobs.Job.Group
	run   func(d *daemon, c *servedCompany) func(context.Context, *jobs.Run) error
}

// mirrorGroup: the mirror runs of a company share sync's lock, so within
// one process they wait for each other.
const mirrorGroup = "mirror"

var jobKinds = []jobKind{
	{name: sync.Incremental.Job(), spec: func(c *configs.Company) string { return c.Schedule.Sync }, group: mirrorGroup, run: mirrorRun(sync.Incremental)},
	{name: sync.Full.Job(), spec: func(c *configs.Company) string { return c.Schedule.Reconcile }, group: mirrorGroup, run: mirrorRun(sync.Full)},
	{name: retentionJob, spec: func(c *configs.Company) string { return c.Schedule.Retention }, lock: retentionJob, run: retentionRun},
}

func (d *daemon) companyJobs(c *servedCompany) []jobs.Job {
	out := make([]jobs.Job, len(jobKinds))
	for i, k := range jobKinds {
		out[i] = jobs.Job{Company: c.cfg.Slug, Name: k.name, Spec: k.spec(&c.cfg), Lock: k.lock, Group: k.group, Run: k.run(d, c)}
	}
	return out
}

// mirrorRun is a mirror run of mode. sync takes its own lock and records
// the run; logRun writes its summary line.
func mirrorRun(mode sync.Mode) func(*daemon, *servedCompany) func(context.Context, *jobs.Run) error {
	return func(d *daemon, c *servedCompany) func(context.Context, *jobs.Run) error {
		return func(ctx context.Context, r *jobs.Run) error {
			res, err := d.a.syncer(&c.cfg, c.crm, r.DB, false).Run(ctx, mode)
			if errors.Is(err, sync.ErrBusy) {
				return err // another process runs it: the scheduler logs and counts the skip
			}
			logRun(d.a.companyLog(&c.cfg), res, err)
			if err == nil && mode == sync.Full {
				err = d.a.closeDeleted(ctx, &c.cfg, r.DB)
			}
			d.observeMirror(ctx, c.cfg.Slug, r.DB)
			return err
		}
	}
}

// observeMirror updates the mirror metrics after a run, even a canceled one.
func (d *daemon) observeMirror(ctx context.Context, slug string, db *store.DB) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	st, err := db.Stats(ctx)
	if err != nil {
		d.a.log.Warn().Err(err).Str("company", slug).Msg("could not read the mirror statistics for the metrics")
		return
	}
	d.metrics.ObserveMirror(slug, st)
}

// companyChanges are the companies a config brought in, changed or dropped.
type companyChanges struct{ added, changed, removed []string }

// apply makes serve run the companies of cfg: new ones start, dropped ones
// stop, changed ones start over with their new settings. Runs under way
// finish with the settings they started with.
func (d *daemon) apply(cfg *configs.Config) companyChanges {
	d.mu.Lock()
	d.cfg = cfg
	d.mu.Unlock()
	var ch companyChanges
	keep := map[string]bool{}
	for i := range cfg.Companies {
		c := &cfg.Companies[i]
		keep[c.Slug] = true
		old, known := d.companies[c.Slug]
		if known && reflect.DeepEqual(old.cfg, *c) {
			continue
		}
		if !d.startCompany(c, old) {
			continue
		}
		if known {
			ch.changed = append(ch.changed, c.Slug)
		} else {
			ch.added = append(ch.added, c.Slug)
		}
	}
	for slug := range d.companies {
		if !keep[slug] {
			d.removeCompany(slug)
			ch.removed = append(ch.removed, slug)
		}
	}
	return ch
}

// startCompany schedules a company and starts its workers, in place of
// old if it ran before. A company that cannot start keeps running as it
// was, if it was.
func (d *daemon) startCompany(cfg *configs.Company, old *servedCompany) bool {
	log := d.a.companyLog(cfg)
	c := &servedCompany{cfg: *cfg}
	if old != nil && old.cfg.CRM == cfg.CRM {
		c.crm = old.crm // keeps its rate limit and counters
	} else if crm, err := d.a.crmClient(cfg); err != nil {
		log.Error().Err(err).Msg("company not started")
		return false
	} else {
		c.crm = crm
	}
	if err := d.sched.Set(cfg.Slug, d.companyJobs(c)); err != nil {
		log.Error().Err(err).Msg("company not started")
		return false
	}
	if old != nil {
		old.stop()
	}
	d.metrics.WatchCRM(cfg.Slug, c.crm)
	d.startWorkers(c)
	d.companies[cfg.Slug] = c
	d.logScheduled(c, log)
	return true
}

func (d *daemon) logScheduled(c *servedCompany, log zerolog.Logger) {
	next := zerolog.Dict()
	for _, k := range jobKinds {
		if at, ok := d.sched.Next(c.cfg.Slug, k.name); ok {
			next = next.Time(k.name, at)
		}
	}
	log.Info().Dict("next", next).Msg("company scheduled")
}

func (d *daemon) removeCompany(slug string) {
	d.sched.Remove(slug)
	d.companies[slug].stop()
	delete(d.companies, slug)
	d.metrics.Forget(slug)
	d.dbs.Forget(slug)
	d.outboxes.Delete(slug)
	d.actions.forget(slug)
	d.backlog.forget(slug)
	d.a.log.Info().Str("company", slug).Msg("company removed; its runs under way finish")
}

// worker is work a company runs beside its schedule for as long as it is
// configured, such as the outbox worker. Run returns once ctx ends.
type worker interface {
	Run(ctx context.Context)
}

func (d *daemon) startWorkers(c *servedCompany) {
	ctx, cancel := context.WithCancel(context.Background())
	c.stop = cancel
	for _, w := range d.outboxWorkers(c) {
		d.workers.Go(func() { w.Run(ctx) })
	}
}

// stopWorkers stops every company's workers and waits for them.
func (d *daemon) stopWorkers() {
	for _, c := range d.companies {
		c.stop()
	}
	d.workers.Wait()
}
