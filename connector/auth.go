package connector

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"unicode"
)

// session caches the session token made from the API token.
type session struct {
	// turn is held while exchanging, so concurrent callers wait for one
	// exchange instead of each starting their own; a channel, because
	// waiting for it must honour the caller's context.
	turn      chan struct{}
	mu        sync.Mutex
	token     string
	exchanges int
}

func (s *session) current() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token
}

// store keeps a fresh token and reports whether it replaced an earlier one.
func (s *session) store(token string) (renewed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = token
	s.exchanges++
	return s.exchanges > 1
}

// invalidate drops the token the CRM refused, unless another caller has
// already replaced it; that way a burst of 401s causes a single exchange.
func (s *session) invalidate(refused string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token == refused {
		s.token = ""
	}
}

// sessionToken returns the cached session token, exchanging the API token
// for one when there is none.
func (c *Client) sessionToken(ctx context.Context) (string, error) {
	if t := c.session.current(); t != "" {
		return t, nil
	}
	select {
	case c.session.turn <- struct{}{}:
	case <-ctx.Done():
		return "", &Error{Kind: ErrTransient, Method: http.MethodGet, Route: routeAuth, Err: ctx.Err()}
	}
	defer func() { <-c.session.turn }()
	if t := c.session.current(); t != "" {
		return t, nil // exchanged by another caller while this one waited
	}
	t, err := c.exchange(ctx)
	if err != nil {
		return "", err
	}
	if c.session.store(t) {
		c.stats.reauths.Add(1)
	}
	return t, nil
}

// exchange trades the API token for a session token (plain text body).
func (c *Client) exchange(ctx context.Context) (string, error) {
	var token string
	err := c.do(ctx, &call{
		method: http.MethodGet, template: routeAuth, idempotent: true, exchange: true,
		decode: func(body []byte) error {
			token = strings.TrimSpace(string(body))
			if token == "" || strings.IndexFunc(token, unicode.IsControl) >= 0 {
				return fmt.Errorf("%w: the token exchange returned no usable session token", errGarbled)
			}
			return nil
		},
	})
	return token, err
}

// authMessage tells the admin what to fix; it depends on whether the API
// token itself or the session made from it was refused.
func authMessage(exchange bool, status int) string {
	switch {
	case exchange:
		return "the CRM refused the API token; check crm.token of the company"
	case status == http.StatusForbidden:
		return "the CRM denied access; check crm.token of the company and the rights of its API user"
	default:
		return "the CRM refused a freshly exchanged session token; check crm.token of the company"
	}
}
