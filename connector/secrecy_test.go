package connector

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// echoTokens answers with status and a message quoting both tokens.
func echoTokens(status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		crmError(status, "session "+r.Header.Get(headerSessionToken)+" of "+testAPIToken+" refused")(w, r)
	}
}

func TestTokensNeverAppearInErrorsOrLogs(t *testing.T) {
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		apiToken  string
		refuseAll bool
		closed    bool
		cancel    bool
		kind      error
	}{
		{name: "wrong API token", handler: reply(200, entityJSON("c-1")), apiToken: "wrong-SECRET-token", kind: ErrAuth},
		{name: "session refused twice", handler: reply(200, entityJSON("c-1")), refuseAll: true, kind: ErrAuth},
		{name: "forbidden", handler: echoTokens(403), kind: ErrAuth},
		{name: "bad request", handler: echoTokens(400), kind: ErrPermanent},
		{name: "not found", handler: echoTokens(404), kind: ErrNotFound},
		{name: "conflict", handler: echoTokens(409), kind: ErrConflict},
		{name: "rate limited", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "0")
			echoTokens(429)(w, r)
		}, kind: ErrRateLimited},
		{name: "server error", handler: echoTokens(500), kind: ErrTransient},
		{name: "garbled answer", handler: reply(200, `{"id":"c-1","firstName":{"values":["Jürgen"`), kind: ErrTransient},
		{name: "unreachable", handler: reply(200, entityJSON("c-1")), closed: true, kind: ErrTransient},
		{name: "canceled", handler: echoTokens(503), cancel: true, kind: ErrTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			crm := newTestCRM().handle("GET "+entityPath, tt.handler)
			crm.refuseAll = tt.refuseAll
			srv := crm.start(t)
			c, logs := newTestClient(t, srv.URL, func(cfg *Config) {
				cfg.MaxRetries = 2
				if tt.apiToken != "" {
					cfg.APIToken = tt.apiToken
				}
				if tt.cancel {
					cfg.BackoffMin, cfg.BackoffMax = time.Second, time.Second
				}
			})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				time.AfterFunc(30*time.Millisecond, cancel)
			}
			if tt.closed {
				srv.Close()
			}
			_, err := c.Entity(ctx, "contacts", "c-1")
			if !errors.Is(err, tt.kind) {
				t.Fatalf("err = %v, want %v", err, tt.kind)
			}
			if strings.Contains(err.Error(), secretMarker) {
				t.Errorf("error reveals a token: %s", err)
			}
			if strings.Contains(logs.String(), secretMarker) || strings.Contains(logs.String(), "Jürgen") {
				t.Errorf("log reveals a token or personal data:\n%s", logs)
			}
		})
	}
}

func TestEchoedTokensAreRedacted(t *testing.T) {
	crm := newTestCRM().handle("GET "+entityPath, echoTokens(400))
	srv := crm.start(t)
	c, _ := newTestClient(t, srv.URL)
	_, err := c.Entity(context.Background(), "contacts", "c-1")
	want := "400 permanent failure: session [redacted] of [redacted] refused"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want it to contain %q", err, want)
	}
}

func TestRetriesAreLoggedWithoutBodies(t *testing.T) {
	crm := newTestCRM().handle("GET "+entityPath, sequence(
		reply(500, `{"status":500,"message":"Frau Weiß-Müller, Hauptstraße 5a"}`),
		reply(500, "<html>Jürgen</html>"),
		reply(502, ""),
		reply(200, entityJSON("c-1"))))
	srv := crm.start(t)
	c, logs := newTestClient(t, srv.URL)
	if _, err := c.Entity(context.Background(), "contacts", "c-1"); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	for _, want := range []string{`"route":"` + entityPath + `"`, `"status":500`, `"status":502`, `"wait":`, `"retry":3`, `"level":"warn"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	for _, personal := range []string{"Weiß", "Hauptstraße", "Jürgen"} {
		if strings.Contains(out, personal) {
			t.Errorf("log holds personal data %q:\n%s", personal, out)
		}
	}
}
