package main

import (
	"context"
	"flag"
	"fmt"
	gosync "sync"

	"github.com/consentd/consentd/configs"
)

func migrateCommand() command {
	return command{
		name:    "migrate",
		summary: "create the company databases and apply schema migrations",
		flags: func(fs *flag.FlagSet) func(context.Context, *app) error {
			slug := fs.String("company", "all", `company slug from the config, or "all"`)
			return func(ctx context.Context, a *app) error {
				return a.migrate(ctx, *slug)
			}
		},
	}
}

func (a *app) migrate(ctx context.Context, slug string) error {
	var mu gosync.Mutex
	return a.eachCompany(ctx, slug, func(ctx context.Context, c *configs.Company) error {
		applied, err := a.stores.Migrate(ctx, c.Slug)
		if err != nil {
			return fmt.Errorf("migrate database %s: %w", a.stores.DatabaseLocation(c.Slug), err)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(applied) == 0 {
			fmt.Fprintf(a.stdout, "%s: database %s is up to date (schema version %d)\n", c.Slug, a.stores.DatabaseLocation(c.Slug), a.stores.SchemaVersion())
		}
		for _, mg := range applied {
			fmt.Fprintf(a.stdout, "%s: applied migration %04d %s\n", c.Slug, mg.Version, mg.Name)
		}
		return nil
	})
}
