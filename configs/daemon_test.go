package configs

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// daemonConfig is minimal with the given daemon sections in front.
func daemonConfig(sections string) string {
	_, rest, _ := strings.Cut(minimal, "\n")
	_, companies, _ := strings.Cut(rest, "\n")
	return sections + "\n" + companies
}

func TestDaemonSettingsOverride(t *testing.T) {
	cfg := mustParse(t, daemonConfig(`database: {admin_dsn: "postgres://postgres@127.0.0.1:5432/postgres", max_connections: 100}
http: {public_url: "https://einwilligung.example.de", admin_listen: "127.0.0.1:9090"}
jobs: {time_zone: UTC, max_concurrent: 3, jitter: 0s}
serve: {grace: 2m}`), "", nil)
	checks := []struct {
		name      string
		got, want any
	}{
		{"jobs", cfg.Jobs, Jobs{TimeZone: "UTC", MaxConcurrent: 3, Jitter: 0, Location: time.UTC}},
		{"serve", cfg.Serve, Serve{Grace: 2 * time.Minute}},
		{"admin listen", cfg.HTTP.AdminListen, "127.0.0.1:9090"},
		{"max connections", cfg.Database.MaxConnections, 100},
		{"company slots", cfg.Database.CompanySlots(), 24},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %+v, want %+v", c.name, c.got, c.want)
		}
	}
}

func TestDaemonSettingsProblems(t *testing.T) {
	tests := []struct {
		name, sections string
		want           map[string]string
	}{
		{"every daemon key wrong", `database: {admin_dsn: "postgres://postgres@127.0.0.1:5432/postgres", max_connections: 7}
http: {public_url: "https://einwilligung.example.de", admin_listen: localhost}
jobs: {time_zone: Europe/Bonn, max_concurrent: 0, jitter: -1s}
serve: {grace: -5s}`, map[string]string{
			"jobs.time_zone":           `unknown time zone "Europe/Bonn"; use an IANA name such as Europe/Berlin or UTC`,
			"jobs.max_concurrent":      "must be from 1 to 1000, got 0",
			"jobs.jitter":              "must be from 0s to 1h0m0s, got -1s",
			"serve.grace":              "must not be negative, got -5s",
			"http.admin_listen":        `want host:port such as 127.0.0.1:8080 or :8080, got "localhost"`,
			"database.max_connections": "must be at least 8 (twice database.pool.max_open: the server's pool and one company's), got 7",
		}},
		{"admin listen is the page's address", `database: {admin_dsn: "postgres://postgres@127.0.0.1:5432/postgres"}
http: {public_url: "https://einwilligung.example.de", listen: "127.0.0.1:8080", admin_listen: "127.0.0.1:8080"}
jobs: {time_zone: ""}`, map[string]string{
			"http.admin_listen": "is the same address as http.listen; leave it empty to serve health and metrics there",
			"jobs.time_zone":    "is required: the zone cron specs are read in, e.g. Europe/Berlin",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]string{}
			for _, p := range problemsOf(t, daemonConfig(tt.sections), "", nil) {
				got[p.Path] = p.Message
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems = %q\nwant %q", got, tt.want)
			}
		})
	}
}
