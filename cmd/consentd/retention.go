package main

import (
	"context"
	"fmt"

	"github.com/rs/zerolog"

	"github.com/consentd/consentd/configs"
	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/jobs"
	"github.com/consentd/consentd/store"
)

// retentionJob is the daily retention job's name in schedules, locks and
// metrics.
const retentionJob = "retention"

// serviceOn is the consent manager of a company on an open database.
func (a *app) serviceOn(db *store.DB, c *configs.Company) *consent.Service {
	return consent.NewService(db, c.Mapping, consentSettings(a.cfg.HTTP, c), a.now)
}

// closeDeleted purges the contacts a reconciliation found deleted in the
// CRM and closes their deletion requests, right after the run.
func (a *app) closeDeleted(ctx context.Context, c *configs.Company, db *store.DB) error {
	purged, closed, err := a.serviceOn(db, c).CloseDeleted(ctx)
	log := a.companyLog(c)
	ev := log.Info()
	if err != nil {
		ev = log.Error().Err(err)
	}
	if err != nil || purged > 0 {
		ev.Int("purged", purged).Int("closed", closed).Msg("contacts deleted in the CRM purged from the mirror; their deletion requests closed")
	}
	return err
}

// retentionRun is the retention job of a company in serve.
func retentionRun(d *daemon, c *servedCompany) func(context.Context, *jobs.Run) error {
	return func(ctx context.Context, r *jobs.Run) error {
		rep, err := d.a.serviceOn(r.DB, &c.cfg).RunRetention(ctx)
		logRetention(d.a.companyLog(&c.cfg), rep, err)
		return err
	}
}

func logRetention(log zerolog.Logger, rep consent.RetentionReport, err error) {
	ev := log.Info()
	if err != nil {
		ev = log.Error().Err(err)
	}
	ev.Str("job", retentionJob).Int("purged", rep.Purged).Int("closed", rep.Closed).Int("reminded", rep.Reminded).Int("warned", rep.Warned).
		Int64("cases_deleted", rep.CasesDeleted).Int("proof_pruned", rep.ProofPruned).Int("held", rep.Held).
		Msg("retention run finished")
}

// retentionLine is the line `consentd retention -run` prints per company.
func retentionLine(slug string, rep consent.RetentionReport) string {
	return fmt.Sprintf("%s: purged %d contacts deleted in the CRM, closed %d deletion requests, queued %d reminders, "+
		"warned of %d contacts matching a suppression entry, deleted %d expired case files, "+
		"pruned the proof of %d contacts (%d kept by a legal hold)",
		slug, rep.Purged, rep.Closed, rep.Reminded, rep.Warned, rep.CasesDeleted, rep.ProofPruned, rep.Held)
}
