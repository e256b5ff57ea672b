package connector

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Kinds of CRM failure. Every error the client returns is an *Error whose
// kind matches one of these with errors.Is.
var (
	// ErrAuth: the CRM refused the API token or the session made from it.
	ErrAuth = errors.New("authentication failed")
	// ErrNotFound: the entity or profile does not exist (any more).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the CRM refused a write because of a conflicting state.
	ErrConflict = errors.New("conflict")
	// ErrRateLimited: the CRM kept answering 429 until retries ran out.
	ErrRateLimited = errors.New("rate limited")
	// ErrTransient: the CRM was unreachable, failed or answered garbage;
	// trying later may succeed. Cancellation is reported with this kind too
	// and wraps the context's error.
	ErrTransient = errors.New("transient failure")
	// ErrPermanent: the request or the CRM's answer is wrong in a way that
	// repeating will not fix.
	ErrPermanent = errors.New("permanent failure")
)

// Error describes one failed CRM call. Route is the request path without
// query; Message is the CRM's own explanation or ours. No token ever appears
// in any of its fields.
type Error struct {
	Kind    error
	Status  int // HTTP status; 0 when no response arrived
	Method  string
	Route   string
	Message string
	Err     error
}

// Error reads like "crm: GET /entity-service/…/entities/c-1: 404 not
// found: <the CRM's message>".
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "crm: %s %s: ", e.Method, e.Route)
	if e.Status != 0 {
		fmt.Fprintf(&b, "%d ", e.Status)
	}
	b.WriteString(e.Kind.Error())
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNotFound) and friends work.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap exposes the cause, e.g. context.Canceled or a network error.
func (e *Error) Unwrap() error { return e.Err }

// kindOf maps an HTTP error status to its kind; 401 is handled by the caller
// because its meaning depends on whether a re-authentication is still due.
func kindOf(status int) error {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return ErrAuth
	case status == http.StatusNotFound:
		return ErrNotFound
	case status == http.StatusConflict:
		return ErrConflict
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status == http.StatusRequestTimeout || status >= 500:
		return ErrTransient
	default:
		return ErrPermanent
	}
}

// maxMessageRunes keeps a chatty CRM from flooding logs and error pages.
const maxMessageRunes = 300

// crmMessage extracts the "message" of the contract's error body. Other
// bodies (HTML from a proxy, truncated JSON) are not quoted: they may hold
// anything, including personal data.
func crmMessage(body []byte) string {
	var e struct {
		Message string `json:"message"`
	}
	if !utf8.Valid(body) || json.Unmarshal(body, &e) != nil {
		return ""
	}
	msg := strings.Join(strings.Fields(e.Message), " ")
	if utf8.RuneCountInString(msg) > maxMessageRunes {
		msg = string([]rune(msg)[:maxMessageRunes]) + "…"
	}
	return msg
}

// redact removes the secrets from text the CRM sent us, in case a CRM or
// proxy echoes a header back in its error message.
func redact(s string, secrets ...string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}
