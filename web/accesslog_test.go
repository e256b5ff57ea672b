package web

import (
	"net/http"
	"testing"

	"github.com/rs/zerolog"
)

// Answers that went as meant stay out of the info log; refusals and
// failures stay in.
func TestAccessLogLevels(t *testing.T) {
	tests := []struct {
		status int
		route  string
		want   zerolog.Level
	}{
		{http.StatusOK, "page", zerolog.DebugLevel},
		{http.StatusSeeOther, "action:consent", zerolog.DebugLevel},
		{http.StatusOK, "static", zerolog.DebugLevel},
		{http.StatusNotFound, "static", zerolog.DebugLevel},
		{http.StatusNotFound, "page", zerolog.InfoLevel},
		{http.StatusTooManyRequests, "page", zerolog.InfoLevel},
		{http.StatusForbidden, "action:consent", zerolog.InfoLevel},
		{http.StatusUnprocessableEntity, "action:correct", zerolog.InfoLevel},
		{http.StatusInternalServerError, "page", zerolog.ErrorLevel},
		{http.StatusInternalServerError, "static", zerolog.ErrorLevel},
	}
	for _, tt := range tests {
		if got := logLevel(tt.status, tt.route); got != tt.want {
			t.Errorf("logLevel(%d, %q) = %s, want %s", tt.status, tt.route, got, tt.want)
		}
	}
}

// At info, a page view writes no log line at all.
func TestPageViewsStayOutOfTheInfoLog(t *testing.T) {
	h := newHarness(t, contact())
	h.srv.log = h.srv.log.Level(zerolog.InfoLevel)
	if res := h.get(pagePath); res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if logs := h.logs.String(); logs != "" {
		t.Errorf("a page view logged at info:\n%s", logs)
	}
	h.get("/e/acme/" + tokenOther)
	mustContain(t, h.logs.String(), `"level":"info"`, `"status":404`)
}
