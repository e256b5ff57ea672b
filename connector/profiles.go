package connector

import (
	"context"
	"errors"
	"net/http"
)

// SearchProfile is a contact's search profile ("Suchprofil") as the CRM
// stores it.
type SearchProfile struct {
	ID            string   `json:"id,omitempty"`
	ContactID     string   `json:"contactId"`
	Title         string   `json:"title"`
	Active        bool     `json:"active"`
	MarketingType string   `json:"marketingType"` // BUY or RENT
	EstateTypes   []string `json:"estateTypes,omitempty"`
	ZipCodes      []string `json:"zipCodes,omitempty"`
	Cities        []string `json:"cities,omitempty"`
	PriceMax      *float64 `json:"priceMax,omitempty"`
	LivingAreaMin *float64 `json:"livingAreaMin,omitempty"`
	RoomsMin      *float64 `json:"roomsMin,omitempty"`
	UpdatedAt     int64    `json:"updatedAt,omitempty"` // epoch ms, set by the CRM
}

// SearchProfiles lists the search profiles of a contact.
func (c *Client) SearchProfiles(ctx context.Context, contactID string) ([]SearchProfile, error) {
	return fetchEntries[SearchProfile](ctx, c, &call{
		method: http.MethodGet, template: routeContactProfiles, values: []string{contactID}, idempotent: true,
	})
}

// CreateSearchProfile creates p for p.ContactID and returns the new id. Like
// every create it is not repeated once the CRM may have received it.
func (c *Client) CreateSearchProfile(ctx context.Context, p SearchProfile) (string, error) {
	if p.ID != "" {
		return "", badInput(http.MethodPost, routeContactProfiles,
			errors.New("a new search profile must not carry an id; use ReplaceSearchProfile to change one"))
	}
	var id string
	err := c.do(ctx, &call{
		method: http.MethodPost, template: routeContactProfiles, values: []string{p.ContactID}, body: p,
		decode: decodeCreatedID(&id),
	})
	return id, err
}

// ReplaceSearchProfile overwrites the profile p.ID with p.
func (c *Client) ReplaceSearchProfile(ctx context.Context, p SearchProfile) error {
	return c.do(ctx, &call{
		method: http.MethodPut, template: routeSearchProfile, values: []string{p.ID}, body: p, idempotent: true,
	})
}

// DeleteSearchProfile removes a profile; ErrNotFound when it was gone.
func (c *Client) DeleteSearchProfile(ctx context.Context, id string) error {
	return c.do(ctx, &call{method: http.MethodDelete, template: routeSearchProfile, values: []string{id}, idempotent: true})
}

// fetchEntries runs req and decodes the contract's list shape
// {"entries": [...]}.
func fetchEntries[T any](ctx context.Context, c *Client, req *call) ([]T, error) {
	var list struct {
		Entries []T `json:"entries"`
	}
	req.decode = func(body []byte) error { return decodeJSON(body, &list) }
	if err := c.do(ctx, req); err != nil {
		return nil, err
	}
	return list.Entries, nil
}
