package consent_test

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
)

var urlPattern = regexp.MustCompile(`^https://einwilligung\.example\.de/e/links/([A-Za-z0-9_-]{43})$`)

func TestIssueLinks(t *testing.T) {
	t.Parallel()
	var addrs []mapping.Address
	for _, id := range []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7"} {
		addrs = append(addrs, contact(id))
	}
	f := newFixture(t, "links", addrs...)
	ctx := t.Context()
	consent.SetPageSize(f.svc, 2)
	markDeleted(t, f, "a1", "a2", "a3", "a4", "a5", "a6")         // a7 is gone from the CRM
	if _, err := f.svc.RotateLink(ctx, "a2", false); err != nil { // a2 has a link already
		t.Fatal(err)
	}

	tokens := map[string]string{}
	n, err := f.svc.IssueLinks(ctx, true, func(addressID, url string) error {
		m := urlPattern.FindStringSubmatch(url)
		if m == nil {
			t.Errorf("URL %q is not {public_url}/e/{slug}/{43 characters}", url)
			return nil
		}
		tokens[addressID] = m[1]
		return nil
	})
	if err != nil || n != 5 || len(tokens) != 5 {
		t.Fatalf("issued %d (%v), emitted %v", n, err, tokens)
	}
	for _, want := range []string{"a1", "a3", "a4", "a5", "a6"} {
		token := tokens[want]
		subj, err := f.svc.Resolve(ctx, token)
		if err != nil || subj.Address.CRMID != want {
			t.Errorf("token of %s opens %+v, %v", want, subj, err)
		}
		if f.count("SELECT COUNT(*) FROM links WHERE token_hash = $1 OR token_hash = $2", token, strings.ToLower(token)) != 0 {
			t.Errorf("the token of %s is stored as it is", want)
		}
		q := f.outbox(want)
		if len(q) != 1 || q[0].Kind != consent.OutboxLink || !strings.HasSuffix(q[0].Key, ":crm.link:"+strconv.FormatInt(subj.Link.ID, 10)) ||
			jsonOf(t, q[0].Payload) != `{"fields":{"einwilligung_link":["https://einwilligung.example.de/e/links/`+token+`"]},"schema":"contacts"}` {
			t.Errorf("outbox of %s: %+v", want, q)
		}
	}
	if again, err := f.svc.IssueLinks(ctx, false, nil); err != nil || again != 0 {
		t.Errorf("second run issued %d, %v; every live address has a link", again, err)
	}

	f.exec("UPDATE links SET revoked_at = $1", start)
	stop := errors.New("printer out of paper")
	emitted := 0
	n, err = f.svc.IssueLinks(ctx, false, func(string, string) error { emitted++; return stop })
	if !errors.Is(err, stop) || emitted != 1 || n != 2 {
		t.Errorf("emit error: issued %d, emitted %d, %v; want the first page issued and the error", n, emitted, err)
	}
}

func markDeleted(t *testing.T, f *fixture, seen ...string) {
	t.Helper()
	run, err := f.db.StartRun(t.Context(), "reconcile", start)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.InTx(t.Context(), func(tx *store.Tx) error { return tx.MarkSeen(t.Context(), run, seen) }); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.MarkUnseenDeleted(t.Context(), run, start); err != nil {
		t.Fatal(err)
	}
}

