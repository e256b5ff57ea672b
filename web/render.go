package web

import (
	"bytes"
	"embed"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

//go:embed templates/*.html
var templateFiles embed.FS

// pageTemplates render whole pages, each with the layout and the shared
// parts.
var pageTemplates = []string{"page", "done", "invalid", "problem", "confirm"}

// views renders pages in every language.
type views struct {
	catalogs map[string]*catalog
	pages    map[string]map[string]*template.Template // language → page
	statics  map[string]*statics                      // language → fields and choices
	frames   frames                                   // of the consent page
	buffers  sync.Pool
}

func loadViews() (*views, error) {
	catalogs, err := loadCatalogs()
	if err != nil {
		return nil, err
	}
	v := &views{
		catalogs: catalogs,
		pages:    map[string]map[string]*template.Template{},
		statics:  map[string]*statics{},
		frames:   frames{layouts: map[string]*template.Template{}},
		buffers:  sync.Pool{New: func() any { return new(bytes.Buffer) }},
	}
	for lang, c := range catalogs {
		v.pages[lang] = map[string]*template.Template{}
		for _, page := range pageTemplates {
			t, err := parsePage(c, page)
			if err != nil {
				return nil, fmt.Errorf("consent page: template %s in %s: %w", page, lang, err)
			}
			v.pages[lang][page] = t
		}
		if err := v.frames.add(lang, v.pages[lang]["page"]); err != nil {
			return nil, fmt.Errorf("consent page: frame of the page in %s: %w", lang, err)
		}
		if v.statics[lang], err = buildStatics(c, v.pages[lang]["page"], &v.buffers); err != nil {
			return nil, fmt.Errorf("consent page: render %s form parts: %w", lang, err)
		}
	}
	return v, nil
}

// staticText is a message without arguments in a template: {{t "key"}}.
var staticText = regexp.MustCompile(`\{\{t "([^"]+)"\}\}`)

// parsePage parses a page with the layout and the shared parts in one
// language. Messages without arguments are written into the template
// source (escaped), so rendering does not look them up every time, and a
// missing one fails here, at start, instead of on a page.
func parsePage(c *catalog, page string) (*template.Template, error) {
	t := template.New(page).Funcs(template.FuncMap{"t": c.text})
	for _, name := range []string{"layout", "parts", page} {
		src, err := templateFiles.ReadFile("templates/" + name + ".html")
		if err != nil {
			return nil, err
		}
		var missing error
		text := staticText.ReplaceAllStringFunc(string(src), func(m string) string {
			msg, err := c.text(staticText.FindStringSubmatch(m)[1])
			if err != nil {
				missing = err
			}
			return html.EscapeString(msg)
		})
		if missing != nil {
			return nil, missing
		}
		if t, err = t.New(name).Parse(text); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// render writes a whole page. It renders into a pooled buffer first, so a
// template failure becomes a clean 500 instead of half a page.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, lang, page string, data any) {
	buf := s.views.buffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer s.views.buffers.Put(buf)
	if err := s.views.execute(buf, lang, page, data); err != nil {
		s.log.Error().Err(err).Str("route", info(r).route).Str("page", page).Msg("consent page: render failed")
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// execute renders a page into buf: the consent page as its content in its
// frame, when its layout has one.
func (v *views) execute(buf *bytes.Buffer, lang, page string, data any) error {
	t := v.pages[lang][page]
	pv, isPage := data.(*pageView)
	if !isPage {
		return t.ExecuteTemplate(buf, "layout", data)
	}
	fr := v.frames.of(pv.Layout)
	if fr == nil || !fr.ok {
		return t.ExecuteTemplate(buf, "layout", data)
	}
	buf.Write(fr.head)
	if err := t.ExecuteTemplate(buf, "content", data); err != nil {
		return err
	}
	buf.Write(fr.foot)
	return nil
}

// layout is what every page shows around its content.
type layout struct {
	Lang   string
	Root   string // relative path from this page to the site root
	CSS    string // style sheet below Root
	Title  string // message key
	Brand  *brand // nil where no company may be named
	Switch []langLink
}

// brand is the company a page speaks for.
type brand struct {
	Name, Address, LogoURL, PrivacyURL, ImprintURL, Email, Phone string
	PhoneHref                                                    template.URL
}

func newLayout(r *http.Request, lang, title string, co *Company) layout {
	l := layout{Lang: lang, Root: rootOf(r.URL.Path), CSS: "static/" + styleName, Title: title, Switch: switchLinks(lang)}
	if co != nil {
		p := co.Page
		l.Brand = &brand{
			Name: co.Name, Address: p.Address, LogoURL: p.LogoURL, PrivacyURL: p.PrivacyURL,
			ImprintURL: p.ImprintURL, Email: p.Email, Phone: p.Phone, PhoneHref: telURL(p.Phone),
		}
	}
	return l
}

// rootOf is the relative way up from a path to the site root ("../../"
// from /e/slug/token), so links keep working behind a proxy that serves
// consentd below a path prefix.
func rootOf(path string) string {
	return strings.Repeat("../", max(strings.Count(path, "/")-1, 0))
}

// telURL makes a tel: link of a configured phone number (validated to
// digits, spaces and + ( ) / . -).
func telURL(phone string) template.URL {
	if phone == "" {
		return ""
	}
	digits := strings.Map(func(c rune) rune {
		if c == '+' || (c >= '0' && c <= '9') {
			return c
		}
		return -1
	}, phone)
	return template.URL("tel:" + digits)
}
