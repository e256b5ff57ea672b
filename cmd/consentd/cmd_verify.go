package main

import (
	"context"
	"flag"
	"fmt"
	gosync "sync"

	"github.com/consentd/consentd/configs"
)

func verifyCommand() command {
	return command{
		name:    "verify",
		summary: "check that the consent ledger is complete and unchanged",
		flags: func(fs *flag.FlagSet) func(context.Context, *app) error {
			slug := fs.String("company", "", `company slug from the config, or "all" (required)`)
			return func(ctx context.Context, a *app) error {
				if *slug == "" {
					return usagef(`verify: -company is required (a slug from the config, or "all")`)
				}
				return a.verify(ctx, *slug)
			}
		},
	}
}

// verify prints one line per intact ledger; a broken one fails the command
// with the first event that does not fit.
func (a *app) verify(ctx context.Context, slug string) error {
	var (
		mu    gosync.Mutex
		lines = map[string]string{}
	)
	err := a.eachCompany(ctx, slug, func(ctx context.Context, c *configs.Company) error {
		line, err := a.verifyCompany(ctx, c)
		mu.Lock()
		lines[c.Slug] = line
		mu.Unlock()
		return err
	})
	for _, s := range keysOf(lines) {
		if lines[s] != "" {
			fmt.Fprintln(a.stdout, lines[s])
		}
	}
	return err
}

func (a *app) verifyCompany(ctx context.Context, c *configs.Company) (string, error) {
	svc, err := a.consentService(ctx, c)
	if err != nil {
		return "", err
	}
	rep, err := svc.Verify(ctx)
	if err != nil {
		return "", fmt.Errorf("verify the ledger: %w", err)
	}
	if !rep.OK {
		return "", fmt.Errorf("ledger broken at event %d: %s (%d events checked); the ledger was changed outside consentd: keep this database as it is for the investigation and compare it with a backup",
			rep.EventID, rep.Problem, rep.Events)
	}
	if rep.Pruned > 0 {
		return fmt.Sprintf("%s: ledger intact: %d events, %d of them pruned at the end of their retention", c.Slug, rep.Events, rep.Pruned), nil
	}
	return fmt.Sprintf("%s: ledger intact: %d events", c.Slug, rep.Events), nil
}
