package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	gosync "sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/consentd/consentd/configs"
	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/sync"
)

func syncCommand() command {
	return command{
		name:    "sync",
		summary: "mirror CRM contacts into the company databases once",
		flags: func(fs *flag.FlagSet) func(context.Context, *app) error {
			slug := fs.String("company", "", `company slug from the config, or "all" (required)`)
			full := fs.Bool("full", false, "fetch every contact and mark those deleted in the CRM (reconciliation)")
			dry := fs.Bool("dry-run", false, "fetch and map only, write nothing: checks the CRM token and the mapping")
			return func(ctx context.Context, a *app) error {
				if *slug == "" {
					return usagef(`sync: -company is required (a slug from the config, or "all")`)
				}
				mode := sync.Incremental
				if *full {
					mode = sync.Full
				}
				return a.syncCompanies(ctx, *slug, mode, *dry)
			}
		},
	}
}

func (a *app) syncCompanies(ctx context.Context, slug string, mode sync.Mode, dry bool) error {
	var (
		mu   gosync.Mutex
		rows []syncRow
	)
	err := a.eachCompany(ctx, slug, func(ctx context.Context, c *configs.Company) error {
		res, err := a.syncCompany(ctx, c, mode, dry)
		mu.Lock()
		rows = append(rows, syncRow{slug: c.Slug, res: res, err: err})
		mu.Unlock()
		return err
	})
	printSyncRows(a.stdout, rows)
	return err
}

func (a *app) syncCompany(ctx context.Context, c *configs.Company, mode sync.Mode, dry bool) (sync.Result, error) {
	log := a.companyLog(c)
	db, err := a.stores.Open(ctx, c.Slug)
	if err != nil {
		return sync.Result{Mode: mode}, err
	}
	crm, err := a.crmClient(c)
	if err != nil {
		return sync.Result{Mode: mode}, err
	}
	res, err := a.syncer(c, crm, db, dry).Run(ctx, mode)
	logRun(log, res, err)
	if err == nil && mode == sync.Full && !dry {
		err = a.closeDeleted(ctx, c, db)
	}
	if errors.Is(err, sync.ErrBusy) {
		return res, fmt.Errorf("%w: try again when it has finished (consentd status shows runs)", err)
	}
	return res, err
}

// syncer runs the company's mirror runs with its sync settings.
func (a *app) syncer(c *configs.Company, crm sync.CRM, db *store.DB, dry bool) *sync.Syncer {
	return sync.New(crm, db, c.Mapping, sync.Options{
		PageSize:       c.Sync.PageSize,
		Overlap:        c.Sync.Overlap,
		ProfileWorkers: c.Sync.ProfileWorkers,
		DryRun:         dry,
		Now:            a.now,
	}, a.companyLog(c))
}

// logRun writes the one summary line every run gets.
func logRun(log zerolog.Logger, res sync.Result, err error) {
	ev := log.Info()
	if err != nil {
		ev = log.Error().Err(err)
	}
	c := res.Counts
	ev.Str("job", res.Mode.Job()).Int64("run_id", res.RunID).
		Int64("fetched", c.Fetched).Int64("inserted", c.Inserted).Int64("updated", c.Updated).
		Int64("unchanged", c.Unchanged).Int64("deleted", c.Deleted).Int64("skipped", c.Skipped).
		Int64("profiles", c.Profiles).Int64("requests", c.Requests).Dur("duration", res.Duration.Round(time.Millisecond)).
		Dur("contacts_took", res.Contacts.Round(time.Millisecond)).Dur("profiles_took", res.Profiles.Round(time.Millisecond)).
		Msg("sync run finished")
}
