package sync

import (
	"context"
	"errors"
	"fmt"
	gosync "sync"

	"github.com/consentd/consentd/connector"
	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
)

// profileBatch is how many contacts' search profiles one transaction
// writes. The CRM answers profiles one contact per request, so they are
// fetched after the contacts, from the mirror's list of due contacts: the
// address mirror never waits for them, and a stopped run leaves the rest due.
const profileBatch = 100

// profileResult is what the CRM said about one contact's profiles.
type profileResult struct {
	contactID string
	profiles  []mapping.SearchProfile
	keep      bool // leave the mirrored profiles as they are, and the contact due
}

func (r *run) mirrorProfiles(ctx context.Context) error {
	if r.opts.DryRun {
		return nil
	}
	after := ""
	for {
		ids, err := r.db.ProfilesDue(ctx, after, profileBatch)
		if err != nil || len(ids) == 0 {
			return err
		}
		results, err := r.fetchProfiles(ctx, ids)
		if err != nil {
			return err
		}
		if err := r.writeProfiles(ctx, results); err != nil {
			return err
		}
		after = ids[len(ids)-1]
	}
}

func (r *run) fetchProfiles(ctx context.Context, ids []string) ([]profileResult, error) {
	results := make([]profileResult, len(ids))
	var mu gosync.Mutex
	err := r.forEach(ctx, len(ids), func(ctx context.Context, i int) error {
		res, err := r.profilesOf(ctx, ids[i])
		mu.Lock()
		results[i] = res
		r.counts.Requests++
		mu.Unlock()
		return err
	})
	return results, err
}

// profilesOf asks the CRM for one contact's profiles. A contact the CRM no
// longer has is left to reconciliation; one whose profile the mapping
// refuses keeps its mirrored profiles and stays due.
func (r *run) profilesOf(ctx context.Context, contactID string) (profileResult, error) {
	res := profileResult{contactID: contactID}
	raw, err := r.crm.SearchProfiles(ctx, contactID)
	if errors.Is(err, connector.ErrNotFound) {
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("fetch search profiles of contact %s: %w", contactID, err)
	}
	for _, p := range raw {
		sp, err := r.m.SearchProfile(p)
		if err == nil {
			err = store.ValidateSearchProfile(sp)
		}
		if err != nil {
			r.log.Warn().Str("crm_id", contactID).Str("profile_id", p.ID).Err(err).
				Msg("search profiles kept as mirrored: one does not fit the mapping")
			return profileResult{contactID: contactID, keep: true}, nil
		}
		res.profiles = append(res.profiles, sp)
	}
	return res, nil
}

func (r *run) writeProfiles(ctx context.Context, results []profileResult) error {
	var done []string
	var profiles []mapping.SearchProfile
	for _, res := range results {
		if !res.keep {
			done = append(done, res.contactID)
			profiles = append(profiles, res.profiles...)
		}
	}
	err := r.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ReplaceSearchProfiles(ctx, done, profiles, r.opts.Now()); err != nil {
			return fmt.Errorf("replace search profiles: %w", err)
		}
		return tx.ClearProfilesDue(ctx, done)
	})
	if err != nil {
		return err
	}
	r.counts.Profiles += int64(len(done))
	return nil
}

// forEach calls fn for 0..n-1 on a bounded number of goroutines and returns
// the first error, canceling the rest.
func (r *run) forEach(ctx context.Context, n int, fn func(context.Context, int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan int)
	var wg gosync.WaitGroup
	for range min(r.opts.ProfileWorkers, n) {
		wg.Go(func() {
			for i := range work {
				if err := fn(ctx, i); err != nil {
					cancel(err)
				}
			}
		})
	}
	feed(ctx, work, n)
	wg.Wait()
	return context.Cause(ctx)
}

func feed(ctx context.Context, work chan<- int, n int) {
	defer close(work)
	for i := range n {
		select {
		case work <- i:
		case <-ctx.Done():
			return
		}
	}
}
