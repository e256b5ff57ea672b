package mockcrm

import (
	"math"
	"time"
)

// Defaults of Options.
const (
	DefaultAPIToken      = "mock-api-token"
	DefaultUsers         = 5
	DefaultTokenTTL      = time.Hour
	DefaultRatePerSecond = 25
	DefaultBurst         = 50
	// MaxContacts bounds Options.Contacts so a typo cannot exhaust memory.
	MaxContacts = 2_000_000
	maxUsers    = 1000
)

// Options configure a mock CRM. The zero value is usable: every field has a
// default, and out-of-range values are clamped rather than refused.
type Options struct {
	APIToken      string           // API user token the token exchange accepts; default "mock-api-token"
	Contacts      int              // number of seeded contacts, 0..MaxContacts
	Seed          int64            // same seed → same ids and data
	Users         int              // seeded brokers "u-1".."u-N", default 5
	TokenTTL      time.Duration    // session token lifetime, default 1h
	RatePerSecond float64          // requests per second per session token, default 25; negative = unlimited
	Burst         int              // rate-limit burst, default 50
	Now           func() time.Time // clock, default time.Now
}

func (o Options) withDefaults() Options {
	if o.APIToken == "" {
		o.APIToken = DefaultAPIToken
	}
	o.Contacts = min(max(o.Contacts, 0), MaxContacts)
	if o.Users <= 0 {
		o.Users = DefaultUsers
	}
	o.Users = min(o.Users, maxUsers)
	if o.TokenTTL <= 0 {
		o.TokenTTL = DefaultTokenTTL
	}
	if o.RatePerSecond == 0 || math.IsNaN(o.RatePerSecond) {
		o.RatePerSecond = DefaultRatePerSecond
	}
	if o.Burst <= 0 {
		o.Burst = DefaultBurst
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}
