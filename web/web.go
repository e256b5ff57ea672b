// Package web serves the consent page: the personal page a broker's contact
// opens from the link in the broker's mail, to give or withdraw consent,
// correct data, request deletion and manage search profiles. Pages are
// rendered on the server from embedded templates in German or English and
// work without JavaScript. Every action goes through Actions (the consent
// domain); nothing here talks to the CRM.
package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/time/rate"

	"github.com/consentd/consentd/configs"
	"github.com/consentd/consentd/consent"
)

// Actions are the consent domain operations the page uses;
// *consent.Service implements them.
type Actions interface {
	Resolve(ctx context.Context, token string) (*consent.Subject, error)
	Give(ctx context.Context, subj *consent.Subject, c consent.Client, actionID string) (consent.Outcome, error)
	Correct(ctx context.Context, subj *consent.Subject, in consent.Correction, c consent.Client, actionID string) (consent.Outcome, error)
	Withdraw(ctx context.Context, subj *consent.Subject, req consent.Request, c consent.Client, actionID string) (consent.Outcome, error)
	RequestDeletion(ctx context.Context, subj *consent.Subject, req consent.Request, c consent.Client, actionID string) (consent.Outcome, error)
	SaveProfile(ctx context.Context, subj *consent.Subject, in consent.ProfileInput, c consent.Client, actionID string) (consent.Outcome, error)
	DeleteProfile(ctx context.Context, subj *consent.Subject, profileID string, c consent.Client, actionID string) (consent.Outcome, error)
}

// Company is one broker firm as its consent page shows it.
type Company struct {
	Slug    string
	Name    string
	Page    configs.Page
	Consent configs.Consent // purpose, text and its version as shown
	Actions Actions
}

// Options tune the page server. Zero values take the defaults noted.
type Options struct {
	Secret     []byte // keys the form tokens; at least configs.MinSecretBytes
	TrustProxy bool   // client address from X-Forwarded-For, scheme from X-Forwarded-Proto
	// PublicURL is where contacts reach the page; an https URL behind a
	// trusted proxy turns on HSTS and secure cookies.
	PublicURL          string
	Now                func() time.Time // default time.Now
	PerIPRate          rate.Limit       // requests per second per client address; default 10
	PerLinkRate        rate.Limit       // requests per second per link; default 2
	Burst              int              // bucket size of both limits; default 30
	MaxBody            int64            // form body bytes; default 16 KiB
	MinInvalidDuration time.Duration    // "link not valid" never answers faster; default 30 ms
	FormTTL            time.Duration    // how long a rendered form can be sent; default 8 h
}

const (
	defaultPerIPRate   = 10
	defaultPerLinkRate = 2
	defaultBurst       = 30
	defaultMaxBody     = 16 << 10
	defaultMinInvalid  = 30 * time.Millisecond
	defaultFormTTL     = 8 * time.Hour
	// maxTrackedClients bounds each rate limiter's memory.
	maxTrackedClients = 20000
)

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	o.PerIPRate = orDefault(o.PerIPRate, defaultPerIPRate)
	o.PerLinkRate = orDefault(o.PerLinkRate, defaultPerLinkRate)
	o.Burst = orDefault(o.Burst, defaultBurst)
	o.MaxBody = orDefault(o.MaxBody, defaultMaxBody)
	o.MinInvalidDuration = orDefault(o.MinInvalidDuration, defaultMinInvalid)
	o.FormTTL = orDefault(o.FormTTL, defaultFormTTL)
	return o
}

func orDefault[T rate.Limit | int | int64 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// server holds what every request needs.
type server struct {
	companies func(slug string) (*Company, bool)
	opts      Options
	log       zerolog.Logger
	views     *views
	forms     formTokens
	perIP     *limiter
	perLink   *limiter
	https     bool // PublicURL is https
}

// New returns the consent page handler. companies finds a company by the
// slug in the link. It fails only on a missing or short secret.
func New(companies func(slug string) (*Company, bool), opts Options, log zerolog.Logger) (http.Handler, error) {
	h, _, err := newServer(companies, opts, log)
	return h, err
}

func newServer(companies func(slug string) (*Company, bool), opts Options, log zerolog.Logger) (http.Handler, *server, error) {
	if len(opts.Secret) < configs.MinSecretBytes {
		return nil, nil, fmt.Errorf("consent page: the secret is %d bytes, want at least %d (http.secret)", len(opts.Secret), configs.MinSecretBytes)
	}
	if companies == nil {
		return nil, nil, errors.New("consent page: no company lookup")
	}
	opts = opts.withDefaults()
	views, err := loadViews()
	if err != nil {
		return nil, nil, err
	}
	s := &server{
		companies: companies,
		opts:      opts,
		log:       log,
		views:     views,
		forms:     formTokens{secret: opts.Secret, ttl: opts.FormTTL},
		perIP:     newLimiter(opts.PerIPRate, opts.Burst, maxTrackedClients),
		perLink:   newLimiter(opts.PerLinkRate, opts.Burst, maxTrackedClients),
		https:     isHTTPS(opts.PublicURL),
	}
	return s.accessLog(s.securityHeaders(s.limitClients(http.HandlerFunc(s.route)))), s, nil
}
