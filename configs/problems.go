package configs

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a config file.
type Problem struct {
	Path    string // key path, e.g. companies[0].crm.token; empty for the file as a whole
	Message string // what is wrong and how to fix it; never holds a secret
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// ValidationError lists every problem found in a config file, so an admin
// can fix them all in one go.
type ValidationError struct {
	Problems []Problem
}

// Error lists the problems one per line as "path: message".
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// problems collects problems in the order found. Each key path reports only
// its first problem: a value that failed to decode or expand would only
// produce follow-on noise, such as "is required" after "variable not set".
type problems struct {
	list []Problem
	seen map[string]bool
}

func (ps *problems) add(path, format string, args ...any) {
	if !ps.seen[path] {
		ps.addEach(path, format, args...)
	}
}

// addEach adds a problem even when path already has one, for a referenced
// file with several independent problems of its own.
func (ps *problems) addEach(path, format string, args ...any) {
	if ps.seen == nil {
		ps.seen = map[string]bool{}
	}
	ps.seen[path] = true
	ps.list = append(ps.list, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return &ValidationError{Problems: ps.list}
}

// quote echoes a non-secret value in a message, shortened so a huge value
// cannot flood the output.
func quote(s string) string {
	const max = 60
	if len(s) > max {
		cut := max
		for cut > 0 && s[cut]&0xC0 == 0x80 { // not inside a UTF-8 sequence
			cut--
		}
		s = s[:cut] + "…"
	}
	return fmt.Sprintf("%q", s)
}
