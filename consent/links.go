package consent

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/consentd/consentd/store"
)

// tokenBytes is the randomness of a link token: 256 bits.
const tokenBytes = 32

// tokenEncoding writes tokens URL-safe without padding (43 characters).
var tokenEncoding = base64.RawURLEncoding.Strict()

// dummyToken stands in for a malformed token, so looking one up costs the
// same as looking up a real one. No link has it: tokens are random.
var dummyToken = strings.Repeat("A", tokenEncoding.EncodedLen(tokenBytes))

// newToken returns a fresh token and the hash the links table keeps.
func newToken() (token, hash string) {
	b := make([]byte, tokenBytes)
	_, _ = rand.Read(b) // never fails
	token = tokenEncoding.EncodeToString(b)
	return token, tokenHash(token)
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// wellFormed tells whether token could be one consentd issued.
func wellFormed(token string) bool {
	if len(token) != len(dummyToken) {
		return false
	}
	b, err := tokenEncoding.DecodeString(token)
	return err == nil && len(b) == tokenBytes
}

// URL is the address of the consent page a token opens:
// {public_url}/e/{slug}/{token}.
func (s *Service) URL(token string) string {
	return s.set.PublicURL + "/e/" + s.set.Company + "/" + token
}

// Resolve finds the contact a link token opens, with what the page shows.
// A malformed, unknown or revoked token, one of another company (it is
// not in this company's database) and one of an address the CRM deleted
// all give ErrLinkInvalid, and every invalid token costs the same work:
// one hash and one lookup.
func (s *Service) Resolve(ctx context.Context, token string) (*Subject, error) {
	ok := wellFormed(token)
	if !ok {
		token = dummyToken
	}
	ls, found, err := s.db.LinkSubject(ctx, tokenHash(token), s.set.Purpose)
	if err != nil {
		return nil, fmt.Errorf("resolve link: %w", err)
	}
	if !ok || !found {
		return nil, ErrLinkInvalid
	}
	return &Subject{Link: ls.Link, Address: ls.Address, Consent: ls.Consent, Profiles: ls.Profiles, Erasure: ls.Erasure}, nil
}

// issued is a link made in a transaction, reported once it committed.
type issued struct{ addressID, url string }

// IssueLinks gives every live address without a working link a new one
// and returns how many it issued. It walks the addresses in pages, one
// transaction each, so memory stays flat; emit (if not nil) is called with
// each address id and URL once its page is committed, e.g. to print them
// for a mail merge. With write, each link is also queued for writing into
// the CRM's link field, where the mail template's placeholder reads it.
func (s *Service) IssueLinks(ctx context.Context, write bool, emit func(addressID, url string) error) (int, error) {
	total, after := 0, ""
	for {
		ids, err := s.db.AddressesWithoutLink(ctx, after, s.pageSize)
		if err != nil || len(ids) == 0 {
			return total, err
		}
		links, err := s.issuePage(ctx, ids, write)
		if err != nil {
			return total, err
		}
		total += len(links)
		if err := emitAll(links, emit); err != nil {
			return total, err
		}
		after = ids[len(ids)-1]
	}
}

func (s *Service) issuePage(ctx context.Context, ids []string, write bool) ([]issued, error) {
	var links []issued
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		for _, id := range ids {
			url, err := s.issue(ctx, tx, id, write)
			if errors.Is(err, store.ErrActiveLinkExists) {
				continue // issued meanwhile by another run
			}
			if err != nil {
				return err
			}
			links = append(links, issued{id, url})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("issue links: %w", err)
	}
	return links, nil
}

// issue makes a link for the address and queues its CRM write if asked.
func (s *Service) issue(ctx context.Context, tx *store.Tx, addressID string, write bool) (string, error) {
	token, hash := newToken()
	link, err := tx.InsertLink(ctx, addressID, hash, s.clock())
	if err != nil {
		return "", err
	}
	url := s.URL(token)
	if !write {
		return url, nil
	}
	return url, s.enqueueLinkWrite(ctx, tx, addressID, link.ID, fmt.Sprint(link.ID), url)
}

func emitAll(links []issued, emit func(addressID, url string) error) error {
	if emit == nil {
		return nil
	}
	for _, l := range links {
		if err := emit(l.addressID, l.url); err != nil {
			return err
		}
	}
	return nil
}

// enqueueLinkWrite queues writing url into the contact's link field;
// linkID is the link recorded as written once done, 0 for none.
func (s *Service) enqueueLinkWrite(ctx context.Context, tx *store.Tx, addressID string, linkID int64, ref, url string) error {
	row, err := s.outboxRow(addressID, OutboxLink, ref, PatchPayload{Schema: s.m.Schema(), Fields: s.m.LinkPatch(url)}, s.clock())
	if err != nil {
		return err
	}
	row.LinkID = linkID
	return tx.Enqueue(ctx, row)
}

// RotateLink revokes the address's link, if any, and issues a new one,
// returning its URL; with write the new URL is queued for the CRM's link
// field. ErrUnknownAddress when the mirror holds no live address with id.
func (s *Service) RotateLink(ctx context.Context, addressID string, write bool) (string, error) {
	var url string
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		live, err := tx.LockAddress(ctx, addressID)
		if err != nil {
			return err
		}
		if !live {
			return ErrUnknownAddress
		}
		if _, err := tx.RevokeLinks(ctx, addressID, s.clock()); err != nil {
			return err
		}
		url, err = s.issue(ctx, tx, addressID, write)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("rotate link of address %q: %w", addressID, err)
	}
	return url, nil
}

// RevokeLink makes the address's link stop working at once. When its URL
// may reach the CRM's link field (written or queued, or the field holds a
// value), clearing the field is queued after it, so no further mail
// carries a dead link. ErrNoActiveLink when the address has no working link.
func (s *Service) RevokeLink(ctx context.Context, addressID string) error {
	link, ok, err := s.db.ActiveLink(ctx, addressID)
	if err != nil {
		return fmt.Errorf("revoke link: %w", err)
	}
	if !ok {
		return fmt.Errorf("revoke link of address %q: %w", addressID, ErrNoActiveLink)
	}
	rec, _, err := s.db.AddressRecord(ctx, addressID)
	if err != nil {
		return fmt.Errorf("revoke link: %w", err)
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		n, err := tx.RevokeLinks(ctx, addressID, s.clock())
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrNoActiveLink // revoked meanwhile
		}
		queued, err := tx.LinkWriteQueued(ctx, link.ID)
		if err != nil || !(queued || link.WrittenAt != nil || rec.Consent.Link != "") {
			return err
		}
		return s.enqueueLinkWrite(ctx, tx, addressID, 0, fmt.Sprintf("%d-revoked", link.ID), "")
	})
	if err != nil {
		return fmt.Errorf("revoke link of address %q: %w", addressID, err)
	}
	return nil
}
