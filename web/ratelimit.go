package web

import (
	"crypto/sha256"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter keeps one token bucket per key (a client address, a link) in
// bounded memory.
type limiter struct {
	rate  rate.Limit
	burst int
	max   int
	// idle is how long an untouched bucket takes to refill: after that it
	// equals a new one and can be forgotten without losing anything.
	idle time.Duration

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(r rate.Limit, burst, max int) *limiter {
	idle := time.Duration(float64(burst) / float64(r) * float64(time.Second))
	return &limiter{rate: r, burst: burst, max: max, idle: idle, buckets: map[string]*bucket{}}
}

// allow takes a token from key's bucket. When there is none it tells how
// long until there will be.
func (l *limiter) allow(key string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		l.makeRoom(now)
		b = &bucket{lim: rate.NewLimiter(l.rate, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	res := b.lim.ReserveN(now, 1)
	if wait := res.DelayFrom(now); wait > 0 {
		res.CancelAt(now)
		return wait, false
	}
	return 0, true
}

// makeRoom forgets refilled buckets once the map is full and, should a
// flood of new keys leave none refilled, a tenth of the rest: a forgotten
// client starts over with a full bucket, which bounds memory at the price
// of some leniency under attack.
func (l *limiter) makeRoom(now time.Time) {
	if len(l.buckets) < l.max {
		return
	}
	for key, b := range l.buckets {
		if now.Sub(b.seen) >= l.idle {
			delete(l.buckets, key)
		}
	}
	if len(l.buckets) < l.max {
		return
	}
	for key := range l.buckets { // map order is random: no client is always the one dropped
		if len(l.buckets) < l.max-l.max/10 {
			return
		}
		delete(l.buckets, key)
	}
}

// limitClients answers 429 to a client address that sends too much.
func (s *server) limitClients(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wait, ok := s.perIP.allow(rateKey(s.clientIP(r)), s.opts.Now()); !ok {
			s.tooMany(w, r, wait)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// linkKey identifies a link in the per-link limiter by a digest, so the
// limiter holds no tokens and keys have a fixed size.
func linkKey(slug, token string) string {
	sum := sha256.Sum256([]byte(slug + "/" + token))
	return string(sum[:16])
}

// tooMany answers 429 with the seconds to wait.
func (s *server) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	seconds := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(seconds))
	s.problem(w, r, nil, http.StatusTooManyRequests, "too_many", seconds)
}
