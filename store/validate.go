package store

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/consentd/consentd/mapping"
)

// ValidateAddress reports what about a would keep the database from
// storing it: no CRM id, text that is not UTF-8 or holds a NUL character.
// UpsertAddresses refuses such a batch; a sync can check each contact first
// and skip the bad ones.
func ValidateAddress(a mapping.Address) error {
	if a.CRMID == "" {
		return errors.New("contact has no CRM id")
	}
	if err := checkStrings("", reflect.ValueOf(a)); err != nil {
		return fmt.Errorf("contact %q: %w", a.CRMID, err)
	}
	return nil
}

// ValidateSearchProfile is ValidateAddress for search profiles; it also
// refuses a profile without contact and numbers that are not finite.
func ValidateSearchProfile(p mapping.SearchProfile) error {
	if p.CRMID == "" {
		return fmt.Errorf("search profile of contact %q has no CRM id", p.ContactID)
	}
	var problems []error
	if p.ContactID == "" {
		problems = append(problems, errors.New("it has no contact id"))
	}
	problems = append(problems, checkStrings("", reflect.ValueOf(p)))
	numbers := []struct {
		field string
		value *float64
	}{{"PriceMax", p.PriceMax}, {"LivingAreaMin", p.LivingAreaMin}, {"RoomsMin", p.RoomsMin}}
	for _, n := range numbers {
		if n.value != nil && (math.IsNaN(*n.value) || math.IsInf(*n.value, 0)) {
			problems = append(problems, fmt.Errorf("%s is %v, not a number", n.field, *n.value))
		}
	}
	if err := errors.Join(problems...); err != nil {
		return fmt.Errorf("search profile %q: %w", p.CRMID, err)
	}
	return nil
}

// checkStrings applies checkText to every string reachable through the
// exported fields, slice elements and pointers of v.
func checkStrings(path string, v reflect.Value) error {
	switch v.Kind() {
	case reflect.String:
		return checkText(path, v.String())
	case reflect.Pointer:
		if !v.IsNil() {
			return checkStrings(path, v.Elem())
		}
	case reflect.Slice:
		for i := range v.Len() {
			if err := checkStrings(fmt.Sprintf("%s[%d]", path, i), v.Index(i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			key := fmt.Sprintf("%s[%q]", path, it.Key().String())
			if err := errors.Join(checkStrings(key, it.Key()), checkStrings(key, it.Value())); err != nil {
				return err
			}
		}
	case reflect.Struct:
		return checkFields(path, v)
	}
	return nil
}

func checkFields(path string, v reflect.Value) error {
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		if err := checkStrings(strings.TrimPrefix(path+"."+f.Name, "."), v.Field(i)); err != nil {
			return err
		}
	}
	return nil
}

// checkText refuses text the database cannot store.
func checkText(field, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8", field)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("%s contains a NUL character", field)
	}
	return nil
}
