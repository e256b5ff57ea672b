package web

import (
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

func TestNewNeedsASecretAndCompanies(t *testing.T) {
	lookup := func(string) (*Company, bool) { return nil, false }
	if _, err := New(lookup, Options{Secret: []byte("short")}, zerolog.Nop()); err == nil || !strings.Contains(err.Error(), "http.secret") {
		t.Errorf("short secret: err = %v, want one naming http.secret", err)
	}
	if _, err := New(nil, Options{Secret: []byte(testSecret)}, zerolog.Nop()); err == nil {
		t.Error("no lookup: want an error")
	}
	h, err := New(lookup, Options{Secret: []byte(testSecret)}, zerolog.Nop())
	if err != nil || h == nil {
		t.Errorf("New = %v, %v", h, err)
	}
}

func TestOptionDefaults(t *testing.T) {
	o := Options{}.withDefaults()
	if o.PerIPRate != 10 || o.PerLinkRate != 2 || o.Burst != 30 || o.MaxBody != 16<<10 ||
		o.MinInvalidDuration.Milliseconds() != 30 || o.FormTTL.Hours() != 8 || o.Now == nil {
		t.Errorf("defaults = %+v", o)
	}
}
