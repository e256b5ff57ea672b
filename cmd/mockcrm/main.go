// Command mockcrm runs the mock CRM of package mockcrm standalone, seeded
// with realistic contacts, for benchmarks, end-to-end runs and demos:
//
//	mockcrm -listen 127.0.0.1:8091 -contacts 1000 -seed 1
//
// It prints the address, the API token to use (the mock's token is not a
// secret) and the inspection URL, and stops softly on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/consentd/consentd/mockcrm"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole program: it returns the exit code, 0 ok, 1 runtime
// failure, 2 usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	m := NewMain()
	m.Stdout, m.Stderr = stdout, stderr
	if err := m.ParseFlags(args); errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		fmt.Fprintf(stderr, "mockcrm: %v\nRun mockcrm -h to see the flags.\n", err)
		return 2
	}
	if err := m.Run(ctx); err != nil {
		m.logger.Error().Err(err).Msg("mock CRM did not start")
		return 1
	}
	code := 0
	select {
	case <-ctx.Done():
		m.logger.Info().Msg("stopping")
	case err := <-m.served:
		m.logger.Error().Err(err).Msg("mock CRM stopped serving")
		code = 1
	}
	if err := m.Close(); err != nil {
		m.logger.Error().Err(err).Msg("stopping the mock CRM")
		return 1
	}
	return code
}

// shutdownGrace is how long Close lets requests in flight finish.
const shutdownGrace = 5 * time.Second

// Main is the mock CRM program: flags, server and logger, separated from
// main so tests can run it.
type Main struct {
	Listen   string
	Options  mockcrm.Options
	Faults   mockcrm.Faults
	LogLevel zerolog.Level
	Stdout   io.Writer // where the address, token and inspection URL go
	Stderr   io.Writer // logs

	logger zerolog.Logger
	ln     net.Listener
	server *http.Server
	served chan error // Serve's result
}

// NewMain returns a Main with the defaults of the flags.
func NewMain() *Main {
	return &Main{Listen: "127.0.0.1:8091", LogLevel: zerolog.InfoLevel, Stdout: os.Stdout, Stderr: os.Stderr, logger: zerolog.Nop()}
}

// ParseFlags reads the command line. Every bad value is reported at once;
// -h prints the flags and returns flag.ErrHelp.
func (m *Main) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("mockcrm", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	level := m.defineFlags(fs)
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(m.Stderr)
		fmt.Fprintln(m.Stderr, "Usage: mockcrm [flags]\nRuns an in-memory CRM speaking the consentd CRM API, seeded with German contacts.")
		fs.PrintDefaults()
		return err
	} else if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: mockcrm takes flags only", fs.Arg(0))
	}
	var err error
	if m.LogLevel, err = zerolog.ParseLevel(*level); err != nil || *level == "" {
		return fmt.Errorf("-log-level %q: want debug, info, warn or error", *level)
	}
	return m.validate()
}

func (m *Main) defineFlags(fs *flag.FlagSet) *string {
	o, f := &m.Options, &m.Faults
	fs.StringVar(&m.Listen, "listen", m.Listen, "address to listen on; port 0 picks a free one")
	fs.IntVar(&o.Contacts, "contacts", 1000, fmt.Sprintf("number of seeded contacts, 0..%d", mockcrm.MaxContacts))
	fs.Int64Var(&o.Seed, "seed", 1, "seed of the generated data; the same seed gives the same ids and data")
	fs.IntVar(&o.Users, "users", mockcrm.DefaultUsers, "number of seeded brokers u-1..u-N")
	fs.StringVar(&o.APIToken, "token", mockcrm.DefaultAPIToken, "API user token the token exchange accepts")
	fs.DurationVar(&o.TokenTTL, "token-ttl", mockcrm.DefaultTokenTTL, "lifetime of session tokens")
	fs.Float64Var(&o.RatePerSecond, "rate", mockcrm.DefaultRatePerSecond, "requests per second per session token; negative for no limit")
	fs.IntVar(&o.Burst, "burst", mockcrm.DefaultBurst, "requests a session token may send at once")
	fs.Float64Var(&f.ErrorRate, "error-rate", 0, "share of API requests answered 500/502/503, 0..1")
	fs.Float64Var(&f.RateLimitRate, "rate-limit-rate", 0, "share of API requests answered 429, 0..1")
	fs.DurationVar(&f.RetryAfter, "retry-after", time.Second, "Retry-After of injected 429s (whole seconds)")
	fs.DurationVar(&f.Latency, "latency", 0, "delay added before every answer")
	fs.DurationVar(&f.SlowBody, "slow-body", 0, "spread every answer's body over this duration")
	fs.Float64Var(&f.MalformedJSONRate, "malformed-rate", 0, "share of 200 answers whose JSON is cut in the middle, 0..1")
	fs.Float64Var(&f.LostResponseRate, "lost-response-rate", 0, "share of writes carried out but answered 502, 0..1")
	fs.BoolVar(&f.AuthErrors, "auth-errors", false, "let -error-rate and -rate-limit-rate hit the token exchange too")
	return fs.String("log-level", "info", "log level: debug (logs every request), info, warn, error")
}

