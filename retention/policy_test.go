package retention_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/consentd/consentd/retention"
)

func TestDefaultHasTheClassesOfTheTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id, keep, cap, duty, onExpiry, from string
		endOfYear                           bool
	}{
		{"K0", "7d", "0d", "limit", "delete", "anmeldung_datum", false},
		{"K1a", "6m", "0d", "limit", "delete", "letzter_kontakt", false},
		{"K1b", "3y", "0d", "keep", "delete", "nachweis_datum", true},
		{"K2", "6m", "0d", "limit", "delete", "mietbewerbung_abgelehnt", false},
		{"K3", "12m30d", "0d", "limit", "delete", "profiles_changed", false},
		{"K4", "3y", "0d", "keep", "delete", "consent_withdrawn", true},
		{"K4T", "5y", "0d", "keep", "delete", "consent_last_used", false},
		{"K5", "3y", "0d", "keep", "review", "consent_withdrawn", false},
		{"K6", "6y", "0d", "keep", "delete", "maklervertrag_brief", true},
		{"K6c", "3y", "0d", "keep", "delete", "provision_hauptvertrag", true},
		{"K7", "8y", "0d", "keep", "delete", "beleg_datum", true},
		{"K8", "5y", "10y", "keep", "destroy", "gwg_beziehung_ende", true},
		{"K9", "3y", "0d", "keep", "delete", "erasure_closed", true},
	}
	p := retention.Default()
	if len(p.Classes) != len(tests) {
		t.Errorf("default has %d classes, want %d", len(p.Classes), len(tests))
	}
	for i, tt := range tests {
		c, ok := p.Class(tt.id)
		if !ok {
			t.Errorf("class %s missing", tt.id)
			continue
		}
		if i < len(p.Classes) && p.Classes[i].ID != tt.id {
			t.Errorf("Classes[%d] = %s, want %s (file order)", i, p.Classes[i].ID, tt.id)
		}
		got := []string{c.Keep.String(), c.Cap.String(), c.Duty, c.OnExpiry, c.From}
		want := []string{tt.keep, tt.cap, tt.duty, tt.onExpiry, tt.from}
		if !slices.Equal(got, want) || c.EndOfYear != tt.endOfYear {
			t.Errorf("%s: keep, cap, duty, on_expiry, from = %v, end_of_year %v; want %v, %v", tt.id, got, c.EndOfYear, want, tt.endOfYear)
		}
		if c.Name == "" || c.Data == "" || c.Basis == "" {
			t.Errorf("%s lacks its name, data or basis: %+v", tt.id, c)
		}
	}
	wantRules := []retention.Rule{{Class: "K3", Fact: retention.FactProfilesChanged}}
	if !slices.Equal(p.Rules, wantRules) || len(p.Holds) != 0 {
		t.Errorf("default rules %+v, holds %+v; want only %+v", p.Rules, p.Holds, wantRules)
	}
	if p.Proof != (retention.Proof{Ledger: "K4", PhoneLedger: "K4T", Suppression: "K5", CaseFile: "K9"}) {
		t.Errorf("proof %+v", p.Proof)
	}
	if p.RenewalAfter.String() != "17m" || p.HolidayRegion != "" {
		t.Errorf("renewal after %s, region %q", p.RenewalAfter, p.HolidayRegion)
	}
	if err := p.Bind(nil); err != nil {
		t.Errorf("the default must bind to a mapping without facts: %v", err)
	}
}

func TestDefaultIsACopy(t *testing.T) {
	t.Parallel()
	p := retention.Default()
	p.Classes[0].Name = "changed"
	p.Rules[0].Fact = "changed"
	if q := retention.Default(); q.Classes[0].Name == "changed" || q.Rules[0].Fact == "changed" {
		t.Error("changing one default changed the next")
	}
}

func TestClassLookup(t *testing.T) {
	t.Parallel()
	p := retention.Default()
	if c, ok := p.Class("K6"); !ok || c.Name != "Maklervertragsakte" {
		t.Errorf("Class(K6) = %+v, %v", c, ok)
	}
	if c, ok := p.Class("k6"); ok {
		t.Errorf("Class(k6) = %+v; ids are exact", c)
	}
}

