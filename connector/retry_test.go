package connector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

const entityPath = contactsRoute + "/entities/c-1"

func TestRetryAfterIsHonoured(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter string
		backoffMax time.Duration
		want       time.Duration
	}{
		{"seconds", "1", time.Minute, time.Second},
		{"capped by backoff max", "3600", 5 * time.Second, 5 * time.Second},
		{"http date", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), 2 * time.Second, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
				crm := newTestCRM().handle("GET "+entityPath, sequence(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Retry-After", tt.retryAfter)
					crmError(status, "busy")(w, r)
				}, reply(200, entityJSON("c-1"))))
				srv := crm.start(t)
				c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.BackoffMax = tt.backoffMax })
				waits := recordSleeps(c)
				if _, err := c.Entity(context.Background(), "contacts", "c-1"); err != nil {
					t.Fatalf("status %d: %v", status, err)
				}
				if got := waits(); len(got) != 1 || got[0] != tt.want {
					t.Errorf("status %d: waits = %v, want [%v]", status, got, tt.want)
				}
			}
		})
	}
}

func TestRetryAfterWaitsForReal(t *testing.T) {
	crm := newTestCRM().handle("GET "+entityPath, sequence(rateLimited("1"), reply(200, entityJSON("c-1"))))
	srv := crm.start(t)
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.BackoffMax = 5 * time.Second })
	start := time.Now()
	if _, err := c.Entity(context.Background(), "contacts", "c-1"); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < time.Second || took > 3*time.Second {
		t.Errorf("call took %v, want about the 1s of Retry-After", took)
	}
}

func TestRetryAfterBeyondDeadlineFailsAtOnce(t *testing.T) {
	crm := newTestCRM().handle("GET "+entityPath, rateLimited("10"))
	srv := crm.start(t)
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.BackoffMax = time.Minute })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.Entity(ctx, "contacts", "c-1")
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("err = %v, want ErrRateLimited", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("gave up after %v; waiting past the deadline is pointless", took)
	}
	if got := crm.count("GET " + entityPath); got != 1 {
		t.Errorf("attempts = %d, want 1", got)
	}
}

func TestFlakyCRMStillSucceeds(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var mu sync.Mutex
	flaky := func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fail := rng.Float64() < 0.3
		mu.Unlock()
		if fail {
			reply(http.StatusInternalServerError, `{"status": 500, "mess`)(w, r)
			return
		}
		reply(200, entityJSON("c-1"))(w, r)
	}
	crm := newTestCRM().handle("GET "+entityPath, flaky)
	srv := crm.start(t)
	c, _ := newTestClient(t, srv.URL)
	for i := range 100 {
		if _, err := c.Entity(context.Background(), "contacts", "c-1"); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	st := c.Stats()
	if st.ByStatus[500] < 15 || st.Retries != st.ByStatus[500] {
		t.Errorf("stats = %+v: want about 30%% 500s, each one retried", st)
	}
}

// truncated declares a longer body than it sends, so the client reads an
// unexpected EOF.
func truncated(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(body)+100))
		w.WriteHeader(200)
		fmt.Fprint(w, body)
	}
}

func TestGarbledAnswersAreRetried(t *testing.T) {
	good := `{"entries":[` + entityJSON("c-1") + `],"totalCount":1,"page":1,"size":10}`
	tests := []struct {
		name string
		bad  http.HandlerFunc
	}{
		{"cut-off JSON", reply(200, good[:len(good)/2])},
		{"proxy HTML page", reply(200, "<html><body>Wartung</body></html>")},
		{"connection dropped mid-body", truncated(good[:40])},
		{"empty body", reply(200, "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			crm := newTestCRM().handle("POST "+searchRouteFor("contacts"), sequence(tt.bad, tt.bad, reply(200, good)))
			srv := crm.start(t)
			c, _ := newTestClient(t, srv.URL)
			p, err := c.Search(context.Background(), "contacts", Query{}, 1, 10)
			if err != nil {
				t.Fatalf("Search: %v", err)
			}
			if len(p.Entries) != 1 || c.Stats().Retries != 2 {
				t.Errorf("entries = %d, stats = %+v; want 1 entry after 2 retries", len(p.Entries), c.Stats())
			}

			crm.handle("POST "+searchRouteFor("contacts"), tt.bad)
			_, err = c.Search(context.Background(), "contacts", Query{}, 1, 10)
			if !errors.Is(err, ErrTransient) {
				t.Errorf("always garbled: err = %v, want ErrTransient", err)
			}
		})
	}
}

