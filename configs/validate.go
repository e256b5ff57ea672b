package configs

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/robfig/cron/v3"
)

const (
	maxPageSize       = 500 // the CRM's limit
	maxProfileWorkers = 64
	maxDatabaseName   = 63 // PostgreSQL's identifier limit in bytes
)

var (
	slugPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$`)
	prefixPattern = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
	logLevels     = []string{"trace", "debug", "info", "warn", "error"}
)

func (c *Config) validate(ps *problems) {
	c.Database.validate(ps)
	c.HTTP.validate(ps)
	c.HTTP.validatePage(ps)
	if !slices.Contains(logLevels, c.Log.Level) {
		ps.add("log.level", "unknown level %s; use one of %s", quote(c.Log.Level), strings.Join(logLevels, ", "))
	}
	c.Sync.validate("sync", ps)
	c.Database.validateBudget(ps)
	c.HTTP.validateAdmin(ps)
	c.Jobs.validate(ps)
	c.Serve.validate(ps)
	c.validateCompanies(ps)
}

func (d *Database) validate(ps *problems) {
	switch d.Driver {
	case "postgres":
		if d.AdminDSN == "" {
			ps.add("database.admin_dsn", "is required with driver postgres; e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
		} else if err := checkPostgresDSN(d.AdminDSN); err != nil {
			ps.add("database.admin_dsn", "%v", err)
		}
	case "sqlite":
		if d.Dir == "" {
			ps.add("database.dir", "is required with driver sqlite: the directory that holds the company database files")
		}
	default:
		ps.add("database.driver", "unknown driver %s; use postgres or sqlite", quote(d.Driver))
	}
	if !prefixPattern.MatchString(d.NamePrefix) {
		ps.add("database.name_prefix", "%s is not a database name prefix; use lowercase letters, digits and _, starting with a letter or _ (e.g. consentd_)", quote(d.NamePrefix))
	}
	d.Pool.validate(ps)
}

func (p Pool) validate(ps *problems) {
	if p.MaxOpen < 1 {
		ps.add("database.pool.max_open", "must be at least 1, got %d", p.MaxOpen)
	}
	if p.MaxIdle < 0 || p.MaxIdle > max(p.MaxOpen, 1) {
		ps.add("database.pool.max_idle", "must be from 0 to max_open (%d), got %d", p.MaxOpen, p.MaxIdle)
	}
	if p.IdleTimeout <= 0 {
		ps.add("database.pool.idle_timeout", "must be positive so idle connections close, got %s", p.IdleTimeout)
	}
}

func (h *HTTP) validate(ps *problems) {
	if err := checkListen(h.Listen); err != nil {
		ps.add("http.listen", "%v", err)
	}
	if h.PublicURL == "" {
		ps.add("http.public_url", "is required: the address brokers' contacts open consent links at, e.g. https://einwilligung.example.de")
		return
	}
	u, err := checkHTTPURL(h.PublicURL)
	if err != nil {
		ps.add("http.public_url", "%v", err)
		return
	}
	h.PublicURL = u
}

func checkListen(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("want host:port such as 127.0.0.1:8080 or :8080, got %s", quote(addr))
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %s is not a number from 0 to 65535", quote(port))
	}
	return nil
}

// checkHTTPURL accepts an absolute http or https URL with a host and
// returns it without trailing slash, so paths can be appended.
func checkHTTPURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", fmt.Errorf("is not a valid URL: %s", urlReason(err))
	case u.User != nil:
		return "", errors.New("must not contain a user name or password")
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("want an absolute URL starting with https:// or http://, got %s", quote(raw))
	case u.Host == "":
		return "", fmt.Errorf("has no host; want e.g. %s://example.de", u.Scheme)
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return "", errors.New("must not have a query (?…) or fragment (#…)")
	}
	return strings.TrimRight(raw, "/"), nil
}

func (s Sync) validate(path string, ps *problems) {
	if s.PageSize < 1 || s.PageSize > maxPageSize {
		ps.add(path+".page_size", "must be from 1 to %d, got %d", maxPageSize, s.PageSize)
	}
	if s.Overlap < 0 {
		ps.add(path+".overlap", "must not be negative, got %s", s.Overlap)
	}
	if s.ProfileWorkers < 1 || s.ProfileWorkers > maxProfileWorkers {
		ps.add(path+".profile_workers", "must be from 1 to %d, got %d", maxProfileWorkers, s.ProfileWorkers)
	}
}

func (c *Config) validateCompanies(ps *problems) {
	if len(c.Companies) == 0 {
		ps.add("companies", "at least one company is required")
		return
	}
	first := map[string]int{}
	for i := range c.Companies {
		co := &c.Companies[i]
		path := fmt.Sprintf("companies[%d]", i)
		co.validate(path, c, ps)
		if j, dup := first[co.Slug]; dup && co.Slug != "" {
			ps.add(path+".slug", "duplicate slug %s, also used by companies[%d]; every company needs its own", quote(co.Slug), j)
			continue
		}
		first[co.Slug] = i
	}
}

func (co *Company) validate(path string, c *Config, ps *problems) {
	co.validateSlug(path+".slug", c.Database.NamePrefix, ps)
	if strings.TrimSpace(co.Name) == "" {
		ps.add(path+".name", "is required: the company name shown on the consent page")
	}
	co.CRM.validate(path+".crm", ps)
	for _, s := range []struct{ key, spec string }{
		{"sync", co.Schedule.Sync}, {"reconcile", co.Schedule.Reconcile}, {"retention", co.Schedule.Retention},
	} {
		if _, err := cron.ParseStandard(s.spec); err != nil {
			ps.add(path+".schedule."+s.key, "bad cron spec %s: %v; use 5 fields (minute hour day-of-month month day-of-week) or a descriptor such as @every 10m or @daily", quote(s.spec), err)
		}
	}
	if co.Sync != c.Sync { // an inherited section was checked once, at sync
		co.Sync.validate(path+".sync", ps)
	}
	co.Page.validate(path+".page", ps)
	co.Consent.validate(path+".consent", co.Name, ps)
}

func (co *Company) validateSlug(path, prefix string, ps *problems) {
	switch {
	case co.Slug == "":
		ps.add(path, "is required: 2–40 lowercase letters, digits and hyphens, e.g. mueller-immobilien")
	case !slugPattern.MatchString(co.Slug):
		ps.add(path, "%s is not a valid slug: use 2–40 lowercase letters, digits and hyphens (a-z, 0-9, -), not starting or ending with a hyphen", quote(co.Slug))
	case co.Slug == AllCompanies:
		ps.add(path, `"all" is reserved: -company all selects every company`)
	case prefixPattern.MatchString(prefix) && len(databaseName(prefix, co.Slug)) > maxDatabaseName:
		ps.add(path, "database name %s would be %d bytes, PostgreSQL allows %d; shorten the slug or database.name_prefix",
			quote(databaseName(prefix, co.Slug)), len(databaseName(prefix, co.Slug)), maxDatabaseName)
	}
}

// databaseName is the company database the store derives from the slug.
func databaseName(prefix, slug string) string {
	return prefix + strings.ReplaceAll(slug, "-", "_")
}

func (c *CRM) validate(path string, ps *problems) {
	if c.BaseURL == "" {
		ps.add(path+".base_url", "is required: the CRM API's address, e.g. https://api.production.cloudios.flowfact-prod.cloud")
	} else if u, err := checkHTTPURL(c.BaseURL); err != nil {
		ps.add(path+".base_url", "%v", err)
	} else {
		c.BaseURL = u
	}
	if strings.TrimSpace(c.Token) == "" {
		ps.add(path+".token", "is required; take it from the environment, e.g. token: ${MUELLER_CRM_TOKEN}")
	}
	if c.RequestsPerSecond <= 0 {
		ps.add(path+".requests_per_second", "must be positive, got %g", c.RequestsPerSecond)
	}
	if c.Burst < 1 {
		ps.add(path+".burst", "must be at least 1, got %d", c.Burst)
	}
	if c.Timeout <= 0 {
		ps.add(path+".timeout", "must be positive, got %s", c.Timeout)
	}
}
