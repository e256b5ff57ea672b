package main

import (
	"testing"

	"github.com/consentd/consentd/configs"
)

// The page's companies are made once per config in effect: every request
// gets the same ones until a reload brings another config.
func TestPageCompaniesFollowTheConfigInEffect(t *testing.T) {
	d := &daemon{cfg: &configs.Config{Companies: []configs.Company{{Slug: "mueller", Name: "Müller"}, {Slug: "schmidt", Name: "Schmidt"}}}}
	first, ok := d.pageCompany("mueller")
	if !ok || first.Name != "Müller" {
		t.Fatalf("pageCompany(mueller) = %+v, %v", first, ok)
	}
	if again, _ := d.pageCompany("mueller"); again != first {
		t.Error("a second request got the company made anew")
	}
	if _, ok := d.pageCompany("weber"); ok {
		t.Error("a company not configured was found")
	}
	d.mu.Lock()
	d.cfg = &configs.Config{Companies: []configs.Company{{Slug: "mueller", Name: "Müller & Söhne"}}}
	d.mu.Unlock()
	if after, ok := d.pageCompany("mueller"); !ok || after.Name != "Müller & Söhne" {
		t.Errorf("after a reload pageCompany(mueller) = %+v, %v; want the new name", after, ok)
	}
	if _, ok := d.pageCompany("schmidt"); ok {
		t.Error("a company the reload removed is still found")
	}
}
