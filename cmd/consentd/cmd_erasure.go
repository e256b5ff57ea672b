package main

import (
	"context"
	"flag"
	"fmt"
	"time"
)

func erasureCommand() command {
	return command{
		name:    "erasure",
		summary: "record a deletion request that came by phone, letter or mail",
		flags: func(fs *flag.FlagSet) func(context.Context, *app) error {
			slug := fs.String("company", "", "company slug from the config (required)")
			address := fs.String("address", "", "the contact's CRM id (required)")
			channel := fs.String("channel", "", "how the request came: phone, letter or mail (required)")
			reason := fs.String("reason", "", "the reason the person gave, if any")
			return func(ctx context.Context, a *app) error {
				if *channel == "" {
					return usagef("erasure: -channel is required: phone, letter or mail")
				}
				return a.recordErasure(ctx, *slug, *address, *channel, *reason)
			}
		},
	}
}

// recordErasure records the request like the consent page does and says
// what happens next.
func (a *app) recordErasure(ctx context.Context, slug, address, channel, reason string) error {
	svc, c, err := a.personService(ctx, "erasure", slug, address)
	if err != nil {
		return err
	}
	out, err := svc.RecordErasure(ctx, address, channel, reason)
	if err != nil {
		return unknownAddress(c, address, err)
	}
	due := out.Due.Format(time.DateOnly)
	if out.Duplicate {
		fmt.Fprintf(a.stdout, "%s: address %s has an open deletion request since %s, due %s; nothing added\n",
			c.Slug, address, out.At.Format(time.DateOnly), due)
		return nil
	}
	fmt.Fprintf(a.stdout, "%s: deletion request of address %s recorded, due %s; consent withdrawn; the broker's activity is queued for the CRM\n",
		c.Slug, address, due)
	return nil
}
