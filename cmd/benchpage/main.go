// Command benchpage measures the consent page under load: it starts the
// mock CRM and "consentd serve" as processes of their own on loopback,
// issues a personal link for every contact, and then measures page GETs,
// consent POSTs and the write-back of each consent to the CRM against the
// targets of issue "Consent page". `make bench-page` runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "benchpage: %v\n", err)
		os.Exit(1)
	}
}

// targetPostRate is the target for consent POSTs per second; every
// POST needs a link of its own, since a contact gives consent only once.
const targetPostRate = 300

// localDSN is the local PostgreSQL the tests use too. -h prints it; a DSN
// from the environment may hold a password and is never printed.
const localDSN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

type options struct {
	consentd, mockcrm, dir, dsn string
	contacts                    int
	getWorkers, postWorkers     int
	duration                    time.Duration
}

func parse(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("benchpage", flag.ContinueOnError)
	fs.StringVar(&o.consentd, "consentd", "bin/consentd", "consentd binary")
	fs.StringVar(&o.mockcrm, "mockcrm", "bin/mockcrm", "mockcrm binary")
	fs.StringVar(&o.dir, "dir", ".bench", "working directory for the config and the logs")
	fs.StringVar(&o.dsn, "dsn", "", "admin DSN of the PostgreSQL to use; default $CONSENTD_TEST_DSN, else "+localDSN)
	fs.IntVar(&o.contacts, "contacts", 5000, "contacts in the mock CRM, each with a link; at least 300 per second of -duration")
	fs.IntVar(&o.getWorkers, "get-workers", 32, "concurrent clients in the page GET phase")
	fs.IntVar(&o.postWorkers, "post-workers", 16, "concurrent clients in the consent POST phase")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of each load phase")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q: benchpage takes flags only", fs.Arg(0))
	}
	if o.dsn == "" {
		o.dsn = envOr("CONSENTD_TEST_DSN", localDSN)
	}
	return o, o.validate()
}

// validate reports every bad flag at once.
func (o options) validate() error {
	var problems []string
	if o.getWorkers < 1 || o.getWorkers > 1024 {
		problems = append(problems, fmt.Sprintf("-get-workers %d: want 1 to 1024", o.getWorkers))
	}
	if o.postWorkers < 1 || o.postWorkers > 1024 {
		problems = append(problems, fmt.Sprintf("-post-workers %d: want 1 to 1024", o.postWorkers))
	}
	if o.duration < time.Second || o.duration > 10*time.Minute {
		problems = append(problems, fmt.Sprintf("-duration %s: want 1s to 10m", o.duration))
	}
	if need := int(math.Ceil(targetPostRate * o.duration.Seconds())); o.contacts < need {
		problems = append(problems, fmt.Sprintf("-contacts %d: a POST phase of %s needs at least %d (%d per second, one link per POST)",
			o.contacts, o.duration, need, targetPostRate))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func run(ctx context.Context, args []string, out io.Writer) error {
	o, err := parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return fmt.Errorf("create the working directory: %w", err)
	}
	b, err := prepare(ctx, o)
	defer b.close()
	if err != nil {
		return err
	}
	r, err := b.measure(ctx)
	if err != nil {
		return err
	}
	r.serve = b.stopServe()
	report(out, o, r)
	return r.failures()
}
