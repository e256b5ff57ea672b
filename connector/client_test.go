package connector

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestNewValidatesConfig(t *testing.T) {
	valid := Config{BaseURL: "https://crm.example.de/api", APIToken: testAPIToken}
	tests := []struct {
		name string
		mod  func(*Config)
		want []string // every fragment must appear; none means valid
	}{
		{"valid", func(*Config) {}, nil},
		{"missing base url", func(c *Config) { c.BaseURL = "" }, []string{"crm.base_url is empty"}},
		{"relative base url", func(c *Config) { c.BaseURL = "/api" }, []string{"want an absolute http or https URL"}},
		{"ftp base url", func(c *Config) { c.BaseURL = "ftp://crm.example.de" }, []string{"want an absolute http or https URL"}},
		{"credentials in base url", func(c *Config) { c.BaseURL = "https://u:p@crm.example.de" }, []string{"must not contain user or password"}},
		{"query in base url", func(c *Config) { c.BaseURL = "https://crm.example.de/?x=1" }, []string{"must not have a query"}},
		{"missing token", func(c *Config) { c.APIToken = " " }, []string{"crm.token is empty"}},
		{"token with line break", func(c *Config) { c.APIToken = testAPIToken + "\n" }, []string{"crm.token contains whitespace"}},
		{"negative numbers", func(c *Config) { c.Burst, c.MaxRetries, c.Timeout = -1, -2, -time.Second }, []string{
			"burst must not be negative", "max retries must not be negative", "timeout must not be negative"}},
		{"backoff min above max", func(c *Config) { c.BackoffMin, c.BackoffMax = time.Minute, time.Second }, []string{"backoff min 1m0s is above backoff max 1s"}},
		{"every problem at once", func(c *Config) { c.BaseURL, c.APIToken, c.RequestsPerSecond = "", "", -1 }, []string{
			"crm.base_url is empty", "crm.token is empty", "requests per second -1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.mod(&cfg)
			c, err := New(cfg, zerolog.Nop())
			if tt.want == nil {
				if err != nil || c == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("New accepted an invalid config")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), secretMarker) {
				t.Errorf("error reveals the token: %q", err)
			}
		})
	}
}

func TestNewAppliesDefaults(t *testing.T) {
	base := Config{BaseURL: "https://crm.example.de", APIToken: testAPIToken}
	defaults := Config{
		BaseURL: "https://crm.example.de", APIToken: testAPIToken, RequestsPerSecond: 20, Burst: 10,
		Timeout: 30 * time.Second, MaxRetries: 6, BackoffMin: 250 * time.Millisecond,
		BackoffMax: 30 * time.Second, MaxResponseBytes: 64 << 20,
	}
	tests := []struct {
		name             string
		min, max         time.Duration // as set by the admin
		wantMin, wantMax time.Duration
	}{
		{"nothing set", 0, 0, 250 * time.Millisecond, 30 * time.Second},
		{"only a small max", 0, 100 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond},
		{"only a large min", time.Minute, 0, time.Minute, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			cfg.BackoffMin, cfg.BackoffMax = tt.min, tt.max
			c, err := New(cfg, zerolog.Nop())
			if err != nil {
				t.Fatal(err)
			}
			want := defaults
			want.BackoffMin, want.BackoffMax = tt.wantMin, tt.wantMax
			if c.cfg != want {
				t.Errorf("config = %+v, want %+v", c.cfg, want)
			}
			if d := c.delay(3, 0); d < tt.wantMin || d > tt.wantMax {
				t.Errorf("delay = %v outside [%v, %v]", d, tt.wantMin, tt.wantMax)
			}
		})
	}
}

