package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/consentd/consentd/store"
)

// Health answers the probes of a load balancer or an orchestrator.
type Health struct {
	stores    *store.Manager
	dbs       *Databases
	companies func() []string
	log       zerolog.Logger
	stopping  atomic.Bool
}

// readyTimeout bounds one readiness check; readyWorkers bounds how many
// companies it checks at once.
const (
	readyTimeout = 5 * time.Second
	readyWorkers = 4
)

// NewHealth checks the server of stores and the databases of the companies
// the config names at the time of each check.
func NewHealth(stores *store.Manager, dbs *Databases, companies func() []string, log zerolog.Logger) *Health {
	return &Health{stores: stores, dbs: dbs, companies: companies, log: log}
}

// Stopping makes the readiness check fail from now on, so that a load
// balancer stops sending traffic while consentd shuts down.
func (h *Health) Stopping() { h.stopping.Store(true) }

// Live answers 200 while the process runs: /healthz.
func (h *Health) Live() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

// Readiness is the answer of /readyz.
type Readiness struct {
	Status    string    `json:"status"` // "ready", "not ready" or "stopping"
	Companies int       `json:"companies"`
	Problems  []Problem `json:"problems,omitempty"`
}

// Problem is why a company's database is not ready; it names the fix and
// holds no secret.
type Problem struct {
	Company string `json:"company,omitempty"` // empty for the server as a whole
	Problem string `json:"problem"`
}

// Ready answers 200 when the databases are reachable (the PostgreSQL
// server, or the directory of the SQLite files) and every configured
// company's database exists with the schema this consentd needs, else 503
// naming the failing companies: /readyz.
func (h *Health) Ready() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res := h.Check(r.Context())
		code := http.StatusOK
		if res.Status != "ready" {
			code = http.StatusServiceUnavailable
		}
		writeJSON(w, code, res)
	})
}

// Check runs the readiness check.
func (h *Health) Check(ctx context.Context) Readiness {
	companies := h.companies()
	res := Readiness{Status: "ready", Companies: len(companies)}
	if h.stopping.Load() {
		res.Status = "stopping"
		return res
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if err := h.stores.Ping(ctx); err != nil {
		h.log.Warn().Err(err).Msg("readiness: databases unreachable")
		res.Problems = []Problem{{Problem: "the databases are unreachable (see the log)"}}
	} else {
		res.Problems = h.checkCompanies(ctx, companies)
	}
	if len(res.Problems) > 0 {
		res.Status = "not ready"
	}
	return res
}

func (h *Health) checkCompanies(ctx context.Context, companies []string) []Problem {
	var (
		mu       gosync.Mutex
		problems []Problem
		wg       gosync.WaitGroup
		sem      = make(chan struct{}, readyWorkers)
	)
	for _, c := range companies {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if p, bad := h.checkCompany(ctx, c); bad {
				mu.Lock()
				problems = append(problems, p)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	sort.Slice(problems, func(i, j int) bool { return problems[i].Company < problems[j].Company })
	return problems
}

// checkCompany reports a stale schema with its fix, and any other failure
// without its details, which go to the log.
func (h *Health) checkCompany(ctx context.Context, company string) (Problem, bool) {
	err := h.dbs.Probe(ctx, company)
	var schema *store.SchemaError
	switch {
	case err == nil:
		return Problem{}, false
	case errors.As(err, &schema):
		return Problem{Company: company, Problem: schema.Error()}, true
	default:
		h.log.Warn().Err(err).Str("company", company).Msg("readiness: company database unreachable")
		return Problem{Company: company, Problem: "database unreachable (see the log)"}, true
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v) // the client went away
}
