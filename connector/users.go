package connector

import (
	"context"
	"net/http"
)

// User is a broker of the company, the target of responsibleUser.
type User struct {
	ID        string `json:"id"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Email     string `json:"email"`
	Active    bool   `json:"active"`
}

// Users lists the company's CRM users.
func (c *Client) Users(ctx context.Context) ([]User, error) {
	return fetchEntries[User](ctx, c, &call{method: http.MethodGet, template: routeUsers, idempotent: true})
}
