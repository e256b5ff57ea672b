package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Every form carries a one-time action id and a token that binds it to
// the link it was rendered for until it expires: HMAC(secret, slug, hash
// of the link token, action id, expiry). Without a session there is
// nothing to double-submit; the MAC is what a forged form cannot have.
type formTokens struct {
	secret []byte
	ttl    time.Duration
}

var (
	errFormForged  = errors.New("form token does not match")
	errFormExpired = errors.New("form token expired")
)

// actionIDLength is the length of rand.Text: 26 base32 letters, 130 bits.
const actionIDLength = 26

// issue returns a new action id and its form token.
func (f formTokens) issue(slug, tokenHash string, now time.Time) (actionID, token string) {
	actionID = rand.Text()
	expires := now.Add(f.ttl).Unix()
	return actionID, strconv.FormatInt(expires, 10) + "." + f.mac(slug, tokenHash, actionID, expires)
}

// check accepts a form token issued for this link and action id that has
// not expired.
func (f formTokens) check(slug, tokenHash, actionID, token string, now time.Time) error {
	exp, mac, ok := strings.Cut(token, ".")
	expires, err := strconv.ParseInt(exp, 10, 64)
	if !ok || err != nil || !hmac.Equal([]byte(mac), []byte(f.mac(slug, tokenHash, actionID, expires))) {
		return errFormForged
	}
	if now.Unix() > expires {
		return errFormExpired
	}
	return nil
}

func (f formTokens) mac(slug, tokenHash, actionID string, expires int64) string {
	h := hmac.New(sha256.New, f.secret)
	for _, part := range []string{"consentd form v1", slug, tokenHash, actionID, strconv.FormatInt(expires, 10)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// validActionID accepts what rand.Text makes: base32 letters and digits.
func validActionID(id string) bool {
	if len(id) != actionIDLength {
		return false
	}
	for _, c := range id {
		if (c < 'A' || c > 'Z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

// hashToken is the hex SHA-256 of a link token, as forms are bound to it.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
