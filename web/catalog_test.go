package web

import (
	"io/fs"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
)

func TestCatalogsAgree(t *testing.T) {
	v, err := loadViews()
	if err != nil {
		t.Fatal(err)
	}
	de, en := v.catalogs["de"], v.catalogs["en"]
	for key, msg := range de.messages {
		other, ok := en.messages[key]
		if !ok {
			t.Errorf("English lacks %q", key)
			continue
		}
		if verbs(msg) != verbs(other) {
			t.Errorf("%q: German has verbs %q, English %q", key, verbs(msg), verbs(other))
		}
	}
	for key := range en.messages {
		if _, ok := de.messages[key]; !ok {
			t.Errorf("German lacks %q", key)
		}
	}
}

var verbPattern = regexp.MustCompile(`%(\[\d\])?[sd]`)

// verbs lists a message's format verbs in a comparable form.
func verbs(msg string) string {
	found := verbPattern.FindAllString(msg, -1)
	slices.Sort(found)
	return strings.Join(found, " ")
}

// TestEveryKeyHasAMessage checks the keys templates and code name: literal
// keys in templates, and the keys code builds from domain codes and form
// fields.
func TestEveryKeyHasAMessage(t *testing.T) {
	v, err := loadViews()
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"invalid.title", "confirm.title", "page.title"}
	literal := regexp.MustCompile(`\{\{t "([^"]+)"`)
	err = fs.WalkDir(templateFiles, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := templateFiles.ReadFile(path)
		for _, m := range literal.FindAllStringSubmatch(string(data), -1) {
			keys = append(keys, m[1])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{consent.CodeRequired, consent.CodeTooLong, consent.CodeInvalidText, consent.CodeInvalidEmail,
		consent.CodeInvalidPhone, consent.CodeInvalidZip, consent.CodeInvalidChoice, consent.CodeInvalidNumber} {
		keys = append(keys, "err."+code)
	}
	for _, mt := range consent.MarketingTypes {
		keys = append(keys, "choice.marketingType."+mt)
	}
	for _, et := range consent.EstateTypes {
		keys = append(keys, "choice.estateTypes."+et)
	}
	for _, s := range salutations {
		keys = append(keys, "choice.salutation."+s)
	}
	for _, kind := range doneKinds {
		keys = append(keys, "done."+kind+".title")
	}
	for _, kind := range []string{"too_many", "too_large", "method", "incomplete", "forged", "expired", "failed", "profile_gone", "profile_pending"} {
		keys = append(keys, "problem."+kind+".title", "problem."+kind+".text")
	}
	for _, lang := range languages {
		for _, key := range keys {
			if _, ok := v.catalogs[lang].messages[key]; !ok {
				t.Errorf("%s lacks %q", lang, key)
			}
		}
	}
}

func TestStyleSheet(t *testing.T) {
	h := newHarness(t, contact())
	res := h.get("/static/" + styleName)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/css; charset=utf-8" || res.body != string(styleSheet) {
		t.Fatalf("status %d, type %q; want the sheet", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if !regexp.MustCompile(`^consent\.[0-9a-f]{12}\.css$`).MatchString(styleName) {
		t.Errorf("style sheet name %q carries no content hash", styleName)
	}
	if res := h.get("/static/consent.css"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unhashed name: status %d, want 404", res.StatusCode)
	}
	page := h.get(pagePath)
	mustContain(t, page.body, `<link rel="stylesheet" href="../../static/`+styleName+`">`)
	mustNotContain(t, page.body, "<script", "style=", "<style", "javascript:", "http://")
}

func TestRootOf(t *testing.T) {
	for path, want := range map[string]string{
		"/": "", "/robots.txt": "", "/e/acme/tok": "../../", "/e/acme/tok/consent": "../../../", "/e/acme/tok/done/consent": "../../../../",
	} {
		if got := rootOf(path); got != want {
			t.Errorf("rootOf(%q) = %q, want %q", path, got, want)
		}
	}
}