func searchRouteFor(schema string) string {
	return "/search-service/stable/schemas/" + schema
}

// createCalls are the non-idempotent calls with the route they post to.
var createCalls = []struct {
	name, route string
	create      func(context.Context, *Client) (string, error)
}{
	{"entity", contactsRoute, func(ctx context.Context, c *Client) (string, error) {
		return c.CreateEntity(ctx, "contacts", map[string][]any{"lastName": {"Weiß"}})
	}},
	{"activity", routeActivities, func(ctx context.Context, c *Client) (string, error) {
		return c.CreateActivity(ctx, Activity{Type: "Einwilligung", Subject: "erteilt", ExternalID: "consentd:x:1"})
	}},
	{"search profile", "/searchprofile-service/stable/contacts/c-1/searchprofiles", func(ctx context.Context, c *Client) (string, error) {
		return c.CreateSearchProfile(ctx, SearchProfile{ContactID: "c-1", MarketingType: "BUY"})
	}},
}

func TestCreatesAreNotRepeatedAfterUnknownOutcome(t *testing.T) {
	answers := []struct {
		name     string
		answer   http.HandlerFunc
		attempts int
		kind     error
	}{
		{"500", crmError(500, "oops"), 1, ErrTransient},
		{"503 with Retry-After", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "1")
			crmError(503, "busy")(w, r)
		}, 1, ErrTransient},
		{"201 with cut-off answer", truncated(`{"id":`), 1, ErrTransient},
		{"201 without id", reply(201, `{}`), 1, ErrTransient},
		{"429 is repeated", rateLimited("0"), 4, ErrRateLimited},
	}
	for _, a := range answers {
		for _, cr := range createCalls {
			t.Run(a.name+"/"+cr.name, func(t *testing.T) {
				crm := newTestCRM().handle("POST "+cr.route, a.answer)
				srv := crm.start(t)
				c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.MaxRetries = 3 })
				_, err := cr.create(context.Background(), c)
				if !errors.Is(err, a.kind) {
					t.Fatalf("err = %v, want %v", err, a.kind)
				}
				if got := crm.count("POST " + cr.route); got != a.attempts {
					t.Errorf("posts = %d, want %d", got, a.attempts)
				}
				if a.kind == ErrTransient && !strings.Contains(err.Error(), "may have carried it out; check before sending it again") {
					t.Errorf("err %q does not warn that the create may have happened", err)
				}
			})
		}
	}
}

func TestCreatesAreRepeatedWhenSurelyUnsent(t *testing.T) {
	for _, cr := range createCalls {
		t.Run(cr.name, func(t *testing.T) {
			crm := newTestCRM().handle("POST "+cr.route, sequence(rateLimited("0"), reply(201, `{"id": "new-1"}`)))
			srv := crm.start(t)
			c, _ := newTestClient(t, srv.URL)
			id, err := cr.create(context.Background(), c)
			if err != nil || id != "new-1" {
				t.Fatalf("create = %q, %v; want new-1 after one 429", id, err)
			}
			if got := crm.count("POST " + cr.route); got != 2 {
				t.Errorf("posts = %d, want 2", got)
			}
		})
	}
}

func TestCreateRepeatedWhileCRMRefusesConnections(t *testing.T) {
	crm := newTestCRM().handle("GET "+entityPath, reply(200, entityJSON("c-1")))
	srv := crm.start(t)
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) {
		cfg.MaxRetries = 3
		// A kept-alive connection would fail after the request was written.
		cfg.HTTPClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	})
	if _, err := c.Entity(context.Background(), "contacts", "c-1"); err != nil {
		t.Fatal(err) // holds a session token now
	}
	srv.Close() // connection refused from here on: the CRM surely sees nothing
	_, err := c.CreateActivity(context.Background(), Activity{Type: "Einwilligung", ExternalID: "k"})
	if !errors.Is(err, ErrTransient) || strings.Contains(err.Error(), "may have carried it out") {
		t.Fatalf("err = %v, want ErrTransient without doubt about the outcome", err)
	}
	if got := c.Stats().ByStatus[0]; got != 4 {
		t.Errorf("failed connection attempts = %d, want 4 (1 + MaxRetries)", got)
	}
}

