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
