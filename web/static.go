package web

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"strconv"
)

//go:embed static/consent.css
var styleSheet []byte

// styleName carries the sheet's content hash, so it can be cached for a
// year and a new release is fetched at once.
var styleName = func() string {
	sum := sha256.Sum256(styleSheet)
	return "consent." + hex.EncodeToString(sum[:6]) + ".css"
}()

// serveStatic serves the style sheet; any other name is not found.
func (s *server) serveStatic(w http.ResponseWriter, r *http.Request, name string) {
	info(r).route = "static"
	if name != styleName {
		s.invalid(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.wrongMethod(w, r, http.MethodGet, http.MethodHead)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Content-Length", strconv.Itoa(len(styleSheet)))
	w.Write(styleSheet)
}

// robots asks search engines to keep out: every page is personal.
func (s *server) robots(w http.ResponseWriter, r *http.Request) {
	info(r).route = "robots"
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write([]byte("User-agent: *\nDisallow: /\n"))
}
