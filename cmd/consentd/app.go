package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	gosync "sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/consentd/consentd/configs"
	"github.com/consentd/consentd/connector"
	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/store"
)

// app is what every command works with: the validated config, the logger
// and the per-company databases.
type app struct {
	cfg    *configs.Config
	log    zerolog.Logger
	stores *store.Manager
	stdout io.Writer
	stderr io.Writer
	now    func() time.Time
	// lookupEnv reads the process environment, as Main.LookupEnv does.
	lookupEnv func(string) (string, bool)

	// reloadConfig reads the config file again, for serve's SIGHUP.
	reloadConfig func() (*configs.Config, error)
	listening    func(name string, addr net.Addr)
	served       *daemon // what serve runs, once it runs
	// bound are listeners opened before the config was built, by config
	// key under http: (demo binds http.listen first to know its public
	// URL); serve uses them instead of binding those addresses again.
	bound map[string]net.Listener
}

func newApp(m *Main, cfg *configs.Config) (*app, error) {
	log, err := newLogger(m.Stderr, firstNonEmpty(m.logLevel, cfg.Log.Level))
	if err != nil {
		return nil, err
	}
	stores, err := store.NewManager(storeConfig(cfg.Database), log)
	if err != nil {
		return nil, fmt.Errorf("database settings: %w", err)
	}
	return &app{cfg: cfg, log: log, stores: stores, stdout: m.Stdout, stderr: m.Stderr, now: m.Now, lookupEnv: m.LookupEnv,
		reloadConfig: func() (*configs.Config, error) { return configs.Load(m.configPath, m.LookupEnv) },
		listening:    m.listening}, nil
}

func storeConfig(d configs.Database) store.Config {
	return store.Config{
		Driver:      d.Driver,
		AdminDSN:    d.AdminDSN,
		Dir:         d.Dir,
		NamePrefix:  d.NamePrefix,
		MaxOpen:     d.Pool.MaxOpen,
		MaxIdle:     d.Pool.MaxIdle,
		IdleTimeout: d.Pool.IdleTimeout,
	}
}

// newLogger logs for people on a terminal and as JSON lines for machines.
func newLogger(w io.Writer, level string) (zerolog.Logger, error) {
	lvl := zerolog.InfoLevel
	if level != "" {
		var err error
		if lvl, err = zerolog.ParseLevel(level); err != nil || lvl == zerolog.NoLevel {
			return zerolog.Logger{}, usagef("log level %q is not one of debug, info, warn, error", level)
		}
	}
	if isTerminal(w) {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.DateTime}
	}
	// Companies and jobs log from many goroutines at once; a writer that is
	// not a file, such as a test's buffer, gets their lines one at a time.
	return zerolog.New(zerolog.SyncWriter(w)).Level(lvl).With().Timestamp().Logger(), nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func (a *app) companyLog(c *configs.Company) zerolog.Logger {
	return a.log.With().Str("company", c.Slug).Logger()
}

func (a *app) crmClient(c *configs.Company) (*connector.Client, error) {
	cl, err := connector.New(connector.Config{
		BaseURL:           c.CRM.BaseURL,
		APIToken:          c.CRM.Token,
		RequestsPerSecond: c.CRM.RequestsPerSecond,
		Burst:             c.CRM.Burst,
		Timeout:           c.CRM.Timeout,
	}, a.companyLog(c))
	if err != nil {
		return nil, fmt.Errorf("CRM settings: %w", err)
	}
	return cl, nil
}

// consentService builds the consent manager of a company from its config.
func (a *app) consentService(ctx context.Context, c *configs.Company) (*consent.Service, error) {
	db, err := a.stores.Open(ctx, c.Slug)
	if err != nil {
		return nil, err
	}
	return a.serviceOn(db, c), nil
}

// consentSettings takes the consent settings from the validated config,
// which fills in the built-in consent text when a company has none.
func consentSettings(h configs.HTTP, c *configs.Company) consent.Settings {
	return consent.Settings{
		Company:      c.Slug,
		CompanyName:  c.Name,
		PublicURL:    h.PublicURL,
		Purpose:      c.Consent.Purpose,
		Source:       c.Consent.Source,
		Text:         consent.Text{Version: c.Consent.TextVersion, Body: c.Consent.Text},
		ActivityType: c.Consent.ActivityType,
		FallbackUser: c.Consent.FallbackUser,
		RecordClient: c.Consent.RecordClient,
		Policy:       c.Retention,
		DPOUser:      c.Consent.DPOUser,
		DPOContact:   c.Consent.DPOContact,
		Recipients:   recipients(c.Consent.Recipients),
	}
}

func recipients(rs []configs.Recipient) []consent.Recipient {
	if len(rs) == 0 {
		return nil
	}
	out := make([]consent.Recipient, len(rs))
	for i, r := range rs {
		out[i] = consent.Recipient{Name: r.Name, Purpose: r.Purpose}
	}
	return out
}

// companyError ties a failure to the company it happened to.
type companyError struct {
	slug string
	err  error
}

func (e companyError) Error() string { return fmt.Sprintf("company %s: %v", e.slug, e.err) }
func (e companyError) Unwrap() error { return e.err }

// eachCompany runs fn for the selected companies, a few at a time, and
// returns every failure, so one broken company does not hide the others.
func (a *app) eachCompany(ctx context.Context, slug string, fn func(context.Context, *configs.Company) error) error {
	companies, err := a.cfg.Select(slug)
	if err != nil {
		return usageError{msg: err.Error()}
	}
	var (
		mu   gosync.Mutex
		errs []companyError
		wg   gosync.WaitGroup
		sem  = make(chan struct{}, 4)
	)
	for _, c := range companies {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := fn(ctx, c); err != nil {
				mu.Lock()
				errs = append(errs, companyError{slug: c.Slug, err: err})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return joinCompanyErrors(errs)
}

func joinCompanyErrors(errs []companyError) error {
	sort.Slice(errs, func(i, j int) bool { return errs[i].slug < errs[j].slug })
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return errors.Join(out...)
}

// Close releases the databases.
func (a *app) Close() error {
	return a.stores.Close()
}
