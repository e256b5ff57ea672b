package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	stdlog "log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	gosync "sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/consentd/consentd/configs"
	"github.com/consentd/consentd/jobs"
)

func serveCommand() command {
	return command{
		name:    "serve",
		summary: "run the daemon: schedules, consent page, outbox, /healthz /readyz /metrics; SIGHUP reloads the config",
		flags: func(fs *flag.FlagSet) func(context.Context, *app) error {
			return func(ctx context.Context, a *app) error { return a.serve(ctx) }
		},
	}
}

// daemon is what consentd serve runs: every company's schedule and
// workers, the HTTP servers, the budgets, health and metrics.
type daemon struct {
	a       *app
	metrics *jobs.Metrics
	dbs     *jobs.Databases
	sched   *jobs.Scheduler
	health  *jobs.Health

	mu        gosync.Mutex
	cfg       *configs.Config
	companies map[string]*servedCompany // by slug
	workers   gosync.WaitGroup

	actions  *actionMetrics
	backlog  *backlogMetrics
	outboxes gosync.Map                    // slug → *jobs.Outbox, for page actions to wake
	pages    atomic.Pointer[pageCompanies] // the companies of the config in effect, for the page
}

// serve runs until ctx ends (SIGTERM, SIGINT), then stops softly: no new
// jobs or requests, running ones get the grace period, then are canceled.
func (a *app) serve(ctx context.Context) error {
	hup := make(chan os.Signal, 1) // from the start: SIGHUP's default would end the process
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	defer a.tuneGC()()
	d := newDaemon(a)
	servers, err := d.listen()
	if err != nil {
		return err
	}
	d.sched.Start()
	d.apply(a.cfg)
	d.workers.Go(func() { d.watchBacklog(ctx) })
	failed := make(chan error, len(servers))
	for _, s := range servers {
		go func() { failed <- s.serve() }()
	}
	d.announce(servers)
	err = d.loop(ctx, hup, failed)
	d.stop(servers)
	return err
}

// serveGCPercent is serve's garbage collection target unless GOGC is set.
// serve keeps little live data (tens of MB) and nearly all it allocates is
// one request's garbage; at Go's default of 100 it collects many times a
// second under load, and collecting then takes a fifth of serve's CPU. At
// 400 the heap grows to five times the live data between collections:
// some tens of MB more, for a quarter of the collections.
const serveGCPercent = 400

// tuneGC sets serveGCPercent unless the admin chose a target with GOGC, and
// returns what puts the previous target back.
func (a *app) tuneGC() (restore func()) {
	if v, set := a.lookupEnv("GOGC"); set && v != "" {
		return func() {}
	}
	previous := debug.SetGCPercent(serveGCPercent)
	return func() { debug.SetGCPercent(previous) }
}

func newDaemon(a *app) *daemon {
	cfg := a.cfg
	d := &daemon{a: a, cfg: cfg, companies: map[string]*servedCompany{}, metrics: jobs.NewMetrics(a.now)}
	d.dbs = jobs.NewDatabases(a.stores, cfg.Database.CompanySlots())
	d.metrics.WatchDatabases(d.dbs)
	d.sched = jobs.NewScheduler(jobs.SchedulerOptions{
		Location: cfg.Jobs.Location, MaxConcurrent: cfg.Jobs.MaxConcurrent, Jitter: cfg.Jobs.Jitter,
		Databases: d.dbs, Metrics: d.metrics, Now: a.now,
	}, a.log)
	d.health = jobs.NewHealth(a.stores, d.dbs, d.slugs, a.log)
	d.actions = newActionMetrics(d.metrics.Registerer())
	d.backlog = newBacklogMetrics(d.metrics.Registerer())
	return d
}

// loop waits for the end, reloading the config on SIGHUP.
func (d *daemon) loop(ctx context.Context, hup <-chan os.Signal, failed <-chan error) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-failed:
			return err
		case <-hup:
			d.reload()
		}
	}
}

// stop shuts down softly within the grace period, then hard.
func (d *daemon) stop(servers []*serveListener) {
	grace := d.config().Serve.Grace
	d.health.Stopping()
	d.a.log.Info().Dur("grace", grace).Msg("stopping: no new jobs or requests; running ones get the grace period")
	var wg gosync.WaitGroup
	wg.Go(func() { d.sched.Stop(grace) })
	for _, s := range servers {
		wg.Go(func() { s.shutdown(grace, d.a.log) })
	}
	wg.Go(d.stopWorkers)
	wg.Wait()
	d.a.log.Info().Msg("stopped")
}

