package mockcrm_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/consentd/consentd/mockcrm"
)

// dump reads everything a client can read from a mock: all contacts by
// change query, their search profiles and the users.
func dump(t *testing.T, opts mockcrm.Options) string {
	t.Helper()
	srv, c := start(t, opts)
	var b strings.Builder
	for page := 1; ; page++ {
		res := c.do(http.MethodPost, searchPath+"?size=500&page="+strconv.Itoa(page), changedSince(0)).want(t, http.StatusOK)
		var r searchResult
		res.decode(t, &r)
		if len(r.Entries) == 0 {
			break
		}
		b.Write(res.body)
	}
	for _, id := range srv.ContactIDs() {
		b.Write(c.do(http.MethodGet, profilesPath(id), nil).body)
	}
	b.Write(c.do(http.MethodGet, "/user-service/stable/users", nil).body)
	return b.String()
}

func TestSeedIsDeterministic(t *testing.T) {
	fixed := newClock().Now
	one := dump(t, mockcrm.Options{Contacts: 700, Seed: 61, Now: fixed})
	if two := dump(t, mockcrm.Options{Contacts: 700, Seed: 61, Now: fixed}); one != two {
		t.Error("two mocks with the same seed and clock serve different data")
	}
	if other := dump(t, mockcrm.Options{Contacts: 700, Seed: 62, Now: fixed}); other == one {
		t.Error("another seed serves the same data")
	}
	a := mockcrm.New(mockcrm.Options{Contacts: 50, Seed: 61})
	b := mockcrm.New(mockcrm.Options{Contacts: 50, Seed: 61})
	if !slices.Equal(a.ContactIDs(), b.ContactIDs()) {
		t.Error("the same seed gives different ids at different times")
	}
	first := a.CreateContact(map[string]any{"lastName": "Neu"})
	a.DeleteContact(first)
	if second := b.CreateContact(map[string]any{"lastName": "Neu"}); first != second {
		t.Errorf("created contacts get ids %s and %s from the same seed", first, second)
	}
}

func TestSeedLooksReal(t *testing.T) {
	clk := newClock()
	srv := mockcrm.New(mockcrm.Options{Contacts: 2000, Seed: 63, Now: clk.Now})
	if n := len(srv.ContactIDs()); n != 2000 {
		t.Fatalf("%d contacts, want 2000", n)
	}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	threeYears := clk.Now().AddDate(-3, 0, -1).UnixMilli()
	seen := map[string]int{}
	updated := map[int64]int{}
	for _, id := range srv.ContactIDs() {
		raw, _ := srv.Contact(id)
		var e entity
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatalf("contact %s: %v", id, err)
		}
		if !uuid.MatchString(id) {
			t.Fatalf("id %q is not UUID-shaped", id)
		}
		if m := e.Metadata; m.CreatedAt > m.UpdatedAt || m.CreatedAt < threeYears || m.UpdatedAt > clk.Now().UnixMilli() {
			t.Fatalf("contact %s: times %+v outside the last three years or created after changed", id, m)
		}
		updated[e.Metadata.UpdatedAt]++
		classify(t, e, seen)
	}
	if len(updated) == 2000 {
		t.Error("no two contacts share an updatedAt; ties must occur")
	}
	for feature, min := range map[string]int{
		"umlaut": 300, "ß": 100, "Frau": 700, "Herr": 700, "no salutation": 50, "Dr.": 80, "Prof. Dr.": 10, "company": 200,
		"no e-mail": 100, "3 e-mails": 80, "no phone": 150, "3 phones": 100, "no address": 80, "zip with leading 0": 20,
		"foreign": 30, "no consent fields": 300, "consent given": 150, "consent withdrawn": 20, "no broker": 40,
	} {
		if seen[feature] < min {
			t.Errorf("%d contacts with %s, want at least %d", seen[feature], feature, min)
		}
	}
}

// classify counts the features of e that realistic data must show.
func classify(t *testing.T, e entity, seen map[string]int) {
	names := strings.Join(append(e.texts(t, "firstName"), e.texts(t, "lastName")...), " ")
	flags := map[string]bool{
		"umlaut":             strings.ContainsAny(names, "äöüÄÖÜ"),
		"ß":                  strings.Contains(names, "ß"),
		"no salutation":      len(e.texts(t, "salutation")) == 0,
		"company":            len(e.texts(t, "companyName")) == 1,
		"no e-mail":          string(e.Fields["emails"]) == `{"values":[]}`,
		"3 e-mails":          strings.Count(string(e.Fields["emails"]), `"value"`) == 3,
		"no phone":           string(e.Fields["phoneNumbers"]) == `{"values":[]}`,
		"3 phones":           strings.Count(string(e.Fields["phoneNumbers"]), `"value"`) == 3,
		"no address":         string(e.Fields["addresses"]) == `{"values":[]}`,
		"zip with leading 0": strings.Contains(string(e.Fields["addresses"]), `"zipcode":"0`),
		"foreign":            strings.Contains(string(e.Fields["addresses"]), `"country":"AT"`) || strings.Contains(string(e.Fields["addresses"]), `"country":"CH"`),
		"no consent fields":  e.Fields["einwilligung_datum"] == nil,
		"consent given":      len(e.texts(t, "einwilligung_datum")) == 1,
		"consent withdrawn":  len(e.texts(t, "einwilligung_widerrufsdatum")) == 1,
		"no broker":          len(e.texts(t, "responsibleUser")) == 0,
	}
	for _, v := range append(e.texts(t, "salutation"), e.texts(t, "title")...) {
		flags[v] = true
	}
	for k, v := range flags {
		if v {
			seen[k]++
		}
	}
}
