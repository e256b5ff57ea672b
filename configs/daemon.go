package configs

import (
	"net"
	"time"
	// The zone database is built in, so schedules read in Europe/Berlin
	// also on hosts and containers without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// Jobs tunes how consentd serve runs the companies' scheduled jobs.
type Jobs struct {
	TimeZone      string         `yaml:"time_zone"`      // IANA zone the cron specs are read in
	MaxConcurrent int            `yaml:"max_concurrent"` // jobs running at once over all companies
	Jitter        time.Duration  `yaml:"jitter"`         // each company's runs start up to this much later, the same offset every time
	Location      *time.Location `yaml:"-"`              // TimeZone, loaded
}

// Serve tunes the lifecycle of consentd serve.
type Serve struct {
	// Grace is how long running jobs and requests may take to finish after
	// SIGTERM before they are canceled.
	Grace time.Duration `yaml:"grace"`
}

// Defaults of the daemon settings.
const (
	DefaultTimeZone       = "Europe/Berlin"
	DefaultMaxConcurrent  = 8
	DefaultJitter         = 30 * time.Second
	DefaultGrace          = 30 * time.Second
	DefaultMaxConnections = 40

	maxJitter        = time.Hour
	maxConcurrentCap = 1000
)

var (
	defaultJobs  = Jobs{TimeZone: DefaultTimeZone, MaxConcurrent: DefaultMaxConcurrent, Jitter: DefaultJitter}
	defaultServe = Serve{Grace: DefaultGrace}
)

func (j *Jobs) validate(ps *problems) {
	if j.TimeZone == "" {
		ps.add("jobs.time_zone", "is required: the zone cron specs are read in, e.g. %s", DefaultTimeZone)
	} else if loc, err := time.LoadLocation(j.TimeZone); err != nil {
		ps.add("jobs.time_zone", "unknown time zone %s; use an IANA name such as %s or UTC", quote(j.TimeZone), DefaultTimeZone)
	} else {
		j.Location = loc
	}
	if j.MaxConcurrent < 1 || j.MaxConcurrent > maxConcurrentCap {
		ps.add("jobs.max_concurrent", "must be from 1 to %d, got %d", maxConcurrentCap, j.MaxConcurrent)
	}
	if j.Jitter < 0 || j.Jitter > maxJitter {
		ps.add("jobs.jitter", "must be from 0s to %s, got %s", maxJitter, j.Jitter)
	}
}

func (s Serve) validate(ps *problems) {
	if s.Grace < 0 {
		ps.add("serve.grace", "must not be negative, got %s", s.Grace)
	}
}

// validateBudget checks that the connection budget holds the server's pool
// and at least one company's.
func (d *Database) validateBudget(ps *problems) {
	if d.Pool.MaxOpen < 1 {
		return // reported at database.pool.max_open
	}
	if least := 2 * d.Pool.MaxOpen; d.MaxConnections < least {
		ps.add("database.max_connections", "must be at least %d (twice database.pool.max_open: the server's pool and one company's), got %d",
			least, d.MaxConnections)
	}
}

func (h *HTTP) validateAdmin(ps *problems) {
	if h.AdminListen == "" {
		return
	}
	if err := checkListen(h.AdminListen); err != nil {
		ps.add("http.admin_listen", "%v", err)
	} else if _, port, _ := net.SplitHostPort(h.AdminListen); h.AdminListen == h.Listen && port != "0" {
		ps.add("http.admin_listen", "is the same address as http.listen; leave it empty to serve health and metrics there")
	}
}

// CompanySlots is how many companies may hold database connections at once
// within the budget: each company's pool may open Pool.MaxOpen, and one
// pool's worth is kept for the server's own pool.
func (d Database) CompanySlots() int {
	if d.Pool.MaxOpen < 1 {
		return 0
	}
	return max(d.MaxConnections/d.Pool.MaxOpen-1, 0)
}
