//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockFile takes an exclusive flock on path, creating the file; ok is false
// when another open file holds it, in this process or another. Closing the
// file, explicitly with release or as the process ends, frees the lock.
func lockFile(path string) (release func(), ok bool, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return func() {}, false, fmt.Errorf("open lock file: %w", err)
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		_ = f.Close()
		return func() {}, false, nil
	}
	if err != nil {
		_ = f.Close()
		return func() {}, false, fmt.Errorf("lock file %s: %w", path, err)
	}
	return func() { _ = f.Close() }, true, nil
}
