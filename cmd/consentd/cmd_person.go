package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/consentd/consentd/configs"
	"github.com/consentd/consentd/consent"
)

// personService finds the one company and address a command about one
// person names, and that company's consent service.
func (a *app) personService(ctx context.Context, cmd, slug, address string) (*consent.Service, *configs.Company, error) {
	switch {
	case slug == "" || slug == configs.AllCompanies:
		return nil, nil, usagef("%s: -company must name one company", cmd)
	case address == "":
		return nil, nil, usagef("%s: -address is required: the contact's CRM id", cmd)
	}
	companies, err := a.cfg.Select(slug)
	if err != nil {
		return nil, nil, usageError{msg: err.Error()}
	}
	svc, err := a.consentService(ctx, companies[0])
	return svc, companies[0], err
}

// unknownAddress explains a contact the mirror does not hold.
func unknownAddress(c *configs.Company, address string, err error) error {
	if errors.Is(err, consent.ErrUnknownAddress) {
		return companyError{slug: c.Slug, err: fmt.Errorf("address %q is not in the mirror: check the id, or run \"consentd sync -company %s\" if the contact is new", address, c.Slug)}
	}
	return companyError{slug: c.Slug, err: err}
}
