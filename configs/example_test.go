package configs

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/consentd/consentd/mapping"
)

// env returns a lookup over vars, standing in for the process environment.
func env(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func TestExampleFileLoads(t *testing.T) {
	cfg, err := Load("consentd.example.yaml", env(map[string]string{
		"MUELLER_CRM_TOKEN": "tok-mueller", "SCHMIDT_CRM_TOKEN": "tok-schmidt",
		"CONSENTD_HTTP_SECRET": "0123456789abcdef0123456789abcdef",
	}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	dir, _ := filepath.Abs(".")
	if cfg.Path != filepath.Join(dir, "consentd.example.yaml") {
		t.Errorf("Path = %q, want the absolute path", cfg.Path)
	}
	if len(cfg.Companies) != 2 {
		t.Fatalf("got %d companies, want 2", len(cfg.Companies))
	}
	mueller, schmidt := cfg.Companies[0], cfg.Companies[1]
	if mueller.CRM.Token != "tok-mueller" || schmidt.CRM.Token != "tok-schmidt" {
		t.Errorf("tokens = %q, %q; want them from the environment", mueller.CRM.Token, schmidt.CRM.Token)
	}
	if mueller.MappingPath != filepath.Join(dir, "mapping.flowfact.yaml") {
		t.Errorf("MappingPath = %q, want it next to the config file", mueller.MappingPath)
	}
	if !reflect.DeepEqual(mueller.Mapping, mapping.Default()) || !reflect.DeepEqual(schmidt.Mapping, mapping.Default()) {
		t.Error("mapping.flowfact.yaml does not spell out the built-in mapping")
	}
	want := Sync{PageSize: 100, Overlap: 2 * time.Minute, ProfileWorkers: 4}
	if schmidt.Sync != want || schmidt.CRM.RequestsPerSecond != 5 || schmidt.CRM.Burst != 10 {
		t.Errorf("schmidt-partner overrides: sync %+v, crm %v", schmidt.Sync, schmidt.CRM)
	}
}

func TestExampleFileNeedsItsVariables(t *testing.T) {
	_, err := Load("consentd.example.yaml", env(nil))
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("Load = %v, want a *ValidationError", err)
	}
	want := []Problem{
		{"http.secret", "environment variable CONSENTD_HTTP_SECRET is not set"},
		{"companies[0].crm.token", "environment variable MUELLER_CRM_TOKEN is not set"},
		{"companies[1].crm.token", "environment variable SCHMIDT_CRM_TOKEN is not set"},
	}
	if !reflect.DeepEqual(verr.Problems, want) {
		t.Errorf("Problems = %+v, want %+v", verr.Problems, want)
	}
	abs, _ := filepath.Abs("consentd.example.yaml")
	wantText := "config file " + abs + ":\n" +
		"http.secret: environment variable CONSENTD_HTTP_SECRET is not set\n" +
		"companies[0].crm.token: environment variable MUELLER_CRM_TOKEN is not set\n" +
		"companies[1].crm.token: environment variable SCHMIDT_CRM_TOKEN is not set"
	if err.Error() != wantText {
		t.Errorf("Error() =\n%s\nwant\n%s", err, wantText)
	}
}