func TestCreateNotRepeatedAfterTimeout(t *testing.T) {
	crm := newTestCRM().handle("POST "+routeActivities, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // only then does the server notice the client hanging up
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	})
	srv := crm.start(t)
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.Timeout = 100 * time.Millisecond })
	_, err := c.CreateActivity(context.Background(), Activity{Type: "Einwilligung", ExternalID: "k"})
	if !errors.Is(err, ErrTransient) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no answer within 100ms") {
		t.Fatalf("err = %v, want ErrTransient wrapping the attempt's deadline", err)
	}
	if got := crm.count("POST " + routeActivities); got != 1 {
		t.Errorf("posts = %d, want 1", got)
	}
}

func TestIdempotentCallRepeatedAfterTimeout(t *testing.T) {
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}
	crm := newTestCRM().handle("GET "+entityPath, sequence(slow, reply(200, entityJSON("c-1"))))
	srv := crm.start(t)
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.Timeout = 100 * time.Millisecond })
	if _, err := c.Entity(context.Background(), "contacts", "c-1"); err != nil {
		t.Fatalf("Entity: %v", err)
	}
	if got := crm.count("GET " + entityPath); got != 2 {
		t.Errorf("attempts = %d, want 2", got)
	}
}

func TestCancellationStopsPromptly(t *testing.T) {
	hang := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"during backoff", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "30")
			crmError(503, "maintenance")(w, r)
		}},
		{"during a hanging request", hang},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			crm := newTestCRM().handle("GET "+entityPath, tt.handler)
			srv := crm.start(t)
			c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.BackoffMax, cfg.Timeout = time.Minute, time.Minute })
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(100*time.Millisecond, cancel)
			start := time.Now()
			_, err := c.Entity(ctx, "contacts", "c-1")
			if took := time.Since(start); took > time.Second {
				t.Errorf("returned %v after the call started, want promptly after cancel", took)
			}
			if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrTransient) {
				t.Errorf("err = %v, want ErrTransient wrapping context.Canceled", err)
			}
		})
	}
}

func TestRateLimitIsRespected(t *testing.T) {
	crm := newTestCRM().handle("GET "+entityPath, reply(200, entityJSON("c-1")))
	srv := crm.start(t)
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.RequestsPerSecond, cfg.Burst = 50, 1 })
	start := time.Now()
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if _, err := c.Entity(context.Background(), "contacts", "c-1"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// 11 requests (exchange included) at 50/s with burst 1: 10 gaps of 20 ms.
	if took := time.Since(start); took < 190*time.Millisecond {
		t.Errorf("11 requests took %v, want ≥ 200ms at 50 requests/s", took)
	}
	if got := c.Stats().Requests; got != 11 {
		t.Errorf("requests = %d, want 11", got)
	}
}

func TestBackoffDelayStaysInBounds(t *testing.T) {
	c, _ := newTestClient(t, "http://unused.example", func(cfg *Config) {
		cfg.BackoffMin, cfg.BackoffMax = 100*time.Millisecond, 2*time.Second
	})
	tests := []struct {
		retry      int
		retryAfter time.Duration
		lo, hi     time.Duration
	}{
		{0, 0, 100 * time.Millisecond, 100 * time.Millisecond},
		{1, 0, 100 * time.Millisecond, 200 * time.Millisecond},
		{3, 0, 100 * time.Millisecond, 800 * time.Millisecond},
		{10, 0, 100 * time.Millisecond, 2 * time.Second},
		{1000, 0, 100 * time.Millisecond, 2 * time.Second},
		{2, 1500 * time.Millisecond, 1500 * time.Millisecond, 1500 * time.Millisecond},
		{2, time.Hour, 2 * time.Second, 2 * time.Second},
	}
	for _, tt := range tests {
		seen := map[time.Duration]bool{}
		for range 200 {
			d := c.delay(tt.retry, tt.retryAfter)
			if d < tt.lo || d > tt.hi {
				t.Fatalf("delay(%d, %v) = %v, want within [%v, %v]", tt.retry, tt.retryAfter, d, tt.lo, tt.hi)
			}
			seen[d] = true
		}
		if tt.lo != tt.hi && len(seen) < 10 {
			t.Errorf("delay(%d) took only %d distinct values: no jitter", tt.retry, len(seen))
		}
	}
}
