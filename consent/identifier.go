package consent

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"

	"github.com/consentd/consentd/store"
)

// identifier is the suppression identifier of an e-mail address or phone
// number: the hex SHA-256 of its normal form, so the same person is found
// again however the CRM spells them, and the entry itself holds neither.
// It is "" for a value with nothing to identify.
func identifier(kind, value string) string {
	var norm string
	if kind == store.SuppressEmail {
		norm = strings.ToLower(strings.TrimSpace(value))
	} else {
		norm = phoneDigits(value)
	}
	if norm == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(kind + ":" + norm))
	return hex.EncodeToString(sum[:])
}

// phoneDigits is a phone number's digits, German national numbers written
// internationally, so "089 123" and "+49 89 123" are one number.
func phoneDigits(value string) string {
	var b strings.Builder
	for _, r := range value {
		if unicode.IsDigit(r) && r < unicode.MaxASCII {
			b.WriteRune(r)
		}
	}
	d := b.String()
	switch {
	case strings.HasPrefix(strings.TrimSpace(value), "+"):
	case strings.HasPrefix(d, "00"):
		d = d[2:]
	case strings.HasPrefix(d, "0"):
		d = "49" + d[1:]
	}
	return d
}
