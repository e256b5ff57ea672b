package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/store"
)

// A page rendered as its content in a kept frame is byte for byte the page
// rendered whole, in every language, state and with a form sent back.
func TestFramedPageEqualsWholePage(t *testing.T) {
	erasure := withProfiles(given(contact()))
	erasure.Erasure = &store.ErasureRequest{State: store.ErasureOpen, ReceivedAt: givenAt, DueAt: withdrAt}
	tests := []struct {
		name string
		subj *consent.Subject
		path string
		sub  *submitted
	}{
		{"no consent", contact(), pagePath, nil},
		{"given with profiles", withProfiles(given(contact())), pagePath, nil},
		{"deletion requested", erasure, pagePath, nil},
		{"correction sent back", contact(), pagePath + "/correct", &submitted{form: "correct", errors: consent.FieldErrors{"zip": "invalid_zip"}}},
	}
	h := newHarness(t, contact())
	for _, tt := range tests {
		for _, lang := range languages {
			t.Run(tt.name+" "+lang, func(t *testing.T) {
				r := httptest.NewRequest(http.MethodGet, tt.path, nil)
				v := &visit{co: acmeCompany(h.acme), subj: tt.subj, slug: "acme", token: tokenA, tokenHash: hashToken(tokenA), lang: lang}
				pv := h.srv.pageView(r, v, tt.sub)
				var whole, framed bytes.Buffer
				if err := h.srv.views.pages[lang]["page"].ExecuteTemplate(&whole, "layout", pv); err != nil {
					t.Fatal(err)
				}
				if err := h.srv.views.execute(&framed, lang, "page", pv); err != nil {
					t.Fatal(err)
				}
				if fr := h.srv.views.frames.of(pv.Layout); fr == nil || !fr.ok {
					t.Fatalf("the page has no frame: %+v", fr)
				}
				if !bytes.Equal(whole.Bytes(), framed.Bytes()) {
					t.Errorf("framed page differs from the whole page:\n%s\n---\n%s", framed.String(), whole.String())
				}
			})
		}
	}
}

// A layout that cannot be cut at its content, here because a company's
// name repeats the mark, is rendered whole.
func TestLayoutWithoutFrameRendersWhole(t *testing.T) {
	h := newHarness(t, contact())
	co := acmeCompany(h.acme)
	co.Name = "Immobilien " + contentMark
	r := httptest.NewRequest(http.MethodGet, pagePath, nil)
	v := &visit{co: co, subj: contact(), slug: "acme", token: tokenA, tokenHash: hashToken(tokenA), lang: "de"}
	pv := h.srv.pageView(r, v, nil)
	if fr := h.srv.views.frames.of(pv.Layout); fr == nil || fr.ok {
		t.Fatalf("frame %+v of a layout showing the mark twice, want one that is not ok", fr)
	}
	var whole, rendered bytes.Buffer
	if err := h.srv.views.pages["de"]["page"].ExecuteTemplate(&whole, "layout", pv); err != nil {
		t.Fatal(err)
	}
	if err := h.srv.views.execute(&rendered, "de", "page", pv); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(whole.Bytes(), rendered.Bytes()) {
		t.Errorf("page differs from the page rendered whole:\n%s\n---\n%s", rendered.String(), whole.String())
	}
}

// Frames are kept up to a bound: a path of any depth gives a layout of its
// own, and the pages beyond the bound are rendered whole.
func TestFramesAreBounded(t *testing.T) {
	var f frames
	f.layouts = newHarness(t, contact()).srv.views.frames.layouts
	for i := range maxFrames + 10 {
		l := layout{Lang: "de", Root: strings.Repeat("../", i), CSS: "static/" + styleName, Title: "page.title"}
		fr := f.of(l)
		if i < maxFrames && (fr == nil || !fr.ok) {
			t.Fatalf("layout %d has no frame", i)
		}
		if i >= maxFrames && fr != nil {
			t.Fatalf("layout %d past the bound got a frame", i)
		}
	}
	if n := f.count.Load(); n != maxFrames {
		t.Errorf("%d frames kept, want %d", n, maxFrames)
	}
}
