package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// testAPIToken and the session tokens testCRM issues contain "SECRET", so a
// leak into an error or a log line is easy to spot.
const (
	testAPIToken  = "api-SECRET-token-4711"
	secretMarker  = "SECRET"
	contactsRoute = "/entity-service/stable/schemas/contacts"
)

// testCRM is an HTTP server speaking the contract's authentication, with
// per-route handlers a test installs. It counts every request. Its 401
// messages echo the token received, as careless servers do, so every test
// also checks that the client keeps tokens out of its errors.
type testCRM struct {
	mu        sync.Mutex
	sessions  map[string]bool
	exchanges int
	refuseAll bool // the API user may exchange but not use the session
	hits      map[string]int
	routes    map[string]http.HandlerFunc
}

func newTestCRM() *testCRM {
	return &testCRM{sessions: map[string]bool{}, hits: map[string]int{}, routes: map[string]http.HandlerFunc{}}
}

// handle installs h for "METHOD /escaped/path".
func (s *testCRM) handle(pattern string, h http.HandlerFunc) *testCRM {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes[pattern] = h
	return s
}

func (s *testCRM) start(t *testing.T) *httptest.Server {
	return newServer(t, s)
}

func newServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func (s *testCRM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + r.URL.EscapedPath()
	s.mu.Lock()
	s.hits[key]++
	h, known := s.routes[key]
	s.mu.Unlock()
	switch {
	case r.URL.Path == routeAuth:
		s.exchange(w, r)
	case !s.validSession(r.Header.Get(headerSessionToken)):
		crmError(http.StatusUnauthorized, "token expired: "+r.Header.Get(headerSessionToken))(w, r)
	case !known:
		writeJSON(w, http.StatusNotFound, map[string]any{"status": 404, "message": "no such route " + key})
	default:
		h(w, r)
	}
}

func (s *testCRM) exchange(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get(headerAPIToken) != testAPIToken {
		crmError(http.StatusUnauthorized, "invalid token "+r.Header.Get(headerAPIToken))(w, r)
		return
	}
	s.mu.Lock()
	s.exchanges++
	token := fmt.Sprintf("session-%s-%d", secretMarker, s.exchanges)
	s.sessions[token] = true
	s.mu.Unlock()
	fmt.Fprint(w, token)
}

func (s *testCRM) validSession(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[token] && !s.refuseAll
}

// expire makes every issued session token invalid, as after an hour.
func (s *testCRM) expire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions = map[string]bool{}
}

func (s *testCRM) count(pattern string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[pattern]
}

func (s *testCRM) exchangeCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exchanges
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client going away is not the test's concern
}

func reply(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

func crmError(status int, msg string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, status, map[string]any{"status": status, "message": msg})
	}
}

func rateLimited(retryAfter string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", retryAfter)
		crmError(http.StatusTooManyRequests, "slow down")(w, r)
	}
}

// sequence answers the n-th request with hs[n], and all later ones with the
// last handler.
func sequence(hs ...http.HandlerFunc) http.HandlerFunc {
	var mu sync.Mutex
	n := 0
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := hs[min(n, len(hs)-1)]
		n++
		mu.Unlock()
		h(w, r)
	}
}

func entityJSON(id string) string {
	return `{"id":"` + id + `","_metadata":{"id":"` + id + `","schema":"contacts","createdAt":1716200000000,"updatedAt":1731600000000},` +
		`"firstName":{"values":["Jürgen"]},"lastName":{"values":["Weiß-Müller"]},"companyName":{"values":[]}}`
}

// logBuffer collects log output from concurrent goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newTestClient builds a client with fast backoff against baseURL; mods
// adjust the config.
func newTestClient(t *testing.T, baseURL string, mods ...func(*Config)) (*Client, *logBuffer) {
	t.Helper()
	cfg := Config{
		BaseURL: baseURL, APIToken: testAPIToken,
		RequestsPerSecond: 10000, Burst: 1000, Timeout: 2 * time.Second,
		BackoffMin: time.Millisecond, BackoffMax: 20 * time.Millisecond,
	}
	for _, mod := range mods {
		mod(&cfg)
	}
	logs := &logBuffer{}
	c, err := New(cfg, zerolog.New(logs).Level(zerolog.DebugLevel))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, logs
}

// recordSleeps makes c skip its waits and remember them instead.
func recordSleeps(c *Client) func() []time.Duration {
	var mu sync.Mutex
	var waits []time.Duration
	c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	return func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return append([]time.Duration(nil), waits...)
	}
}
