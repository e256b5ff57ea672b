package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/store"
)

// maxTokenLength rejects absurd tokens without a database query; real
// ones are far shorter.
const maxTokenLength = 200

// maxUserAgent bounds the user agent passed on as proof.
const maxUserAgent = 512

// visit is one request on a valid link.
type visit struct {
	co        *Company
	subj      *consent.Subject
	slug      string
	token     string
	tokenHash string
	lang      string
	client    consent.Client
	form      url.Values // a POST's fields, once checked
	actionID  string     // a POST's one-time id
	page      string     // pageURL, once made
}

// open resolves the link a request names. When it cannot be used the
// request is answered here: 429, the "link not valid" page, or 500.
func (s *server) open(w http.ResponseWriter, r *http.Request, slug, token string) (*visit, bool) {
	if wait, ok := s.perLink.allow(linkKey(slug, token), s.opts.Now()); !ok {
		s.tooMany(w, r, wait)
		return nil, false
	}
	co, ok := s.companies(slug)
	if !ok || len(token) > maxTokenLength {
		s.invalid(w, r)
		return nil, false
	}
	info(r).company = slug
	subj, err := co.Actions.Resolve(r.Context(), token)
	switch {
	case errors.Is(err, consent.ErrLinkInvalid):
		s.invalid(w, r)
		return nil, false
	case err != nil:
		s.failed(w, r, nil, err, token)
		return nil, false
	}
	return &visit{
		co: co, subj: subj, slug: slug, token: token, tokenHash: hashToken(token),
		lang:   s.language(w, r),
		client: consent.Client{LinkID: subj.Link.ID, IP: s.clientIP(r), UserAgent: truncate(r.UserAgent(), maxUserAgent), Channel: store.ChannelWeb},
	}, true
}

// pageURL is the link's page relative to the current request's path,
// made once per request: every form of a page posts below it.
func (v *visit) pageURL(r *http.Request) string {
	if v.page == "" {
		v.page = rootOf(r.URL.Path) + "e/" + url.PathEscape(v.slug) + "/" + url.PathEscape(v.token)
	}
	return v.page
}

// failed answers 500 and logs why, with the link token blanked out of the
// error in case a lower layer quoted it.
func (s *server) failed(w http.ResponseWriter, r *http.Request, v *visit, err error, token string) {
	ri := info(r)
	msg := err.Error()
	if token != "" {
		msg = strings.ReplaceAll(msg, token, "[token]")
	}
	s.log.Error().Str("route", ri.route).Str("company", ri.company).Str("error", msg).
		Msg("consent page: request failed")
	s.problem(w, r, v, http.StatusInternalServerError, "failed")
}

// truncate cuts s to at most n bytes at a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
