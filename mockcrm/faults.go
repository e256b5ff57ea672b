package mockcrm

import (
	"context"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Faults make the mock CRM misbehave the way a real one does on a bad day.
// Shares are probabilities from 0 to 1, drawn per request.
type Faults struct {
	// ErrorRate is the share of API requests answered 500, 502 or 503 before
	// anything is done; some of those bodies are truncated or not JSON.
	ErrorRate float64
	// RateLimitRate is the share answered 429 with Retry-After.
	RateLimitRate float64
	// RetryAfter is the Retry-After of injected 429s, in whole seconds (at
	// least 1); default 1s.
	RetryAfter time.Duration
	// Latency is added before every answer.
	Latency time.Duration
	// SlowBody spreads each answer's body over this duration, in chunks.
	SlowBody time.Duration
	// MalformedJSONRate is the share of 200 JSON answers whose body is cut in
	// the middle.
	MalformedJSONRate float64
	// LostResponseRate is the share of successful writes (POST, PATCH, PUT,
	// DELETE) that take effect but are answered 502, as when a proxy times
	// out after the CRM acted: the client cannot tell whether it worked.
	LostResponseRate float64
	// AuthErrors subjects the token exchange to ErrorRate and RateLimitRate too.
	AuthErrors bool
}

func (f Faults) normalized() Faults {
	for _, p := range []*float64{&f.ErrorRate, &f.RateLimitRate, &f.MalformedJSONRate, &f.LostResponseRate} {
		*p = share(*p)
	}
	f.Latency = max(f.Latency, 0)
	f.SlowBody = max(f.SlowBody, 0)
	if f.RetryAfter <= 0 {
		f.RetryAfter = time.Second
	}
	return f
}

func share(p float64) float64 {
	if math.IsNaN(p) {
		return 0
	}
	return min(max(p, 0), 1)
}

// faultState holds the current faults and the dice they are rolled with.
type faultState struct {
	mu  sync.Mutex
	f   Faults
	rng *rand.Rand
}

// SetFaults replaces the faults in effect; the zero Faults switches them off.
// Shares outside 0..1 are clamped.
func (s *Server) SetFaults(f Faults) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.f = f.normalized()
}

func (fs *faultState) current() Faults {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.f
}

func (fs *faultState) roll(p float64) bool {
	return p > 0 && fs.float() < p
}

func (fs *faultState) float() float64 {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.rng.Float64()
}

func (fs *faultState) intN(n int) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.rng.IntN(n)
}

// inject decides whether this request fails before it is carried out.
func (fs *faultState) inject(f Faults) (reply, bool) {
	if f.ErrorRate <= 0 && f.RateLimitRate <= 0 {
		return reply{}, false
	}
	switch u := fs.float(); {
	case u < f.ErrorRate:
		return fs.serverError(), true
	case u < f.ErrorRate+f.RateLimitRate:
		return replyFor(rateLimited(f.RetryAfter)), true
	}
	return reply{}, false
}

// serverError is a transient failure: a proper error body, one cut short or
// a proxy's HTML page.
func (fs *faultState) serverError() reply {
	status := [...]int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable}[fs.intN(3)]
	rep := errorReply(status, "the CRM is temporarily unavailable; try again later")
	switch fs.intN(3) {
	case 1:
		rep.body = rep.body[:len(rep.body)/2]
	case 2:
		rep.ctype = "text/html"
		rep.body = []byte("<html><body><h1>" + strconv.Itoa(status) + " " + http.StatusText(status) + "</h1></body></html>")
	}
	return rep
}

// send writes rep, cutting a JSON body short or trickling it out as f says.
func (s *Server) send(w http.ResponseWriter, r *http.Request, rep reply, f Faults) {
	body := rep.body
	if rep.status == http.StatusOK && rep.ctype == contentJSON && s.faults.roll(f.MalformedJSONRate) {
		body = body[:len(body)/2]
	}
	h := w.Header()
	if rep.ctype != "" {
		h.Set("Content-Type", rep.ctype)
	}
	if rep.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(rep.retryAfter))
	}
	if rep.status != http.StatusNoContent {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(rep.status)
	if f.SlowBody > 0 {
		writeSlowly(r.Context(), w, body, f.SlowBody)
		return
	}
	_, _ = w.Write(body) // the client hung up; nothing left to tell it
}

// writeSlowly writes body in up to ten chunks spread over d, stopping when
// the client goes away.
func writeSlowly(ctx context.Context, w http.ResponseWriter, body []byte, d time.Duration) {
	chunks := min(10, len(body))
	if chunks == 0 {
		return
	}
	size := (len(body) + chunks - 1) / chunks
	gap := d / time.Duration(max(chunks-1, 1))
	rc := http.NewResponseController(w)
	for len(body) > 0 {
		n := min(size, len(body))
		if _, err := w.Write(body[:n]); err != nil {
			return
		}
		_ = rc.Flush() // a writer that cannot flush still delivers the body
		if body = body[n:]; len(body) > 0 && !pause(ctx, gap) {
			return
		}
	}
}

// pause waits d unless ctx ends first; it reports whether the wait completed.
func pause(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
