package web

import (
	"bytes"
	"strings"
	"testing"
)

// A field without a problem, put together from the markup rendered at
// start and its escaped value, is byte for byte what the template renders,
// for every field in every language and whatever the value holds.
func TestFieldRenderedAtStartEqualsTemplate(t *testing.T) {
	v, err := loadViews()
	if err != nil {
		t.Fatal(err)
	}
	values := []string{"", "Müller", `Frau"><script>alert(1)</script>`, "Tom & Jerry's", "a+b <c> 'd'",
		"nul\x00byte", "bad \xff utf-8", "Zoë ß 日本", valueMark, "line\nbreak", "&#34; &amp;"}
	for lang, st := range v.statics {
		for name, fs := range st.fields {
			in := formInput{st: st}
			form, fieldName, _ := strings.Cut(name, ".")
			for _, value := range values {
				fast := in.field(form, fieldName, value)
				if fast.HTML == "" {
					t.Fatalf("%s %s: field without a problem has no markup of its own", lang, name)
				}
				slow := fast
				slow.HTML = ""
				var want bytes.Buffer
				if err := st.set.ExecuteTemplate(&want, "field", slow); err != nil {
					t.Fatal(err)
				}
				if string(fast.HTML) != want.String() {
					t.Errorf("%s %s (area %v) with %q:\n got %s\nwant %s", lang, name, fs.Area, value, fast.HTML, want.String())
				}
			}
		}
	}
}

// A form's hidden keys put together from the markup rendered at start are
// byte for byte what the template renders, in every language and whatever
// the values hold.
func TestFormKeysRenderedAtStartEqualTemplate(t *testing.T) {
	v, err := loadViews()
	if err != nil {
		t.Fatal(err)
	}
	forms := []form{
		{ActionID: "3f9a", CSRF: "MTc2NDg0.abc-_xyz", Lang: "de"},
		{ActionID: `"><script>`, CSRF: "a+b&c'd<e>\x00", Lang: "en"},
		{ActionID: keyMarks[1], CSRF: keyMarks[0], Lang: "bad \xff"},
	}
	for lang, st := range v.statics {
		for _, f := range forms {
			fast := f
			fast.Keys = st.keys(f)
			var want bytes.Buffer
			if err := st.set.ExecuteTemplate(&want, "keys", f); err != nil {
				t.Fatal(err)
			}
			if string(fast.Keys) != want.String() {
				t.Errorf("%s %+v:\n got %s\nwant %s", lang, f, fast.Keys, want.String())
			}
		}
	}
}
