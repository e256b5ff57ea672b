package web

import (
	"html/template"
	"slices"
	"strings"
)

// fieldSpec describes a text input; its label and hint come from the
// catalog as label.{form}.{name} and hint.{form}.{name}.
type fieldSpec struct {
	name, typ, autocomplete, inputMode string
	max                                int
	required, area, hint               bool
}

// fieldStatic is what a field shows the same on every page in a language;
// its markup is rendered once at start (see statics).
type fieldStatic struct {
	ID, Name, Label, Hint, Type, Autocomplete, InputMode string
	Max                                                  int
	Required, Area                                       bool
	Head                                                 template.HTML     // label and hint
	Attrs                                                template.HTMLAttr // the input's fixed attributes
	Aria, AriaInvalid                                    template.HTMLAttr // aria attributes without and with a problem
	// Before and After are the whole field without a problem, around its
	// escaped value: most fields show none, and one string costs a page far
	// less than the template's actions.
	Before, After string
}

// field is one text input as a page shows it. (Templates look fields up
// much faster in structs without embedded ones.)
type field struct {
	ID, Label    string
	Head         template.HTML
	Attrs, Aria  template.HTMLAttr
	Area         bool
	Value, Error string
	HTML         template.HTML // the whole field when it shows no problem; else "" and the template renders it
}

// choiceGroup is a set of radio buttons or checkboxes in a fieldset.
type choiceGroup struct {
	ID, Legend, Error string
	FirstID           string // where the error summary points
	Choices           []choiceItem
}

// choiceItem is a choice rendered at start, or the data to render one
// the page does not offer itself (a value the CRM holds).
type choiceItem struct {
	HTML template.HTML
	Data *choice
}

// formInput is what a form builder needs: the visit, its language and its
// rendered parts, and the form sent back with problems, if any.
type formInput struct {
	v   *visit
	c   *catalog
	st  *statics
	sub *submitted
}

// resubmitted reports whether formName is the form sent back.
func (in formInput) resubmitted(formName string) bool {
	return in.sub != nil && in.sub.form == formName
}

// field builds an input showing the contact's input when the form came
// back, else the stored value.
func (in formInput) field(formName, name, stored string) field {
	st := in.st.fields[formName+"."+name]
	f := field{ID: st.ID, Label: st.Label, Head: st.Head, Attrs: st.Attrs, Aria: st.Aria, Area: st.Area, Value: stored}
	if in.resubmitted(formName) {
		f.Value = in.v.field(name)
		if f.Error = in.errorOf(name); f.Error != "" {
			f.Aria = st.AriaInvalid
			return f
		}
	}
	f.HTML = template.HTML(st.Before + escapeValue(f.Value) + st.After)
	return f
}

// escapeValue escapes text as the page templates do in a quoted attribute
// value and in a textarea: html/template's replacement table, '+' too.
var escapeValue = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;",
	"+", "&#43;", "<", "&lt;", ">", "&gt;").Replace

// errorOf is the message for a field of the form sent back.
func (in formInput) errorOf(name string) string {
	code, ok := in.sub.errors[name]
	if !ok {
		return ""
	}
	if msg, err := in.c.text("err." + code); err == nil {
		return msg
	}
	return in.c.msg("err.invalid")
}

// choices builds a radio or checkbox group of values; checked are the
// stored values, replaced by the contact's choice when the form came back.
func (in formInput) choices(formName, name string, values, checked []string) choiceGroup {
	g := choiceGroup{ID: "f-" + formName + "-" + name, Legend: in.c.msg("label." + formName + "." + name)}
	if in.resubmitted(formName) {
		checked = in.v.form[name]
		g.Error = in.errorOf(name)
	}
	for _, value := range values {
		g.Choices = append(g.Choices, in.st.choice(formName, name, value, slices.Contains(checked, value)))
	}
	g.FirstID = choiceID(g.ID, values[0])
	return g
}

func (f field) problems() []fieldProblem {
	if f.Error == "" {
		return nil
	}
	return []fieldProblem{{ID: f.ID, Label: f.Label, Message: f.Error}}
}

func (g choiceGroup) problems() []fieldProblem {
	if g.Error == "" {
		return nil
	}
	return []fieldProblem{{ID: g.FirstID, Label: g.Legend, Message: g.Error}}
}

// problemLister is a form that can list its fields' problems in order.
type problemLister interface{ problems() []fieldProblem }

// summary lists every problem of the form sent back for the error summary
// at the top of the page. Problems with no field of their own (the domain
// may check more than the page shows) get one general entry.
func (in formInput) summary(forms ...problemLister) []fieldProblem {
	if in.sub == nil {
		return nil
	}
	var out []fieldProblem
	for _, f := range forms {
		out = append(out, f.problems()...)
	}
	if len(out) < len(in.sub.errors) {
		out = append(out, fieldProblem{ID: "h-" + in.sub.form, Message: in.c.msg("err.general")})
	}
	return out
}

// collect joins the problems of a form's fields in page order.
func collect(parts ...problemLister) []fieldProblem {
	var out []fieldProblem
	for _, p := range parts {
		out = append(out, p.problems()...)
	}
	return out
}
