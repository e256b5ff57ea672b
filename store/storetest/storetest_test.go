package storetest_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/store/storetest"
)

func TestCleanupDropsDatabases(t *testing.T) {
	var cfg store.Config
	t.Run("test using databases", func(t *testing.T) {
		m := storetest.Manager(t)
		cfg = m.Config()
		storetest.DB(t, m, "firma-a")
		storetest.DB(t, m, "firma-b")
		// A second process still connected must not keep them alive.
		if _, err := storetest.Replica(t, m).Open(t.Context(), "firma-a"); err != nil {
			t.Fatal(err)
		}
		if got, err := m.Companies(t.Context()); err != nil || len(got) != 2 {
			t.Fatalf("companies %v, %v", got, err)
		}
	})
	if !strings.HasPrefix(cfg.NamePrefix, "consentd_t") || len(cfg.NamePrefix) != len("consentd_t12345678_") {
		t.Errorf("prefix %q", cfg.NamePrefix)
	}
	after, err := store.NewManager(cfg, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer after.Close()
	if got, err := after.Companies(t.Context()); err != nil || len(got) != 0 {
		t.Errorf("left behind: %v, %v", got, err)
	}
}

func TestPrefixesDiffer(t *testing.T) {
	a, b := storetest.Manager(t), storetest.Manager(t)
	if a.Config().NamePrefix == b.Config().NamePrefix {
		t.Errorf("two managers share the prefix %q", a.Config().NamePrefix)
	}
}

// TestUnreachableServer runs a test against a PostgreSQL on a closed port in
// a child process: skipped on a developer machine, failed under CI. It is
// about PostgreSQL whatever engine the other tests run on.
func TestUnreachableServer(t *testing.T) {
	if os.Getenv("STORETEST_CHILD") == "1" {
		storetest.Manager(t)
		t.Log("reached an unreachable server")
		return
	}
	tests := []struct {
		ci       string
		wantFail bool
		wantOut  string
	}{
		{"", false, "--- SKIP"},
		{"true", true, "--- FAIL"},
	}
	for _, tt := range tests {
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestUnreachableServer$", "-test.v")
		cmd.Env = append(os.Environ(), "STORETEST_CHILD=1", "CI="+tt.ci, storetest.DriverEnv+"=postgres",
			"CONSENTD_TEST_DSN=postgres://postgres:geheim@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2")
		out, err := cmd.CombinedOutput()
		if (err != nil) != tt.wantFail {
			t.Errorf("CI=%q: exit error %v, want failure %v\n%s", tt.ci, err, tt.wantFail, out)
		}
		for _, want := range []string{tt.wantOut, "CONSENTD_TEST_DSN", "connection refused"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("CI=%q: output does not say %q:\n%s", tt.ci, want, out)
			}
		}
		if strings.Contains(string(out), "geheim") {
			t.Errorf("CI=%q: output shows the password:\n%s", tt.ci, out)
		}
	}
}
