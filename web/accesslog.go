package web

import (
	"context"
	"net/http"
	"time"

	"github.com/rs/zerolog"
)

// reqInfo collects what a request's log line says. It never holds the
// path (which carries the token) nor anything about the contact.
type reqInfo struct {
	start   time.Time
	route   string
	company string // slug, once it names a known company
}

type infoKey struct{}

// info returns the request's log details; handlers fill them in.
func info(r *http.Request) *reqInfo {
	if ri, ok := r.Context().Value(infoKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{start: time.Now()}
}

// statusWriter remembers the status and size of an answer.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += n
	return n, err
}

// accessLog logs one line per request: route, company, status, size and
// duration.
func (s *server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := &reqInfo{start: time.Now(), route: "unknown"}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), infoKey{}, ri)))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		s.log.WithLevel(logLevel(sw.status, ri.route)).
			Str("route", ri.route).
			Str("company", ri.company).
			Str("method", r.Method).
			Int("status", sw.status).
			Int("bytes", sw.bytes).
			Dur("duration", time.Since(ri.start)).
			Msg("consent page request")
	})
}

// logLevel puts answers that went as meant (2xx, 3xx) and style sheet
// fetches at debug: at info, every view of a busy page wrote a line, a
// write to the log file per request. What an admin has to see stays at
// info: refused requests (4xx: invalid links, rate limits, forms with
// problems), and failures (5xx) are errors.
func logLevel(status int, route string) zerolog.Level {
	switch {
	case status >= 500:
		return zerolog.ErrorLevel
	case status >= 400 && route != "static":
		return zerolog.InfoLevel
	}
	return zerolog.DebugLevel
}
