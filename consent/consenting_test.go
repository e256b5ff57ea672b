package consent_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
)

// keyPattern is an idempotency key: consentd:{company}:{kind}:{random ref}.
var keyPattern = regexp.MustCompile(`^consentd:geben:crm\.patch:[0-9a-f]{32}$`)

// activity is the activity a crm.activity row creates.
func activity(t *testing.T, q queued) map[string]any {
	t.Helper()
	if q.Kind != consent.OutboxActivity {
		t.Fatalf("row %s is a %s, not an activity", q.Key, q.Kind)
	}
	a, ok := q.Payload["activity"].(map[string]any)
	if !ok {
		t.Fatalf("row %s has no activity: %v", q.Key, q.Payload)
	}
	return a
}

func mirrored(t *testing.T, f *fixture, id string) mapping.Address {
	t.Helper()
	a, ok, err := f.db.Address(t.Context(), id)
	if err != nil || !ok {
		t.Fatalf("address %s: %v, %v", id, ok, err)
	}
	return a
}

func TestGive(t *testing.T) {
	t.Parallel()
	noBroker := contact("a2")
	noBroker.ResponsibleUser = ""
	f := newFixture(t, "geben", contact("a1"), noBroker)
	ctx := t.Context()
	subj, token := f.subject("a1")

	out, err := f.svc.Give(ctx, subj, web, "form-1")
	if err != nil || out.Kind != consent.KindGiven || out.Duplicate || !out.At.Equal(start) || out.Due != nil {
		t.Fatalf("give: %+v, %v", out, err)
	}
	events := f.events("a1")
	e := events[0]
	if len(events) != 1 || e.Kind != store.EventGiven || e.Purpose != consent.DefaultPurpose || e.Source != consent.DefaultSource ||
		e.TextVersion != "2026-11" || e.TextSHA256 != consentText.SHA256() || e.Channel != store.ChannelWeb ||
		e.LinkID == nil || *e.LinkID != subj.Link.ID || e.ClientIP != "203.0.113.0" || e.UserAgent != web.UserAgent ||
		e.ActionID != "form-1" || e.Company != "geben" || !e.OccurredAt.Equal(start) {
		t.Errorf("event %+v", events)
	}
	st := f.reload(token).Consent
	if st == nil || st.State != store.ConsentGiven || !st.GivenAt.Equal(start) || st.TextVersion != "2026-11" || st.LastEventID != e.ID {
		t.Errorf("state %+v", st)
	}
	if c := mirrored(t, f, "a1").Consent; c.Source != consent.DefaultSource || c.Purpose != consent.DefaultPurpose || c.Date != "2026-11-23" || c.WithdrawalDate != "" {
		t.Errorf("mirror consent fields %+v", c)
	}
	q := f.outbox("a1")
	if len(q) != 2 || q[0].Kind != consent.OutboxPatch || !keyPattern.MatchString(q[0].Key) ||
		strings.Replace(q[0].Key, "crm.patch", "crm.activity", 1) != q[1].Key {
		t.Fatalf("outbox %+v", q)
	}
	wantPatch := `{"fields":{"einwilligung_datum":["2026-11-23"],"einwilligung_quelle":["Kontaktformular"],"einwilligung_widerrufsdatum":[],` +
		`"einwilligung_widerrufsgrund":[],"einwilligung_zweck":["Akquisition und Vermittlung von Immobilien"]},"schema":"contacts"}`
	if got := jsonOf(t, q[0].Payload); got != wantPatch {
		t.Errorf("patch\n got %s\nwant %s", got, wantPatch)
	}
	a := activity(t, q[1])
	desc, _ := a["description"].(string)
	if a["type"] != "Einwilligung" || a["subject"] != "Einwilligung erteilt" || a["responsibleUser"] != "u-17" ||
		a["date"] != float64(start.UnixMilli()) || jsonOf(t, a["entities"]) != `[{"id":"a1","schema":"contacts"}]` ||
		a["externalId"] != nil || a["id"] != nil {
		t.Errorf("activity %v", a)
	}
	for _, want := range []string{consent.DefaultPurpose, consent.DefaultSource, "Version 2026-11", "23.11.2026, 14:30 Uhr", "Web"} {
		if !strings.Contains(desc, want) {
			t.Errorf("description %q lacks %q", desc, want)
		}
	}
	if strings.Contains(desc, "203.0.113") {
		t.Errorf("description %q shows the IP address", desc)
	}

	// Sent again, or given again with a new form: nothing new.
	f.clock.Add(time.Hour)
	for _, actionID := range []string{"form-1", "form-2", ""} {
		out, err := f.svc.Give(ctx, f.reload(token), web, actionID)
		if err != nil || !out.Duplicate || !out.At.Equal(start) {
			t.Errorf("give again (%q): %+v, %v", actionID, out, err)
		}
	}
	if len(f.events("a1")) != 1 || len(f.outbox("a1")) != 2 {
		t.Error("giving again recorded something")
	}

	// No responsible broker: the activity goes to the fallback user.
	subj2, _ := f.subject("a2")
	if _, err := f.svc.Give(ctx, subj2, web, "form-3"); err != nil {
		t.Fatal(err)
	}
	if a := activity(t, f.outbox("a2")[1]); a["responsibleUser"] != "u-fallback" {
		t.Errorf("activity without broker goes to %v", a["responsibleUser"])
	}
	if r := f.verify(); !r.OK || r.Events != 2 {
		t.Errorf("verify %+v", r)
	}
}

