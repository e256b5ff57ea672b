package mockcrm

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// SearchProfile is a contact's search profile ("Suchprofil"): what property
// the contact is looking for.
type SearchProfile struct {
	ID            string   `json:"id"`
	ContactID     string   `json:"contactId"`
	Title         string   `json:"title"`
	Active        bool     `json:"active"`
	MarketingType string   `json:"marketingType"` // BUY or RENT
	EstateTypes   []string `json:"estateTypes"`
	ZipCodes      []string `json:"zipCodes"`
	Cities        []string `json:"cities"`
	PriceMax      *float64 `json:"priceMax,omitempty"`
	LivingAreaMin *float64 `json:"livingAreaMin,omitempty"`
	RoomsMin      *float64 `json:"roomsMin,omitempty"`
	UpdatedAt     int64    `json:"updatedAt"` // epoch ms
}

// ProfileWrite is one search-profile write by a client through the API.
type ProfileWrite struct {
	ProfileID string         `json:"profileId"`
	ContactID string         `json:"contactId"`
	Method    string         `json:"method"` // POST, PUT or DELETE
	Profile   *SearchProfile `json:"profile,omitempty"`
	At        int64          `json:"at"` // epoch ms
}

// EstateTypes are the estate types a search profile may name.
var EstateTypes = []string{"APARTMENT", "HOUSE", "PLOT", "OFFICE", "RETAIL", "INVESTMENT", "OTHER"}

// profileInput is a profile as a client sends it; id, contactId and
// updatedAt may be sent back as read but are not changed by it.
type profileInput struct {
	ID            string   `json:"id"`
	ContactID     string   `json:"contactId"`
	Title         string   `json:"title"`
	Active        *bool    `json:"active"`
	MarketingType string   `json:"marketingType"`
	EstateTypes   []string `json:"estateTypes"`
	ZipCodes      []string `json:"zipCodes"`
	Cities        []string `json:"cities"`
	PriceMax      *float64 `json:"priceMax"`
	LivingAreaMin *float64 `json:"livingAreaMin"`
	RoomsMin      *float64 `json:"roomsMin"`
	UpdatedAt     int64    `json:"updatedAt"`
}

func readProfile(r *http.Request, id, contactID string) (SearchProfile, error) {
	var in profileInput
	if err := decodeBody(r, &in); err != nil {
		return SearchProfile{}, err
	}
	if err := in.check(id, contactID); err != nil {
		return SearchProfile{}, errorf(http.StatusBadRequest, "search profile: %v", err)
	}
	p := SearchProfile{
		ID: id, ContactID: contactID, Title: in.Title, Active: in.Active == nil || *in.Active,
		MarketingType: in.MarketingType, EstateTypes: orEmpty(in.EstateTypes), ZipCodes: orEmpty(in.ZipCodes),
		Cities: orEmpty(in.Cities), PriceMax: in.PriceMax, LivingAreaMin: in.LivingAreaMin, RoomsMin: in.RoomsMin,
	}
	return p, nil
}

func (in profileInput) check(id, contactID string) error {
	switch {
	case in.ID != "" && id != "" && in.ID != id:
		return fmt.Errorf("id %q differs from the id %q in the path", in.ID, id)
	case in.ContactID != "" && contactID != "" && in.ContactID != contactID:
		return fmt.Errorf("contactId %q differs from the profile's contact %q", in.ContactID, contactID)
	case in.MarketingType != "BUY" && in.MarketingType != "RENT":
		return fmt.Errorf("marketingType %q: want BUY or RENT", in.MarketingType)
	}
	for _, t := range in.EstateTypes {
		if !slices.Contains(EstateTypes, t) {
			return fmt.Errorf("estateTypes: %q is not one of %s", t, strings.Join(EstateTypes, ", "))
		}
	}
	for _, n := range []*float64{in.PriceMax, in.LivingAreaMin, in.RoomsMin} {
		if n != nil && *n < 0 {
			return errors.New("priceMax, livingAreaMin and roomsMin must not be negative")
		}
	}
	return nil
}

func (s *Server) handleListProfiles(r *http.Request) (reply, error) {
	st := s.data
	contactID := r.PathValue("contactId")
	st.mu.RLock()
	defer st.mu.RUnlock()
	if _, ok := st.contacts[contactID]; !ok {
		return reply{}, notFound(contactID)
	}
	return entries(st.profilesOf(contactID))
}

// profilesOf returns copies of a contact's profiles. Caller holds mu.
func (st *store) profilesOf(contactID string) []SearchProfile {
	out := make([]SearchProfile, 0, len(st.profileOf[contactID]))
	for _, id := range st.profileOf[contactID] {
		out = append(out, *st.profiles[id])
	}
	return out
}

func (s *Server) handleCreateProfile(r *http.Request) (reply, error) {
	contactID := r.PathValue("contactId")
	p, err := readProfile(r, "", contactID)
	if err != nil {
		return reply{}, err
	}
	st := s.data
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.contacts[contactID]; !ok {
		return reply{}, notFound(contactID)
	}
	st.profileN++
	p.ID = "sp-" + strconv.Itoa(st.profileN)
	st.profileOf[contactID] = append(st.profileOf[contactID], p.ID)
	st.saveProfile(http.MethodPost, p, s.now())
	return jsonReply(http.StatusCreated, map[string]string{"id": p.ID})
}

func (s *Server) handlePutProfile(r *http.Request) (reply, error) {
	id := r.PathValue("id")
	st := s.data
	old, ok := s.profile(id)
	if !ok {
		return reply{}, errorf(http.StatusNotFound, "search profile %q not found", id)
	}
	p, err := readProfile(r, id, old.ContactID)
	if err != nil {
		return reply{}, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.profiles[id]; !ok {
		return reply{}, errorf(http.StatusNotFound, "search profile %q not found", id)
	}
	return jsonReply(http.StatusOK, st.saveProfile(http.MethodPut, p, s.now()))
}

func (s *Server) profile(id string) (SearchProfile, bool) {
	s.data.mu.RLock()
	defer s.data.mu.RUnlock()
	p, ok := s.data.profiles[id]
	if !ok {
		return SearchProfile{}, false
	}
	return *p, true
}

// saveProfile stores p, moves its contact's updatedAt as any profile change
// does, and records the write. Caller holds mu.
func (st *store) saveProfile(method string, p SearchProfile, now int64) SearchProfile {
	p.UpdatedAt = now
	st.profiles[p.ID] = &p
	st.touchContact(p.ContactID, now)
	st.profileWrites = append(st.profileWrites, ProfileWrite{ProfileID: p.ID, ContactID: p.ContactID, Method: method, Profile: &p, At: now})
	return p
}

func (s *Server) handleDeleteProfile(r *http.Request) (reply, error) {
	id := r.PathValue("id")
	st := s.data
	now := s.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	p, ok := st.profiles[id]
	if !ok {
		return reply{}, errorf(http.StatusNotFound, "search profile %q not found", id)
	}
	delete(st.profiles, id)
	st.profileOf[p.ContactID] = slices.DeleteFunc(st.profileOf[p.ContactID], func(x string) bool { return x == id })
	st.touchContact(p.ContactID, now)
	st.profileWrites = append(st.profileWrites, ProfileWrite{ProfileID: id, ContactID: p.ContactID, Method: http.MethodDelete, At: now})
	return noContent(), nil
}

// SearchProfiles returns a contact's search profiles in creation order.
func (s *Server) SearchProfiles(contactID string) []SearchProfile {
	s.data.mu.RLock()
	defer s.data.mu.RUnlock()
	return s.data.profilesOf(contactID)
}
