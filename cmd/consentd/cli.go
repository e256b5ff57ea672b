package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"strings"
	"time"

	"github.com/consentd/consentd/configs"
)

// Exit codes are part of the CLI contract.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// usageError is a mistake in the command line or the config; it exits 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return usageError{msg: fmt.Sprintf(format, args...)}
}

// Main is the program: flags, wiring and commands, separate from os.Args and
// os.Exit so that tests can run it end to end.
type Main struct {
	Stdout    io.Writer
	Stderr    io.Writer
	LookupEnv func(string) (string, bool)
	Now       func() time.Time

	configPath string
	logLevel   string
	app        *app
	// listening hears of every address serve listens on; tests learn the
	// ports of "127.0.0.1:0" from it.
	listening func(name string, addr net.Addr)
}

// NewMain returns a Main wired to the process's streams and environment.
func NewMain() *Main {
	return &Main{Stdout: os.Stdout, Stderr: os.Stderr, LookupEnv: os.LookupEnv, Now: time.Now}
}

// command is one subcommand: its flags, and what it does once the app is up.
type command struct {
	name    string
	summary string
	flags   func(fs *flag.FlagSet) func(ctx context.Context, a *app) error
	// config builds the command's own config instead of reading the file.
	config func(m *Main) (*configs.Config, error)
}

func (m *Main) commands() []command {
	return []command{migrateCommand(), syncCommand(), serveCommand(), statusCommand(), linksCommand(), verifyCommand(), outboxCommand(), erasureCommand(), retentionCommand(), exportCommand(), demoCommand()}
}

// Run parses args, runs the command and returns the exit code.
func (m *Main) Run(ctx context.Context, args []string) int {
	err := m.run(ctx, args)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case isUsage(err):
		fmt.Fprintf(m.Stderr, "consentd: %v\n", err)
		return exitUsage
	default:
		fmt.Fprintf(m.Stderr, "consentd: %v\n", err)
		return exitFailure
	}
}

func isUsage(err error) bool {
	var u usageError
	var v *configs.ValidationError
	return errors.As(err, &u) || errors.As(err, &v)
}

func (m *Main) run(ctx context.Context, args []string) error {
	rest, err := m.ParseFlags(args)
	if err != nil {
		return err
	}
	cmd, ok := m.find(rest[0])
	if !ok {
		return usagef("unknown command %q; run \"consentd -h\" for the list", rest[0])
	}
	fs := flag.NewFlagSet("consentd "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	action := cmd.flags(fs)
	if err := fs.Parse(rest[1:]); err != nil {
		return m.flagError(err)
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", cmd.name, fs.Arg(0))
	}
	cfg, err := m.loadConfig(cmd)
	if err != nil {
		return err
	}
	if m.app, err = newApp(m, cfg); err != nil {
		return err
	}
	return action(ctx, m.app)
}

// ParseFlags reads the global flags and returns the command and its args.
func (m *Main) ParseFlags(args []string) ([]string, error) {
	fs := flag.NewFlagSet("consentd", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.StringVar(&m.configPath, "config", m.defaultConfig(), "config file (env CONSENTD_CONFIG)")
	fs.StringVar(&m.logLevel, "log-level", "", "log level: debug, info, warn, error (default from the config, else info)")
	fs.Usage = func() { m.usage(fs) }
	if err := fs.Parse(args); err != nil {
		return nil, m.flagError(err)
	}
	if fs.NArg() == 0 {
		m.usage(fs)
		return nil, usagef("no command given")
	}
	return fs.Args(), nil
}

func (m *Main) flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usageError{msg: err.Error()}
}

func (m *Main) loadConfig(cmd command) (*configs.Config, error) {
	if cmd.config != nil {
		return cmd.config(m)
	}
	cfg, err := configs.Load(m.configPath, m.LookupEnv)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, usagef("config file %s not found: pass -config FILE or set CONSENTD_CONFIG (configs/consentd.example.yaml is a commented start)", m.configPath)
	}
	return cfg, err // the error names the file and every problem
}

func (m *Main) defaultConfig() string {
	if p, ok := m.LookupEnv("CONSENTD_CONFIG"); ok && p != "" {
		return p
	}
	return "consentd.yaml"
}

func (m *Main) find(name string) (command, bool) {
	for _, c := range m.commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func (m *Main) usage(fs *flag.FlagSet) {
	var b strings.Builder
	b.WriteString("Usage: consentd [-config FILE] [-log-level LEVEL] COMMAND [flags]\n\nCommands:\n")
	for _, c := range m.commands() {
		fmt.Fprintf(&b, "  %-8s %s\n", c.name, c.summary)
	}
	b.WriteString("\nRun \"consentd COMMAND -h\" for a command's flags. Global flags:\n")
	fmt.Fprint(m.Stderr, b.String())
	fs.PrintDefaults()
}

// Close releases what the command opened.
func (m *Main) Close() error {
	if m.app == nil {
		return nil
	}
	return m.app.Close()
}