func TestResolveRefusesInvalidTokens(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "firma-a", contact("a1"), contact("a2"), contact("a3"))
	other := companyFixture(t, f.m, "firma-b", contact("a1"))
	ctx := t.Context()
	_, valid := f.subject("a1")
	_, revoked := f.subject("a2")
	if err := f.svc.RevokeLink(ctx, "a2"); err != nil {
		t.Fatal(err)
	}
	_, rotatedAway := f.subject("a3")
	_, current := f.subject("a3")
	_, ofDeleted := other.subject("a1")
	markDeleted(t, other)

	tests := []struct {
		name  string
		svc   *consent.Service
		token string
	}{
		{"empty", f.svc, ""},
		{"too short", f.svc, valid[:42]},
		{"too long", f.svc, valid + "A"},
		{"1 MB", f.svc, strings.Repeat("A", 1<<20)},
		{"standard base64 alphabet", f.svc, strings.NewReplacer("-", "+", "_", "/").Replace(valid[:40]) + "+/A"},
		{"padding", f.svc, valid[:42] + "="},
		{"NUL", f.svc, valid[:42] + "\x00"},
		{"not UTF-8", f.svc, valid[:42] + "\xff"},
		{"path traversal", f.svc, "../../../../../../../../../../etc/passwd1234"},
		{"HTML", f.svc, "<script>alert(document.cookie)</script>AAAA"},
		{"unknown", f.svc, strings.Repeat("B", 43)},
		{"revoked", f.svc, revoked},
		{"rotated away", f.svc, rotatedAway},
		{"other company's", other.svc, valid},
		{"address the CRM deleted", other.svc, ofDeleted},
	}
	for _, tt := range tests {
		if subj, err := tt.svc.Resolve(ctx, tt.token); !errors.Is(err, consent.ErrLinkInvalid) || subj != nil {
			t.Errorf("%s: %+v, %v; want ErrLinkInvalid", tt.name, subj, err)
		}
	}
	for name, token := range map[string]string{"valid": valid, "current after rotation": current} {
		if _, err := f.svc.Resolve(ctx, token); err != nil {
			t.Errorf("%s token: %v", name, err)
		}
	}

	// A malformed token is looked up like any other: with the database
	// gone, it fails the same way a well-formed one does.
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	for _, token := range []string{"", "kaputt", valid} {
		if _, err := f.svc.Resolve(canceled, token); errors.Is(err, consent.ErrLinkInvalid) || !errors.Is(err, context.Canceled) {
			t.Errorf("token %.10q without database: %v; want the lookup's error", token, err)
		}
	}
}

func TestRotateAndRevokeLinks(t *testing.T) {
	t.Parallel()
	written := contact("a1")
	written.Consent.Link = "https://einwilligung.example.de/e/links-widerruf/alt"
	f := newFixture(t, "links-widerruf", written, contact("a2"), contact("a3"))
	ctx := t.Context()

	if _, err := f.svc.RotateLink(ctx, "fehlt", true); !errors.Is(err, consent.ErrUnknownAddress) {
		t.Errorf("rotate unknown address: %v", err)
	}
	for _, id := range []string{"a1", "a2"} {
		if _, err := f.svc.RotateLink(ctx, id, true); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RevokeLink(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RevokeLink(ctx, id); !errors.Is(err, consent.ErrNoActiveLink) {
			t.Errorf("revoke %s twice: %v, want ErrNoActiveLink", id, err)
		}
	}
	// a1's CRM field holds a link and a2's write is queued: revoking
	// clears both after the write. a3 never had its link written.
	if _, err := f.svc.RotateLink(ctx, "a3", false); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RevokeLink(ctx, "a3"); err != nil {
		t.Fatal(err)
	}
	wantKinds := map[string][]string{"a1": {"crm.link", "crm.link"}, "a2": {"crm.link", "crm.link"}, "a3": nil}
	for id, want := range wantKinds {
		q := f.outbox(id)
		var kinds []string
		for _, r := range q {
			kinds = append(kinds, r.Kind)
		}
		if strings.Join(kinds, ",") != strings.Join(want, ",") {
			t.Errorf("outbox of %s: %v, want %v", id, kinds, want)
		}
		if len(q) == 2 && (jsonOf(t, q[1].Payload) != `{"fields":{"einwilligung_link":[]},"schema":"contacts"}` || !strings.HasSuffix(q[1].Key, "-revoked")) {
			t.Errorf("clearing write %+v", q[1])
		}
	}
}
