package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/rs/zerolog"
)

// call is one logical CRM request, sent as often as the retry policy allows.
type call struct {
	method     string
	template   string   // route with {placeholders}
	values     []string // fill the placeholders, in order
	query      url.Values
	body       any  // marshalled to JSON once; nil sends no body
	idempotent bool // repeating it after an unknown outcome does no harm
	exchange   bool // the token exchange: sends the API token, needs no session
	// decode reads a 2xx body; an error wrapping errGarbled is retried like
	// a network error, any other error is permanent.
	decode func(body []byte) error

	path    string // template filled in; the route in logs and errors
	payload []byte
}

// errGarbled marks a 2xx answer that could not be read: a cut-off body, a
// proxy's HTML page. It says nothing about the request, so it is retried.
var errGarbled = errors.New("the CRM's answer is garbled")

// failure is the outcome of one unsuccessful attempt.
type failure struct {
	err        *Error
	retryable  bool          // worth repeating, at least if idempotent
	unsent     bool          // the CRM surely did not act on the request
	retryAfter time.Duration // the CRM's Retry-After; 0 when absent
}

// do sends req until it succeeds, fails for good or runs out of retries.
// A 401 triggers one fresh token exchange that does not count as a retry.
func (c *Client) do(ctx context.Context, req *call) error {
	if err := c.prepare(req); err != nil {
		return err
	}
	reauthed := false
	for retry := 0; ; {
		token, err := c.tokenFor(ctx, req)
		if err != nil {
			return err
		}
		f := c.attempt(ctx, req, token)
		switch {
		case f == nil:
			return nil
		case ctx.Err() != nil:
			return c.canceled(req, ctx.Err())
		case !req.exchange && f.err.Status == http.StatusUnauthorized && !reauthed:
			reauthed = true
			c.dropSession(req, token)
			continue
		case !f.retryable || !(req.idempotent || f.unsent) || retry >= c.cfg.MaxRetries:
			return c.finalError(req, f)
		}
		if err := c.backoff(ctx, req, f, retry); err != nil {
			return err
		}
		retry++
	}
}

// dropSession forgets the refused session token, so the next attempt
// exchanges the API token again.
func (c *Client) dropSession(req *call, refused string) {
	c.session.invalidate(refused)
	c.log.Info().Str("route", req.path).Msg("CRM session expired; exchanging the API token again")
}

// prepare fills the route and encodes the body, so bad input fails before
// any request and every attempt sends the same bytes.
func (c *Client) prepare(req *call) error {
	path, err := route(req.template, req.values...)
	if err != nil {
		return badInput(req.method, req.template, err)
	}
	req.path = path
	if req.body != nil {
		if req.payload, err = json.Marshal(req.body); err != nil {
			return badInput(req.method, path, fmt.Errorf("encode request body: %w", err))
		}
	}
	return nil
}

// badInput reports a caller's mistake that no CRM request could fix.
func badInput(method, route string, err error) *Error {
	return &Error{Kind: ErrPermanent, Method: method, Route: route, Message: err.Error()}
}

func (c *Client) tokenFor(ctx context.Context, req *call) (string, error) {
	if req.exchange {
		return "", nil
	}
	return c.sessionToken(ctx)
}

func (c *Client) canceled(req *call, err error) *Error {
	return &Error{Kind: ErrTransient, Method: req.method, Route: req.path, Err: err}
}

// finalError is the error of the last attempt; for a create whose outcome is
// unknown it says so, because blindly repeating it could duplicate a record.
func (c *Client) finalError(req *call, f *failure) error {
	if f.retryable && !f.unsent && !req.idempotent {
		f.err.Message = joinMessage(f.err.Message, "the CRM may have carried it out; check before sending it again")
	}
	return f.err
}

func joinMessage(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// attempt sends req once, after waiting for the rate limiter. Timeout bounds
// the whole attempt, body included.
func (c *Client) attempt(ctx context.Context, req *call, token string) *failure {
	if err := c.limiter.Wait(ctx); err != nil {
		return &failure{err: &Error{Kind: ErrTransient, Method: req.method, Route: req.path,
			Message: "the request rate limit leaves no time before the deadline", Err: err}}
	}
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	resp, err := c.newRequest(actx, req, token).Execute(req.method, req.path)
	if resp == nil || resp.RawResponse == nil {
		c.stats.status(0)
		return c.networkFailure(req, err)
	}
	c.stats.status(resp.StatusCode())
	return c.responseFailure(req, resp, err, token)
}

func (c *Client) newRequest(ctx context.Context, req *call, token string) *resty.Request {
	r := c.http.R().SetContext(ctx).SetQueryParamsFromValues(req.query)
	if req.exchange {
		r.SetHeaderVerbatim(headerAPIToken, c.cfg.APIToken)
	} else {
		r.SetHeaderVerbatim(headerSessionToken, token)
	}
	if req.payload != nil {
		r.SetHeader("Content-Type", "application/json").SetBody(req.payload)
	}
	return r
}

// networkFailure classifies an attempt that got no response. Only a failed
// dial proves the CRM never saw the request.
func (c *Client) networkFailure(req *call, err error) *failure {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err // its text repeats method and URL, which the Error has
	}
	var opErr *net.OpError
	unsent := errors.As(err, &opErr) && opErr.Op == "dial"
	msg := ""
	if errors.Is(err, context.DeadlineExceeded) { // the caller's own deadline is handled by do
		msg = fmt.Sprintf("no answer within %v", c.cfg.Timeout)
	}
	return &failure{
		err:       &Error{Kind: ErrTransient, Method: req.method, Route: req.path, Message: msg, Err: err},
		retryable: true, unsent: unsent,
	}
}

