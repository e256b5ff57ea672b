package connector

import (
	"context"
	"errors"
	"net/http"
	"net/url"
)

// Activity is an entry in a contact's history. ExternalID carries the
// caller's idempotency key: the CRM stores it without enforcing uniqueness,
// so after an unknown outcome the caller looks it up before posting again.
type Activity struct {
	ID              string      `json:"id,omitempty"`
	Type            string      `json:"type"`
	Subject         string      `json:"subject"`
	Description     string      `json:"description,omitempty"`
	Date            int64       `json:"date"` // epoch ms
	ResponsibleUser string      `json:"responsibleUser,omitempty"`
	Entities        []EntityRef `json:"entities"`
	ExternalID      string      `json:"externalId,omitempty"`
	CreatedAt       int64       `json:"createdAt,omitempty"` // epoch ms, set by the CRM
}

// EntityRef points an activity at an entity.
type EntityRef struct {
	Schema string `json:"schema"`
	ID     string `json:"id"`
}

// CreateActivity posts a to the history and returns its id. It is repeated
// only when the CRM surely did not receive it; ErrTransient otherwise means
// the activity may exist: check with ActivitiesByExternalID.
func (c *Client) CreateActivity(ctx context.Context, a Activity) (string, error) {
	if a.ID != "" {
		return "", badInput(http.MethodPost, routeActivities, errors.New("a new activity must not carry an id"))
	}
	var id string
	err := c.do(ctx, &call{method: http.MethodPost, template: routeActivities, body: a, decode: decodeCreatedID(&id)})
	return id, err
}

// ActivitiesByEntity lists the activities attached to an entity.
func (c *Client) ActivitiesByEntity(ctx context.Context, entityID string) ([]Activity, error) {
	return c.activitiesBy(ctx, "entityId", entityID)
}

// ActivitiesByExternalID lists the activities posted with the key.
func (c *Client) ActivitiesByExternalID(ctx context.Context, key string) ([]Activity, error) {
	return c.activitiesBy(ctx, "externalId", key)
}

func (c *Client) activitiesBy(ctx context.Context, param, value string) ([]Activity, error) {
	if value == "" {
		// An empty filter would list the whole history.
		return nil, badInput(http.MethodGet, routeActivities, errors.New(param+" is empty"))
	}
	return fetchEntries[Activity](ctx, c, &call{
		method: http.MethodGet, template: routeActivities, query: url.Values{param: {value}}, idempotent: true,
	})
}

// ActivityTypes lists the names of the activity types the broker created.
func (c *Client) ActivityTypes(ctx context.Context) ([]string, error) {
	types, err := fetchEntries[struct {
		Name string `json:"name"`
	}](ctx, c, &call{method: http.MethodGet, template: routeActivityTypes, idempotent: true})
	if err != nil {
		return nil, err
	}
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = t.Name
	}
	return names, nil
}
