package mockcrm_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentd/consentd/mockcrm"
)

func TestRateLimitPerSessionToken(t *testing.T) {
	clk := newClock()
	srv, c := start(t, mockcrm.Options{RatePerSecond: 2, Burst: 3, Now: clk.Now})
	usersPath := "/user-service/stable/users"
	for range 3 {
		c.do(http.MethodGet, usersPath, nil).want(t, http.StatusOK)
	}
	res := c.do(http.MethodGet, usersPath, nil).want(t, http.StatusTooManyRequests)
	if got := res.header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After %q, want 1", got)
	}
	other := &client{t: t, base: c.base}
	other.token = other.login(srv.APIToken())
	other.do(http.MethodGet, usersPath, nil).want(t, http.StatusOK) // its own budget
	clk.Advance(500 * time.Millisecond)
	c.do(http.MethodGet, usersPath, nil).want(t, http.StatusOK)
	c.do(http.MethodGet, usersPath, nil).want(t, http.StatusTooManyRequests)
}

func TestRetryAfterCoversTheWait(t *testing.T) {
	clk := newClock()
	_, c := start(t, mockcrm.Options{RatePerSecond: 0.2, Burst: 1, Now: clk.Now})
	c.do(http.MethodGet, "/user-service/stable/users", nil).want(t, http.StatusOK)
	res := c.do(http.MethodGet, "/user-service/stable/users", nil).want(t, http.StatusTooManyRequests)
	if got := res.header.Get("Retry-After"); got != "5" {
		t.Errorf("Retry-After %q, want 5 at 0.2 requests per second", got)
	}
}

func TestBodyLimit(t *testing.T) {
	srv, c := start(t, mockcrm.Options{Contacts: 1})
	id := srv.ContactIDs()[0]
	big := `{"einwilligung_zweck":{"values":["` + strings.Repeat("ä", 1<<19) + `"]}}`
	tests := []struct {
		name   string
		method string
		path   string
	}{
		{"patch", http.MethodPatch, entityPath + id},
		{"create", http.MethodPost, createPath},
		{"search", http.MethodPost, searchPath},
		{"activity", http.MethodPost, actPath},
		{"profile", http.MethodPost, profilesPath(id)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.do(tt.method, tt.path, big).want(t, http.StatusRequestEntityTooLarge)
		})
	}
}

func TestUnknownRoute(t *testing.T) {
	_, c := start(t, mockcrm.Options{})
	for _, path := range []string{"/", "/entity-service/stable/schemas/contacts/entities", "/user-service/stable/users/u-1"} {
		c.do(http.MethodGet, path, nil).want(t, http.StatusNotFound)
	}
	c.do(http.MethodPut, entityPath+"x", `{}`).want(t, http.StatusNotFound)
}

func TestRequestCounts(t *testing.T) {
	srv, c := start(t, mockcrm.Options{Contacts: 2})
	id := srv.ContactIDs()[0]
	c.do(http.MethodGet, entityPath+id, nil)
	c.do(http.MethodGet, entityPath+"nope", nil)
	c.search("", changedSince(0))
	c.send(http.MethodGet, "/user-service/stable/users", nil, nil)
	want := map[string]int{"auth": 1, "get": 2, "search": 1, "users": 1}
	if got := srv.Requests(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("requests %v, want %v", got, want)
	}
	srv.ResetRequests()
	if got := srv.Requests(); len(got) != 0 {
		t.Errorf("after reset %v", got)
	}
}

// TestConcurrentUse runs searches, writes and the Go API at once; with
// -race it shows the server is safe, and the end state must add up.
func TestConcurrentUse(t *testing.T) {
	srv, c := start(t, mockcrm.Options{Contacts: 300, Seed: 41})
	idList := srv.ContactIDs()
	var wg sync.WaitGroup
	statuses := make(chan string, 8*20)
	for w := range 8 {
		wg.Go(func() {
			for i := range 20 {
				id := idList[(w*20+i)%len(idList)]
				switch i % 4 {
				case 0:
					statuses <- c.try(http.MethodPatch, entityPath+id, `{"einwilligung_quelle":{"values":["Website"]}}`, http.StatusOK)
				case 1:
					statuses <- c.try(http.MethodPost, searchPath+fmt.Sprintf("?page=%d&size=50&withCount=true", i%6+1), changedSince(0), http.StatusOK)
				case 2:
					srv.UpdateContact(id, map[string]any{"title": "Dr."})
				default:
					statuses <- c.try(http.MethodPost, actPath, activity(id, "Notiz", fmt.Sprint(w, i)), http.StatusCreated)
				}
			}
		})
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != "" {
			t.Error(s)
		}
	}
	res := c.search("?size=500&withCount=true", changedSince(0))
	if *res.TotalCount != 300 || len(res.Entries) != 300 || len(srv.Activities()) != 40 || len(srv.Inspect().ContactWrites) != 40 {
		t.Errorf("count %d, entries %d, activities %d, writes %d; want 300, 300, 40, 40",
			*res.TotalCount, len(res.Entries), len(srv.Activities()), len(srv.Inspect().ContactWrites))
	}
	for _, e := range res.Entries[len(res.Entries)-80:] {
		if len(e.texts(t, "title")) == 0 && len(e.texts(t, "einwilligung_quelle")) == 0 {
			t.Errorf("contact %s among the last changed but shows no change", e.ID)
		}
	}
}