func TestTokenExchangeAndTransparentReauth(t *testing.T) {
	crm := newTestCRM().handle("GET "+contactsRoute+"/entities/c-1", reply(200, entityJSON("c-1")))
	srv := crm.start(t)
	c, logs := newTestClient(t, srv.URL)
	ctx := context.Background()

	for range 3 {
		if _, err := c.Entity(ctx, "contacts", "c-1"); err != nil {
			t.Fatalf("Entity: %v", err)
		}
	}
	if got := crm.exchangeCount(); got != 1 {
		t.Fatalf("exchanges after 3 calls = %d, want 1 (token cached)", got)
	}

	crm.expire() // the session runs out mid-run
	e, err := c.Entity(ctx, "contacts", "c-1")
	if err != nil {
		t.Fatalf("Entity after expiry: %v", err)
	}
	if e.ID != "c-1" {
		t.Errorf("entity id = %q", e.ID)
	}
	st := c.Stats()
	if crm.exchangeCount() != 2 || st.Reauths != 1 || st.ByStatus[401] != 1 || st.Retries != 0 {
		t.Errorf("exchanges = %d, stats = %+v; want 2 exchanges, 1 reauth, one 401, no retries", crm.exchangeCount(), st)
	}
	if !strings.Contains(logs.String(), "CRM session expired") {
		t.Errorf("re-authentication not logged: %s", logs)
	}
}

func TestConcurrentCallersShareOneExchange(t *testing.T) {
	crm := newTestCRM().handle("GET "+contactsRoute+"/entities/c-1", reply(200, entityJSON("c-1")))
	srv := crm.start(t)
	c, _ := newTestClient(t, srv.URL)
	burst := func() {
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				if _, err := c.Entity(context.Background(), "contacts", "c-1"); err != nil {
					t.Errorf("Entity: %v", err)
				}
			})
		}
		wg.Wait()
	}
	burst()
	crm.expire()
	burst()
	if got := crm.exchangeCount(); got != 2 {
		t.Errorf("exchanges = %d, want 2: one at start, one after expiry", got)
	}
	if got := c.Stats().Reauths; got != 1 {
		t.Errorf("reauths = %d, want 1", got)
	}
}

func TestAuthFailures(t *testing.T) {
	tests := []struct {
		name          string
		apiToken      string
		refuseAll     bool
		status        int // what the entity route answers when the session is accepted
		wantExchanges int
		wantMessage   string
	}{
		{"wrong API token", "wrong-SECRET-token", false, 200, 0, "the CRM refused the API token; check crm.token of the company"},
		{"session refused even after a fresh exchange", testAPIToken, true, 200, 2, "refused a freshly exchanged session token; check crm.token"},
		{"access denied", testAPIToken, false, http.StatusForbidden, 1, "check crm.token of the company and the rights of its API user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			crm := newTestCRM().handle("GET "+contactsRoute+"/entities/c-1", crmError(tt.status, "no rights"))
			crm.refuseAll = tt.refuseAll
			srv := crm.start(t)
			c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.APIToken = tt.apiToken })
			_, err := c.Entity(context.Background(), "contacts", "c-1")
			if !errors.Is(err, ErrAuth) {
				t.Fatalf("err = %v, want ErrAuth", err)
			}
			if !strings.Contains(err.Error(), tt.wantMessage) {
				t.Errorf("err %q lacks %q", err, tt.wantMessage)
			}
			if got := crm.exchangeCount(); got != tt.wantExchanges {
				t.Errorf("successful exchanges = %d, want %d", got, tt.wantExchanges)
			}
			if st := c.Stats(); st.Retries != 0 {
				t.Errorf("auth failure was retried: %+v", st)
			}
		})
	}
}

