package web

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"sync"
	"unicode"

	"github.com/consentd/consentd/consent"
)

// A form's fields and choices look the same on every page in a language
// apart from value, state and problem. Their markup is rendered once at
// start by the page templates (so escaped just the same) and reused, which
// keeps the cost of a page low.

// formFields are every form's text inputs by form.
var formFields = map[string][]fieldSpec{
	"correct":  correctionFields,
	"profile":  profileFields,
	"withdraw": {reasonField},
	"delete":   {reasonField},
}

// choiceSpec is a group of radio buttons (or checkboxes: multi) with the
// values the page offers.
type choiceSpec struct {
	form, name string
	values     []string
	multi      bool
}

var formChoices = []choiceSpec{
	{"correct", "salutation", salutations, false},
	{"profile", "marketingType", consent.MarketingTypes, false},
	{"profile", "estateTypes", consent.EstateTypes, true},
	// Each company names its own recipients: none is rendered at start, and
	// each name is its own label.
	{"withdraw", "recipients", nil, true},
	{"delete", "recipients", nil, true},
}

// choiceKey names one rendered choice.
type choiceKey struct {
	form, group, value string
	checked            bool
}

// choice is the data of the "choice" template.
type choice struct {
	ID, Name, Value, Label string
	Multi, Checked         bool
}

// statics holds one language's rendered fields and choices.
type statics struct {
	c      *catalog
	set    *template.Template // the parts
	fields map[string]*fieldStatic
	// keyParts are the "keys" template around keyMarks.
	keyParts []string
	choices  map[choiceKey]template.HTML
	multi    map[string]bool // by form.group
	named    map[string]bool // by form.group: each value is its own label (a company's recipients)
	buffers  *sync.Pool
}

func buildStatics(c *catalog, set *template.Template, buffers *sync.Pool) (*statics, error) {
	st := &statics{c: c, set: set, fields: map[string]*fieldStatic{}, choices: map[choiceKey]template.HTML{},
		multi: map[string]bool{}, named: map[string]bool{}, buffers: buffers}
	for form, specs := range formFields {
		for _, spec := range specs {
			f, err := st.renderField(form, spec)
			if err != nil {
				return nil, err
			}
			st.fields[form+"."+spec.name] = f
		}
	}
	var err error
	if st.keyParts, err = st.renderAround("keys", form{ActionID: keyMarks[0], CSRF: keyMarks[1], Lang: keyMarks[2]},
		keyMarks...); err != nil {
		return nil, err
	}
	for _, g := range formChoices {
		st.multi[g.form+"."+g.name] = g.multi
		st.named[g.form+"."+g.name] = g.values == nil
		for _, value := range g.values {
			for _, checked := range []bool{false, true} {
				html, err := st.render("choice", st.newChoice(g.form, g.name, value, checked))
				if err != nil {
					return nil, err
				}
				st.choices[choiceKey{g.form, g.name, value, checked}] = html
			}
		}
	}
	return st, nil
}

func (st *statics) renderField(form string, spec fieldSpec) (*fieldStatic, error) {
	f := &fieldStatic{
		ID: "f-" + form + "-" + spec.name, Name: spec.name, Label: st.c.msg("label." + form + "." + spec.name),
		Type: spec.typ, Autocomplete: spec.autocomplete, InputMode: spec.inputMode,
		Max: spec.max, Required: spec.required, Area: spec.area,
	}
	if f.Type == "" {
		f.Type = "text"
	}
	if spec.hint {
		f.Hint = st.c.msg("hint." + form + "." + spec.name)
	}
	var parts [4]template.HTML
	for i, name := range []string{"field-head", "field-attrs", "field-aria", "field-aria-invalid"} {
		html, err := st.render(name, f)
		if err != nil {
			return nil, err
		}
		parts[i] = html
	}
	f.Head, f.Attrs = parts[0], template.HTMLAttr(parts[1])
	f.Aria, f.AriaInvalid = template.HTMLAttr(parts[2]), template.HTMLAttr(parts[3])
	return f, st.splitField(f)
}

// valueMark stands for a field's value when the field is rendered at
// start; the template escapes it to itself.
const valueMark = "consentdFieldValueMark"

// splitField renders the "field" template for a field without a problem
// around valueMark, and keeps what comes before and after it.
func (st *statics) splitField(f *fieldStatic) error {
	parts, err := st.renderAround("field", field{ID: f.ID, Label: f.Label, Head: f.Head, Attrs: f.Attrs,
		Aria: f.Aria, Area: f.Area, Value: valueMark}, valueMark)
	if err != nil {
		return fmt.Errorf("field %s: %w", f.ID, err)
	}
	f.Before, f.After = parts[0], parts[1]
	return nil
}

// keyMarks stand for a form's action id, CSRF token and language when the
// "keys" template is rendered at start.
var keyMarks = []string{"consentdKeyActionID", "consentdKeyCSRF", "consentdKeyLang"}

// keys are a form's hidden keys put together from the markup rendered at
// start and the escaped values: a page has a form for every action and
// search profile.
func (st *statics) keys(f form) template.HTML {
	k := st.keyParts
	return template.HTML(k[0] + escapeValue(f.ActionID) + k[1] + escapeValue(f.CSRF) + k[2] + escapeValue(f.Lang) + k[3])
}

// renderAround renders a template whose data holds each of marks once,
// and returns the markup before, between and after them.
func (st *statics) renderAround(name string, data any, marks ...string) ([]string, error) {
	whole, err := st.render(name, data)
	if err != nil {
		return nil, err
	}
	parts, rest := make([]string, 0, len(marks)+1), string(whole)
	for _, mark := range marks {
		before, after, found := strings.Cut(rest, mark)
		if !found || strings.Contains(after, mark) {
			return nil, fmt.Errorf("template %s shows %s %d times, want once", name, mark, strings.Count(string(whole), mark))
		}
		parts, rest = append(parts, before), after
	}
	return append(parts, rest), nil
}

// choice returns a choice rendered at start, or the data to render a
// value the page does not offer itself.
func (st *statics) choice(form, group, value string, checked bool) choiceItem {
	if html, ok := st.choices[choiceKey{form, group, value, checked}]; ok {
		return choiceItem{HTML: html}
	}
	c := st.newChoice(form, group, value, checked)
	return choiceItem{Data: &c}
}

func (st *statics) newChoice(form, group, value string, checked bool) choice {
	label := value // a company's own value, or one the CRM holds that the page has no word for
	if !st.named[form+"."+group] {
		if text, err := st.c.text("choice." + group + "." + value); err == nil {
			label = text
		}
	}
	return choice{ID: choiceID("f-"+form+"-"+group, value), Name: group, Value: value, Label: label,
		Multi: st.multi[form+"."+group], Checked: checked}
}

// choiceID is the element id of a choice; characters an id must not hold
// (a recipient's name has spaces) become "_".
func choiceID(groupID, value string) string {
	if value == "" {
		return groupID + "-none"
	}
	return groupID + "-" + strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return '_'
	}, value)
}

// render executes one of the parts' templates. Its output is trusted
// HTML: the template escaped it.
func (st *statics) render(name string, data any) (template.HTML, error) {
	buf := st.buffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer st.buffers.Put(buf)
	if err := st.set.ExecuteTemplate(buf, name, data); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil
}