func TestClassExpiry(t *testing.T) {
	t.Parallel()
	p := retention.Default()
	tests := []struct {
		name  string
		class retention.Class
		start string
		want  string
	}{
		{"K6: end of the year, then 6 years", mustClass(t, p, "K6"), "2024-03-05", "2031-01-01"},
		{"K6: on 31 December", mustClass(t, p, "K6"), "2024-12-31", "2031-01-01"},
		{"K6: on 1 January", mustClass(t, p, "K6"), "2025-01-01", "2032-01-01"},
		{"K3: no year end, 12 months and 30 days", mustClass(t, p, "K3"), "2026-01-10", "2027-02-09"},
		{"K0: seven days", mustClass(t, p, "K0"), "2026-02-25", "2026-03-04"},
		{"K4T: 5 years from the day", mustClass(t, p, "K4T"), "2028-02-29", "2033-02-28"},
		{"K8: 5 years after the year end, under the cap", mustClass(t, p, "K8"), "2026-06-30", "2032-01-01"},
		{
			"a cap shorter than the year end plus keep wins",
			retention.Class{Keep: retention.Period{Years: 5}, Cap: retention.Period{Years: 5}, EndOfYear: true},
			"2026-06-30", "2031-06-30",
		},
		{
			"a cap counts from the clock start, not the year end",
			retention.Class{Keep: retention.Period{Years: 1}, Cap: retention.Period{Months: 14}, EndOfYear: true},
			"2026-12-01", "2028-01-01",
		},
		{
			"a cap of a class without year end",
			retention.Class{Keep: retention.Period{Years: 2}, Cap: retention.Period{Months: 18}},
			"2026-01-31", "2027-07-31",
		},
	}
	for _, tt := range tests {
		if got, want := tt.class.Expiry(day(t, tt.start)), day(t, tt.want); !got.Equal(want) {
			t.Errorf("%s: Expiry(%s) = %s, want %s", tt.name, tt.start, show(got), show(want))
		}
	}
}

func mustClass(t *testing.T, p *retention.Policy, id string) retention.Class {
	t.Helper()
	c, ok := p.Class(id)
	if !ok {
		t.Fatalf("class %s missing", id)
	}
	return c
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, good, "classes:\n  K1:\n    name: Akte\n    data: Briefe\n    keep: 1y\n    duty: keep\n    on_expiry: delete\nproof: {ledger: K1, phone_ledger: K1, suppression: K1, case_file: K1}\n")
	writeFile(t, bad, "classes:\n  K1: {name: Akte, data: Briefe, keep: 1y, duty: forever, on_expiry: delete}\nproof: {ledger: K1, phone_ledger: K1, suppression: K1, case_file: K1}\n")

	p, err := retention.Load(good)
	if err != nil || len(p.Classes) != 1 || p.Classes[0].Keep != (retention.Period{Years: 1}) {
		t.Errorf("Load(good) = %+v, %v", p, err)
	}
	_, err = retention.Load(bad)
	var verr *retention.ValidationError
	if !errors.As(err, &verr) || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), `classes.K1.duty: "forever" is not one of keep, limit`) {
		t.Errorf("Load(bad) = %v, want a *ValidationError naming the file and the problem", err)
	}
	missing := filepath.Join(dir, "missing.yaml")
	if _, err := retention.Load(missing); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("Load(missing) = %v, want a not-exist error naming the file", err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestBuiltinFacts(t *testing.T) {
	t.Parallel()
	want := []string{"crm_created", "crm_updated", "consent_given", "consent_withdrawn", "consent_last_used", "profiles_changed", "erasure_requested", "erasure_closed"}
	got := retention.BuiltinFacts()
	if !slices.Equal(got, want) {
		t.Errorf("BuiltinFacts = %v, want %v", got, want)
	}
	got[0] = "changed"
	if retention.BuiltinFacts()[0] != "crm_created" {
		t.Error("changing the returned slice changed the built-in facts")
	}
}

func TestFactsDate(t *testing.T) {
	t.Parallel()
	facts := retention.Facts{
		"day":      "2024-03-05",
		"padded":   " 2024-03-05 ",
		"rfc3339":  "2024-03-05T10:00:00+01:00",
		"late_utc": "2024-03-05T23:30:00Z", // 6 March in Berlin
		"nano":     "2024-03-05T10:00:00.123456Z",
		"tag":      "ja",
		"german":   "05.03.2024",
		"invalid":  "2024-02-30",
		"empty":    "",
	}
	tests := []struct {
		name string
		want string // "" for no date
	}{
		{"day", "2024-03-05"}, {"padded", "2024-03-05"}, {"rfc3339", "2024-03-05"},
		{"late_utc", "2024-03-06"}, {"nano", "2024-03-05"},
		{"tag", ""}, {"german", ""}, {"invalid", ""}, {"empty", ""}, {"absent", ""},
	}
	for _, tt := range tests {
		got, ok := facts.Date(tt.name)
		switch {
		case tt.want == "" && ok:
			t.Errorf("Date(%s) = %s, want no date", tt.name, show(got))
		case tt.want != "" && (!ok || !got.Equal(day(t, tt.want))):
			t.Errorf("Date(%s) = %s, %v; want %s", tt.name, show(got), ok, tt.want)
		}
	}
}
