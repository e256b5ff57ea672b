package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
)

func exportCommand() command {
	return command{
		name:    "export",
		summary: "print everything held about one person as JSON (GDPR Art. 15)",
		flags: func(fs *flag.FlagSet) func(context.Context, *app) error {
			slug := fs.String("company", "", "company slug from the config (required)")
			address := fs.String("address", "", "the contact's CRM id (required)")
			return func(ctx context.Context, a *app) error { return a.export(ctx, *slug, *address) }
		},
	}
}

func (a *app) export(ctx context.Context, slug, address string) error {
	svc, c, err := a.personService(ctx, "export", slug, address)
	if err != nil {
		return err
	}
	e, err := svc.Export(ctx, address)
	if err != nil {
		return companyError{slug: c.Slug, err: err}
	}
	if e.Address == nil && len(e.Events) == 0 && len(e.DeletionRequests) == 0 && len(e.Suppressions) == 0 {
		fmt.Fprintf(a.stderr, "consentd: %s: nothing is held about address %s\n", c.Slug, address)
	}
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(e); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	return nil
}
