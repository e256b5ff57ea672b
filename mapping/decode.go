package mapping

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on mapped values. They are far above anything a real contact
// holds and keep one corrupt record from bloating the mirror.
const (
	maxText      = 1000 // names, street, city, consent details
	maxEmail     = 320  // RFC 5321: 64 + @ + 255
	maxPhone     = 100
	maxID        = 255
	maxChannels  = 20              // e-mails, phone numbers, postal addresses
	maxListItems = 500             // zip codes, cities and estate types of a search profile
	maxEpochMS   = 253402300799999 // 9999-12-31T23:59:59.999Z
)

// fieldErrors collects every problem of one record, so the log line of a
// skipped contact names all of them at once.
type fieldErrors []error

func (fe *fieldErrors) add(field string, err error) {
	*fe = append(*fe, fmt.Errorf("field %s: %w", field, err))
}

// check records err, if any, against field.
func (fe *fieldErrors) check(field string, err error) {
	if err != nil {
		fe.add(field, err)
	}
}

// time converts a CRM time in epoch milliseconds.
func (fe *fieldErrors) time(field string, ms int64) time.Time {
	t, err := epochMillis(ms)
	fe.check(field, err)
	return t
}

func (fe fieldErrors) err() error {
	if len(fe) == 0 {
		return nil
	}
	return recordError(fe)
}

// recordError joins a record's problems on one line.
type recordError []error

func (re recordError) Error() string {
	msgs := make([]string, len(re))
	for i, err := range re {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

func (re recordError) Unwrap() []error { return re }

// jsonKind names the JSON type of a raw value for error messages.
func jsonKind(raw json.RawMessage) string {
	b := bytes.TrimSpace(raw)
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// decodeText decodes a JSON string (null or absent means empty) and cleans it.
func decodeText(raw json.RawMessage, limit int) (string, error) {
	switch kind := jsonKind(raw); kind {
	case "null", "nothing":
		return "", nil
	case "string":
	default:
		return "", fmt.Errorf("want a string, got %s", kind)
	}
	// The json package silently replaces invalid UTF-8, so check first.
	if !utf8.Valid(raw) {
		return "", errors.New("is not valid UTF-8")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("malformed string: %w", err)
	}
	return cleanText(s, limit)
}

// cleanText trims surrounding white space and rejects what a database
// column must not hold.
func cleanText(s string, limit int) (string, error) {
	if !utf8.ValidString(s) {
		return "", errors.New("is not valid UTF-8")
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "", errors.New("contains a NUL character")
	}
	s = strings.TrimSpace(s)
	if len(s) > limit {
		return "", fmt.Errorf("is %d bytes long, more than the %d allowed", len(s), limit)
	}
	return s, nil
}

// decodeBool decodes a JSON boolean; null or absent means false.
func decodeBool(raw json.RawMessage) (bool, error) {
	switch kind := jsonKind(raw); kind {
	case "null", "nothing":
		return false, nil
	case "boolean":
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return false, fmt.Errorf("malformed boolean: %w", err)
		}
		return b, nil
	default:
		return false, fmt.Errorf("want true or false, got %s", kind)
	}
}

// decodeObject decodes one entry of a list field that must be a JSON object.
func decodeObject(raw json.RawMessage) (map[string]json.RawMessage, error) {
	if kind := jsonKind(raw); kind != "object" {
		return nil, fmt.Errorf("want an object, got %s", kind)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("malformed object: %w", err)
	}
	return obj, nil
}

// decodeDate checks a "YYYY-MM-DD" date value. The value itself never
// appears in an error: it is personal data.
func decodeDate(raw json.RawMessage) (string, error) {
	s, err := decodeText(raw, maxText)
	if err != nil || s == "" {
		return s, err
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return "", errors.New("want a date like 2026-11-23 (YYYY-MM-DD)")
	}
	return s, nil
}

// epochMillis converts a CRM time; 0 means the CRM did not say.
func epochMillis(ms int64) (time.Time, error) {
	if ms == 0 {
		return time.Time{}, nil
	}
	if ms < 0 || ms > maxEpochMS {
		return time.Time{}, fmt.Errorf("%d is not a plausible time in epoch milliseconds", ms)
	}
	return time.UnixMilli(ms).UTC(), nil
}

// checkID accepts a CRM id as it is (ids are opaque and used to write back),
// rejecting only what cannot be a key.
func checkID(id string) error {
	switch {
	case strings.TrimSpace(id) == "":
		return errors.New("is missing")
	case len(id) > maxID:
		return fmt.Errorf("is %d bytes long, more than the %d allowed", len(id), maxID)
	case !utf8.ValidString(id) || strings.IndexByte(id, 0) >= 0:
		return errors.New("is not valid UTF-8 text")
	}
	return nil
}
