package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the page shows German time on hosts without a zone database
)

//go:embed messages/*.json
var messageFiles embed.FS

// Languages the page speaks; the first is the default.
var languages = []string{"de", "en"}

const defaultLanguage = "de"

// nativeNames label the language switch in each language's own words.
var nativeNames = map[string]string{"de": "Deutsch", "en": "English"}

// catalog holds one language's messages and formats dates and numbers the
// way its readers expect.
type catalog struct {
	lang     string
	messages map[string]string
	loc      *time.Location
}

func loadCatalogs() (map[string]*catalog, error) {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return nil, fmt.Errorf("consent page: load time zone: %w", err)
	}
	out := make(map[string]*catalog, len(languages))
	for _, lang := range languages {
		data, err := messageFiles.ReadFile("messages/" + lang + ".json")
		if err != nil {
			return nil, fmt.Errorf("consent page: read %s messages: %w", lang, err)
		}
		c := &catalog{lang: lang, loc: loc}
		if err := json.Unmarshal(data, &c.messages); err != nil {
			return nil, fmt.Errorf("consent page: parse %s messages: %w", lang, err)
		}
		out[lang] = c
	}
	return out, nil
}

// text returns the message for key with args in its %[n]s verbs. A
// missing key is an error, so a page never shows a raw key.
func (c *catalog) text(key string, args ...any) (string, error) {
	msg, ok := c.messages[key]
	if !ok {
		return "", fmt.Errorf("no %s message %q", c.lang, key)
	}
	if len(args) == 0 {
		return msg, nil
	}
	return fmt.Sprintf(msg, args...), nil
}

// msg returns the message for a key the code itself names, or the key
// when it is missing; tests render every such key in both languages.
func (c *catalog) msg(key string, args ...any) string {
	s, err := c.text(key, args...)
	if err != nil {
		return key
	}
	return s
}

// date formats a day: 23.11.2026 or 23 November 2026.
func (c *catalog) date(t time.Time) string {
	t = t.In(c.loc)
	if c.lang == "de" {
		return t.Format("02.01.2006")
	}
	return t.Format("2 January 2006")
}

// number formats an amount with the language's separators: 650.000 and
// 2,5 in German, 650,000 and 2.5 in English.
func (c *catalog) number(f float64) string {
	s := strconv.FormatFloat(math.Abs(f), 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	group, point := ",", "."
	if c.lang == "de" {
		group, point = ".", ","
	}
	var b strings.Builder
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(d)
	}
	if frac != "" {
		b.WriteString(point + frac)
	}
	return b.String()
}

// parseNumber reads an amount as a person types it in the language: with
// or without thousands separators, currency or unit. Empty input is nil.
func (c *catalog) parseNumber(s string) (*float64, bool) {
	s = strings.NewReplacer(" ", "", "\u00a0", "", "€", "", "EUR", "", "m²", "", "qm", "").Replace(strings.TrimSpace(s))
	if s == "" {
		return nil, true
	}
	group, point := ",", "."
	if c.lang == "de" {
		group, point = ".", ","
	}
	s = strings.ReplaceAll(s, group, "")
	s = strings.Replace(s, point, ".", 1)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) || strings.ContainsAny(s, "eExX_pP") {
		return nil, false
	}
	return &f, true
}