func TestClientIsRecordedOnlyWhenConfigured(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "ohne-ip", contact("a1"))
	s := settings("ohne-ip")
	s.RecordClient = false
	svc := consent.NewService(f.db, mapping.Default(), s, f.clock.Now)
	subj, _ := f.subject("a1")
	if _, err := svc.Give(t.Context(), subj, consent.Client{IP: "203.0.113.7", UserAgent: "Firefox", Channel: store.ChannelWeb}, "f"); err != nil {
		t.Fatal(err)
	}
	if e := f.events("a1")[0]; e.ClientIP != "" || e.UserAgent != "" {
		t.Errorf("recorded %q %q without being asked to", e.ClientIP, e.UserAgent)
	}
	if _, err := svc.Give(t.Context(), subj, consent.Client{Channel: "fax"}, "g"); err == nil || !strings.Contains(err.Error(), `channel "fax"`) {
		t.Errorf("unknown channel: %v", err)
	}
	if _, err := svc.Give(t.Context(), nil, web, "h"); err == nil {
		t.Error("action without subject accepted")
	}
	if _, err := svc.Give(t.Context(), subj, web, strings.Repeat("x", 300)); err == nil {
		t.Error("over-long action id accepted")
	}
}

func TestWithdrawAndGiveAgain(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "widerruf", contact("a1"), contact("a2"))
	ctx := t.Context()
	subj, token := f.subject("a1")
	if _, err := f.svc.Give(ctx, subj, web, "give-1"); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(72 * time.Hour) // Thursday
	reason := "  Zu viele E-Mails <3  "
	if _, err := f.svc.Withdraw(ctx, f.reload(token), consent.Request{Reason: reason}, web, "withdraw-1"); !isFieldError(err, "reason", consent.CodeInvalidText) {
		t.Errorf("reason with markup: %v", err)
	}
	reason = "  Zu viele E-Mails, danke.\nGrüße  "
	out, err := f.svc.Withdraw(ctx, f.reload(token), consent.Request{Reason: reason}, web, "withdraw-1")
	withdrawnAt := start.Add(72 * time.Hour)
	if err != nil || out.Kind != consent.KindWithdrawn || out.Duplicate || !out.At.Equal(withdrawnAt) {
		t.Fatalf("withdraw: %+v, %v", out, err)
	}
	st := f.reload(token).Consent
	if st.State != store.ConsentWithdrawn || !st.WithdrawnAt.Equal(withdrawnAt) || st.WithdrawalReason != strings.TrimSpace(reason) || !st.GivenAt.Equal(start) {
		t.Errorf("state %+v", st)
	}
	if c := mirrored(t, f, "a1").Consent; c.Date != "2026-11-23" || c.WithdrawalDate != "2026-11-26" || c.WithdrawalReason != strings.TrimSpace(reason) {
		t.Errorf("mirror %+v", c)
	}
	q := f.outbox("a1")
	if len(q) != 4 || jsonOf(t, q[2].Payload) != `{"fields":{"einwilligung_widerrufsdatum":["2026-11-26"],"einwilligung_widerrufsgrund":["Zu viele E-Mails, danke.\nGrüße"]},"schema":"contacts"}` {
		t.Fatalf("outbox %+v", q)
	}
	if a := activity(t, q[3]); a["subject"] != "Einwilligung widerrufen" || !strings.Contains(a["description"].(string), "Zu viele E-Mails") {
		t.Errorf("activity %v", a)
	}
	if out, err := f.svc.Withdraw(ctx, f.reload(token), consent.Request{}, web, "withdraw-2"); err != nil || !out.Duplicate || !out.At.Equal(withdrawnAt) {
		t.Errorf("withdraw again: %+v, %v", out, err)
	}

	f.clock.Add(24 * time.Hour)
	out, err = f.svc.Give(ctx, f.reload(token), web, "give-2")
	if err != nil || out.Duplicate {
		t.Fatalf("give after withdrawal: %+v, %v", out, err)
	}
	kinds := []string{}
	for _, e := range f.events("a1") {
		kinds = append(kinds, e.Kind)
	}
	if strings.Join(kinds, ",") != "given,withdrawn,given" {
		t.Errorf("events %v", kinds)
	}
	if c := mirrored(t, f, "a1").Consent; c.Date != "2026-11-27" || c.WithdrawalDate != "" || c.WithdrawalReason != "" {
		t.Errorf("mirror after giving again %+v", c)
	}

	// Withdrawing without consent on record is an objection: recorded.
	subj2, _ := f.subject("a2")
	if out, err := f.svc.Withdraw(ctx, subj2, consent.Request{}, web, "withdraw-3"); err != nil || out.Duplicate {
		t.Errorf("withdraw without consent: %+v, %v", out, err)
	}
	if r := f.verify(); !r.OK || r.Events != 4 {
		t.Errorf("verify %+v", r)
	}
}

