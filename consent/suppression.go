package consent

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
)

// SubjectSuppressed is the subject of the activity telling a broker that a
// contact matches a suppression entry.
const SubjectSuppressed = "Werbewiderspruch"

// identifiers are the suppression identifiers of a contact's e-mail
// addresses and phone numbers, with the kind of each.
func identifiers(emails, phones []mapping.Channel) map[string]string {
	out := map[string]string{}
	for _, e := range emails {
		if id := identifier(store.SuppressEmail, e.Value); id != "" {
			out[id] = store.SuppressEmail
		}
	}
	for _, p := range phones {
		if id := identifier(store.SuppressPhone, p.Value); id != "" {
			out[id] = store.SuppressPhone
		}
	}
	return out
}

// warnSuppressed tells the broker of every contact in the CRM whose e-mail
// address or phone number matches another address's suppression entry: the
// person withdrew or objected under that address, and is back (a new
// inquiry, an import). Each entry is told once per contact. It returns
// how many it told.
func (s *Service) warnSuppressed(ctx context.Context) (int, error) {
	entries, err := s.db.SuppressionsIn(ctx, s.set.Purpose)
	if err != nil || len(entries) == 0 {
		return 0, err
	}
	byID := make(map[string]store.Suppression, len(entries))
	for _, e := range entries {
		byID[e.Identifier] = e
	}
	told, after := 0, ""
	for {
		page, err := s.db.AddressChannels(ctx, after, s.pageSize)
		if err != nil || len(page) == 0 {
			return told, err
		}
		for _, a := range page {
			n, err := s.warnAddress(ctx, a, byID)
			if err != nil {
				return told, err
			}
			told += n
		}
		after = page[len(page)-1].CRMID
	}
}

// warnAddress tells the broker of one contact, once, about the entries
// its channels match that he has not been told about.
func (s *Service) warnAddress(ctx context.Context, a store.AddressChannels, entries map[string]store.Suppression) (int, error) {
	var matched []store.Suppression
	for _, id := range slices.Sorted(maps.Keys(identifiers(a.Emails, a.Phones))) {
		if e, ok := entries[id]; ok && e.AddressID != a.CRMID { // its own withdrawal shows in its CRM fields
			matched = append(matched, e)
		}
	}
	if len(matched) == 0 {
		return 0, nil
	}
	now := s.clock()
	sent := 0
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var fresh []store.Suppression
		for _, e := range matched {
			noted, err := tx.NoteSuppressionNotice(ctx, e.ID, a.CRMID, now)
			if err != nil {
				return err
			}
			if noted {
				fresh = append(fresh, e)
			}
		}
		if len(fresh) == 0 {
			return nil
		}
		w := s.newWrites(a.CRMID, now)
		if err := w.activity(s.brokerOf(a.ResponsibleUser), SubjectSuppressed, suppressionText(fresh[0])); err != nil {
			return err
		}
		sent = 1
		return tx.Enqueue(ctx, w.rows...)
	})
	if err != nil {
		return 0, fmt.Errorf("tell the broker of address %q about a suppression entry: %w", a.CRMID, err)
	}
	return sent, nil
}

func suppressionText(e store.Suppression) string {
	what := "E-Mail-Adresse"
	if e.Kind == store.SuppressPhone {
		what = "Telefonnummer"
	}
	return lines(fmt.Sprintf("Achtung: Unter dieser %s hat eine Person am %s ihre Einwilligung widerrufen "+
		"oder der Werbung widersprochen. Bitte senden Sie dieser Person keine Werbung, solange sie nicht "+
		"erneut einwilligt, etwa über ihre persönliche Einwilligungsseite. Kontakt zur Erfüllung eines "+
		"Vertrags oder auf ihre eigene Anfrage bleibt zulässig.", what, germanDate(e.CreatedAt)),
		"Zweck", e.Scope, "Eingetragen", germanTime(e.CreatedAt), "Überprüfung", germanDate(e.ReviewAt))
}
