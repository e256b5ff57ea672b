package main

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
)

// pageForm is a form read from the page, ready to be sent back.
type pageForm struct {
	action string // path on serve
	values url.Values
}

var (
	formRe   = regexp.MustCompile(`(?s)<form method="post" action="([^"]+)"[^>]*>(.*?)</form>`)
	hiddenRe = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// findForm finds the form posting to …suffix on the page at path with its
// hidden fields (action id, CSRF token, language). The page links
// relatively, so the action resolves against the page's own path, as a
// browser resolves it.
func findForm(path, body, suffix string) (pageForm, error) {
	for _, m := range formRe.FindAllStringSubmatch(body, -1) {
		ref, err := url.Parse(html.UnescapeString(m[1]))
		if err != nil || !strings.HasSuffix(ref.Path, suffix) {
			continue
		}
		f := pageForm{action: (&url.URL{Path: path}).ResolveReference(ref).String(), values: url.Values{}}
		for _, h := range hiddenRe.FindAllStringSubmatch(m[2], -1) {
			f.values.Set(h[1], html.UnescapeString(h[2]))
		}
		return f, nil
	}
	return pageForm{}, fmt.Errorf("the page has no form posting to …%s", suffix)
}
