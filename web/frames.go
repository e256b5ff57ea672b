package web

import (
	"bytes"
	"errors"
	"html/template"
	"sync"
	"sync/atomic"
)

// The consent page is its layout around its content. The layout shows
// only its layout value: the company's name and contact details, the
// language, the title and the way up to the site root. Its two halves are
// rendered once per such value and kept (a frame), so that a request
// renders the content alone: the layout is about a sixth of the page's
// template work.

// contentMark stands for the content when a frame is rendered; it is
// plain text, which the layout copies as it is.
const contentMark = "consentd-content-4f1c9a7e2b"

// maxFrames bounds the frames kept: a frame per company, language, title
// and depth of the path.
const maxFrames = 1024

// frame is a layout's halves around the content; ok is false for a
// layout that cannot be split, which is then rendered whole.
type frame struct {
	head, foot []byte
	ok         bool
}

// frameKey is what a frame shows.
type frameKey struct {
	lang, title, root, css string
	brand                  brand
	branded                bool
}

// frames renders and keeps the frames of one page template in every
// language.
type frames struct {
	layouts map[string]*template.Template // language → the page's templates with contentMark for the content
	kept    sync.Map                      // frameKey → *frame
	count   atomic.Int64
}

// add takes a clone of a language's page template, made before the
// template is first run: a template cannot be cloned after.
func (f *frames) add(lang string, page *template.Template) error {
	clone, err := page.Clone()
	if err != nil {
		return err
	}
	if _, err := clone.New("content").Parse(contentMark); err != nil {
		return err
	}
	f.layouts[lang] = clone
	return nil
}

// of returns the frame of a layout, rendering it on first use; nil when it
// has none.
func (f *frames) of(l layout) *frame {
	key := frameKey{lang: l.Lang, title: l.Title, root: l.Root, css: l.CSS}
	if l.Brand != nil {
		key.brand, key.branded = *l.Brand, true
	}
	if fr, ok := f.kept.Load(key); ok {
		return fr.(*frame)
	}
	if f.count.Load() >= maxFrames {
		return nil
	}
	fr := f.render(l)
	if _, loaded := f.kept.LoadOrStore(key, fr); !loaded {
		f.count.Add(1)
	}
	return fr
}

// render renders the layout alone. Its data holds nothing but the layout,
// so a layout that shows more fails here and is never split.
func (f *frames) render(l layout) *frame {
	t, ok := f.layouts[l.Lang]
	if !ok {
		return &frame{}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", struct{ Layout layout }{l}); err != nil {
		return &frame{}
	}
	head, foot, err := splitAtMark(buf.Bytes())
	if err != nil {
		return &frame{}
	}
	return &frame{head: head, foot: foot, ok: true}
}

// splitAtMark cuts a rendered layout where its content goes; the mark must
// be there once, not also in, say, a company's name.
func splitAtMark(page []byte) (head, foot []byte, err error) {
	mark := []byte(contentMark)
	if bytes.Count(page, mark) != 1 {
		return nil, nil, errors.New("the layout shows the content mark other than once")
	}
	head, foot, _ = bytes.Cut(page, mark)
	return head, foot, nil
}
