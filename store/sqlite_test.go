package store_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/consentd/consentd/store"
)

// The tests of this file check what only SQLite has, files and file locks,
// and run whatever engine CONSENTD_TEST_DRIVER picks for the others.

func sqliteManager(t *testing.T, dir string) *store.Manager {
	t.Helper()
	m, err := store.NewManager(store.Config{Driver: store.DriverSQLite, Dir: dir}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func TestSQLiteFiles(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	dir := filepath.Join(t.TempDir(), "daten")
	m := sqliteManager(t, dir)
	if err := m.Ping(ctx); err == nil || !strings.Contains(err.Error(), "consentd migrate creates it") {
		t.Errorf("ping before migrate: %v", err)
	}
	if _, err := m.Migrate(ctx, "mueller-immobilien"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "consentd_mueller_immobilien.db")
	for path, want := range map[string]os.FileMode{dir: 0o700 | os.ModeDir, file: 0o600} {
		if st, err := os.Stat(path); err != nil || st.Mode() != want {
			t.Errorf("%s: mode %v, %v; want %v: it holds personal data", path, st.Mode(), err, want)
		}
	}
	raw, err := m.Connect("mueller-immobilien")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "5000"} {
		var got string
		if err := raw.GetContext(ctx, &got, "PRAGMA "+pragma); err != nil || got != want {
			t.Errorf("PRAGMA %s = %q, %v; want %q", pragma, got, err, want)
		}
	}
	db, err := m.Open(ctx, "mueller-immobilien")
	if err != nil {
		t.Fatal(err)
	}
	release, ok, err := db.TryLock(ctx, "sync")
	if err != nil || !ok {
		t.Fatalf("lock: %v, %v", ok, err)
	}
	defer release()
	if err := m.Drop(ctx, "mueller-immobilien"); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("Drop left %v behind", left)
	}
}

// TestSQLiteLockHeldByAnotherProcess takes a lock in a child process: the
// lock excludes this process until the child dies, killed without a chance
// to release it.
func TestSQLiteLockHeldByAnotherProcess(t *testing.T) {
	if dir := os.Getenv("STORE_LOCK_CHILD_DIR"); dir != "" {
		holdLockForever(t, dir)
		return
	}
	t.Parallel()
	ctx := testContext(t)
	dir := t.TempDir()
	m := sqliteManager(t, dir)
	if _, err := m.Migrate(ctx, "sperre"); err != nil {
		t.Fatal(err)
	}
	db, err := m.Open(ctx, "sperre")
	if err != nil {
		t.Fatal(err)
	}
	child := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestSQLiteLockHeldByAnotherProcess$")
	child.Env = append(os.Environ(), "STORE_LOCK_CHILD_DIR="+dir)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "locked\n" {
		t.Fatalf("child: %q, %v", line, err)
	}
	if release, ok, err := db.TryLock(ctx, "sync"); err != nil || ok {
		release()
		t.Fatalf("lock held by the child taken here too: %v, %v", ok, err)
	}
	_ = child.Process.Kill()
	_ = child.Wait()
	release, ok, err := db.TryLock(ctx, "sync")
	if err != nil || !ok {
		t.Fatalf("lock of the killed child not free: %v, %v", ok, err)
	}
	release()
}

func holdLockForever(t *testing.T, dir string) {
	m := sqliteManager(t, dir)
	db, err := m.Open(t.Context(), "sperre")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := db.TryLock(t.Context(), "sync"); err != nil || !ok {
		t.Fatalf("child lock: %v, %v", ok, err)
	}
	os.Stdout.WriteString("locked\n")
	select {} // until killed
}
