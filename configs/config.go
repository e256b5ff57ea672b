// Package configs loads and validates consentd's configuration file: the
// database, the HTTP listener, logging, sync defaults and the broker
// companies with their CRM access, schedules and field mappings. It reads
// the config file and the files it references, and nothing else.
package configs

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/retention"
)

// Config is a loaded and validated configuration.
type Config struct {
	Database  Database
	HTTP      HTTP
	Log       Log
	Sync      Sync // defaults for every company
	Jobs      Jobs
	Serve     Serve
	Companies []Company
	Path      string // absolute path of the file Load read; empty after Parse
}

// Database says where the per-company databases live.
type Database struct {
	Driver     string `yaml:"driver"`      // postgres or sqlite
	AdminDSN   string `yaml:"admin_dsn"`   // postgres: connection used to create company databases
	NamePrefix string `yaml:"name_prefix"` // company database = prefix + slug with '-' as '_'
	Dir        string `yaml:"dir"`         // sqlite: directory of the company database files
	Pool       Pool   `yaml:"pool"`
	// MaxConnections bounds the connections serve opens in total, over all
	// company pools and the server's; see CompanySlots.
	MaxConnections int `yaml:"max_connections"`
}

// Pool sizes each company's connection pool. Pools are small and close idle
// connections, so hundreds of companies fit one PostgreSQL server.
type Pool struct {
	MaxOpen     int           `yaml:"max_open"`
	MaxIdle     int           `yaml:"max_idle"`
	IdleTimeout time.Duration `yaml:"idle_timeout"`
}

// HTTP configures the consent page server.
type HTTP struct {
	Listen     string    `yaml:"listen"`      // host:port
	PublicURL  string    `yaml:"public_url"`  // base of every consent link, without trailing slash
	Secret     string    `yaml:"secret"`      // keys the consent page's form tokens; serve requires it
	TrustProxy bool      `yaml:"trust_proxy"` // client address and scheme from X-Forwarded-For and -Proto
	RateLimit  RateLimit `yaml:"rate_limit"`  // consent page requests
	// AdminListen, when set, serves /healthz, /readyz and /metrics on an
	// address of their own instead of on Listen.
	AdminListen string `yaml:"admin_listen"`
}

// Log configures logging.
type Log struct {
	Level string `yaml:"level"` // trace, debug, info, warn or error
}

// Sync tunes mirror runs.
type Sync struct {
	PageSize       int           `yaml:"page_size"`       // contacts per CRM search page, 1–500
	Overlap        time.Duration `yaml:"overlap"`         // how far before the watermark an incremental run starts
	ProfileWorkers int           `yaml:"profile_workers"` // concurrent search profile requests
}

// Company is one broker firm with its own CRM and its own database.
type Company struct {
	Slug          string           `yaml:"slug"`
	Name          string           `yaml:"name"`
	CRM           CRM              `yaml:"crm"`
	Schedule      Schedule         `yaml:"schedule"`
	Sync          Sync             `yaml:"sync"`      // the global sync section, overridden key by key
	MappingPath   string           `yaml:"mapping"`   // resolved against the config file; empty: built-in mapping
	RetentionPath string           `yaml:"retention"` // resolved against the config file; empty: built-in classes
	Mapping       *mapping.Mapping `yaml:"-"`         // parsed mapping file, or mapping.Default()
	// Retention is the parsed retention file, or retention.Default(),
	// checked against the facts the mapping declares.
	Retention *retention.Policy `yaml:"-"`
	Page      Page              `yaml:"page"`    // branding of the consent page
	Consent   Consent           `yaml:"consent"` // what a contact consents to, and how it is recorded
}

// CRM says how to reach a company's CRM.
type CRM struct {
	BaseURL           string        `yaml:"base_url"` // without trailing slash
	Token             string        `yaml:"token"`
	RequestsPerSecond float64       `yaml:"requests_per_second"`
	Burst             int           `yaml:"burst"`
	Timeout           time.Duration `yaml:"timeout"` // per request
}

// Schedule holds a company's cron specs (robfig/cron standard syntax).
type Schedule struct {
	Sync      string `yaml:"sync"`
	Reconcile string `yaml:"reconcile"`
	Retention string `yaml:"retention"`
}

// String keeps the token out of anything that prints a CRM or a Company.
func (c CRM) String() string {
	return fmt.Sprintf("{BaseURL:%s Token:%s RequestsPerSecond:%g Burst:%d Timeout:%s}",
		c.BaseURL, redacted, c.RequestsPerSecond, c.Burst, c.Timeout)
}

// Load reads and validates the config file at path. Relative paths in it
// resolve against the file's directory. lookupEnv expands ${VAR}; nil
// means the process environment. A *ValidationError lists every problem.
func Load(path string, lookupEnv func(string) (string, bool)) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("locate config file %s: %w", path, err)
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, fmt.Errorf("read config file: %w", err)
	}
	cfg, err := Parse(data, filepath.Dir(abs), lookupEnv)
	if err != nil {
		return nil, fmt.Errorf("config file %s:\n%w", abs, err)
	}
	cfg.Path = abs
	return cfg, nil
}

// Company returns the company with the given slug.
func (c *Config) Company(slug string) (*Company, bool) {
	for i := range c.Companies {
		if c.Companies[i].Slug == slug {
			return &c.Companies[i], true
		}
	}
	return nil, false
}

// AllCompanies is the slug that selects every company.
const AllCompanies = "all"

// Select returns the companies a -company flag names: one slug, or
// AllCompanies for every company in file order.
func (c *Config) Select(slug string) ([]*Company, error) {
	if slug == AllCompanies {
		out := make([]*Company, len(c.Companies))
		for i := range c.Companies {
			out[i] = &c.Companies[i]
		}
		return out, nil
	}
	if co, ok := c.Company(slug); ok {
		return []*Company{co}, nil
	}
	known := make([]string, len(c.Companies))
	for i, co := range c.Companies {
		known[i] = co.Slug
	}
	slices.Sort(known)
	return nil, fmt.Errorf("unknown company %q; known companies: %s (or %s)", slug, strings.Join(known, ", "), AllCompanies)
}