func isFieldError(err error, field, code string) bool {
	var fe consent.FieldErrors
	return errors.As(err, &fe) && fe[field] == code
}

func TestRequestDeletion(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "loeschen", contact("a1"))
	ctx := t.Context()
	f.clock.Add(-53 * 24 * time.Hour) // Thursday 1 October 2026
	subj, token := f.subject("a1")
	if _, err := f.svc.Give(ctx, subj, web, "give"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RequestDeletion(ctx, subj, consent.Request{Reason: strings.Repeat("ä", 501)}, web, "del-1"); !isFieldError(err, "reason", consent.CodeTooLong) {
		t.Errorf("501 characters: %v", err)
	}
	received := f.clock.Now()
	out, err := f.svc.RequestDeletion(ctx, f.reload(token), consent.Request{Reason: "Ich bin umgezogen."}, web, "del-1")
	wantDue := time.Date(2026, 11, 2, 0, 0, 0, 0, berlin(t)) // 1 November is a Sunday
	if err != nil || out.Kind != consent.KindDeletionRequested || out.Duplicate || out.Due == nil || !out.Due.Equal(wantDue) {
		t.Fatalf("request: %+v, %v", out, err)
	}
	subj = f.reload(token)
	if subj.Erasure == nil || !subj.Erasure.DueAt.Equal(wantDue) || !subj.Erasure.ReceivedAt.Equal(received) || subj.Erasure.Reason != "Ich bin umgezogen." {
		t.Errorf("open request %+v", subj.Erasure)
	}
	if subj.Consent.State != store.ConsentWithdrawn || !subj.Consent.WithdrawnAt.Equal(received) {
		t.Errorf("consent after deletion request %+v", subj.Consent)
	}
	events := f.events("a1")
	if last := events[len(events)-1]; last.Kind != store.EventDeletionRequested || last.Details != `{"due":"2026-11-02","reason_given":true,"verdict":"deletable"}` {
		t.Errorf("event %+v", last)
	}
	q := f.outbox("a1")
	if len(q) != 4 || jsonOf(t, q[2].Payload) != `{"fields":{"einwilligung_widerrufsdatum":["2026-10-01"],"einwilligung_widerrufsgrund":["Ich bin umgezogen."]},"schema":"contacts"}` {
		t.Fatalf("outbox %+v", q)
	}
	a := activity(t, q[3])
	desc, _ := a["description"].(string)
	if a["subject"] != "Löschanfrage" || a["responsibleUser"] != "u-17" {
		t.Errorf("activity %v", a)
	}
	for _, want := range []string{"01.10.2026", "02.11.2026", "Löschfristen", "Ich bin umgezogen."} {
		if !strings.Contains(desc, want) {
			t.Errorf("description %q lacks %q", desc, want)
		}
	}

	// Again, by the same form or a new one: nothing new, same due date.
	f.clock.Add(time.Hour)
	for _, actionID := range []string{"del-1", "del-2"} {
		out, err := f.svc.RequestDeletion(ctx, f.reload(token), consent.Request{}, web, actionID)
		if err != nil || !out.Duplicate || out.Due == nil || !out.Due.Equal(wantDue) || !out.At.Equal(received) {
			t.Errorf("request again (%s): %+v, %v", actionID, out, err)
		}
	}
	if len(f.outbox("a1")) != 4 || len(f.events("a1")) != 2 {
		t.Error("a second request recorded something")
	}
}

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestActionAfterCRMDeletedContact: the page was open while a sync found
// the contact deleted in the CRM; the action records nothing.
func TestActionAfterCRMDeletedContact(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "geloescht", contact("a1"))
	subj, _ := f.subject("a1")
	markDeleted(t, f)
	if _, err := f.svc.Give(t.Context(), subj, web, "f"); !errors.Is(err, consent.ErrLinkInvalid) {
		t.Errorf("give: %v, want ErrLinkInvalid", err)
	}
	if n := f.count("SELECT COUNT(*) FROM consent_events") + f.count("SELECT COUNT(*) FROM outbox"); n != 0 {
		t.Errorf("%d rows recorded", n)
	}
}