// validate reports every out-of-range flag at once.
func (m *Main) validate() error {
	o, f := m.Options, m.Faults
	checks := []struct {
		bad bool
		msg string
	}{
		{o.Contacts < 0 || o.Contacts > mockcrm.MaxContacts, fmt.Sprintf("-contacts %d: want 0..%d", o.Contacts, mockcrm.MaxContacts)},
		{o.Users < 1 || o.Users > 1000, fmt.Sprintf("-users %d: want 1..1000", o.Users)},
		{strings.TrimSpace(o.APIToken) == "", "-token is empty"},
		{o.TokenTTL <= 0, fmt.Sprintf("-token-ttl %v: want a positive duration", o.TokenTTL)},
		{o.RatePerSecond == 0, "-rate 0 would refuse everything; give a positive rate, or a negative one for no limit"},
		{o.Burst < 1, fmt.Sprintf("-burst %d: want at least 1", o.Burst)},
		{f.RetryAfter < time.Second, fmt.Sprintf("-retry-after %v: want at least 1s", f.RetryAfter)},
		{f.Latency < 0 || f.SlowBody < 0, "-latency and -slow-body must not be negative"},
	}
	var problems []string
	for _, c := range checks {
		if c.bad {
			problems = append(problems, c.msg)
		}
	}
	shares := []struct {
		flag  string
		share float64
	}{{"-error-rate", f.ErrorRate}, {"-rate-limit-rate", f.RateLimitRate}, {"-malformed-rate", f.MalformedJSONRate}, {"-lost-response-rate", f.LostResponseRate}}
	for _, s := range shares {
		if !(s.share >= 0 && s.share <= 1) {
			problems = append(problems, fmt.Sprintf("%s %v: want a share from 0 to 1", s.flag, s.share))
		}
	}
	if f.ErrorRate+f.RateLimitRate > 1 {
		problems = append(problems, "-error-rate and -rate-limit-rate add up to more than 1")
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// Run seeds the mock CRM and starts serving it; it returns once the mock
// listens. ctx only bounds the start.
func (m *Main) Run(ctx context.Context) error {
	m.logger = newLogger(m.Stderr, m.LogLevel)
	began := time.Now()
	crm := mockcrm.New(m.Options)
	crm.SetFaults(m.Faults)
	m.logger.Info().Int("contacts", m.Options.Contacts).Int64("seed", m.Options.Seed).Dur("took", time.Since(began)).Msg("contacts seeded")
	ln, err := (&net.ListenConfig{}).Listen(context.WithoutCancel(ctx), "tcp", m.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", m.Listen, err)
	}
	m.ln = ln
	server := &http.Server{Handler: m.logRequests(crm), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	m.server, m.served = server, served
	// The goroutine keeps its own server: Close may clear m.server before
	// the goroutine first runs.
	go func() { served <- server.Serve(ln) }()
	base := "http://" + m.Addr()
	m.logger.Info().Str("url", base).Msg("mock CRM listening")
	fmt.Fprintf(m.Stdout, "mock CRM listening on %s\nAPI token:  %s\ninspection: %s/_mock/inspect\n", base, crm.APIToken(), base)
	return nil
}

// Addr is the address the mock listens on, once Run has returned.
func (m *Main) Addr() string {
	if m.ln == nil {
		return ""
	}
	return m.ln.Addr().String()
}

// Close stops the mock, letting requests in flight finish for a few seconds.
func (m *Main) Close() error {
	if m.server == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := m.server.Shutdown(ctx); err != nil {
		return fmt.Errorf("shutting down the HTTP server: %w", err)
	}
	m.server = nil
	return nil
}

// newLogger writes human-readable lines to a terminal and JSON otherwise.
func newLogger(w io.Writer, level zerolog.Level) zerolog.Logger {
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			w = zerolog.ConsoleWriter{Out: f, TimeFormat: time.TimeOnly}
		}
	}
	return zerolog.New(w).Level(level).With().Timestamp().Str("component", "mockcrm").Logger()
}

// logRequests logs every request at debug level: method, path, status and
// duration, never headers (they carry tokens).
func (m *Main) logRequests(next http.Handler) http.Handler {
	if m.LogLevel > zerolog.DebugLevel {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		began := time.Now()
		next.ServeHTTP(rec, r)
		m.logger.Debug().Str("method", r.Method).Str("path", r.URL.Path).Int("status", rec.status).
			Dur("took", time.Since(began)).Msg("request")
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController flush slow bodies through the recorder.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
