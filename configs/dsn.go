package configs

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// redacted stands in for a secret wherever a value is echoed.
const redacted = "xxxxx"

var (
	urlScheme  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)
	dsnKey     = regexp.MustCompile(`^[a-z_]+$`)
	dsnSecrets = []string{"password", "sslpassword"}
	kvSecret   = regexp.MustCompile(`(\b(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'?|\S*)`)
)

// RedactedDSN returns the admin DSN with its passwords replaced, fit for a
// message or a log line.
func (d Database) RedactedDSN() string {
	if !urlScheme.MatchString(d.AdminDSN) {
		return kvSecret.ReplaceAllString(d.AdminDSN, "${1}"+redacted)
	}
	u, err := url.Parse(d.AdminDSN)
	if err != nil {
		return redacted // no telling where a password might be
	}
	q := u.Query()
	for _, key := range dsnSecrets {
		if q.Has(key) {
			q.Set(key, redacted)
			u.RawQuery = q.Encode()
		}
	}
	return u.Redacted()
}

// String keeps the DSN's password out of anything that prints a Database.
func (d Database) String() string {
	return fmt.Sprintf("{Driver:%s AdminDSN:%s NamePrefix:%s Dir:%s Pool:%+v}",
		d.Driver, d.RedactedDSN(), d.NamePrefix, d.Dir, d.Pool)
}

var errDSNShape = errors.New(`is neither a postgres:// URL nor key=value pairs; ` +
	`write e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable or "host=127.0.0.1 user=postgres dbname=postgres"`)

// checkPostgresDSN accepts a postgres:// or postgresql:// URL or libpq
// key=value pairs. Its messages never quote the DSN: it may hold a password.
func checkPostgresDSN(dsn string) error {
	if !urlScheme.MatchString(dsn) {
		return checkKeyValues(dsn)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		// url's reason may quote part of the password, so give none.
		return errors.New("is not a valid URL; percent-encode special characters in the user name and password (e.g. @ as %40)")
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return fmt.Errorf("scheme %s is not postgres or postgresql", quote(u.Scheme))
	}
	return nil
}

func checkKeyValues(dsn string) error {
	s := strings.TrimSpace(dsn)
	if s == "" {
		return errDSNShape
	}
	for s != "" {
		key, rest, ok := strings.Cut(s, "=")
		if !ok || !dsnKey.MatchString(strings.TrimSpace(key)) {
			return errDSNShape
		}
		rest, err := skipDSNValue(strings.TrimLeft(rest, " \t\r\n"))
		if err != nil {
			return err
		}
		s = strings.TrimLeft(rest, " \t\r\n")
	}
	return nil
}

// skipDSNValue skips one value, quoted ('...' with \ escapes) or up to the
// next white space, and returns what follows it.
func skipDSNValue(s string) (string, error) {
	if !strings.HasPrefix(s, "'") {
		if i := strings.IndexAny(s, " \t\r\n"); i >= 0 {
			return s[i:], nil
		}
		return "", nil
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '\'':
			return s[i+1:], nil
		}
	}
	return "", errors.New("has a quoted value without its closing '")
}

// urlReason extracts why a URL did not parse without repeating the URL,
// which may hold a password.
func urlReason(err error) string {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err.Error()
	}
	return "malformed"
}
