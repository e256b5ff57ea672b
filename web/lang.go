package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

const (
	langParam  = "lang"
	langCookie = "lang"
	// langCookieAge keeps a chosen language for a year.
	langCookieAge = 365 * 24 * 3600
)

// language picks the page language: an explicit ?lang= switch (remembered
// in a cookie), then the cookie, then Accept-Language, then German.
func (s *server) language(w http.ResponseWriter, r *http.Request) string {
	if lang := r.URL.Query().Get(langParam); slices.Contains(languages, lang) {
		http.SetCookie(w, &http.Cookie{
			Name: langCookie, Value: lang, Path: "/", MaxAge: langCookieAge,
			HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode,
		})
		return lang
	}
	if c, err := r.Cookie(langCookie); err == nil && slices.Contains(languages, c.Value) {
		return c.Value
	}
	return acceptLanguage(r.Header.Get("Accept-Language"))
}

// acceptLanguage returns the supported language the browser ranks highest,
// earlier entries winning ties.
func acceptLanguage(header string) string {
	best, bestQ := defaultLanguage, 0.0
	for entry := range strings.SplitSeq(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(entry), ";")
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		q := quality(params)
		if slices.Contains(languages, primary) && q > bestQ {
			best, bestQ = primary, q
		}
	}
	return best
}

// quality reads "q=0.8" from an Accept-Language entry's parameters;
// absent means 1, malformed means 0 (not acceptable).
func quality(params string) float64 {
	params = strings.TrimSpace(params)
	if params == "" {
		return 1
	}
	v, ok := strings.CutPrefix(params, "q=")
	if !ok {
		return 0
	}
	q, err := strconv.ParseFloat(v, 64)
	if err != nil || q < 0 || q > 1 {
		return 0
	}
	return q
}

// langLink is one entry of the language switch.
type langLink struct {
	Code, Label, Href string
	Current           bool
}

// switchLinks links every language from the current page. The links are
// relative (?lang=en), so they work behind any path prefix and do not
// repeat the link token.
func switchLinks(current string) []langLink {
	out := make([]langLink, len(languages))
	for i, lang := range languages {
		out[i] = langLink{Code: lang, Label: nativeNames[lang], Href: "?lang=" + lang, Current: lang == current}
	}
	return out
}
