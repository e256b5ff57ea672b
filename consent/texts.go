package consent

import (
	"fmt"
	"strings"

	"github.com/consentd/consentd/store"
)

// The texts of the activities the broker finds in the CRM, in German.

// Activity subjects.
const (
	SubjectGiven     = "Einwilligung erteilt"
	SubjectWithdrawn = "Einwilligung widerrufen"
	SubjectDeletion  = "Löschanfrage"
)

var channelNames = map[string]string{
	store.ChannelWeb:    "Web (persönliche Einwilligungsseite)",
	store.ChannelPhone:  "Telefon",
	store.ChannelLetter: "Brief",
	store.ChannelMail:   "E-Mail",
	store.ChannelAdmin:  "Verwaltung",
}

// lines joins "label: value" lines, leaving out empty values.
func lines(intro string, pairs ...string) string {
	var b strings.Builder
	b.WriteString(intro)
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			fmt.Fprintf(&b, "\n%s: %s", pairs[i], pairs[i+1])
		}
	}
	return b.String()
}

func (a *action) givenText() string {
	set := a.s.set
	return lines("Die Person hat ihre Einwilligung erteilt.",
		"Zweck", set.Purpose, "Quelle", set.Source, "Einwilligungstext", "Version "+set.Text.Version,
		"Zeitpunkt", germanTime(a.at), "Kanal", channelNames[a.client.channel])
}

func (a *action) withdrawnText(req Request) string {
	return lines("Die Person hat ihre Einwilligung widerrufen. Der Widerruf gilt ab sofort; "+
		"Werbung an sie ist nicht mehr erlaubt. Kontakt zur Erfüllung eines bestehenden Vertrags "+
		"(z. B. vereinbarte Besichtigung) bleibt zulässig.",
		"Zweck", a.s.set.Purpose, "Zeitpunkt", germanTime(a.at), "Kanal", channelNames[a.client.channel],
		"Grund", req.Reason, "Widerspruch gegen Weitergabe an", objectedTo(req))
}

// objectedTo names the recipients a contact objected to, with what the
// broker must do (Art. 19 GDPR).
func objectedTo(req Request) string {
	if len(req.Recipients) == 0 {
		return ""
	}
	return strings.Join(req.Recipients, ", ") + " – bitte diese Empfänger informieren (Art. 19 DSGVO)"
}

// notifyDeletion queues the deletion request's activity for the broker,
// and a copy for the data-protection officer when the company has one.
func (a *action) notifyDeletion(r store.ErasureRequest, req Request) error {
	text := a.deletionText(r, req)
	if err := a.out.activity(a.broker(), SubjectDeletion, text); err != nil {
		return err
	}
	return a.out.officerCopy(SubjectDeletion, text)
}

func (a *action) deletionText(r store.ErasureRequest, req Request) string {
	return lines(fmt.Sprintf("Die Person hat am %s die Löschung ihrer Daten verlangt (Art. 17 DSGVO). "+
		"Ihre Einwilligung ist damit ab sofort widerrufen. Bitte löschen Sie die Daten bis zum %s "+
		"gemäß Ihren Löschfristen und antworten Sie der Person. Daten, die eine gesetzliche "+
		"Aufbewahrungspflicht noch bindet, sind bis zu deren Ablauf zu sperren statt zu löschen.",
		germanDate(r.ReceivedAt), germanDate(r.DueAt)),
		"Eingang", germanTime(r.ReceivedAt), "Frist", germanDate(r.DueAt),
		"Kanal", channelNames[r.Channel], "Grund", r.Reason,
		"Widerspruch gegen Weitergabe an", objectedTo(req),
		"Empfänger, die über Löschung oder Sperrung zu informieren sind (Art. 19 DSGVO)",
		strings.Join(a.s.recipientNames(), ", ")) + "\n\n" + r.Text
}
