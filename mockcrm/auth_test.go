package mockcrm_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/consentd/consentd/mockcrm"
)

func TestTokenExchange(t *testing.T) {
	_, c := start(t, mockcrm.Options{APIToken: "secret-api-token"})
	tests := []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"right token", map[string]string{"token": "secret-api-token"}, http.StatusOK},
		{"wrong token", map[string]string{"token": "secret-api-tokeN"}, http.StatusUnauthorized},
		{"no token", nil, http.StatusUnauthorized},
		{"session header instead", map[string]string{"cognitoToken": "secret-api-token"}, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.send(http.MethodGet, authPath, nil, tt.header).want(t, tt.want)
			if tt.want != http.StatusOK {
				return
			}
			if ct := res.header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type %q, want text/plain", ct)
			}
			if len(res.body) < 26 || string(res.body) == c.token {
				t.Errorf("session token %q: want a fresh token of at least 26 characters", res.body)
			}
		})
	}
}

func TestSessionToken(t *testing.T) {
	clk := newClock()
	srv, c := start(t, mockcrm.Options{TokenTTL: time.Minute, Now: clk.Now})
	usersPath := "/user-service/stable/users"
	tests := []struct {
		name    string
		prepare func()
		token   func() string
		want    int
	}{
		{"valid", func() {}, func() string { return c.token }, http.StatusOK},
		{"missing", func() {}, func() string { return "" }, http.StatusUnauthorized},
		{"unknown", func() {}, func() string { return "not-a-session-token" }, http.StatusUnauthorized},
		{"API token is no session token", func() {}, func() string { return srv.APIToken() }, http.StatusUnauthorized},
		{"just before expiry", func() { clk.Advance(59 * time.Second) }, func() string { return c.token }, http.StatusOK},
		{"expired by TTL", func() { clk.Advance(time.Second) }, func() string { return c.token }, http.StatusUnauthorized},
		{"new exchange after expiry", func() { c.token = c.login(srv.APIToken()) }, func() string { return c.token }, http.StatusOK},
		{"expired mid-run", srv.ExpireTokens, func() string { return c.token }, http.StatusUnauthorized},
		{"exchange after ExpireTokens", func() { c.token = c.login(srv.APIToken()) }, func() string { return c.token }, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.prepare()
			c.send(http.MethodGet, usersPath, nil, map[string]string{"cognitoToken": tt.token()}).want(t, tt.want)
		})
	}
}
