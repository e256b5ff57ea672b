package web

import (
	"errors"
	"testing"
	"time"
)

func TestFormTokens(t *testing.T) {
	f := formTokens{secret: []byte(testSecret), ttl: time.Hour}
	hash := hashToken(tokenA)
	id, token := f.issue("acme", hash, testNow)
	if !validActionID(id) {
		t.Fatalf("action id %q is not what validActionID accepts", id)
	}
	other := formTokens{secret: []byte("another secret of thirty-two bytes!"), ttl: time.Hour}
	tests := []struct {
		name                  string
		tokens                formTokens
		slug, hash, id, token string
		at                    time.Time
		want                  error
	}{
		{"as issued", f, "acme", hash, id, token, testNow, nil},
		{"at expiry", f, "acme", hash, id, token, testNow.Add(time.Hour), nil},
		{"after expiry", f, "acme", hash, id, token, testNow.Add(time.Hour + time.Second), errFormExpired},
		{"other company", f, "other", hash, id, token, testNow, errFormForged},
		{"other link", f, "acme", hashToken(tokenOther), id, token, testNow, errFormForged},
		{"other action id", f, "acme", hash, "AAAAAAAAAAAAAAAAAAAAAAAAAA", token, testNow, errFormForged},
		{"other secret", other, "acme", hash, id, token, testNow, errFormForged},
		{"empty", f, "acme", hash, id, "", testNow, errFormForged},
		{"no expiry", f, "acme", hash, id, token[11:], testNow, errFormForged},
		{"expiry moved", f, "acme", hash, id, "9" + token[1:], testNow, errFormForged},
	}
	for _, tt := range tests {
		if err := tt.tokens.check(tt.slug, tt.hash, tt.id, tt.token, tt.at); !errors.Is(err, tt.want) {
			t.Errorf("%s: check = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestValidActionID(t *testing.T) {
	for id, want := range map[string]bool{
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ": true, "234567ABCDEFGHIJKLMNOPQRST": true,
		"": false, "ABCDEFGHIJKLMNOPQRSTUVWXY": false, "abcdefghijklmnopqrstuvwxyz": false,
		"ABCDEFGHIJKLMNOPQRSTUVWXY1": false, "ABCDEFGHIJKLMNOPQRSTUVWXYZA": false,
	} {
		if got := validActionID(id); got != want {
			t.Errorf("validActionID(%q) = %v, want %v", id, got, want)
		}
	}
}
