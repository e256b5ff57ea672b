// Command benchmirror measures the address mirror end to end: it starts the
// mock CRM as its own process on loopback, mirrors its contacts into
// PostgreSQL with the real consentd binary, and prints the figures that
// issue "Address mirror" sets targets for. `make bench` runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "benchmirror: %v\n", err)
		os.Exit(1)
	}
}

type options struct {
	consentd, mockcrm, dir, dsn string
	sizes                       []int
	pageSize                    int
	changedShare                float64
}

func parse(args []string) (options, error) {
	var o options
	var sizes string
	fs := flag.NewFlagSet("benchmirror", flag.ContinueOnError)
	fs.StringVar(&o.consentd, "consentd", "bin/consentd", "consentd binary")
	fs.StringVar(&o.mockcrm, "mockcrm", "bin/mockcrm", "mockcrm binary")
	fs.StringVar(&o.dir, "dir", ".bench", "working directory for config files")
	fs.StringVar(&o.dsn, "dsn", envOr("CONSENTD_TEST_DSN", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"), "admin DSN of the PostgreSQL to mirror into")
	fs.StringVar(&sizes, "contacts", "10000,100000", "comma-separated numbers of contacts")
	fs.IntVar(&o.pageSize, "page-size", 500, "contacts per search request")
	fs.Float64Var(&o.changedShare, "changed", 0.01, "share of contacts changed before the incremental run")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for _, s := range strings.Split(sizes, ",") {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(s), &n); err != nil || n <= 0 {
			return o, fmt.Errorf("-contacts: %q is not a positive number", s)
		}
		o.sizes = append(o.sizes, n)
	}
	return o, nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func run(ctx context.Context, args []string, out io.Writer) error {
	o, err := parse(args)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return err
	}
	var results []result
	for _, n := range o.sizes {
		r, err := measure(ctx, o, n)
		if err != nil {
			return fmt.Errorf("%d contacts: %w", n, err)
		}
		results = append(results, r)
	}
	report(out, o, results)
	return nil
}
