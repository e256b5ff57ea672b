package configs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/retention"
)

// minimal is the smallest valid config; cases replace parts of it.
const minimal = `database: {admin_dsn: "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"}
http: {public_url: "https://einwilligung.example.de"}
companies:
  - slug: acme
    name: Acme Immobilien
    crm:
      base_url: "https://crm.example.com"
      token: "tok"
`

// withCompany is minimal with the company's lines replaced.
func withCompany(company string) string {
	head, _, _ := strings.Cut(minimal, "  - slug: acme")
	return head + company
}

func problemsOf(t *testing.T, yml, baseDir string, vars map[string]string) []Problem {
	t.Helper()
	cfg, err := Parse([]byte(yml), baseDir, env(vars))
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("Parse = %+v, %v; want a *ValidationError", cfg, err)
	}
	return verr.Problems
}

func mustParse(t *testing.T, yml, baseDir string, vars map[string]string) *Config {
	t.Helper()
	cfg, err := Parse([]byte(yml), baseDir, env(vars))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return cfg
}

func TestParseAppliesDefaults(t *testing.T) {
	cfg := mustParse(t, minimal, "", nil)
	want := &Config{
		Database: Database{
			Driver: "postgres", AdminDSN: "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
			NamePrefix: "consentd_", Pool: Pool{MaxOpen: 4, MaxIdle: 1, IdleTimeout: time.Minute},
			MaxConnections: 40,
		},
		HTTP:  HTTP{Listen: "127.0.0.1:8080", PublicURL: "https://einwilligung.example.de", RateLimit: RateLimit{PerIP: 10, PerLink: 2, Burst: 30}},
		Log:   Log{Level: "info"},
		Sync:  Sync{PageSize: 200, Overlap: 2 * time.Minute, ProfileWorkers: 4},
		Jobs:  Jobs{TimeZone: "Europe/Berlin", MaxConcurrent: 8, Jitter: 30 * time.Second, Location: berlin(t)},
		Serve: Serve{Grace: 30 * time.Second},
		Companies: []Company{{
			Slug: "acme", Name: "Acme Immobilien",
			CRM:       CRM{BaseURL: "https://crm.example.com", Token: "tok", RequestsPerSecond: 20, Burst: 10, Timeout: 30 * time.Second},
			Schedule:  Schedule{Sync: "@every 10m", Reconcile: "0 3 * * *", Retention: "0 6 * * *"},
			Sync:      Sync{PageSize: 200, Overlap: 2 * time.Minute, ProfileWorkers: 4},
			Mapping:   mapping.Default(),
			Retention: retention.Default(),
			Consent: Consent{
				Purpose: "Akquisition und Vermittlung von Immobilien", Source: "Kontaktformular", ActivityType: "Einwilligung",
				TextVersion: BuiltinTextVersion, Text: builtinText("Acme Immobilien", "Akquisition und Vermittlung von Immobilien"),
				RecordClient: true,
			},
		}},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("Parse =\n%+v\nwant\n%+v", cfg, want)
	}
}

func TestParseOverridesAndNormalizes(t *testing.T) {
	yml := `
database:
  driver: sqlite
  dir: data
  name_prefix: cd_
  pool: {max_open: 2, max_idle: 0, idle_timeout: 30s}
http: {listen: ":0", public_url: "http://127.0.0.1:8080/consent/"}
log: {level: debug}
sync: {page_size: 500, overlap: 0s, profile_workers: 1}
companies:
  - slug: a1
    name: A
    crm: {base_url: "https://crm.example.com/api/", token: t, requests_per_second: 0.5, burst: 1, timeout: 1m30s}
    schedule: {sync: "@hourly", reconcile: "TZ=Europe/Berlin 0 3 * * *", retention: "@every 24h"}
    sync: {overlap: 5m}
`
	cfg := mustParse(t, yml, "/srv/consentd", nil)
	co := cfg.Companies[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"database", cfg.Database, Database{Driver: "sqlite", Dir: "/srv/consentd/data", NamePrefix: "cd_", Pool: Pool{2, 0, 30 * time.Second}, MaxConnections: 40}},
		{"public_url without trailing slash", cfg.HTTP, HTTP{Listen: ":0", PublicURL: "http://127.0.0.1:8080/consent", RateLimit: defaultRateLimit}},
		{"log", cfg.Log, Log{Level: "debug"}},
		{"global sync", cfg.Sync, Sync{PageSize: 500, Overlap: 0, ProfileWorkers: 1}},
		{"company sync overrides one key", co.Sync, Sync{PageSize: 500, Overlap: 5 * time.Minute, ProfileWorkers: 1}},
		{"crm", co.CRM, CRM{BaseURL: "https://crm.example.com/api", Token: "t", RequestsPerSecond: 0.5, Burst: 1, Timeout: 90 * time.Second}},
		{"schedule", co.Schedule, Schedule{Sync: "@hourly", Reconcile: "TZ=Europe/Berlin 0 3 * * *", Retention: "@every 24h"}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %+v, want %+v", c.name, c.got, c.want)
		}
	}
}

