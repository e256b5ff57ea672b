package mockcrm_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/consentd/consentd/mockcrm"
)

func TestFaultShares(t *testing.T) {
	const n = 600
	tests := []struct {
		name   string
		faults mockcrm.Faults
		count  func(response) bool
		share  float64
	}{
		{"30% 5xx", mockcrm.Faults{ErrorRate: 0.3}, func(r response) bool { return r.status >= 500 }, 0.3},
		{"20% 429", mockcrm.Faults{RateLimitRate: 0.2, RetryAfter: 2500 * time.Millisecond},
			func(r response) bool { return r.status == 429 && r.header.Get("Retry-After") == "3" }, 0.2},
		{"25% cut JSON", mockcrm.Faults{MalformedJSONRate: 0.25},
			func(r response) bool { return r.status == 200 && !json.Valid(r.body) }, 0.25},
		{"off", mockcrm.Faults{}, func(r response) bool { return r.status != 200 || !json.Valid(r.body) }, 0},
		{"clamped above 1", mockcrm.Faults{ErrorRate: 7}, func(r response) bool { return r.status >= 500 }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := start(t, mockcrm.Options{Contacts: 3, Seed: 51})
			srv.SetFaults(tt.faults)
			hits := 0
			for range n {
				if tt.count(c.do(http.MethodGet, "/user-service/stable/users", nil)) {
					hits++
				}
			}
			if got := float64(hits) / n; got < tt.share-0.07 || got > tt.share+0.07 {
				t.Errorf("share %.3f, want about %.2f", got, tt.share)
			}
		})
	}
}

func TestInjectedServerErrorBodies(t *testing.T) {
	srv, c := start(t, mockcrm.Options{Seed: 52})
	srv.SetFaults(mockcrm.Faults{ErrorRate: 1})
	kinds := map[string]int{}
	for range 200 {
		res := c.do(http.MethodGet, "/user-service/stable/users", nil)
		var e struct{ Status int }
		switch {
		case res.status != 500 && res.status != 502 && res.status != 503:
			t.Fatalf("status %d, want 500, 502 or 503", res.status)
		case json.Unmarshal(res.body, &e) == nil && e.Status == res.status:
			kinds["error JSON"]++
		case res.header.Get("Content-Type") == "text/html":
			kinds["HTML"]++
		default:
			kinds["cut"]++
		}
	}
	if len(kinds) != 3 {
		t.Errorf("bodies %v: want proper, cut and HTML ones", kinds)
	}
}

func TestTokenExchangeFaults(t *testing.T) {
	srv, c := start(t, mockcrm.Options{})
	srv.SetFaults(mockcrm.Faults{ErrorRate: 1})
	header := map[string]string{"token": srv.APIToken()}
	c.send(http.MethodGet, authPath, nil, header).want(t, http.StatusOK)
	srv.SetFaults(mockcrm.Faults{RateLimitRate: 1, AuthErrors: true})
	c.send(http.MethodGet, authPath, nil, header).want(t, http.StatusTooManyRequests)
}

func TestLostResponse(t *testing.T) {
	srv, c := start(t, mockcrm.Options{Contacts: 2, Seed: 53})
	id := srv.ContactIDs()[0]
	srv.SetFaults(mockcrm.Faults{LostResponseRate: 1})
	c.do(http.MethodPost, actPath, activity(id, "Einwilligung", "consentd:x:evt-1")).want(t, http.StatusBadGateway)
	c.do(http.MethodPatch, entityPath+id, `{"einwilligung_quelle":{"values":["Telefon"]}}`).want(t, http.StatusBadGateway)
	c.do(http.MethodPatch, entityPath+id, `{"nope":{"values":[]}}`).want(t, http.StatusBadRequest)
	var listed struct{ Entries []mockcrm.Activity }
	c.do(http.MethodGet, actPath+"?externalId=consentd:x:evt-1", nil).want(t, http.StatusOK).decode(t, &listed)
	if len(listed.Entries) != 1 {
		t.Errorf("the activity whose answer was lost: %d stored, want 1", len(listed.Entries))
	}
	if got := fetch(t, c, id).texts(t, "einwilligung_quelle"); len(got) != 1 || got[0] != "Telefon" {
		t.Errorf("the PATCH whose answer was lost: field %v, want [Telefon]", got)
	}
}

func TestLatencyAndSlowBody(t *testing.T) {
	tests := []struct {
		name   string
		faults mockcrm.Faults
		min    time.Duration
	}{
		{"latency", mockcrm.Faults{Latency: 150 * time.Millisecond}, 150 * time.Millisecond},
		{"slow body", mockcrm.Faults{SlowBody: 200 * time.Millisecond}, 200 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := start(t, mockcrm.Options{Contacts: 40, Seed: 54})
			srv.SetFaults(tt.faults)
			began := time.Now()
			res := c.do(http.MethodPost, searchPath+"?size=40", changedSince(0)).want(t, http.StatusOK)
			if took := time.Since(began); took < tt.min {
				t.Errorf("answer took %v, want at least %v", took, tt.min)
			}
			var r searchResult
			res.decode(t, &r)
			if len(r.Entries) != 40 {
				t.Errorf("%d entries arrived, want all 40", len(r.Entries))
			}
		})
	}
}
