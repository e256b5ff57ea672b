package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentd/consentd/mockcrm"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		check func(*Main) bool
		err   string // part of the error; "" = no error
	}{
		{"defaults", nil, func(m *Main) bool {
			return m.Listen == "127.0.0.1:8091" && m.Options.Contacts == 1000 && m.Options.Seed == 1 && m.Options.APIToken == mockcrm.DefaultAPIToken &&
				m.Options.TokenTTL == time.Hour && m.Options.RatePerSecond == 25 && m.Options.Burst == 50 && m.Faults == mockcrm.Faults{RetryAfter: time.Second}
		}, ""},
		{"everything", strings.Fields("-listen 127.0.0.1:0 -contacts 5 -seed 9 -token T -token-ttl 2s -rate -1 -burst 3 -users 7 " +
			"-error-rate 0.3 -rate-limit-rate 0.1 -retry-after 2s -latency 5ms -slow-body 1s -malformed-rate 0.05 -lost-response-rate 0.2 -auth-errors -log-level debug"),
			func(m *Main) bool {
				o := m.Options
				return m.Listen == "127.0.0.1:0" && o.APIToken == "T" && o.Contacts == 5 && o.Seed == 9 && o.Users == 7 &&
					o.TokenTTL == 2*time.Second && o.RatePerSecond == -1 && o.Burst == 3 &&
					m.Faults == mockcrm.Faults{ErrorRate: 0.3, RateLimitRate: 0.1, RetryAfter: 2 * time.Second, Latency: 5 * time.Millisecond, SlowBody: time.Second,
						MalformedJSONRate: 0.05, LostResponseRate: 0.2, AuthErrors: true} && m.LogLevel.String() == "debug"
			}, ""},
		{"unknown flag", []string{"-contact", "5"}, nil, "flag provided but not defined: -contact"},
		{"not a number", []string{"-contacts", "viele"}, nil, "-contacts"},
		{"negative contacts", []string{"-contacts", "-1"}, nil, "-contacts -1"},
		{"too many contacts", []string{"-contacts", "9000000"}, nil, "-contacts 9000000"},
		{"share above 1", []string{"-error-rate", "1.5"}, nil, "-error-rate 1.5"},
		{"shares add up over 1", []string{"-error-rate", "0.7", "-rate-limit-rate", "0.5"}, nil, "add up"},
		{"rate 0", []string{"-rate", "0"}, nil, "-rate 0"},
		{"zero TTL", []string{"-token-ttl", "0s"}, nil, "-token-ttl"},
		{"empty token", []string{"-token", " "}, nil, "-token is empty"},
		{"bad log level", []string{"-log-level", "loud"}, nil, "-log-level"},
		{"positional argument", []string{"serve"}, nil, `unexpected argument "serve"`},
		{"every problem at once", []string{"-burst", "0", "-users", "0"}, nil, "-users 0: want 1..1000; -burst 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMain()
			m.Stderr = io.Discard
			err := m.ParseFlags(tt.args)
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("error %v, want one mentioning %q", err, tt.err)
			case tt.check != nil && !tt.check(m):
				t.Errorf("parsed %+v", m)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	m := NewMain()
	var out bytes.Buffer
	m.Stderr = &out
	if err := m.ParseFlags([]string{"-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h gave %v", err)
	}
	if !strings.Contains(out.String(), "-error-rate") {
		t.Errorf("usage lacks the flags: %s", out.String())
	}
}

func TestRunServesTheMock(t *testing.T) {
	m := NewMain()
	var out, logs bytes.Buffer
	m.Stdout, m.Stderr = &out, &logs
	if err := m.ParseFlags(strings.Fields("-listen 127.0.0.1:0 -contacts 25 -seed 3 -token t0k -log-level debug")); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	base := "http://" + m.Addr()
	for _, want := range []string{"listening on " + base, "API token:  t0k", base + "/_mock/inspect"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output %q lacks %q", out.String(), want)
		}
	}
	session := get(t, base+"/admin-token-service/stable/public/adminUser/authenticate", "token", "t0k", http.StatusOK)
	search := post(t, base+"/search-service/stable/schemas/contacts?size=100&withCount=true", session, `{"target":"ENTITY"}`)
	if !strings.Contains(search, `"totalCount":25`) {
		t.Errorf("search answer %.200s: want 25 contacts", search)
	}
	get(t, base+"/_mock/inspect", "", "", http.StatusOK)
	if !strings.Contains(logs.String(), `"path":"/search-service/stable/schemas/contacts"`) || strings.Contains(logs.String(), session) {
		t.Errorf("debug log must name each request and never a token: %s", logs.String())
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := net.DialTimeout("tcp", m.Addr(), time.Second); err == nil {
		t.Error("still listening after Close")
	}
}

func get(t *testing.T, url, header, value string, want int) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if header != "" {
		req.Header.Set(header, value)
	}
	return do(t, req, want)
}

func post(t *testing.T, url, session, body string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("cognitoToken", session)
	return do(t, req, http.StatusOK)
}

func do(t *testing.T, req *http.Request, want int) string {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s", req.Method, req.URL, resp.StatusCode, b)
	}
	return string(b)
}

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestExitCodes(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests := []struct {
		name   string
		args   string
		code   int
		stderr string
	}{
		{"help", "-h", 0, "Usage: mockcrm"},
		{"bad flag", "-bogus", 2, "mockcrm: flag provided but not defined: -bogus\nRun mockcrm -h"},
		{"bad value", "-error-rate 3", 2, "-error-rate 3"},
		{"port taken", "-contacts 1 -listen " + busy.Addr().String(), 1, "listening on " + busy.Addr().String()},
		{"stopped by signal", "-contacts 1 -listen 127.0.0.1:0", 0, "stopping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stderr := runUntilListening(t, strings.Fields(tt.args))
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, want %d; stderr %q, want it to contain %q", code, tt.code, stderr, tt.stderr)
			}
		})
	}
}

// runUntilListening runs the program and, once the mock listens, cancels
// its context as SIGTERM does; it returns the exit code and stderr.
func runUntilListening(t *testing.T, args []string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, &stdout, &stderr) }()
	listening := regexp.MustCompile(`listening on http://127\.0\.0\.1:\d+`)
	timeout := time.After(10 * time.Second)
	for {
		select {
		case code := <-done:
			return code, stderr.String()
		case <-timeout:
			t.Fatal("run did not end within 10s")
		case <-time.After(5 * time.Millisecond):
			if listening.MatchString(stdout.String()) {
				cancel()
			}
		}
	}
}
