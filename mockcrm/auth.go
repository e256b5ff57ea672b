package mockcrm

import (
	"crypto/rand"
	"crypto/subtle"
	"math"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// sessions are the session tokens issued by the token exchange.
type sessions struct {
	mu      sync.Mutex
	byToken map[string]*session
}

type session struct {
	expires time.Time
	limiter *rate.Limiter // nil: unlimited
}

func (s *Server) handleAuth(r *http.Request) (reply, error) {
	given := r.Header.Get("token")
	if given == "" {
		return reply{}, errorf(http.StatusUnauthorized, "header token is missing: send the API user token")
	}
	if subtle.ConstantTimeCompare([]byte(given), []byte(s.opts.APIToken)) != 1 {
		return reply{}, errorf(http.StatusUnauthorized, "the API user token is not valid")
	}
	token := rand.Text() // 130 random bits
	now := s.opts.Now()
	s.sessions.mu.Lock()
	defer s.sessions.mu.Unlock()
	s.sessions.pruneExpired(now)
	s.sessions.byToken[token] = &session{expires: now.Add(s.opts.TokenTTL), limiter: s.newLimiter()}
	return textReply(http.StatusOK, token), nil
}

func (s *Server) newLimiter() *rate.Limiter {
	if s.opts.RatePerSecond < 0 {
		return nil
	}
	return rate.NewLimiter(rate.Limit(s.opts.RatePerSecond), s.opts.Burst)
}

// pruneExpired keeps the table from growing with every exchange. Caller holds mu.
func (ss *sessions) pruneExpired(now time.Time) {
	for tok, sess := range ss.byToken {
		if !now.Before(sess.expires) {
			delete(ss.byToken, tok)
		}
	}
}

// ExpireTokens expires every session token issued so far, as happens to a
// long sync run when the CRM's session lifetime ends.
func (s *Server) ExpireTokens() {
	now := s.opts.Now()
	s.sessions.mu.Lock()
	defer s.sessions.mu.Unlock()
	for _, sess := range s.sessions.byToken {
		sess.expires = now
	}
}

// admit checks the session token and its rate limit.
func (s *Server) admit(r *http.Request) error {
	token := r.Header.Get("cognitoToken")
	if token == "" {
		return errorf(http.StatusUnauthorized, "header cognitoToken is missing: exchange the API user token first")
	}
	now := s.opts.Now()
	s.sessions.mu.Lock()
	sess, ok := s.sessions.byToken[token]
	expired := ok && !now.Before(sess.expires)
	s.sessions.mu.Unlock()
	switch {
	case !ok:
		return errorf(http.StatusUnauthorized, "the session token is not valid: exchange the API user token again")
	case expired:
		return errorf(http.StatusUnauthorized, "the session token has expired: exchange the API user token again")
	}
	return sess.take(now)
}

// take spends one request of the session's rate; when none is left the
// answer is 429 with the whole seconds until one is.
func (sess *session) take(now time.Time) error {
	if sess.limiter == nil {
		return nil
	}
	res := sess.limiter.ReserveN(now, 1)
	delay := res.DelayFrom(now)
	if res.OK() && delay == 0 {
		return nil
	}
	res.CancelAt(now)
	return rateLimited(delay)
}

// rateLimited is a 429 answer whose Retry-After is wait in whole seconds, at least 1.
func rateLimited(wait time.Duration) error {
	return &apiError{
		status:     http.StatusTooManyRequests,
		message:    "too many requests: slow down and retry after the seconds in Retry-After",
		retryAfter: max(1, int(math.Ceil(wait.Seconds()))),
	}
}
