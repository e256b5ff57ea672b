package main

import (
	"context"
	"flag"
	"fmt"
	gosync "sync"

	"github.com/consentd/consentd/configs"
)

func retentionCommand() command {
	return command{
		name:    "retention",
		summary: "explain the retention periods of one contact, or run the daily retention job once",
		flags: func(fs *flag.FlagSet) func(context.Context, *app) error {
			slug := fs.String("company", "", `company slug from the config (required; "all" with -run)`)
			address := fs.String("address", "", "explain the retention classes, holds and verdict of this contact (CRM id)")
			run := fs.Bool("run", false, "run the retention job now: purge what the CRM deleted, remind brokers, delete expired proof")
			return func(ctx context.Context, a *app) error {
				switch {
				case *run && *address != "":
					return usagef("retention: give either -address or -run, not both")
				case *run:
					return a.runRetention(ctx, *slug)
				}
				return a.explainRetention(ctx, *slug, *address)
			}
		},
	}
}

func (a *app) explainRetention(ctx context.Context, slug, address string) error {
	svc, c, err := a.personService(ctx, "retention", slug, address)
	if err != nil {
		return err
	}
	d, err := svc.EvaluateAddress(ctx, address)
	if err != nil {
		return unknownAddress(c, address, err)
	}
	fmt.Fprintf(a.stdout, "%s: address %s\n%s\n", c.Slug, address, d.Explain())
	return nil
}

// runRetention runs the retention job of the selected companies once, as
// serve does on its schedule.
func (a *app) runRetention(ctx context.Context, slug string) error {
	if slug == "" {
		return usagef(`retention: -company is required (a slug from the config, or "all")`)
	}
	var (
		mu    gosync.Mutex
		lines = map[string]string{}
	)
	err := a.eachCompany(ctx, slug, func(ctx context.Context, c *configs.Company) error {
		svc, err := a.consentService(ctx, c)
		if err != nil {
			return err
		}
		rep, err := svc.RunRetention(ctx)
		logRetention(a.companyLog(c), rep, err)
		mu.Lock()
		lines[c.Slug] = retentionLine(c.Slug, rep)
		mu.Unlock()
		return err
	})
	for _, s := range keysOf(lines) {
		fmt.Fprintln(a.stdout, lines[s])
	}
	return err
}