func TestParseSupportsAnchorsAndMergeKeys(t *testing.T) {
	yml := withCompany(`  - slug: first
    name: First
    crm: &crm {base_url: "https://crm.example.com", token: "${T1}", timeout: 10s}
    schedule: &office {sync: "*/15 8-18 * * 1-5"}
  - slug: second
    name: Second
    crm: {<<: *crm, token: "${T2}"}
    schedule: *office
`)
	cfg := mustParse(t, yml, "", map[string]string{"T1": "one", "T2": "two"})
	first, second := cfg.Companies[0], cfg.Companies[1]
	if second.CRM.Token != "two" || second.CRM.Timeout != 10*time.Second || second.CRM.BaseURL != first.CRM.BaseURL {
		t.Errorf("merged crm = %v, want the anchor's values with token two", second.CRM)
	}
	if second.Schedule != first.Schedule {
		t.Errorf("aliased schedule = %+v, want %+v", second.Schedule, first.Schedule)
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	tests := []struct {
		name string
		yml  string
		vars map[string]string
		want []Problem
	}{
		{
			name: "unknown keys everywhere, with lines",
			yml: minimal + `      tokn: x
    crm_token: x
databse: {}
http2: {}
sync: {pagesize: 100}
`,
			want: []Problem{
				{"databse", "unknown key (line 11); known keys: database, http, log, sync, jobs, serve, companies"},
				{"http2", "unknown key (line 12); known keys: database, http, log, sync, jobs, serve, companies"},
				{"sync.pagesize", "unknown key (line 13); known keys: page_size, overlap, profile_workers"},
				{"companies[0].crm.tokn", "unknown key (line 9); known keys: base_url, token, requests_per_second, burst, timeout"},
				{"companies[0].crm_token", "unknown key (line 10); known keys: slug, name, crm, schedule, sync, mapping, retention, page, consent"},
			},
		},
		{
			name: "key given twice",
			yml:  minimal + "    name: Again\n",
			want: []Problem{{"companies[0].name", "key given twice (lines 5 and 9); keep one"}},
		},
		{
			name: "wrong types",
			yml: `database: {admin_dsn: [a], pool: {max_open: "${POOL}", idle_timeout: {}}}
http: {public_url: "https://e.example.de"}
sync: {page_size: many, overlap: 10, profile_workers: 2.5}
log: info
companies:
  - slug: acme
    name: Acme
    crm: {base_url: "https://c.example.com", token: t, requests_per_second: fast, burst: true}
    schedule: "@daily"
`,
			want: []Problem{
				{"database.admin_dsn", "want a single value, got a list (line 1)"},
				{"database.pool.max_open", `want a whole number, got the text "${POOL}" (line 1); ${VAR} is expanded in text values only`},
				{"database.pool.idle_timeout", "want a single value, got a mapping (line 1)"},
				{"sync.page_size", `want a whole number, got the text "many" (line 3)`},
				{"sync.overlap", `want a duration like 30s, 1m or 1h30m, got "10" (line 3)`},
				{"sync.profile_workers", `want a whole number, got "2.5" (line 3)`},
				{"log", `want a mapping of keys, got the text "info" (line 4)`},
				{"companies[0].crm.requests_per_second", `want a number, got the text "fast" (line 8)`},
				{"companies[0].crm.burst", `want a whole number, got "true" (line 8)`},
				{"companies[0].schedule", `want a mapping of keys, got the text "@daily" (line 9)`},
			},
		},
		{
			name: "companies not a list",
			yml:  "database: {admin_dsn: 'host=db'}\nhttp: {public_url: 'https://e.example.de'}\ncompanies: {slug: acme}\n",
			want: []Problem{{"companies", "want a list of companies, got a mapping (line 3)"}},
		},
		{
			name: "no companies",
			yml:  "database: {admin_dsn: 'host=db'}\nhttp: {public_url: 'https://e.example.de'}\ncompanies: []\n",
			want: []Problem{{"companies", "at least one company is required"}},
		},
		{
			name: "empty file",
			yml:  "",
			want: []Problem{
				{"database.admin_dsn", "is required with driver postgres; e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"},
				{"http.public_url", "is required: the address brokers' contacts open consent links at, e.g. https://einwilligung.example.de"},
				{"companies", "at least one company is required"},
			},
		},
		{
			name: "not YAML",
			yml:  "database:\n\tdriver: postgres\n",
			want: []Problem{{"", "not valid YAML: yaml: line 2: found character that cannot start any token"}},
		},
		{
			name: "bad slugs",
			yml: withCompany(`  - {slug: Mueller, name: A, crm: {base_url: "https://c.example.com", token: t}}
  - {slug: -mueller, name: A, crm: {base_url: "https://c.example.com", token: t}}
  - {slug: mueller-, name: A, crm: {base_url: "https://c.example.com", token: t}}
  - {slug: m, name: A, crm: {base_url: "https://c.example.com", token: t}}
  - {slug: ` + strings.Repeat("m", 41) + `, name: A, crm: {base_url: "https://c.example.com", token: t}}
  - {slug: müller, name: A, crm: {base_url: "https://c.example.com", token: t}}
  - {slug: all, name: A, crm: {base_url: "https://c.example.com", token: t}}
  - {name: A, crm: {base_url: "https://c.example.com", token: t}}
`),
			want: []Problem{
				{"companies[0].slug", `"Mueller" is not a valid slug: use 2–40 lowercase letters, digits and hyphens (a-z, 0-9, -), not starting or ending with a hyphen`},
				{"companies[1].slug", `"-mueller" is not a valid slug: use 2–40 lowercase letters, digits and hyphens (a-z, 0-9, -), not starting or ending with a hyphen`},
				{"companies[2].slug", `"mueller-" is not a valid slug: use 2–40 lowercase letters, digits and hyphens (a-z, 0-9, -), not starting or ending with a hyphen`},
				{"companies[3].slug", `"m" is not a valid slug: use 2–40 lowercase letters, digits and hyphens (a-z, 0-9, -), not starting or ending with a hyphen`},
				{"companies[4].slug", `"` + strings.Repeat("m", 41) + `" is not a valid slug: use 2–40 lowercase letters, digits and hyphens (a-z, 0-9, -), not starting or ending with a hyphen`},
				{"companies[5].slug", `"müller" is not a valid slug: use 2–40 lowercase letters, digits and hyphens (a-z, 0-9, -), not starting or ending with a hyphen`},
				{"companies[6].slug", `"all" is reserved: -company all selects every company`},
				{"companies[7].slug", "is required: 2–40 lowercase letters, digits and hyphens, e.g. mueller-immobilien"},
			},
		},
		{
			name: "duplicate slug",
			yml: minimal + `  - {slug: other, name: B, crm: {base_url: "https://c.example.com", token: t}}
  - {slug: acme, name: C, crm: {base_url: "https://c.example.com", token: t}}
`,
			want: []Problem{{"companies[2].slug", `duplicate slug "acme", also used by companies[0]; every company needs its own`}},
		},
		{
			name: "database name too long",
			yml: strings.Replace(strings.Replace(minimal, "slug: acme", "slug: "+strings.Repeat("a", 40), 1),
				"{admin_dsn: ", "{name_prefix: consentd_production_cluster_, admin_dsn: ", 1),
			want: []Problem{{"companies[0].slug", `database name "consentd_production_cluster_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…" would be 68 bytes, PostgreSQL allows 63; shorten the slug or database.name_prefix`}},
		},
		{
			name: "bad cron specs",
			yml:  minimal + "    schedule: {sync: '@every', reconcile: '0 3 * *', retention: '61 * * * *'}\n",
			want: []Problem{
				{"companies[0].schedule.sync", `bad cron spec "@every": unrecognized descriptor: @every; use 5 fields (minute hour day-of-month month day-of-week) or a descriptor such as @every 10m or @daily`},
				{"companies[0].schedule.reconcile", `bad cron spec "0 3 * *": expected exactly 5 fields, found 4: [0 3 * *]; use 5 fields (minute hour day-of-month month day-of-week) or a descriptor such as @every 10m or @daily`},
				{"companies[0].schedule.retention", `bad cron spec "61 * * * *": end of range (61) above maximum (59): 61; use 5 fields (minute hour day-of-month month day-of-week) or a descriptor such as @every 10m or @daily`},
			},
		},
		{
			name: "empty cron spec",
			yml:  minimal + "    schedule: {sync: ''}\n",
			want: []Problem{{"companies[0].schedule.sync", `bad cron spec "": empty spec string; use 5 fields (minute hour day-of-month month day-of-week) or a descriptor such as @every 10m or @daily`}},
		},
		{
			name: "environment variables",
			yml: withCompany(`  - slug: acme
    name: "${COMPANY_NAME"
    crm: {base_url: "${CRM_URL}", token: "${ACME_TOKEN}"}
    schedule: {sync: "${1SCHEDULE}"}
`),
			want: []Problem{
				{"companies[0].name", "unterminated ${: close it with } or write $$ for a literal $"},
				{"companies[0].crm.base_url", "environment variable CRM_URL is not set"},
				{"companies[0].crm.token", "environment variable ACME_TOKEN is not set"},
				{"companies[0].schedule.sync", `"${1SCHEDULE}" does not name an environment variable (letters, digits and _); write $$ for a literal $`},
			},
		},
		{
			name: "empty environment variable",
			yml:  strings.Replace(minimal, `token: "tok"`, `token: "${ACME_TOKEN}"`, 1),
			vars: map[string]string{"ACME_TOKEN": ""},
			want: []Problem{{"companies[0].crm.token", "is required; take it from the environment, e.g. token: ${MUELLER_CRM_TOKEN}"}},
		},
		{
			name: "bad URLs",
			yml: strings.Replace(withCompany(`  - {slug: c0, name: A, crm: {base_url: "crm.example.com", token: t}}
  - {slug: c1, name: A, crm: {base_url: "ftp://crm.example.com", token: t}}
  - {slug: c2, name: A, crm: {base_url: "https://", token: t}}
  - {slug: c3, name: A, crm: {base_url: "https://crm.example.com/?x=1", token: t}}
  - {slug: c4, name: A, crm: {base_url: "https://user:secret@crm.example.com", token: t}}
  - {slug: c5, name: A, crm: {base_url: "https://crm.example.com:port", token: t}}
  - {slug: c6, name: A, crm: {token: t}}
`), "https://einwilligung.example.de", "/e", 1),
			want: []Problem{
				{"http.public_url", `want an absolute URL starting with https:// or http://, got "/e"`},
				{"companies[0].crm.base_url", `want an absolute URL starting with https:// or http://, got "crm.example.com"`},
				{"companies[1].crm.base_url", `want an absolute URL starting with https:// or http://, got "ftp://crm.example.com"`},
				{"companies[2].crm.base_url", "has no host; want e.g. https://example.de"},
				{"companies[3].crm.base_url", "must not have a query (?…) or fragment (#…)"},
				{"companies[4].crm.base_url", "must not contain a user name or password"},
				{"companies[5].crm.base_url", `is not a valid URL: invalid port ":port" after host`},
				{"companies[6].crm.base_url", "is required: the CRM API's address, e.g. https://api.production.cloudios.flowfact-prod.cloud"},
			},
		},
		{
			name: "bad admin DSNs",
			yml:  strings.Replace(minimal, `{admin_dsn: "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"}`, `{admin_dsn: "mysql://root:s3cret@db/x"}`, 1),
			want: []Problem{{"database.admin_dsn", `scheme "mysql" is not postgres or postgresql`}},
		},
		{
			name: "admin DSN neither URL nor key=value",
			yml:  strings.Replace(minimal, `{admin_dsn: "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"}`, `{admin_dsn: "localhost s3cret"}`, 1),
			want: []Problem{{"database.admin_dsn", `is neither a postgres:// URL nor key=value pairs; write e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable or "host=127.0.0.1 user=postgres dbname=postgres"`}},
		},
		{
			name: "admin DSN with unterminated quote",
			yml:  strings.Replace(minimal, `{admin_dsn: "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"}`, `{admin_dsn: "host=db password='s3cret"}`, 1),
			want: []Problem{{"database.admin_dsn", "has a quoted value without its closing '"}},
		},
		{
			name: "admin DSN URL that does not parse",
			yml:  strings.Replace(minimal, `{admin_dsn: "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"}`, `{admin_dsn: "postgres://u:s3%cret@db/x"}`, 1),
			want: []Problem{{"database.admin_dsn", "is not a valid URL; percent-encode special characters in the user name and password (e.g. @ as %40)"}},
		},
		{
			name: "top-level key given twice",
			yml:  minimal + "database: {driver: mysql}\n",
			want: []Problem{{"database", "key given twice (lines 1 and 9); keep one"}},
		},
		{
			name: "unknown driver, bad prefix, bad pool",
			yml: strings.Replace(minimal, `{admin_dsn: "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"}`,
				`{driver: mysql, name_prefix: Consentd-, pool: {max_open: 0, max_idle: -1, idle_timeout: 0s}}`, 1),
			want: []Problem{
				{"database.driver", `unknown driver "mysql"; use postgres or sqlite`},
				{"database.name_prefix", `"Consentd-" is not a database name prefix; use lowercase letters, digits and _, starting with a letter or _ (e.g. consentd_)`},
				{"database.pool.max_open", "must be at least 1, got 0"},
				{"database.pool.max_idle", "must be from 0 to max_open (0), got -1"},
				{"database.pool.idle_timeout", "must be positive so idle connections close, got 0s"},
			},
		},
		{
			name: "sqlite without dir, more idle than open",
			yml: strings.Replace(minimal, `{admin_dsn: "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"}`,
				`{driver: sqlite, pool: {max_open: 2, max_idle: 3}}`, 1),
			want: []Problem{
				{"database.dir", "is required with driver sqlite: the directory that holds the company database files"},
				{"database.pool.max_idle", "must be from 0 to max_open (2), got 3"},
			},
		},
		{
			name: "http, log and sync values out of range",
			yml: strings.Replace(minimal, `http: {public_url: "https://einwilligung.example.de"}`,
				`http: {listen: "localhost", public_url: "https://e.example.de#top"}
log: {level: verbose}
sync: {page_size: 501, overlap: -1m, profile_workers: 0}`, 1),
			want: []Problem{
				{"http.listen", `want host:port such as 127.0.0.1:8080 or :8080, got "localhost"`},
				{"http.public_url", "must not have a query (?…) or fragment (#…)"},
				{"log.level", `unknown level "verbose"; use one of trace, debug, info, warn, error`},
				{"sync.page_size", "must be from 1 to 500, got 501"},
				{"sync.overlap", "must not be negative, got -1m0s"},
				{"sync.profile_workers", "must be from 1 to 64, got 0"},
			},
		},
		{
			name: "listen port out of range",
			yml:  strings.Replace(minimal, `http: {`, `http: {listen: ":http", `, 1),
			want: []Problem{{"http.listen", `port "http" is not a number from 0 to 65535`}},
		},
		{
			name: "company values out of range",
			yml: minimal + `    sync: {page_size: 0}
  - slug: second
    name: " "
    crm: {base_url: "https://c.example.com", token: " ", requests_per_second: 0, burst: 0, timeout: -1s}
    sync: {profile_workers: 65}
`,
			want: []Problem{
				{"companies[0].sync.page_size", "must be from 1 to 500, got 0"},
				{"companies[1].name", "is required: the company name shown on the consent page"},
				{"companies[1].crm.token", "is required; take it from the environment, e.g. token: ${MUELLER_CRM_TOKEN}"},
				{"companies[1].crm.requests_per_second", "must be positive, got 0"},
				{"companies[1].crm.burst", "must be at least 1, got 0"},
				{"companies[1].crm.timeout", "must be positive, got -1s"},
				{"companies[1].sync.profile_workers", "must be from 1 to 64, got 65"},
			},
		},
		{
			name: "inherited sync problem reported once",
			yml:  minimal + "sync: {page_size: 0}\n",
			want: []Problem{{"sync.page_size", "must be from 1 to 500, got 0"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problemsOf(t, tt.yml, "", tt.vars)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", list(got), list(tt.want))
			}
		})
	}
}

func list(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "  %q: %q\n", p.Path, p.Message)
	}
	return b.String()
}

