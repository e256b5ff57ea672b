// Package connector is consentd's client for a company's CRM (the FLOWFACT
// API of crm-api.md): token exchange, paging, typed decoding of contacts,
// retries with backoff, a request-rate limit and typed errors. Everything
// FLOWFACT-specific about paths and JSON shapes stays inside this package.
package connector

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/rs/zerolog"
	"golang.org/x/time/rate"
)

// Client talks to one company's CRM. It is safe for concurrent use; all
// goroutines share its rate limit and session token.
type Client struct {
	cfg     Config
	log     zerolog.Logger
	http    *resty.Client
	limiter *rate.Limiter
	session session
	stats   counters
	// sleep waits between attempts; tests replace it to record the waits.
	sleep func(context.Context, time.Duration) error
}

// New checks cfg and builds a client. It does no I/O: the API token is
// exchanged on the first call.
func New(cfg Config, log zerolog.Logger) (*Client, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("crm config: %w", err)
	}
	cfg = cfg.withDefaults()
	log = log.With().Str("component", "crm").Logger()
	return &Client{
		cfg:     cfg,
		log:     log,
		http:    newResty(cfg, log),
		limiter: rate.NewLimiter(rate.Limit(cfg.RequestsPerSecond), cfg.Burst),
		session: session{turn: make(chan struct{}, 1)},
		stats:   counters{byStatus: map[int]int64{}},
		sleep:   sleepContext,
	}, nil
}

func newResty(cfg Config, log zerolog.Logger) *resty.Client {
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		copied := *cfg.HTTPClient
		hc = &copied
	}
	// A redirect would carry the token headers to wherever it points; the
	// CRM API has no reason to redirect, so the 3xx is reported instead.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return resty.NewWithClient(hc).
		SetBaseURL(strings.TrimRight(cfg.BaseURL, "/")).
		SetLogger(restyLogger{log}).
		SetResponseBodyLimit(int(cfg.MaxResponseBytes)).
		SetHeader("User-Agent", "consentd")
}

// restyLogger routes resty's own remarks to zerolog at debug level. resty
// prints headers only in its debug mode, which stays off.
type restyLogger struct{ log zerolog.Logger }

func (l restyLogger) Errorf(format string, v ...any) { l.log.Debug().Msgf(format, v...) }
func (l restyLogger) Warnf(format string, v ...any)  { l.log.Debug().Msgf(format, v...) }
func (l restyLogger) Debugf(format string, v ...any) { l.log.Debug().Msgf(format, v...) }

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Stats counts what the client did since it was built.
type Stats struct {
	Requests int64         // HTTP attempts, token exchanges included
	Retries  int64         // attempts repeated after a failure
	Reauths  int64         // token exchanges after the first
	ByStatus map[int]int64 // attempts per HTTP status; 0 = no response
}

type counters struct {
	requests, retries, reauths atomic.Int64
	mu                         sync.Mutex
	byStatus                   map[int]int64
}

func (s *counters) status(code int) {
	s.requests.Add(1)
	s.mu.Lock()
	s.byStatus[code]++
	s.mu.Unlock()
}

// Stats returns a snapshot of the counters.
func (c *Client) Stats() Stats {
	c.stats.mu.Lock()
	defer c.stats.mu.Unlock()
	by := make(map[int]int64, len(c.stats.byStatus))
	for k, v := range c.stats.byStatus {
		by[k] = v
	}
	return Stats{
		Requests: c.stats.requests.Load(),
		Retries:  c.stats.retries.Load(),
		Reauths:  c.stats.reauths.Load(),
		ByStatus: by,
	}
}