func TestErrorKinds(t *testing.T) {
	path := contactsRoute + "/entities/c-1"
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		kind     error
		status   int
		wantText string
		attempts int
	}{
		{"bad request", crmError(400, "unknown field foo"), ErrPermanent, 400,
			"crm: GET " + path + ": 400 permanent failure: unknown field foo", 1},
		{"not found", crmError(404, "contact c-1 does not exist"), ErrNotFound, 404,
			"crm: GET " + path + ": 404 not found: contact c-1 does not exist", 1},
		{"conflict", crmError(409, "changed meanwhile"), ErrConflict, 409,
			"crm: GET " + path + ": 409 conflict: changed meanwhile", 1},
		{"too large", crmError(413, "body too large"), ErrPermanent, 413, "413 permanent failure: body too large", 1},
		{"rate limited until retries run out", rateLimited("0"), ErrRateLimited, 429, "429 rate limited: slow down", 4},
		{"server error until retries run out", crmError(502, "bad gateway"), ErrTransient, 502, "502 transient failure: bad gateway", 4},
		{"server error without JSON body", reply(500, "<html>Fehler</html>"), ErrTransient, 500,
			"crm: GET " + path + ": 500 transient failure", 4},
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.example/", http.StatusFound)
		},
			ErrPermanent, 302, "302 permanent failure: the CRM answered with a redirect; check crm.base_url", 1},
		{"entity without id", reply(200, `{"firstName":{"values":["Jürgen"]}}`), ErrPermanent, 200, "entity has no id", 1},
		{"entity with wrong field type", reply(200, `{"id":"c-1","firstName":"Jürgen"}`), ErrPermanent, 200, "field firstName", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			crm := newTestCRM().handle("GET "+path, tt.handler)
			srv := crm.start(t)
			c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.MaxRetries = 3 })
			_, err := c.Entity(context.Background(), "contacts", "c-1")
			if !errors.Is(err, tt.kind) {
				t.Fatalf("err = %v, want kind %v", err, tt.kind)
			}
			for _, other := range []error{ErrAuth, ErrNotFound, ErrConflict, ErrRateLimited, ErrTransient, ErrPermanent} {
				if other != tt.kind && errors.Is(err, other) {
					t.Errorf("err also matches %v", other)
				}
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.Status != tt.status || ce.Method != "GET" || ce.Route != path {
				t.Errorf("err = %#v, want *Error with status %d on GET %s", err, tt.status, path)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("err %q lacks %q", err, tt.wantText)
			}
			if got := crm.count("GET " + path); got != tt.attempts {
				t.Errorf("attempts = %d, want %d", got, tt.attempts)
			}
		})
	}
}

func TestBadInputFailsWithoutRequest(t *testing.T) {
	crm := newTestCRM()
	srv := crm.start(t)
	c, _ := newTestClient(t, srv.URL)
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"empty id", func() error { _, err := c.Entity(ctx, "contacts", ""); return err }, `id "" is not a valid id`},
		{"dot-dot id", func() error { return c.DeleteEntity(ctx, "contacts", "..") }, `id ".." is not a valid id`},
		{"empty schema", func() error { _, err := c.Schema(ctx, ""); return err }, `schema "" is not a valid schema`},
		{"page 0", func() error { _, err := c.Search(ctx, "contacts", Query{}, 0, 10); return err }, "want page ≥ 1"},
		{"page size above limit", func() error { _, err := c.Search(ctx, "contacts", Query{}, 1, 501); return err }, "size 1 to 500"},
		{"patch without fields", func() error { _, err := c.PatchEntity(ctx, "contacts", "c-1", nil); return err }, "no fields given"},
		{"create writing the id", func() error {
			_, err := c.CreateEntity(ctx, "contacts", map[string][]any{"id": {"x"}})
			return err
		}, `field name "id" cannot be written`},
		{"unencodable value", func() error {
			_, err := c.CreateEntity(ctx, "contacts", map[string][]any{"firstName": {make(chan int)}})
			return err
		}, "encode request body"},
		{"activity lookup without key", func() error { _, err := c.ActivitiesByExternalID(ctx, ""); return err }, "externalId is empty"},
		{"profile create with id", func() error {
			_, err := c.CreateSearchProfile(ctx, SearchProfile{ID: "sp-1", ContactID: "c-1"})
			return err
		}, "must not carry an id"},
		{"profile replace without id", func() error { return c.ReplaceSearchProfile(ctx, SearchProfile{ContactID: "c-1"}) }, `id "" is not a valid id`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, ErrPermanent) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want ErrPermanent containing %q", err, tt.want)
			}
		})
	}
	if st := c.Stats(); st.Requests != 0 {
		t.Errorf("bad input caused %d requests", st.Requests)
	}
}
