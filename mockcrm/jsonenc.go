package mockcrm

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Entities are assembled from bytes
// rather than through encoding/json because a page of 500 contacts must be
// served in a few milliseconds; invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\ufffd")
	}
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			b = append(b, s[start:i]...)
			b = appendEscape(b, c)
			start = i + 1
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendEscape(b []byte, c byte) []byte {
	if c == '"' || c == '\\' {
		return append(b, '\\', c)
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
}

// appendArray appends items as a JSON array, each written by each.
func appendArray[T any](b []byte, items []T, each func([]byte, T) []byte) []byte {
	b = append(b, '[')
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = each(b, it)
	}
	return append(b, ']')
}

// channel is one e-mail address or phone number of a contact.
type channel struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Default bool   `json:"default"`
}

func appendChannel(b []byte, ch channel) []byte {
	b = append(b, `{"value":`...)
	b = appendString(b, ch.Value)
	if ch.Type != "" {
		b = append(b, `,"type":`...)
		b = appendString(b, ch.Type)
	}
	b = append(b, `,"default":`...)
	b = strconv.AppendBool(b, ch.Default)
	return append(b, '}')
}

// postal is one postal address of a contact.
type postal struct {
	Street      string `json:"street"`
	HouseNumber string `json:"houseNumber"`
	Zipcode     string `json:"zipcode"`
	City        string `json:"city"`
	Country     string `json:"country"`
	Default     bool   `json:"default"`
}

func appendPostal(b []byte, a postal) []byte {
	pairs := [...]struct{ key, val string }{
		{`{"street":`, a.Street}, {`,"houseNumber":`, a.HouseNumber}, {`,"zipcode":`, a.Zipcode},
		{`,"city":`, a.City}, {`,"country":`, a.Country},
	}
	for _, p := range pairs {
		b = append(b, p.key...)
		b = appendString(b, p.val)
	}
	b = append(b, `,"default":`...)
	b = strconv.AppendBool(b, a.Default)
	return append(b, '}')
}

// decodeStrict decodes exactly one JSON value into v, refusing unknown object
// keys and trailing data, so a client's typo is a 400 rather than silently
// ignored.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}
