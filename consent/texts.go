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

func (a *action) withdrawnText(reason string) string {
	return lines("Die Person hat ihre Einwilligung widerrufen. Der Widerruf gilt ab sofort; "+
		"Werbung an sie ist nicht mehr erlaubt. Kontakt zur Erfüllung eines bestehenden Vertrags "+
		"(z. B. vereinbarte Besichtigung) bleibt zulässig.",
		"Zweck", a.s.set.Purpose, "Zeitpunkt", germanTime(a.at), "Kanal", channelNames[a.client.channel],
		"Grund", reason)
}

func (a *action) deletionText(r store.ErasureRequest) string {
	return lines(fmt.Sprintf("Die Person hat am %s die Löschung ihrer Daten verlangt (Art. 17 DSGVO). "+
		"Ihre Einwilligung ist damit ab sofort widerrufen. Bitte löschen Sie die Daten bis zum %s "+
		"gemäß Ihren Löschfristen und antworten Sie der Person. Daten, die eine gesetzliche "+
		"Aufbewahrungspflicht noch bindet, sind bis zu deren Ablauf zu sperren statt zu löschen.",
		germanDate(r.ReceivedAt), germanDate(r.DueAt)),
		"Eingang", germanTime(r.ReceivedAt), "Frist", germanDate(r.DueAt),
		"Kanal", channelNames[r.Channel], "Grund", r.Reason)
}