// responseFailure classifies an attempt that got a status; nil is success.
func (c *Client) responseFailure(req *call, resp *resty.Response, readErr error, token string) *failure {
	status := resp.StatusCode()
	newErr := func(kind error, msg string, cause error) *Error {
		return &Error{Kind: kind, Status: status, Method: req.method, Route: req.path, Message: msg, Err: cause}
	}
	switch {
	case errors.Is(readErr, resty.ErrResponseBodyTooLarge):
		return &failure{err: newErr(ErrPermanent, fmt.Sprintf("answer larger than %d bytes", c.cfg.MaxResponseBytes), nil)}
	case status >= 200 && status < 300 && readErr != nil:
		return &failure{err: newErr(ErrTransient, "the answer broke off", readErr), retryable: true}
	case status >= 200 && status < 300:
		return decodeFailure(req, resp.Body(), newErr)
	}
	msg := redact(crmMessage(resp.Body()), c.cfg.APIToken, token)
	return statusFailure(req, status, resp.Header(), msg, newErr)
}

func decodeFailure(req *call, body []byte, newErr func(error, string, error) *Error) *failure {
	if req.decode == nil {
		return nil
	}
	err := req.decode(body)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errGarbled):
		return &failure{err: newErr(ErrTransient, "", err), retryable: true}
	default:
		return &failure{err: newErr(ErrPermanent, "unexpected answer", err)}
	}
}

func statusFailure(req *call, status int, h http.Header, msg string, newErr func(error, string, error) *Error) *failure {
	kind := kindOf(status)
	switch {
	case kind == ErrAuth:
		msg = joinMessage(authMessage(req.exchange, status), msg)
	case status >= 300 && status < 400:
		msg = joinMessage("the CRM answered with a redirect; check crm.base_url", msg)
	}
	f := &failure{err: newErr(kind, msg, nil)}
	switch {
	case status == http.StatusTooManyRequests:
		f.retryable, f.unsent, f.retryAfter = true, true, retryAfter(h)
	case kind == ErrTransient:
		f.retryable, f.retryAfter = true, retryAfter(h)
	}
	return f
}

// maxRetryAfter bounds a CRM's Retry-After before it meets BackoffMax, so
// absurd values cannot overflow a Duration.
const maxRetryAfter = 24 * time.Hour

// retryAfter reads Retry-After in seconds or as an HTTP date; 0 if absent.
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		return min(time.Duration(max(secs, 0))*time.Second, maxRetryAfter)
	}
	if at, err := http.ParseTime(v); err == nil {
		return min(max(time.Until(at), 0), maxRetryAfter)
	}
	return 0
}

// backoff waits before the next attempt. It gives up at once, returning the
// last failure, when the wait would outlast the caller's deadline.
func (c *Client) backoff(ctx context.Context, req *call, f *failure, retry int) error {
	wait := c.delay(retry, f.retryAfter)
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= wait {
		return c.finalError(req, f)
	}
	c.stats.retries.Add(1)
	c.logRetry(req, f, retry, wait)
	if err := c.sleep(ctx, wait); err != nil {
		return c.canceled(req, err)
	}
	return nil
}

// delay is the CRM's Retry-After capped by BackoffMax, or else exponential
// backoff with full jitter between BackoffMin and a ceiling that doubles per
// retry up to BackoffMax.
func (c *Client) delay(retry int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, c.cfg.BackoffMax)
	}
	ceiling := c.cfg.BackoffMin
	for i := 0; i < retry && ceiling < c.cfg.BackoffMax; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, c.cfg.BackoffMax)
	return c.cfg.BackoffMin + rand.N(ceiling-c.cfg.BackoffMin+1)
}

// logRetry records a retry without bodies (they hold personal data) and
// without tokens; it turns to a warning when the CRM keeps failing.
func (c *Client) logRetry(req *call, f *failure, retry int, wait time.Duration) {
	level := zerolog.DebugLevel
	if retry >= 2 {
		level = zerolog.WarnLevel
	}
	ev := c.log.WithLevel(level).Str("method", req.method).Str("route", req.path).
		Int("status", f.err.Status).Str("kind", f.err.Kind.Error()).
		Int("retry", retry+1).Dur("wait", wait)
	if f.err.Status == 0 && f.err.Err != nil {
		ev = ev.Str("cause", f.err.Err.Error())
	}
	ev.Msg("CRM call failed; retrying")
}
