package configs

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// expand replaces each ${NAME} in s with the variable's value and each $$
// with a single $. Any other $ stays as written, so a literal DSN password
// such as "pa$word" needs no escaping. Errors name the variable, never a
// value.
func expand(s string, lookupEnv func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexByte(s, '$')
		if i < 0 || i == len(s)-1 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		value, rest, err := expandOne(s[i:], lookupEnv)
		if err != nil {
			return "", err
		}
		b.WriteString(value)
		s = rest
	}
	return b.String(), nil
}

// expandOne expands the $ construct at the start of s and returns its
// replacement and the remaining text.
func expandOne(s string, lookupEnv func(string) (string, bool)) (string, string, error) {
	switch s[1] {
	case '$':
		return "$", s[2:], nil
	case '{':
	default:
		return "$", s[1:], nil
	}
	end := strings.IndexByte(s, '}')
	if end < 0 {
		return "", "", errors.New("unterminated ${: close it with } or write $$ for a literal $")
	}
	name := s[2:end]
	if !envName.MatchString(name) {
		return "", "", fmt.Errorf("%s does not name an environment variable (letters, digits and _); write $$ for a literal $", quote("${"+name+"}"))
	}
	value, ok := lookupEnv(name)
	if !ok {
		return "", "", fmt.Errorf("environment variable %s is not set", name)
	}
	return value, s[end+1:], nil
}