func TestDatabaseNameAtTheLimit(t *testing.T) {
	yml := strings.Replace(strings.Replace(minimal, "slug: acme", "slug: "+strings.Repeat("a", 40), 1),
		"{admin_dsn: ", "{name_prefix: consentd_production_xy_, admin_dsn: ", 1)
	mustParse(t, yml, "", nil) // 23 + 40 = 63 bytes
}

func TestValidationErrorListsOneProblemPerLine(t *testing.T) {
	err := &ValidationError{Problems: []Problem{
		{"companies[0].slug", "is required"},
		{"", "not valid YAML"},
	}}
	if got, want := err.Error(), "companies[0].slug: is required\nnot valid YAML"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestEnvironmentExpansion(t *testing.T) {
	vars := map[string]string{
		"TOKEN":  "tok-123",
		"YAML":   "x\n  evil: [1, 2]\n- {}: &a *b",
		"DOLLAR": "$HOME ${NOT_EXPANDED}",
		"HOST":   "crm.example.com",
		"TIME":   "45s",
		"NAME":   "Müller",
	}
	tests := []struct {
		name  string
		value string // the token's value in the file
		want  string
	}{
		{"set", "${TOKEN}", "tok-123"},
		{"embedded", "Bearer-${TOKEN}-x", "Bearer-tok-123-x"},
		{"two variables", "${NAME}:${TOKEN}", "Müller:tok-123"},
		{"value with YAML syntax stays text", "${YAML}", vars["YAML"]},
		{"value is not expanded again", "${DOLLAR}", "$HOME ${NOT_EXPANDED}"},
		{"$$ escapes", "$${TOKEN}", "${TOKEN}"},
		{"$$ then variable", "$$$${TOKEN}$${TOKEN}", "$${TOKEN}${TOKEN}"},
		{"lone $ stays", "pa$word$", "pa$word$"},
		{"single quotes expand too", "'${TOKEN}'", "tok-123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			yml := strings.Replace(minimal, `token: "tok"`, "token: "+tt.value, 1)
			cfg := mustParse(t, yml, "", vars)
			if got := cfg.Companies[0].CRM.Token; got != tt.want {
				t.Errorf("token = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("in URLs and durations, not in keys", func(t *testing.T) {
		yml := strings.Replace(minimal, `base_url: "https://crm.example.com"`,
			"base_url: https://${HOST}/\n      timeout: ${TIME}", 1)
		co := mustParse(t, yml, "", vars).Companies[0]
		if co.CRM.BaseURL != "https://crm.example.com" || co.CRM.Timeout != 45*time.Second {
			t.Errorf("crm = %v, want base URL and timeout from the environment", co.CRM)
		}
		got := problemsOf(t, minimal+"    ${HOST}: x\n", "", vars)
		if len(got) != 1 || got[0].Path != "companies[0].${HOST}" {
			t.Errorf("problems = %+v, want the key reported as written", got)
		}
	})
}

func TestSelect(t *testing.T) {
	yml := withCompany(`  - {slug: mueller, name: M, crm: {base_url: "https://c.example.com", token: t}}
  - {slug: becker, name: B, crm: {base_url: "https://c.example.com", token: t}}
`)
	cfg := mustParse(t, yml, "", nil)
	tests := []struct {
		slug    string
		want    []string
		wantErr string
	}{
		{"all", []string{"mueller", "becker"}, ""},
		{"becker", []string{"becker"}, ""},
		{"schmidt", nil, `unknown company "schmidt"; known companies: becker, mueller (or all)`},
		{"", nil, `unknown company ""; known companies: becker, mueller (or all)`},
	}
	for _, tt := range tests {
		t.Run(tt.slug, func(t *testing.T) {
			got, err := cfg.Select(tt.slug)
			var slugs []string
			for _, co := range got {
				slugs = append(slugs, co.Slug)
			}
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if !reflect.DeepEqual(slugs, tt.want) || gotErr != tt.wantErr {
				t.Errorf("Select(%q) = %v, %v; want %v, %q", tt.slug, slugs, err, tt.want, tt.wantErr)
			}
		})
	}
	co, ok := cfg.Company("becker")
	if !ok || co != &cfg.Companies[1] {
		t.Errorf("Company(becker) = %p, %v; want a pointer into Companies", co, ok)
	}
	if _, ok := cfg.Company("all"); ok {
		t.Error("Company(all) found a company")
	}
}

func TestReferencedFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) {
		t.Helper()
		path := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("maps/custom.yaml", "contact: {firstName: vorname}\n")
	write("maps/broken.yaml", "contact: {fristName: vorname, lastName: ''}\nschema: [x]\n")
	write("broken-retention.yaml", "renewal_after: bald\n")
	write("maps/facts.yaml", "facts: {crm_created: angelegt, nachweis_datum: nw, maklervertrag_brief: mv, provision_hauptvertrag: pv,"+
		" gwg_akte: ga, gwg_beziehung_ende: ge, mietbewerbung_abgelehnt: ma, rechtsstreit: rs}\n")
	example, _ := filepath.Abs("retention.example.yaml")
	write("retention.yaml", "classes:\n"+
		"  K4: {name: Einwilligungsnachweis, data: Nachweis, keep: 3y, from: consent_withdrawn, end_of_year: true, duty: keep, basis: Art. 7 DSGVO, on_expiry: delete}\n"+
		"  K4T: {name: Telefon, data: Nachweis, keep: 5y, from: consent_last_used, duty: keep, basis: § 7a UWG, on_expiry: delete}\n"+
		"  K5: {name: Sperrliste, data: Nachweis, keep: 2y, from: consent_withdrawn, duty: keep, basis: Art. 21 DSGVO, on_expiry: review}\n"+
		"  K9: {name: Fallakte, data: Nachweis, keep: 3y, from: erasure_closed, end_of_year: true, duty: keep, basis: Art. 5 DSGVO, on_expiry: delete}\n")
	company := func(slug, keys string) string {
		return fmt.Sprintf("  - {slug: %s, name: A, crm: {base_url: \"https://c.example.com\", token: t}%s}\n", slug, keys)
	}

	t.Run("relative to the config file, absolute as is", func(t *testing.T) {
		yml := withCompany(company("rel", ", mapping: maps/custom.yaml, retention: ./retention.yaml") +
			company("abs", ", mapping: "+filepath.Join(dir, "maps/custom.yaml")) +
			company("builtin", ""))
		cfg := mustParse(t, yml, dir, nil)
		rel, abs, builtin := cfg.Companies[0], cfg.Companies[1], cfg.Companies[2]
		if rel.MappingPath != filepath.Join(dir, "maps/custom.yaml") || rel.RetentionPath != filepath.Join(dir, "retention.yaml") {
			t.Errorf("paths = %q, %q; want them under %s", rel.MappingPath, rel.RetentionPath, dir)
		}
		if abs.MappingPath != filepath.Join(dir, "maps/custom.yaml") {
			t.Errorf("absolute MappingPath = %q", abs.MappingPath)
		}
		want := mustMapping(t, "contact: {firstName: vorname}")
		if !reflect.DeepEqual(rel.Mapping, want) || !reflect.DeepEqual(abs.Mapping, want) {
			t.Error("custom mapping not loaded")
		}
		if k5, _ := rel.Retention.Class("K5"); k5.Keep.String() != "2y" || !reflect.DeepEqual(builtin.Retention, retention.Default()) {
			t.Errorf("retention: K5 keeps %s from the company's file, built-in %+v", k5.Keep, builtin.Retention)
		}
		if builtin.MappingPath != "" || !reflect.DeepEqual(builtin.Mapping, mapping.Default()) {
			t.Errorf("company without mapping: path %q, mapping %v; want the built-in mapping", builtin.MappingPath, builtin.Mapping)
		}
	})

	t.Run("Load resolves against the file's directory", func(t *testing.T) {
		write("etc/consentd.yaml", withCompany(company("acme", ", mapping: ../maps/custom.yaml")))
		cfg, err := Load(filepath.Join(dir, "etc/consentd.yaml"), env(nil))
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if got := cfg.Companies[0].MappingPath; got != filepath.Join(dir, "maps/custom.yaml") {
			t.Errorf("MappingPath = %q", got)
		}
	})

	t.Run("missing, unreadable and broken files", func(t *testing.T) {
		yml := withCompany(company("c0", ", mapping: nope.yaml, retention: gone.yaml") +
			company("c1", ", mapping: maps, retention: maps") +
			company("c2", ", mapping: maps/broken.yaml"))
		got := problemsOf(t, yml, dir, nil)
		want := []Problem{
			{"companies[0].mapping", "file " + filepath.Join(dir, "nope.yaml") + " does not exist"},
			{"companies[0].retention", "file " + filepath.Join(dir, "gone.yaml") + " does not exist"},
			{"companies[1].mapping", "cannot read file " + filepath.Join(dir, "maps") + ": is a directory"},
			{"companies[1].retention", "cannot read file " + filepath.Join(dir, "maps") + ": is a directory"},
			{"companies[2].mapping", "maps/broken.yaml: contact.fristName: unknown key (line 1); known keys: salutation, title, firstName, lastName, companyName, emails, phones, addresses, responsibleUser"},
			{"companies[2].mapping", "maps/broken.yaml: schema: want a CRM field name, got a list (line 2)"},
			{"companies[2].mapping", "maps/broken.yaml: contact.lastName: must not be empty"},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("problems:\n%s\nwant:\n%s", list(got), list(want))
		}
	})

	t.Run("retention files and the facts they read", func(t *testing.T) {
		yml := withCompany(company("c0", ", retention: broken-retention.yaml") +
			company("c1", ", mapping: maps/facts.yaml, retention: "+example) +
			company("c2", ", retention: "+example))
		got := problemsOf(t, yml, dir, nil)
		for _, want := range []Problem{
			{"companies[0].retention", "broken-retention.yaml: renewal_after: \"bald\" is not a period: write years, months and days like 3y, 6m, 30d or 12m30d (line 1)"},
			{"companies[1].mapping", `facts.crm_created: "crm_created" is the name of a fact consentd computes itself; give the CRM field's fact another name`},
			{"companies[2].retention", `rules[1].fact: "nachweis_datum" is neither a built-in fact nor a fact the mapping declares (declared: none)`},
			{"companies[2].retention", `holds[0].fact: "rechtsstreit" is neither a built-in fact nor a fact the mapping declares (declared: none)`},
		} {
			if !slices.Contains(got, want) {
				t.Errorf("problems lack %v:\n%s", want, list(got))
			}
		}
		for _, p := range got {
			if strings.HasPrefix(p.Path, "companies[1].retention") {
				t.Errorf("the mapping declares every fact the example reads, yet: %v", p)
			}
		}
	})

	t.Run("Load reports an unreadable config file", func(t *testing.T) {
		_, err := Load(filepath.Join(dir, "missing.yaml"), nil)
		want := "read config file: open " + filepath.Join(dir, "missing.yaml") + ": no such file or directory"
		if err == nil || err.Error() != want {
			t.Errorf("Load = %v, want %q", err, want)
		}
	})
}

func mustMapping(t *testing.T, yml string) *mapping.Mapping {
	t.Helper()
	m, err := mapping.Parse([]byte(yml))
	if err != nil {
		t.Fatalf("mapping.Parse: %v", err)
	}
	return m
}

func TestSecretsNeverShow(t *testing.T) {
	const secret = "s3cret-x"
	vars := map[string]string{"TOKEN": secret, "PW": secret}
	t.Run("problems", func(t *testing.T) {
		bad := []string{
			strings.Replace(minimal, `"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"`, `"mysql://root:${PW}@db/x"`, 1),
			strings.Replace(minimal, `"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"`, `"postgres://root:${PW}%zz@db/x"`, 1),
			strings.Replace(minimal, `"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"`, `"host=db password='${PW}"`, 1),
			strings.Replace(minimal, `"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"`, `"${PW}"`, 1),
			strings.Replace(minimal, `base_url: "https://crm.example.com"`, `base_url: "https://u:${PW}@crm.example.com"`, 1),
			strings.Replace(minimal, `token: "tok"`, "token: ${TOKEN}\n      burst: 0", 1),
		}
		for _, yml := range bad {
			_, err := Parse([]byte(yml), "", env(vars))
			if err == nil {
				t.Fatalf("Parse accepted %s", yml)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("problem text shows the secret: %s", err)
			}
		}
	})
	t.Run("printing a config", func(t *testing.T) {
		yml := strings.Replace(minimal, `"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"`, `"postgres://consentd:${PW}@db/postgres?sslpassword=${PW}"`, 1)
		yml = strings.Replace(yml, `token: "tok"`, `token: "${TOKEN}"`, 1)
		cfg := mustParse(t, yml, "", vars)
		for _, out := range []string{fmt.Sprintf("%v", *cfg), fmt.Sprintf("%+v", cfg.Companies), fmt.Sprint(cfg.Database)} {
			if strings.Contains(out, "s3cret") || !strings.Contains(out, "xxxxx") {
				t.Errorf("printed config shows a secret or no redaction: %s", out)
			}
		}
	})
}

func TestRedactedDSN(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"},
		{"postgres://consentd:pw@db:5432/postgres", "postgres://consentd:xxxxx@db:5432/postgres"},
		{"postgresql://db/postgres?password=pw&sslmode=require", "postgresql://db/postgres?password=xxxxx&sslmode=require"},
		{"postgres://db/x?sslpassword=pw", "postgres://db/x?sslpassword=xxxxx"},
		{"postgres://u:p%zz@db/x", "xxxxx"},
		{"host=db user=consentd password=pw dbname=postgres", "host=db user=consentd password=xxxxx dbname=postgres"},
		{"host=db password = 'p w\\' x' sslpassword=k", "host=db password = xxxxx sslpassword=xxxxx"},
		{"host=db password='unterminated", "host=db password=xxxxx"},
	}
	for _, tt := range tests {
		if got := (Database{AdminDSN: tt.dsn}).RedactedDSN(); got != tt.want {
			t.Errorf("RedactedDSN(%q) = %q, want %q", tt.dsn, got, tt.want)
		}
	}
}

func TestKeyValueDSNsAccepted(t *testing.T) {
	for _, dsn := range []string{
		"host=db dbname=postgres",
		"host=/var/run/postgresql user=consentd password='a b\\'c' sslmode=disable",
		"  host = db  port=5432 ",
		"postgresql:///postgres?host=/var/run/postgresql",
	} {
		if err := checkPostgresDSN(dsn); err != nil {
			t.Errorf("checkPostgresDSN(%q) = %v, want nil", dsn, err)
		}
	}
}

func TestNestedMergesAreBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(withCompany(`  - {slug: c0, name: A, crm: &c0 {base_url: "https://c.example.com", token: t}}` + "\n"))
	for i := 1; i <= 6; i++ { // 10^6 merges without a bound
		refs := strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*c%d, ", i-1), 10), ", ")
		fmt.Fprintf(&b, "  - {slug: c%d, name: A, crm: &c%d {<<: [%s]}}\n", i, i, refs)
	}
	got := problemsOf(t, b.String(), "", nil)
	want := Problem{"companies[4].crm", "more than 1000 merges (<<); simplify the anchors"}
	if !slices.Contains(got, want) {
		t.Errorf("problems:\n%s\nwant among them %q: %q", list(got), want.Path, want.Message)
	}
}
