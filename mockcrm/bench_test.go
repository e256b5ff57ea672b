package mockcrm_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/mockcrm"
)

// BenchmarkSeed100k seeds the benchmark's 100k contacts; it must take well
// under 2 s.
func BenchmarkSeed100k(b *testing.B) {
	for b.Loop() {
		mockcrm.New(mockcrm.Options{Contacts: 100_000, Seed: 1})
	}
}

var benchMock = func() func() *mockcrm.Server {
	var srv *mockcrm.Server
	return func() *mockcrm.Server {
		if srv == nil {
			srv = mockcrm.New(mockcrm.Options{Contacts: 100_000, Seed: 1, RatePerSecond: -1, Now: func() time.Time { return epoch }})
		}
		return srv
	}
}()

// BenchmarkChangeQueryPage serves pages of 500 from 100k contacts through
// the handler, spread over the whole result.
func BenchmarkChangeQueryPage(b *testing.B) {
	srv := benchMock()
	token := benchLogin(b, srv)
	body := `{"target":"ENTITY","conditions":[{"type":"HASFIELDWITHVALUE","field":"_metadata.updatedAt","operator":"GREATER_EQUAL","value":"0"}],` +
		`"sorts":[{"field":"_metadata.updatedAt","order":"ASC"},{"field":"id","order":"ASC"}]}`
	page := 0
	for b.Loop() {
		page = page%200 + 1
		benchSearch(b, srv, token, fmt.Sprintf("?page=%d&size=500&withCount=true", page), body)
	}
}

// BenchmarkIDListPage serves the cheap id-only pages reconciliation reads.
func BenchmarkIDListPage(b *testing.B) {
	srv := benchMock()
	token := benchLogin(b, srv)
	body := `{"target":"ENTITY","sorts":[{"field":"id","order":"ASC"}],"fetch":["id"]}`
	page := 0
	for b.Loop() {
		page = page%200 + 1
		benchSearch(b, srv, token, fmt.Sprintf("?page=%d&size=500", page), body)
	}
}

func benchLogin(b *testing.B, srv *mockcrm.Server) string {
	req := httptest.NewRequest(http.MethodGet, authPath, nil)
	req.Header.Set("token", srv.APIToken())
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("token exchange: %d", rec.Code)
	}
	return rec.Body.String()
}

func benchSearch(b *testing.B, srv *mockcrm.Server, token, query, body string) {
	req := httptest.NewRequest(http.MethodPost, searchPath+query, strings.NewReader(body))
	req.Header.Set("cognitoToken", token)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Body.Len() < 1000 {
		b.Fatalf("search %s: %d %.200s", query, rec.Code, rec.Body)
	}
}
