// Package mockcrm is an in-memory CRM that speaks the contract of
// shared/crm-api.md: token exchange, contacts, change queries with offset
// paging, activities, search profiles and users. It seeds realistic German
// contacts from a seed, can be made to misbehave (rate limits, 5xx, slow or
// cut bodies, expiring tokens, lost responses) and shows what clients wrote.
// Tests run it with httptest; cmd/mockcrm runs it standalone. Production
// code never imports it.
//
//	crm := mockcrm.New(mockcrm.Options{Contacts: 1000, Seed: 1})
//	ts := httptest.NewServer(crm)
//	crm.SetFaults(mockcrm.Faults{ErrorRate: 0.3})   // 30% 5xx from now on
//	crm.ExpireTokens()                               // every session ends now
//	crm.UpdateContact(id, map[string]any{"title": "Dr."}) // a broker edits
//	crm.Requests()["search"]                         // search calls so far
//
// Without authentication, GET /_mock/inspect shows request counts and every
// contact, activity and search-profile write clients made, and
// GET /_mock/contacts/{id} one contact with its profiles, activities and
// writes.
package mockcrm

import (
	"maps"
	"math/rand/v2"
	"net/http"
	"sync"
)

// Random streams of the seed: each kind of id has its own, so creating an
// activity never changes the id the next created contact gets.
const (
	streamSeed uint64 = iota + 1
	streamContactIDs
	streamActivityIDs
	streamFaults
	streamFacts
)

// Server is the mock CRM. It is an http.Handler; all methods are safe for
// concurrent use.
type Server struct {
	opts     Options
	mux      *http.ServeMux
	data     *store
	sessions sessions
	faults   faultState

	reqMu    sync.Mutex
	requests map[string]int
}

// New seeds a mock CRM as opts describe. Odd options are clamped or
// defaulted, never refused.
func New(opts Options) *Server {
	opts = opts.withDefaults()
	s := &Server{
		opts:     opts,
		data:     seed(opts),
		sessions: sessions{byToken: map[string]*session{}},
		faults:   faultState{rng: newRand(opts.Seed, streamFaults), f: Faults{}.normalized()},
		requests: map[string]int{},
	}
	s.mux = s.routes()
	return s
}

func newRand(seed int64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), stream))
}

// APIToken is the API user token the token exchange accepts.
func (s *Server) APIToken() string { return s.opts.APIToken }

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) routes() *http.ServeMux {
	const (
		entities = "/entity-service/stable/schemas/{schema}"
		entity   = entities + "/entities/{id}"
		acts     = "/history-service/stable/activities"
		profiles = "/searchprofile-service/stable/contacts/{contactId}/searchprofiles"
		profile  = "/searchprofile-service/stable/searchprofiles/{id}"
	)
	m := http.NewServeMux()
	m.Handle("GET /admin-token-service/stable/public/adminUser/authenticate", s.endpoint("auth", false, s.handleAuth))
	api := func(pattern, name string, h handler) { m.Handle(pattern, s.endpoint(name, true, h)) }
	api("GET /schema-service/stable/v2/schemas/{schema}", "schema", s.handleSchema)
	api("GET "+entity, "get", s.handleGet)
	api("POST "+entities, "create", s.handleCreate)
	api("PATCH "+entity, "patch", s.handlePatch)
	api("DELETE "+entity, "delete", s.handleDelete)
	api("POST /search-service/stable/schemas/{schema}", "search", s.handleSearch)
	api("POST "+acts, "activity.create", s.handleCreateActivity)
	api("GET "+acts, "activity.list", s.handleListActivities)
	api("GET /history-service/stable/activity-types", "activity.types", s.handleActivityTypes)
	api("GET "+profiles, "profile.list", s.handleListProfiles)
	api("POST "+profiles, "profile.create", s.handleCreateProfile)
	api("PUT "+profile, "profile.put", s.handlePutProfile)
	api("DELETE "+profile, "profile.delete", s.handleDeleteProfile)
	api("GET /user-service/stable/users", "users", s.handleUsers)
	m.HandleFunc("GET /_mock/inspect", s.handleInspect)
	m.HandleFunc("GET /_mock/contacts/{id}", s.handleInspectContact)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.send(w, r, errorReply(http.StatusNotFound, "no such API call: "+r.Method+" "+r.URL.Path), Faults{})
	})
	return m
}

// endpoint runs h behind what every call goes through: counting, latency,
// the session check and rate limit (when guarded), injected failures, and
// lost responses for writes.
func (s *Server) endpoint(name string, guarded bool, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.count(name)
		f := s.faults.current()
		if !pause(r.Context(), f.Latency) {
			return
		}
		s.send(w, r, s.answer(r, guarded, h, f), f)
	})
}

func (s *Server) answer(r *http.Request, guarded bool, h handler, f Faults) reply {
	if guarded {
		if err := s.admit(r); err != nil {
			return replyFor(err)
		}
	}
	if guarded || f.AuthErrors {
		if rep, failed := s.faults.inject(f); failed {
			return rep
		}
	}
	rep, err := h(r)
	if err != nil {
		return replyFor(err)
	}
	if r.Method != http.MethodGet && rep.status < 300 && s.faults.roll(f.LostResponseRate) {
		return errorReply(http.StatusBadGateway, "the CRM did not answer in time")
	}
	return rep
}

func (s *Server) count(name string) {
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	s.requests[name]++
}

// Requests returns the number of requests per API call since the start or
// the last ResetRequests, by name: "auth", "schema", "get", "create",
// "patch", "delete", "search", "activity.create", "activity.list",
// "activity.types", "profile.list", "profile.create", "profile.put",
// "profile.delete", "users". Every request counts, refused ones too.
func (s *Server) Requests() map[string]int {
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	return maps.Clone(s.requests)
}

// ResetRequests sets every request count to zero.
func (s *Server) ResetRequests() {
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	clear(s.requests)
}
