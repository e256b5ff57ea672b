package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseReportsEveryBadFlag(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string // parts of the error; none: no error
	}{
		{"defaults", nil, nil},
		{"enough contacts for a longer phase", []string{"-duration", "20s", "-contacts", "6000"}, nil},
		{"too few contacts for the POST phase", []string{"-duration", "20s"}, []string{"-contacts 5000", "at least 6000"}},
		{"no workers", []string{"-get-workers", "0", "-post-workers", "0"}, []string{"-get-workers 0", "-post-workers 0"}},
		{"phase too short", []string{"-duration", "10ms"}, []string{"-duration 10ms"}},
		{"argument", []string{"now"}, []string{`unexpected argument "now"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(tt.args)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("parse(%q) = %v, want no error", tt.args, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("parse(%q) accepted, want an error naming %q", tt.args, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("parse(%q) = %q, want it to name %q", tt.args, err, w)
				}
			}
		})
	}
}

func TestParseLinksKeepsOnlyLinksOnServe(t *testing.T) {
	const base = "http://127.0.0.1:4000"
	tests := []struct {
		name, out string
		want      []link
		wantErr   string
	}{
		{"two links", "a-1\thttp://127.0.0.1:4000/e/bench-page/TOKEN1\na-2\thttp://127.0.0.1:4000/e/bench-page/TOKEN2\n",
			[]link{{"a-1", "/e/bench-page/TOKEN1"}, {"a-2", "/e/bench-page/TOKEN2"}}, ""},
		{"another server", "a-1\thttps://einwilligung.example.de/e/bench-page/TOKEN1\n", nil, "line 1"},
		{"another company", "a-1\thttp://127.0.0.1:4000/e/mueller/TOKEN1\n", nil, "line 1"},
		{"no token", "a-1\thttp://127.0.0.1:4000/e/bench-page/\n", nil, "line 1"},
		{"no tab", "a-1 http://127.0.0.1:4000/e/bench-page/TOKEN1\n", nil, "line 1"},
		{"no address", "a-1\thttp://127.0.0.1:4000/e/bench-page/T1\n\thttp://127.0.0.1:4000/e/bench-page/T2\n", nil, "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseLinks(tt.out, base)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseLinks = %v, %v; want an error naming %q", got, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "TOKEN") {
					t.Errorf("the error quotes a link token: %v", err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("parseLinks = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// page is shaped like the consent page: forms post relative to the
// page's path, with the action id, CSRF token and language hidden.
const page = `<main>
<form method="post" action="../../e/bench-page/TOK/correct" novalidate>
<input type="hidden" name="action_id" value="C1">
</form>
<form method="post" action="../../e/bench-page/TOK/consent">
<input type="hidden" name="action_id" value="A1">
<input type="hidden" name="csrf" value="1767225600.a&#43;b">
<input type="hidden" name="lang" value="de">
<button type="submit">Einwilligen</button>
</form>
</main>`

func TestFindFormResolvesTheActionAndReadsTheHiddenFields(t *testing.T) {
	tests := []struct {
		name, body, suffix string
		want               pageForm
		wantErr            bool
	}{
		{"consent form", page, "/consent", pageForm{action: "/e/bench-page/TOK/consent",
			values: map[string][]string{"action_id": {"A1"}, "csrf": {"1767225600.a+b"}, "lang": {"de"}}}, false},
		{"correct form", page, "/correct", pageForm{action: "/e/bench-page/TOK/correct",
			values: map[string][]string{"action_id": {"C1"}}}, false},
		{"consent already given", "<main><p>Sie haben am 1. Januar eingewilligt.</p></main>", "/consent", pageForm{}, true},
		{"escaped action, field with more attributes left out", `<form method="post" action="../../e/bench-page/TOK/consent?x=1&amp;y=2">
<input type="hidden" name="action_id" value="A1">
<input type="hidden" name="csrf" id="c" value="X">
<input type="hidden" name="lang" value="en">
</form>`, "/consent", pageForm{action: "/e/bench-page/TOK/consent?x=1&y=2", values: map[string][]string{"action_id": {"A1"}, "lang": {"en"}}}, false},
		{"form never closed", `<form method="post" action="../../e/bench-page/TOK/consent"><input type="hidden" name="action_id" value="A1">`, "/consent", pageForm{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := findForm("/e/bench-page/TOK", tt.body, tt.suffix)
			if (err != nil) != tt.wantErr || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("findForm = %+v, %v; want %+v (error: %t)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestIsPageWantsTheLinksWholePage(t *testing.T) {
	ref := []byte("e/bench-page/TOK/")
	whole := "<!doctype html><form action=\"../../e/bench-page/TOK/consent\"></form></html>\n"
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		want        bool
	}{
		{"the page", http.StatusOK, "text/html; charset=utf-8", whole, true},
		{"not found", http.StatusNotFound, "text/html; charset=utf-8", whole, false},
		{"not HTML", http.StatusOK, "text/plain", whole, false},
		{"cut short", http.StatusOK, "text/html; charset=utf-8", whole[:40], false},
		{"another link's page", http.StatusOK, "text/html; charset=utf-8", strings.ReplaceAll(whole, "TOK", "OTHER"), false},
	}
	for _, tt := range tests {
		res := &http.Response{StatusCode: tt.status, Header: http.Header{"Content-Type": {tt.contentType}}}
		if got := isPage(res, []byte(tt.body), ref); got != tt.want {
			t.Errorf("%s: isPage = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// The page client keeps its connection across requests and opens a new one
// after serve closed it.
func TestPageClientKeepsItsConnection(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/close" {
			w.Header().Set("Connection", "close")
		}
		fmt.Fprint(w, "page of "+r.URL.Path)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	c := &pageClient{addr: addr}
	defer c.close()
	var body bytes.Buffer
	for i, path := range []string{"/a", "/close", "/b", "/c"} {
		body.Reset()
		res, err := c.get(getRequest(addr, path), &body)
		if err != nil || res.StatusCode != http.StatusOK || body.String() != "page of "+path {
			t.Fatalf("GET %s: %v, %v, %q", path, res, err, body.String())
		}
		if want := int32(1 + min(i/2, 1)); conns.Load() != want {
			t.Errorf("after GET %s: %d connections, want %d", path, conns.Load(), want)
		}
	}
}

func TestMatchWriteBackPairsConsentsWithTheirActivities(t *testing.T) {
	t0 := time.UnixMilli(1_767_225_600_000)
	gs := []given{{"a-1", t0}, {"a-2", t0.Add(10 * time.Millisecond)}, {"a-3", t0.Add(20 * time.Millisecond)}}
	acts := map[string][]time.Time{
		"a-1":   {t0.Add(300 * time.Millisecond)},
		"a-2":   {t0.Add(900 * time.Millisecond), t0.Add(2 * time.Second)},
		"other": {t0},
	}
	got := matchWriteBack(gs, acts)
	want := writeBackResult{expected: 3, arrived: 2, duplicates: 1,
		latencies: []time.Duration{300 * time.Millisecond, 890 * time.Millisecond}, span: 900 * time.Millisecond}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("matchWriteBack = %+v, want %+v", got, want)
	}
}

func TestCountsSinceKeepsWhatGrew(t *testing.T) {
	got := countsSince(map[string]int{"search": 10, "patch": 2}, map[string]int{"search": 10, "patch": 7, "activity.create": 5})
	if want := map[string]int{"patch": 5, "activity.create": 5}; !reflect.DeepEqual(got, want) {
		t.Fatalf("countsSince = %v, want %v", got, want)
	}
}

func TestDistUsesNearestRank(t *testing.T) {
	tests := []struct {
		name string
		in   []time.Duration
		want dist
	}{
		{"none", nil, dist{}},
		{"one", []time.Duration{7}, dist{n: 1, p50: 7, p99: 7, max: 7}},
		{"unsorted four", []time.Duration{4, 1, 3, 2}, dist{n: 4, p50: 2, p99: 4, max: 4}},
		{"hundred", hundred(), dist{n: 100, p50: 50, p99: 99, max: 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := distOf(tt.in); got != tt.want {
				t.Fatalf("distOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func hundred() []time.Duration {
	ds := make([]time.Duration, 100)
	for i := range ds {
		ds[i] = time.Duration(100 - i)
	}
	return ds
}

// The CPU figures come from /proc: a process that spins shows it. It spins
// until /proc reports 100 ms of work, so a busy machine only makes it slower.
func TestProcessCPUSeesWorkDone(t *testing.T) {
	before, err := processCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	machine, err := machineBusy()
	if err != nil || machine <= 0 {
		t.Fatalf("machineBusy = %s, %v", machine, err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		after, err := processCPU(os.Getpid())
		if err != nil {
			t.Fatal(err)
		}
		if after-before >= 100*time.Millisecond {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("spinning 20 s shows as %s of CPU", after-before)
		}
		for end := time.Now().Add(10 * time.Millisecond); time.Now().Before(end); {
		}
	}
}
