package consent

import (
	"context"
	"fmt"
	"time"

	"github.com/consentd/consentd/store"
)

// reminder is one step of telling a broker about a request coming due.
type reminder struct {
	step    string
	before  time.Duration // taken from this long before the due date on
	subject string
	intro   string // German; %s = received, %s = due date
}

// reminders, most urgent first: only the most urgent step due is sent,
// and it marks the earlier ones done, so a job that was down for a week
// sends one notice, not three.
var reminders = []reminder{
	{store.StepOverdue, 0, "Löschanfrage: Frist abgelaufen",
		"Die Frist für die Löschanfrage vom %s ist am %s abgelaufen. Bitte löschen bzw. sperren Sie die Daten umgehend und antworten Sie der Person."},
	{store.StepReminded2, 48 * time.Hour, "Löschanfrage: Erinnerung",
		"Erinnerung: Die Löschanfrage vom %s ist am %s fällig (in zwei Tagen)."},
	{store.StepReminded7, 7 * 24 * time.Hour, "Löschanfrage: Erinnerung",
		"Erinnerung: Die Löschanfrage vom %s ist am %s fällig (in sieben Tagen)."},
}

// remind queues the reminder due for each open request, with the
// request's evaluation as of today, and returns how many it queued.
func (s *Service) remind(ctx context.Context) (int, error) {
	open, err := s.db.OpenErasures(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, r := range open {
		now := s.clock()
		i := dueReminder(r, now)
		if i < 0 {
			continue
		}
		ok, err := s.sendReminder(ctx, r, i, now)
		if err != nil {
			return sent, fmt.Errorf("remind of deletion request %d: %w", r.ID, err)
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

// dueReminder is the index of the most urgent reminder due for r at now,
// -1 for none.
func dueReminder(r store.ErasureRequest, now time.Time) int {
	for i, rem := range reminders {
		if !now.Before(r.DueAt.Add(-rem.before)) {
			return i
		}
	}
	return -1
}

// sendReminder re-evaluates the request, marks the reminder's step and
// every earlier one, and queues the broker's activity (and the
// data-protection officer's copy of an overdue notice), all in one
// transaction; false when the step was taken already.
func (s *Service) sendReminder(ctx context.Context, r store.ErasureRequest, i int, now time.Time) (bool, error) {
	a, live, err := s.db.Address(ctx, r.AddressID)
	if err != nil || !live {
		return false, err // a request of a contact the CRM deleted closes with the purge
	}
	var sent bool
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		marked, err := markSteps(ctx, tx, r.ID, i, now)
		if err != nil || !marked {
			return err
		}
		ev, err := s.reevaluate(ctx, tx, r, now)
		if err != nil {
			return err
		}
		w := s.newWrites(r.AddressID, now)
		rem := reminders[i]
		text := lines(fmt.Sprintf(rem.intro, germanDate(r.ReceivedAt), germanDate(r.DueAt)),
			"Eingang", germanTime(r.ReceivedAt), "Frist", germanDate(r.DueAt), "Kanal", channelNames[r.Channel]) + "\n\n" + ev.Text
		if err := w.activity(s.brokerOf(a.ResponsibleUser), rem.subject, text); err != nil {
			return err
		}
		if rem.step == store.StepOverdue {
			if err := w.officerCopy(rem.subject, text); err != nil {
				return err
			}
		}
		sent = true
		return tx.Enqueue(ctx, w.rows...)
	})
	return sent, err
}

// markSteps marks reminder i's step and the less urgent ones after it;
// false when step i was taken before.
func markSteps(ctx context.Context, tx *store.Tx, id int64, i int, now time.Time) (bool, error) {
	marked, err := tx.MarkErasureStep(ctx, id, reminders[i].step, now)
	if err != nil || !marked {
		return false, err
	}
	for _, earlier := range reminders[i+1:] {
		if _, err := tx.MarkErasureStep(ctx, id, earlier.step, now); err != nil {
			return false, err
		}
	}
	return true, nil
}

// reevaluate applies today's retention rules and facts to an open request
// and stores the result: a period may have run out since, or a legal hold
// been placed.
func (s *Service) reevaluate(ctx context.Context, tx *store.Tx, r store.ErasureRequest, now time.Time) (store.Evaluation, error) {
	d, _, err := s.decide(ctx, tx, r.AddressID, &r.ReceivedAt, now)
	if err != nil {
		return store.Evaluation{}, err
	}
	ev := evaluation(d)
	return ev, tx.EvaluateErasure(ctx, r.ID, ev)
}

// brokerOf is the CRM user activities about a contact go to.
func (s *Service) brokerOf(responsible string) string {
	if responsible != "" {
		return responsible
	}
	return s.set.FallbackUser
}
