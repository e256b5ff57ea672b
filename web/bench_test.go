package web

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rs/zerolog"
	"golang.org/x/time/rate"

	"github.com/consentd/consentd/consent"
)

// BenchmarkPageGET measures the page's own cost: routing, headers, rate
// limits, language, the forms' keys and rendering, with a domain that
// answers at once.
func BenchmarkPageGET(b *testing.B) {
	acme := &fakeActions{subjects: map[string]*consent.Subject{tokenA: withProfiles(given(contact()))}}
	h, err := New(func(string) (*Company, bool) { return acmeCompany(acme), true },
		Options{Secret: []byte(testSecret), PerIPRate: rate.Inf, PerLinkRate: rate.Inf}, zerolog.Nop())
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, pagePath, nil)
	req.Header.Set("Accept-Language", "de-DE,de;q=0.9,en;q=0.8")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}
