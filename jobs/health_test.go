package jobs_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/consentd/consentd/jobs"
	"github.com/consentd/consentd/store/storetest"
)

func TestReadinessFailsOnAStaleSchemaUntilMigrated(t *testing.T) {
	t.Parallel()
	stores := storetest.Manager(t)
	storetest.DB(t, stores, "firma-a")
	companies := []string{"firma-a", "firma-b"} // firma-b was never migrated
	h := jobs.NewHealth(stores, jobs.NewDatabases(stores, 2), func() []string { return companies }, zerolog.Nop())

	code, body := get(t, h.Live())
	if code != http.StatusOK || body["status"] != "ok" {
		t.Errorf("/healthz = %d %v", code, body)
	}
	code, body = get(t, h.Ready())
	problems, _ := body["problems"].([]any)
	if code != http.StatusServiceUnavailable || body["status"] != "not ready" || len(problems) != 1 {
		t.Fatalf("/readyz with firma-b unmigrated = %d %v", code, body)
	}
	p := problems[0].(map[string]any)
	if p["company"] != "firma-b" || !strings.Contains(p["problem"].(string), `run "consentd migrate -company firma-b"`) {
		t.Errorf("problem %v does not name the company and the fix", p)
	}
	raw, _ := json.Marshal(body)
	if strings.Contains(string(raw), "postgres://") || strings.Contains(string(raw), "127.0.0.1") {
		t.Errorf("/readyz reveals connection details: %s", raw)
	}

	if _, err := stores.Migrate(context.Background(), "firma-b"); err != nil {
		t.Fatal(err)
	}
	if code, body = get(t, h.Ready()); code != http.StatusOK || body["status"] != "ready" || body["companies"] != 2.0 {
		t.Errorf("/readyz after migrate = %d %v", code, body)
	}
	if n := stores.OpenConnections("firma-b"); n != 0 {
		t.Errorf("the check left %d connections open to a company holding no slot", n)
	}

	h.Stopping()
	if code, body = get(t, h.Ready()); code != http.StatusServiceUnavailable || body["status"] != "stopping" {
		t.Errorf("/readyz while stopping = %d %v", code, body)
	}
}

func get(t *testing.T, h http.Handler) (int, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	return rec.Code, body
}
