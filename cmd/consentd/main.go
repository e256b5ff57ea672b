// Command consentd mirrors broker companies' CRM contacts into one database
// per company and manages their GDPR consent.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	m := NewMain()
	code := m.Run(ctx, os.Args[1:])
	stop()
	if err := m.Close(); err != nil && code == exitOK {
		code = exitFailure
	}
	os.Exit(code)
}
