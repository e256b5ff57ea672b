package connector

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Config says how to reach one company's CRM and how gently to treat it.
// Zero values take the defaults documented on each field.
type Config struct {
	BaseURL           string        // required, absolute http(s) URL (crm.base_url)
	APIToken          string        // required (crm.token); exchanged for a session token
	RequestsPerSecond float64       // client-side rate limit, default 20
	Burst             int           // requests allowed at once, default 10
	Timeout           time.Duration // per attempt, default 30s
	MaxRetries        int           // default 6 (attempts = 1 + MaxRetries)
	BackoffMin        time.Duration // default 250ms
	BackoffMax        time.Duration // default 30s; also caps an honoured Retry-After
	MaxResponseBytes  int64         // largest response body accepted, default 64 MiB
	HTTPClient        *http.Client  // optional; copied, never modified
}

const (
	defaultRequestsPerSecond = 20
	defaultBurst             = 10
	defaultTimeout           = 30 * time.Second
	defaultMaxRetries        = 6
	defaultBackoffMin        = 250 * time.Millisecond
	defaultBackoffMax        = 30 * time.Second
	defaultMaxResponseBytes  = 64 << 20
)

// withDefaults fills every zero field with its default.
func (c Config) withDefaults() Config {
	c.RequestsPerSecond = orDefault(c.RequestsPerSecond, defaultRequestsPerSecond)
	c.Burst = orDefault(c.Burst, defaultBurst)
	c.Timeout = orDefault(c.Timeout, defaultTimeout)
	c.MaxRetries = orDefault(c.MaxRetries, defaultMaxRetries)
	// A default never contradicts the other bound the admin did set.
	c.BackoffMax = orDefault(c.BackoffMax, max(defaultBackoffMax, c.BackoffMin))
	c.BackoffMin = orDefault(c.BackoffMin, min(defaultBackoffMin, c.BackoffMax))
	c.MaxResponseBytes = orDefault(c.MaxResponseBytes, defaultMaxResponseBytes)
	return c
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// validate reports every problem at once, so an admin fixes them in one go.
func (c Config) validate() error {
	var errs []error
	if err := validateBaseURL(c.BaseURL); err != nil {
		errs = append(errs, err)
	}
	if strings.TrimSpace(c.APIToken) == "" {
		errs = append(errs, errors.New("crm.token is empty: set the company's CRM API token"))
	} else if strings.ContainsAny(c.APIToken, "\r\n\t ") {
		errs = append(errs, errors.New("crm.token contains whitespace: copy the CRM API token without spaces or line breaks"))
	}
	if c.RequestsPerSecond < 0 || math.IsNaN(c.RequestsPerSecond) || math.IsInf(c.RequestsPerSecond, 0) {
		errs = append(errs, fmt.Errorf("requests per second %v: want a positive number", c.RequestsPerSecond))
	}
	errs = append(errs, checkNotNegative([]namedValue{
		{"burst", int64(c.Burst)}, {"timeout", int64(c.Timeout)}, {"max retries", int64(c.MaxRetries)},
		{"backoff min", int64(c.BackoffMin)}, {"backoff max", int64(c.BackoffMax)},
		{"max response bytes", c.MaxResponseBytes},
	})...)
	if c.BackoffMin > 0 && c.BackoffMax > 0 && c.BackoffMin > c.BackoffMax {
		errs = append(errs, fmt.Errorf("backoff min %v is above backoff max %v", c.BackoffMin, c.BackoffMax))
	}
	return errors.Join(errs...)
}

type namedValue struct {
	name  string
	value int64
}

func checkNotNegative(values []namedValue) []error {
	var errs []error
	for _, v := range values {
		if v.value < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative", v.name))
		}
	}
	return errs
}

// validateBaseURL rejects anything but a plain http(s) origin with an
// optional path; credentials in the URL would end up in error messages.
func validateBaseURL(raw string) error {
	if strings.TrimSpace(raw) == "" {
		return errors.New("crm.base_url is empty: set it to the CRM API address, e.g. https://api.production.cloudios.flowfact-prod.cloud")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("crm.base_url %q is not a URL: %w", raw, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("crm.base_url %q: want an absolute http or https URL", raw)
	case u.Host == "":
		return fmt.Errorf("crm.base_url %q has no host", raw)
	case u.User != nil:
		return errors.New("crm.base_url must not contain user or password; put the API token into crm.token")
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("crm.base_url %q must not have a query or fragment", raw)
	}
	return nil
}
