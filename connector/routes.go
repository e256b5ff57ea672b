package connector

import (
	"fmt"
	"net/url"
	"strings"
)

// The FLOWFACT paths of crm-api.md. A CRM variant with other paths changes
// only this block. Placeholders are filled in order by route.
const (
	routeAuth            = "/admin-token-service/stable/public/adminUser/authenticate"
	routeSchema          = "/schema-service/stable/v2/schemas/{schema}"
	routeEntities        = "/entity-service/stable/schemas/{schema}"
	routeEntity          = "/entity-service/stable/schemas/{schema}/entities/{id}"
	routeSearch          = "/search-service/stable/schemas/{schema}"
	routeContactProfiles = "/searchprofile-service/stable/contacts/{contactId}/searchprofiles"
	routeSearchProfile   = "/searchprofile-service/stable/searchprofiles/{id}"
	routeActivities      = "/history-service/stable/activities"
	routeActivityTypes   = "/history-service/stable/activity-types"
	routeUsers           = "/user-service/stable/users"
	headerAPIToken       = "token"
	headerSessionToken   = "cognitoToken"
)

// route fills the {placeholders} of template with the escaped values, in
// order. Ids are opaque, so each is escaped as one path segment; empty and
// dot ids are refused because they would address a different resource.
func route(template string, values ...string) (string, error) {
	var b strings.Builder
	rest := template
	for _, v := range values {
		open, end := strings.IndexByte(rest, '{'), strings.IndexByte(rest, '}')
		if open < 0 || end < open {
			return "", fmt.Errorf("route %s has fewer placeholders than values", template)
		}
		name := rest[open+1 : end]
		if strings.TrimSpace(v) == "" || v == "." || v == ".." {
			return "", fmt.Errorf("%s %q is not a valid %s", name, v, name)
		}
		b.WriteString(rest[:open])
		b.WriteString(url.PathEscape(v))
		rest = rest[end+1:]
	}
	b.WriteString(rest)
	return b.String(), nil
}