// config is the config in effect, the latest one a reload accepted.
func (d *daemon) config() *configs.Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg
}

// slugs are the companies of the config in effect.
func (d *daemon) slugs() []string {
	cfg := d.config()
	out := make([]string, len(cfg.Companies))
	for i, c := range cfg.Companies {
		out[i] = c.Slug
	}
	return out
}

// announce tells that serve runs, once everything has started.
func (d *daemon) announce(servers []*serveListener) {
	d.logStart(servers)
	d.a.served = d
	for _, s := range servers {
		if d.a.listening != nil {
			d.a.listening(s.name, s.ln.Addr())
		}
	}
}

func (d *daemon) logStart(servers []*serveListener) {
	cfg := d.config()
	ev := d.a.log.Info().Int("companies", len(cfg.Companies)).Int("max_concurrent_jobs", cfg.Jobs.MaxConcurrent).
		Int("db_connection_budget", cfg.Database.MaxConnections).Int("db_company_slots", d.dbs.Slots()).
		Str("time_zone", cfg.Jobs.TimeZone).Dur("jitter", cfg.Jobs.Jitter)
	for _, s := range servers {
		ev = ev.Str(s.name, s.ln.Addr().String())
	}
	ev.Msg("consentd serving")
	if cfg.Jobs.MaxConcurrent > d.dbs.Slots() {
		d.a.log.Warn().Msg("jobs.max_concurrent exceeds the companies the database budget holds at once; " +
			"jobs wait for database slots: raise database.max_connections or lower database.pool.max_open")
	}
}

// serveListener is one HTTP listener of serve.
type serveListener struct {
	name string // config key under http: "listen" or "admin_listen"
	addr string
	ln   net.Listener
	srv  *http.Server
}

// listen binds the consent page address and, if configured, the admin
// address before anything starts, so a port in use fails serve at once.
func (d *daemon) listen() ([]*serveListener, error) {
	page, err := d.pageHandler()
	if err != nil {
		return nil, err
	}
	servers := d.listeners(d.config().HTTP, page)
	for _, s := range servers {
		ln, err := d.bind(s)
		if err != nil {
			closeListeners(servers)
			return nil, fmt.Errorf("http.%s %s: %w", s.name, s.addr, err)
		}
		s.ln = ln
	}
	return servers, nil
}

// bind listens on the server's address, unless the command bound it already.
func (d *daemon) bind(s *serveListener) (net.Listener, error) {
	if ln, ok := d.a.bound[s.name]; ok {
		return ln, nil
	}
	return net.Listen("tcp", s.addr)
}

// listeners serve the consent page, and health and metrics beside it or
// on the admin address.
func (d *daemon) listeners(h configs.HTTP, pageHandler http.Handler) []*serveListener {
	page := http.NewServeMux()
	page.Handle("/", pageHandler)
	if h.AdminListen == "" {
		d.route(page)
		return []*serveListener{{name: "listen", addr: h.Listen, srv: d.httpServer(page)}}
	}
	admin := http.NewServeMux()
	d.route(admin)
	return []*serveListener{
		{name: "listen", addr: h.Listen, srv: d.httpServer(page)},
		{name: "admin_listen", addr: h.AdminListen, srv: d.httpServer(admin)},
	}
}

// route adds the health and metrics endpoints.
func (d *daemon) route(mux *http.ServeMux) {
	mux.Handle("GET /healthz", d.health.Live())
	mux.Handle("GET /readyz", d.health.Ready())
	mux.Handle("GET /metrics", d.metrics.Handler(d.a.log))
}

func (d *daemon) httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          stdlog.New(d.a.log.With().Str("component", "http").Logger(), "", 0),
	}
}

func closeListeners(servers []*serveListener) {
	for _, s := range servers {
		if s.ln != nil {
			s.ln.Close()
		}
	}
}

func (s *serveListener) serve() error {
	err := s.srv.Serve(s.ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("http.%s: %w", s.name, err)
}

// shutdown lets requests in flight finish within grace, then closes the
// connections left.
func (s *serveListener) shutdown(grace time.Duration, log zerolog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		log.Warn().Err(err).Str("server", s.name).Msg("requests still open after the grace period; closing their connections")
		s.srv.Close()
	}
}
