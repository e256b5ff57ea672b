package mockcrm_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentd/consentd/mockcrm"
)

const (
	authPath    = "/admin-token-service/stable/public/adminUser/authenticate"
	entityPath  = "/entity-service/stable/schemas/contacts/entities/"
	createPath  = "/entity-service/stable/schemas/contacts"
	searchPath  = "/search-service/stable/schemas/contacts"
	actPath     = "/history-service/stable/activities"
	profilePath = "/searchprofile-service/stable/searchprofiles/"
)

func profilesPath(contactID string) string {
	return "/searchprofile-service/stable/contacts/" + contactID + "/searchprofiles"
}

var epoch = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: epoch} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// client talks to a mock over real HTTP, as the connector will.
type client struct {
	t     testing.TB
	base  string
	token string
}

// response is one answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// start serves a mock with opts (unlimited rate unless set) and returns it
// with a logged-in client.
func start(t testing.TB, opts mockcrm.Options) (*mockcrm.Server, *client) {
	t.Helper()
	if opts.RatePerSecond == 0 {
		opts.RatePerSecond = -1
	}
	srv := mockcrm.New(opts)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	c := &client{t: t, base: ts.URL}
	c.token = c.login(srv.APIToken())
	return srv, c
}

func (c *client) login(apiToken string) string {
	c.t.Helper()
	res := c.send(http.MethodGet, authPath, nil, map[string]string{"token": apiToken})
	if res.status != http.StatusOK {
		c.t.Fatalf("token exchange: status %d: %s", res.status, res.body)
	}
	return string(res.body)
}

// do sends an API request with the session token; body is JSON-encoded
// unless it is a string or []byte.
func (c *client) do(method, path string, body any) response {
	c.t.Helper()
	return c.send(method, path, body, map[string]string{"cognitoToken": c.token})
}

// try sends an API request from any goroutine and describes what went
// wrong, or returns "" when the answer has the wanted status.
func (c *client) try(method, path string, body any, want int) string {
	req, err := http.NewRequest(method, c.base+path, encodeBody(c.t, body))
	if err != nil {
		return err.Error()
	}
	req.Header.Set("cognitoToken", c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Sprintf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != want {
		return fmt.Sprintf("%s %s: status %d, want %d: %s (%v)", method, path, resp.StatusCode, want, b, err)
	}
	return ""
}

func (c *client) send(method, path string, body any, header map[string]string) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, encodeBody(c.t, body))
	if err != nil {
		c.t.Fatalf("building request: %v", err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func encodeBody(t testing.TB, body any) io.Reader {
	switch b := body.(type) {
	case nil:
		return nil
	case string:
		return strings.NewReader(b)
	case []byte:
		return bytes.NewReader(b)
	}
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatalf("encoding body: %v", err)
	}
	return bytes.NewReader(b)
}

// want fails the test unless the answer has the status; for errors it also
// checks the CRM's error shape.
func (r response) want(t testing.TB, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if status >= 400 {
		var e struct {
			Status  int    `json:"status"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(r.body, &e); err != nil || e.Status != status || e.Message == "" {
			t.Fatalf("error body %s: want {\"status\": %d, \"message\": \"…\"}", r.body, status)
		}
	}
	return r
}

// message returns the message of an error answer.
func (r response) message(t testing.TB) string {
	t.Helper()
	var e struct {
		Message string `json:"message"`
	}
	r.decode(t, &e)
	return e.Message
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// entity is a contact as the tests read it.
type entity struct {
	ID       string `json:"id"`
	Metadata struct {
		ID        string `json:"id"`
		Schema    string `json:"schema"`
		CreatedAt int64  `json:"createdAt"`
		UpdatedAt int64  `json:"updatedAt"`
	} `json:"_metadata"`
	Fields map[string]json.RawMessage `json:"-"`
}

func (e *entity) UnmarshalJSON(b []byte) error {
	type plain entity
	if err := json.Unmarshal(b, (*plain)(e)); err != nil {
		return err
	}
	return json.Unmarshal(b, &e.Fields)
}

// texts returns a field's values when they are strings.
func (e entity) texts(t testing.TB, field string) []string {
	t.Helper()
	var fv struct {
		Values []string `json:"values"`
	}
	if raw, ok := e.Fields[field]; ok {
		if err := json.Unmarshal(raw, &fv); err != nil {
			t.Fatalf("field %s of %s: %v", field, e.ID, err)
		}
	}
	return fv.Values
}

type searchResult struct {
	Entries    []entity `json:"entries"`
	TotalCount *int     `json:"totalCount"`
	Page       int      `json:"page"`
	Size       int      `json:"size"`
}

func (c *client) search(query string, body any) searchResult {
	c.t.Helper()
	var out searchResult
	c.do(http.MethodPost, searchPath+query, body).want(c.t, http.StatusOK).decode(c.t, &out)
	return out
}

// changedSince is the change query consentd runs.
func changedSince(ms int64) map[string]any {
	return map[string]any{
		"target": "ENTITY", "distinct": true,
		"conditions": []map[string]any{{"type": "HASFIELDWITHVALUE", "field": "_metadata.updatedAt", "operator": "GREATER_EQUAL", "value": fmt.Sprint(ms)}},
		"sorts":      []map[string]any{{"field": "_metadata.updatedAt", "order": "ASC"}, {"field": "id", "order": "ASC"}},
	}
}

// all reads every contact through Server.Contact, the reference the
// searches are checked against.
func all(t testing.TB, srv *mockcrm.Server) []entity {
	t.Helper()
	var out []entity
	for _, id := range srv.ContactIDs() {
		raw, ok := srv.Contact(id)
		if !ok {
			t.Fatalf("contact %s listed but not found", id)
		}
		var e entity
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatalf("contact %s: %v", id, err)
		}
		out = append(out, e)
	}
	return out
}

func ids(es []entity) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}
