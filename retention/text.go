package retention

import (
	"fmt"
	"strings"
	"time"
)

// germanDate formats a day as the broker reads it: TT.MM.JJJJ.
func germanDate(t time.Time) string { return t.In(Berlin).Format("02.01.2006") }

// isoDate formats a day for admins: YYYY-MM-DD.
func isoDate(t time.Time) string { return t.In(Berlin).Format(time.DateOnly) }

// BrokerText is the German block for the broker's CRM activity: what to
// delete now, what to restrict instead until when, and which holds suspend
// deletion. Plain text, one line each.
func (d Decision) BrokerText() string {
	lines := []string{"Löschfristen (Stand " + germanDate(d.Now) + "):"}
	for _, h := range d.Holds {
		lines = append(lines, fmt.Sprintf("Löschung ausgesetzt: %s (%s)", h.Reason, holdEndDE(h)))
	}
	for _, r := range d.Binding {
		lines = append(lines, fmt.Sprintf("Sperren statt löschen %s: %s (%s) – %s", untilDE(r), r.Class.Name, classRef(r.Class), r.Class.Data))
	}
	if len(d.Holds) == 0 { // a hold suspends every deletion
		lines = append(lines, d.deleteNowDE()...)
	}
	return strings.Join(lines, "\n")
}

func (d Decision) deleteNowDE() []string {
	var lines []string
	for _, r := range d.Limited {
		lines = append(lines, fmt.Sprintf("Jetzt löschen: %s (%s) – %s", r.Class.Name, r.Class.ID, r.Class.Data))
	}
	for _, r := range d.Expired {
		lines = append(lines, fmt.Sprintf("%s: %s (%s) – %s", expiredVerbDE[r.Class.OnExpiry], r.Class.Name, r.Class.ID, r.Class.Data))
	}
	if d.DeletableNow() {
		return append(lines, "Jetzt löschen: den Kontakt mit allen übrigen Daten, auch den Kontaktdaten für Werbung")
	}
	return append(lines, "Jetzt löschen: Kontaktdaten für Werbung (aus Verteilern und Werbelisten entfernen)")
}

// expiredVerbDE says what to do with the data of an expired class.
var expiredVerbDE = map[string]string{
	OnExpiryDelete:  "Jetzt löschen",
	OnExpiryDestroy: "Jetzt vernichten (auch Kopien)",
	OnExpiryReview:  "Jetzt prüfen, ob noch nötig",
}

func untilDE(r Restriction) string {
	if r.Open() {
		return "solange " + r.Fact + " besteht"
	}
	return "bis " + germanDate(r.Until)
}

func holdEndDE(h Hold) string {
	if h.Until.IsZero() {
		return "bis auf Weiteres"
	}
	return "bis " + germanDate(h.Until)
}

// classRef is the class's id with its legal basis when it names one.
func classRef(c Class) string {
	if c.Basis == "" {
		return c.ID
	}
	return c.ID + ", " + c.Basis
}

// Explain is the English explanation for admins: each class that applies
// with its fact, clock start, expiry and duty, each hold, and the verdict.
func (d Decision) Explain() string {
	lines := []string{"as of " + isoDate(d.Now) + " (Europe/Berlin)"}
	for _, h := range d.Holds {
		lines = append(lines, "hold: "+h.Reason+" ("+holdScope(h)+"), "+holdEndEN(h))
	}
	for _, group := range []struct {
		label string
		list  []Restriction
	}{{"binding", d.Binding}, {"limited", d.Limited}, {"expired", d.Expired}} {
		for _, r := range group.list {
			lines = append(lines, group.label+" "+explainRestriction(r))
		}
	}
	if len(d.Binding)+len(d.Limited)+len(d.Expired) == 0 {
		lines = append(lines, "no class applies")
	}
	return strings.Join(append(lines, "verdict: "+d.verdict()), "\n")
}

func explainRestriction(r Restriction) string {
	c := r.Class
	when := "open: kept while " + r.Fact + " applies"
	if !r.Open() {
		when = "start " + isoDate(r.Start) + ", until " + isoDate(r.Until)
	}
	return fmt.Sprintf("%s %s: fact %s, %s, duty %s (%s), on expiry %s", c.ID, c.Name, r.Fact, when, c.Duty, classBasis(c), c.OnExpiry)
}

func classBasis(c Class) string {
	if c.Basis == "" {
		return "no basis given"
	}
	return c.Basis
}

func holdScope(h Hold) string {
	if h.Fact != "" {
		return "fact " + h.Fact
	}
	return "this contact"
}

func holdEndEN(h Hold) string {
	if h.Until.IsZero() {
		return "until further notice"
	}
	return "until " + isoDate(h.Until)
}

func (d Decision) verdict() string {
	switch until, ok := d.RestrictedUntil(); {
	case len(d.Holds) > 0:
		return "on hold"
	case len(d.Binding) == 0:
		return "deletable now"
	case ok:
		return "restricted until " + isoDate(until) + " by " + d.Binding[0].Class.ID
	default:
		return "restricted while " + d.Binding[0].Fact + " applies by " + d.Binding[0].Class.ID
	}
}
