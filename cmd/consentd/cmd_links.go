package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"

	"github.com/consentd/consentd/configs"
)

func linksCommand() command {
	return command{
		name:    "links",
		summary: "issue personal consent links for a mail merge; revoke or rotate one",
		flags: func(fs *flag.FlagSet) func(context.Context, *app) error {
			slug := fs.String("company", "", "company slug from the config (required)")
			write := fs.Bool("write", false, "also queue writing each new link into the CRM field the mapping names")
			revoke := fs.String("revoke", "", "revoke the link of this address id; its page stops working at once")
			rotate := fs.String("rotate", "", "revoke the link of this address id and issue a new one")
			return func(ctx context.Context, a *app) error {
				c, err := a.linksCompany(*slug, *revoke, *rotate, *write)
				if err != nil {
					return err
				}
				switch {
				case *revoke != "":
					return a.revokeLink(ctx, c, *revoke)
				case *rotate != "":
					return a.rotateLink(ctx, c, *rotate, *write)
				}
				return a.issueLinks(ctx, c, *write)
			}
		},
	}
}

// linksCompany checks the flag combination and finds the one company: the
// output feeds one company's mail merge, so "all" makes no sense here.
func (a *app) linksCompany(slug, revoke, rotate string, write bool) (*configs.Company, error) {
	switch {
	case slug == "" || slug == configs.AllCompanies:
		return nil, usagef("links: -company must name one company (links go into that company's mail merge)")
	case revoke != "" && rotate != "":
		return nil, usagef("links: give either -revoke or -rotate, not both")
	case revoke != "" && write:
		return nil, usagef("links: -write does not go with -revoke; a revoked link simply stops working")
	}
	companies, err := a.cfg.Select(slug)
	if err != nil {
		return nil, usageError{msg: err.Error()}
	}
	return companies[0], nil
}

// personalLinksWarning goes to stderr, so it never ends up in a mail merge
// file while the admin still sees it.
const personalLinksWarning = "consentd: the output holds personal consent links: anyone with a link can act for that contact. " +
	"Use it for the mail merge only, keep it private and delete it afterwards."

func (a *app) issueLinks(ctx context.Context, c *configs.Company, write bool) error {
	svc, err := a.consentService(ctx, c)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stderr, personalLinksWarning)
	out := bufio.NewWriter(a.stdout)
	n, err := svc.IssueLinks(ctx, write, func(addressID, url string) error {
		_, err := fmt.Fprintf(out, "%s\t%s\n", addressID, url)
		return err
	})
	if ferr := out.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("write links: %w", ferr)
	}
	fmt.Fprintf(a.stderr, "consentd: %s: issued %d links%s\n", c.Slug, n, queuedNote(c, write && n > 0))
	if err != nil {
		return companyError{slug: c.Slug, err: fmt.Errorf("issue links: %w", err)}
	}
	return nil
}

func queuedNote(c *configs.Company, queued bool) string {
	if !queued {
		return ""
	}
	return fmt.Sprintf("; queued for the CRM's link field: consentd serve writes it there, \"consentd outbox -company %s\" shows progress", c.Slug)
}

func (a *app) revokeLink(ctx context.Context, c *configs.Company, addressID string) error {
	svc, err := a.consentService(ctx, c)
	if err != nil {
		return err
	}
	if err := svc.RevokeLink(ctx, addressID); err != nil {
		return companyError{slug: c.Slug, err: fmt.Errorf("revoke the link of address %s: %w", addressID, err)}
	}
	fmt.Fprintf(a.stdout, "%s: revoked the link of address %s\n", c.Slug, addressID)
	return nil
}

func (a *app) rotateLink(ctx context.Context, c *configs.Company, addressID string, write bool) error {
	svc, err := a.consentService(ctx, c)
	if err != nil {
		return err
	}
	url, err := svc.RotateLink(ctx, addressID, write)
	if err != nil {
		return companyError{slug: c.Slug, err: fmt.Errorf("rotate the link of address %s: %w", addressID, err)}
	}
	fmt.Fprintln(a.stderr, personalLinksWarning)
	fmt.Fprintf(a.stdout, "%s\t%s\n", addressID, url)
	fmt.Fprintf(a.stderr, "consentd: %s: issued a new link, the old one no longer works%s\n", c.Slug, queuedNote(c, write))
	return nil
}
