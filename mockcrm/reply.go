package mockcrm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"unicode/utf8"
)

// maxBody is the largest request body the CRM accepts.
const maxBody = 1 << 20

const contentJSON = "application/json"

// reply is an answer prepared by a handler; the server writes it, possibly
// spoilt by the configured faults.
type reply struct {
	status     int
	ctype      string
	body       []byte
	retryAfter int // seconds; sent as Retry-After when > 0
}

// handler answers one API request; an error becomes the CRM's error body.
type handler func(*http.Request) (reply, error)

// apiError is an answer with the CRM's error shape {"status", "message"}.
type apiError struct {
	status     int
	message    string
	retryAfter int // seconds, for 429
}

func (e *apiError) Error() string { return e.message }

func errorf(status int, format string, args ...any) error {
	return &apiError{status: status, message: fmt.Sprintf(format, args...)}
}

func errorReply(status int, message string) reply {
	b, _ := json.Marshal(struct {
		Status  int    `json:"status"`
		Message string `json:"message"`
	}{status, message})
	return reply{status: status, ctype: contentJSON, body: b}
}

func replyFor(err error) reply {
	var ae *apiError
	if errors.As(err, &ae) {
		rep := errorReply(ae.status, ae.message)
		rep.retryAfter = ae.retryAfter
		return rep
	}
	return errorReply(http.StatusInternalServerError, err.Error())
}

func jsonReply(status int, v any) (reply, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return reply{}, fmt.Errorf("encoding the answer: %w", err)
	}
	return reply{status: status, ctype: contentJSON, body: b}, nil
}

func textReply(status int, text string) reply {
	return reply{status: status, ctype: "text/plain; charset=utf-8", body: []byte(text)}
}

func noContent() reply { return reply{status: http.StatusNoContent} }

// entries wraps a list the way every list call answers: {"entries": [...]}.
func entries[T any](items []T) (reply, error) {
	return jsonReply(http.StatusOK, map[string][]T{"entries": orEmpty(items)})
}

// orEmpty makes a nil list an empty one, which JSON writes as [] not null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// readBody reads a request body of at most maxBody bytes of valid UTF-8.
func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength > maxBody {
		return nil, tooLarge()
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	switch {
	case err != nil:
		return nil, errorf(http.StatusBadRequest, "reading the request body: %v", err)
	case len(b) > maxBody:
		return nil, tooLarge()
	case !utf8.Valid(b):
		return nil, errorf(http.StatusBadRequest, "request body is not valid UTF-8")
	}
	return b, nil
}

func tooLarge() error {
	return errorf(http.StatusRequestEntityTooLarge, "request body is larger than 1 MB; send fewer or smaller fields")
}

// decodeBody reads a JSON request body into v strictly: an unknown key is a 400.
func decodeBody(r *http.Request, v any) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return errorf(http.StatusBadRequest, "request body is empty; send a JSON object")
	}
	if err := decodeStrict(b, v); err != nil {
		return errorf(http.StatusBadRequest, "bad request body: %v", err)
	}
	return nil
}
