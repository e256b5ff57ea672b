package main

import (
	"fmt"
	"html"
	"net/url"
	"strings"
)

// pageForm is a form read from the page, ready to be sent back.
type pageForm struct {
	action string // path on serve
	values url.Values
}

// The markup of the page's forms and their hidden fields, as the templates
// write it.
const (
	formStart   = `<form method="post" action="`
	formEnd     = `</form>`
	hiddenStart = `<input type="hidden" name="`
)

// findForm finds the form posting to …suffix on the page at path with its
// hidden fields (action id, CSRF token, language). The page links
// relatively, so the action resolves against the page's own path, as a
// browser resolves it. It cuts the page at the markup it looks for: a
// regular expression over the whole page cost this load generator as much
// CPU as serve spent answering the POST.
func findForm(path, body, suffix string) (pageForm, error) {
	for rest := body; ; {
		_, tag, found := strings.Cut(rest, formStart)
		if !found {
			return pageForm{}, fmt.Errorf("the page has no form posting to …%s", suffix)
		}
		action, afterAction, quoted := strings.Cut(tag, `"`)
		_, afterTag, closed := strings.Cut(afterAction, ">")
		inner, next, ended := strings.Cut(afterTag, formEnd)
		rest = next
		ref, err := url.Parse(html.UnescapeString(action))
		if !quoted || !closed || !ended || err != nil || !strings.HasSuffix(ref.Path, suffix) {
			continue
		}
		return pageForm{action: (&url.URL{Path: path}).ResolveReference(ref).String(), values: hiddenFields(inner)}, nil
	}
}

// hiddenFields reads the <input type="hidden" name="N" value="V"> fields
// of a form's markup.
func hiddenFields(form string) url.Values {
	values := url.Values{}
	for rest := form; ; {
		_, input, found := strings.Cut(rest, hiddenStart)
		if !found {
			return values
		}
		name, value, next, ok := nameAndValue(input)
		if ok {
			values.Set(name, html.UnescapeString(value))
		}
		rest = next
	}
}

// nameAndValue reads what follows hiddenStart: `N" value="V">`.
func nameAndValue(input string) (name, value, rest string, ok bool) {
	name, rest, named := strings.Cut(input, `" value="`)
	value, rest, valued := strings.Cut(rest, `">`)
	ok = named && valued && name != "" && !strings.Contains(name, `"`) && !strings.Contains(value, `"`)
	return name, value, rest, ok
}
