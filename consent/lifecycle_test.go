package consent_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/retention"
	"github.com/consentd/consentd/store"
)

// brokerFacts is a mapping that declares the CRM facts of the example
// retention file.
func brokerFacts(t *testing.T) *mapping.Mapping {
	t.Helper()
	m, err := mapping.Parse([]byte(`facts:
  nachweis_datum: nachweis_datum
  maklervertrag_brief: maklervertrag_brief
  provision_hauptvertrag: provision_hauptvertrag
  gwg_beziehung_ende: gwg_beziehung_ende
  gwg_akte: gwg_akte
  mietbewerbung_abgelehnt: mietbewerbung_abgelehnt
  rechtsstreit: rechtsstreit
`))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// retentionFixture is a company with the example retention file, one
// recipient of contacts' data and a data-protection officer, and three
// contacts: one with a brokerage contract file, one with nothing that
// binds, one under a legal hold.
func retentionFixture(t *testing.T) *fixture {
	t.Helper()
	withContract, free, held := contact("a-vertrag"), contact("a-frei"), contact("a-streit")
	withContract.Facts = map[string]string{"maklervertrag_brief": "2024-03-05"}
	held.Facts = map[string]string{"rechtsstreit": "Az. 12 O 345/26"}
	f := newFixture(t, "fristen", withContract, free, held)
	policy, err := retention.Load("../configs/retention.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := brokerFacts(t)
	if err := policy.Bind(m.Facts()); err != nil {
		t.Fatal(err)
	}
	set := settings("fristen")
	set.Policy, set.DPOUser = policy, "u-dsb"
	set.Recipients = []consent.Recipient{{Name: "Sparkasse Finanzierung", Purpose: "Finanzierungsangebote"}}
	f.svc = consent.NewService(f.db, m, set, f.clock.Now)
	return f
}

// activities are the outbox's activities of an address: subject and
// responsible user, and the descriptions by subject.
func (f *fixture) activities(addressID string) (list []string, text map[string]string) {
	f.t.Helper()
	text = map[string]string{}
	for _, q := range f.outbox(addressID) {
		if q.Kind != consent.OutboxActivity {
			continue
		}
		a := q.Payload["activity"].(map[string]any)
		subject := a["subject"].(string)
		list = append(list, subject+" → "+a["responsibleUser"].(string))
		text[subject], _ = a["description"].(string)
	}
	return list, text
}

func (f *fixture) openErasure(addressID string) store.ErasureRequest {
	f.t.Helper()
	r, ok, err := f.db.OpenErasure(f.t.Context(), addressID)
	if err != nil || !ok {
		f.t.Fatalf("open deletion request of %s: %v, %v", addressID, ok, err)
	}
	return r
}

func (f *fixture) retention() consent.RetentionReport {
	f.t.Helper()
	rep, err := f.svc.RunRetention(f.t.Context())
	if err != nil {
		f.t.Fatal(err)
	}
	return rep
}

// setClock moves the fixture's clock to t.
func (f *fixture) setClock(t time.Time) { f.clock.Add(t.Sub(f.clock.Now())) }

func berlinDay(y int, m time.Month, d int) time.Time {
	loc, _ := time.LoadLocation("Europe/Berlin")
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

func TestDeletionRequestFromRequestToPrunedProof(t *testing.T) {
	t.Parallel()
	f := retentionFixture(t)
	ctx := t.Context()
	subj, _ := f.subject("a-vertrag")
	out, err := f.svc.RequestDeletion(ctx, subj, consent.Request{Reason: "Umzug", Recipients: []string{"Sparkasse Finanzierung"}}, web, "del-1")
	if err != nil || out.Duplicate {
		t.Fatalf("request: %+v, %v", out, err)
	}
	due := berlinDay(2026, 12, 23) // one month after Monday 23 November
	r := f.openErasure("a-vertrag")
	if !r.DueAt.Equal(due) || r.Verdict != store.VerdictRestricted || r.RestrictedUntil == nil ||
		!r.RestrictedUntil.Equal(berlinDay(2031, 1, 1)) || r.NotifiedAt == nil {
		t.Fatalf("request as opened: %+v", r)
	}
	got, text := f.activities("a-vertrag")
	want := []string{"Löschanfrage → u-17", "Löschanfrage (Kopie für Datenschutz) → u-dsb"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Fatalf("activities %q, want %q", got, want)
	}
	for _, part := range []string{"Sperren statt löschen bis 01.01.2031: Maklervertragsakte (K6",
		"Widerspruch gegen Weitergabe an: Sparkasse Finanzierung", "zu informieren sind (Art. 19 DSGVO): Sparkasse Finanzierung",
		"Frist: 23.12.2026"} {
		if !strings.Contains(text["Löschanfrage"], part) {
			t.Errorf("the broker's activity lacks %q:\n%s", part, text["Löschanfrage"])
		}
	}
	if n := f.count("SELECT COUNT(*) FROM suppressions WHERE address_id = 'a-vertrag'"); n != 3 {
		t.Errorf("%d suppression entries, want one per e-mail address and phone number (3)", n)
	}
	f.assertConsentPointsAtLastEvent("a-vertrag")

	reminders := []struct {
		at   time.Time
		want []string
	}{
		{due.AddDate(0, 0, -8), nil},
		{due.AddDate(0, 0, -7), []string{"Löschanfrage: Erinnerung → u-17"}},
		{due.AddDate(0, 0, -7).Add(5 * time.Hour), nil}, // the job again the same day
		{due.AddDate(0, 0, -2), []string{"Löschanfrage: Erinnerung → u-17"}},
		{due.Add(time.Hour), []string{"Löschanfrage: Frist abgelaufen → u-17", "Löschanfrage: Frist abgelaufen (Kopie für Datenschutz) → u-dsb"}},
		{due.AddDate(0, 0, 3), nil},
	}
	seen := len(got)
	for _, step := range reminders {
		f.setClock(step.at)
		if rep := f.retention(); rep.Reminded != min(len(step.want), 1) {
			t.Errorf("at %s: %d reminders, want %d", step.at, rep.Reminded, min(len(step.want), 1))
		}
		all, _ := f.activities("a-vertrag")
		if news := all[seen:]; strings.Join(news, "; ") != strings.Join(step.want, "; ") {
			t.Errorf("at %s: new activities %q, want %q", step.at, news, step.want)
		}
		seen = len(all)
	}

	// The broker deletes the contact in the CRM; reconciliation marks it.
	closedAt := due.AddDate(0, 0, 5)
	f.setClock(closedAt)
	f.exec("UPDATE addresses SET deleted_at = $1 WHERE crm_id = 'a-vertrag'", closedAt)
	if rep := f.retention(); rep.Purged != 1 || rep.Closed != 1 {
		t.Fatalf("retention after the CRM deleted the contact: %+v", rep)
	}
	e := f.export("a-vertrag")
	if e.Address != nil || len(e.SearchProfiles) != 0 || len(e.Links) != 0 {
		t.Errorf("the mirror still holds the deleted contact: %+v", e)
	}
	if len(e.Events) != 1 || len(e.Suppressions) != 3 || len(e.RecipientObjections) != 1 || len(e.DeletionRequests) != 1 ||
		e.DeletionRequests[0].State != store.ErasureClosed || e.DeletionRequests[0].ClosedReason != consent.ClosedDeletedInCRM ||
		!e.DeletionRequests[0].KeepUntil.Equal(berlinDay(2030, 1, 1)) {
		t.Errorf("proof kept: %+v", e)
	}

	// Three years after the end of the year, the proof's period is over.
	f.setClock(berlinDay(2029, 12, 31))
	if rep := f.retention(); rep.ProofPruned != 0 || rep.CasesDeleted != 0 {
		t.Errorf("proof pruned a day early: %+v", rep)
	}
	f.setClock(berlinDay(2030, 1, 1).Add(time.Hour))
	if rep := f.retention(); rep.ProofPruned != 1 || rep.CasesDeleted != 1 {
		t.Errorf("proof not pruned at its end: %+v", rep)
	}
	e = f.export("a-vertrag")
	if len(e.Events) != 0 || len(e.Consents) != 0 || len(e.RecipientObjections) != 0 || len(e.DeletionRequests) != 0 || len(e.Suppressions) != 3 {
		t.Errorf("after the proof's period: %+v; want only the suppression entries", e)
	}
	if v := f.verify(); !v.OK || v.Pruned != 1 {
		t.Errorf("verify after pruning: %+v", v)
	}
}

func (f *fixture) export(addressID string) consent.Export {
	f.t.Helper()
	e, err := f.svc.Export(f.t.Context(), addressID)
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

func TestDeletionRequestVerdicts(t *testing.T) {
	t.Parallel()
	f := retentionFixture(t)
	tests := []struct {
		address, verdict string
		text             []string
		explained        string
	}{
		{"a-frei", store.VerdictDeletable, []string{"Jetzt löschen", "den Kontakt mit allen übrigen Daten"}, "verdict: deletable now"},
		{"a-streit", store.VerdictHeld, []string{"Löschung ausgesetzt: Rechtsstreit anhängig (bis auf Weiteres)"}, "verdict: on hold"},
	}
	for _, tt := range tests {
		subj, _ := f.subject(tt.address)
		if _, err := f.svc.RequestDeletion(t.Context(), subj, consent.Request{}, web, "del-"+tt.address); err != nil {
			t.Fatal(err)
		}
		r := f.openErasure(tt.address)
		if r.Verdict != tt.verdict || (r.RestrictedUntil != nil) {
			t.Errorf("%s: verdict %q until %v, want %q", tt.address, r.Verdict, r.RestrictedUntil, tt.verdict)
		}
		for _, part := range tt.text {
			if !strings.Contains(r.Text, part) {
				t.Errorf("%s: evaluation lacks %q:\n%s", tt.address, part, r.Text)
			}
		}
		d, err := f.svc.EvaluateAddress(t.Context(), tt.address)
		if err != nil || !strings.Contains(d.Explain(), tt.explained) {
			t.Errorf("%s: explain %v:\n%s", tt.address, err, d.Explain())
		}
	}
	if _, err := f.svc.EvaluateAddress(t.Context(), "niemand"); !errors.Is(err, consent.ErrUnknownAddress) {
		t.Errorf("unknown address: %v", err)
	}
}

func TestWithdrawalSuppressesUntilConsentIsGivenAgain(t *testing.T) {
	t.Parallel()
	f := retentionFixture(t)
	ctx := t.Context()
	subj, token := f.subject("a-frei")
	if _, err := f.svc.Give(ctx, subj, web, "give-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Withdraw(ctx, f.reload(token), consent.Request{Recipients: []string{"Unbekannte AG"}}, web, "w-0"); !isFieldError(err, "recipients", consent.CodeInvalidChoice) {
		t.Fatalf("objection to an unknown recipient: %v", err)
	}
	out, err := f.svc.Withdraw(ctx, f.reload(token), consent.Request{Recipients: []string{"Sparkasse Finanzierung", "Sparkasse Finanzierung"}}, web, "w-1")
	if err != nil || out.Duplicate {
		t.Fatalf("withdraw: %+v, %v", out, err)
	}
	if n := f.count("SELECT COUNT(*) FROM suppressions WHERE address_id = 'a-frei'"); n != 3 {
		t.Errorf("%d suppression entries after the withdrawal, want 3", n)
	}
	f.assertConsentPointsAtLastEvent("a-frei")
	if n := f.count("SELECT COUNT(*) FROM recipient_objections WHERE address_id = 'a-frei' AND purpose = 'Finanzierungsangebote'"); n != 1 {
		t.Errorf("%d objections, want 1", n)
	}
	_, text := f.activities("a-frei")
	if !strings.Contains(text[consent.SubjectWithdrawn], "Widerspruch gegen Weitergabe an: Sparkasse Finanzierung – bitte diese Empfänger informieren") {
		t.Errorf("the broker is not told whom to inform:\n%s", text[consent.SubjectWithdrawn])
	}
	if _, err := f.svc.Give(ctx, f.reload(token), web, "give-2"); err != nil {
		t.Fatal(err)
	}
	if n := f.count("SELECT COUNT(*) FROM suppressions WHERE address_id = 'a-frei'"); n != 0 {
		t.Errorf("%d suppression entries after consent was given again, want 0", n)
	}
}

func TestRecordErasureFromOtherChannels(t *testing.T) {
	t.Parallel()
	f := retentionFixture(t)
	ctx := t.Context()
	if _, err := f.svc.RecordErasure(ctx, "a-frei", "fax", ""); err == nil || !strings.Contains(err.Error(), "phone, letter or mail") {
		t.Errorf("channel fax: %v", err)
	}
	if _, err := f.svc.RecordErasure(ctx, "niemand", "phone", ""); !errors.Is(err, consent.ErrUnknownAddress) {
		t.Errorf("unknown address: %v", err)
	}
	out, err := f.svc.RecordErasure(ctx, "a-frei", "letter", "per Brief")
	if err != nil || out.Duplicate || out.Due == nil {
		t.Fatalf("letter: %+v, %v", out, err)
	}
	if again, err := f.svc.RecordErasure(ctx, "a-frei", "phone", ""); err != nil || !again.Duplicate || !again.Due.Equal(*out.Due) {
		t.Errorf("second request while one is open: %+v, %v", again, err)
	}
	events := f.events("a-frei")
	if len(events) != 1 || events[0].Channel != store.ChannelLetter || events[0].LinkID != nil {
		t.Errorf("events %+v", events)
	}
	f.exec("UPDATE addresses SET deleted_at = $1 WHERE crm_id = 'a-streit'", start)
	if _, err := f.svc.RecordErasure(ctx, "a-streit", "mail", ""); !errors.Is(err, consent.ErrUnknownAddress) {
		t.Errorf("contact deleted in the CRM: %v", err)
	}
}

func TestStaleConsents(t *testing.T) {
	t.Parallel()
	f := retentionFixture(t)
	ctx := t.Context()
	for _, id := range []string{"a-frei", "a-vertrag"} {
		subj, _ := f.subject(id)
		if _, err := f.svc.Give(ctx, subj, web, "give-"+id); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(24 * time.Hour)
	}
	f.setClock(start.AddDate(0, 17, 0).Add(12 * time.Hour))
	st, err := f.svc.Staleness(ctx)
	if err != nil || st.Stale != 1 || !st.Oldest.Equal(start) {
		t.Errorf("17 months and a half day after the first consent: %+v, %v; want 1 stale since %s", st, err, start)
	}
}

// A person who withdrew comes back as a new CRM contact with the same
// e-mail address: the broker is told once, and consent given anew by the
// new contact lifts the entry.
func TestReturningContactMatchesSuppression(t *testing.T) {
	t.Parallel()
	returned := contact("a-neu")
	returned.Emails = []mapping.Channel{{Value: " J.Weiss@Example.de ", Default: true}}
	returned.Phones, returned.ResponsibleUser = nil, ""
	f := retentionFixture(t)
	if err := f.db.InTx(t.Context(), func(tx *store.Tx) error {
		_, err := tx.UpsertAddresses(t.Context(), []mapping.Address{returned}, start)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if rep := f.retention(); rep.Warned != 0 {
		t.Errorf("warned %d before any withdrawal", rep.Warned)
	}
	subj, _ := f.subject("a-frei")
	if _, err := f.svc.Withdraw(t.Context(), subj, consent.Request{}, web, "w-1"); err != nil {
		t.Fatal(err)
	}
	// The fixture's other contacts share the e-mail addresses too.
	for day, want := range []int{3, 0} {
		f.clock.Add(24 * time.Hour)
		if rep := f.retention(); rep.Warned != want {
			t.Errorf("day %d: warned %d, want %d", day+1, rep.Warned, want)
		}
	}
	got, text := f.activities("a-neu")
	if strings.Join(got, "; ") != consent.SubjectSuppressed+" → u-fallback" ||
		!strings.Contains(text[consent.SubjectSuppressed], "Unter dieser E-Mail-Adresse hat eine Person am 23.11.2026") {
		t.Errorf("activities of the returning contact: %q\n%s", got, text[consent.SubjectSuppressed])
	}
	newSubj, _ := f.subject("a-neu")
	if _, err := f.svc.Give(t.Context(), newSubj, web, "give-neu"); err != nil {
		t.Fatal(err)
	}
	if n := f.count("SELECT COUNT(*) FROM suppressions WHERE kind = 'email' AND address_id = 'a-frei'"); n != 1 {
		t.Errorf("%d e-mail entries of the old contact left, want 1 (buero@ only)", n)
	}
}

// assertConsentPointsAtLastEvent checks that the address's consent names
// its last ledger event as its proof.
func (f *fixture) assertConsentPointsAtLastEvent(addressID string) {
	f.t.Helper()
	c, ok, err := f.db.Consent(f.t.Context(), addressID, f.svc.Settings().Purpose)
	events := f.events(addressID)
	if err != nil || !ok || len(events) == 0 || c.LastEventID != events[len(events)-1].ID {
		f.t.Errorf("consent of %s points at event %d (%v, %v); its last event is %+v", addressID, c.LastEventID, ok, err, events)
	}
}
