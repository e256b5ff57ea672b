package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

const (
	stopTimeout  = 30 * time.Second // SIGTERM to exit; above serve's grace of 10 s
	readyTimeout = 60 * time.Second
)

// process is a program the benchmark runs beside itself, logging to a
// file in the working directory.
type process struct {
	name, logPath string
	cmd           *exec.Cmd
	done          chan struct{} // closed once the process exited
	err           error         // its exit, valid once done is closed
}

// start runs bin as its own process. Canceling ctx sends SIGTERM, and a
// kill if it has not exited stopTimeout later.
func start(ctx context.Context, dir, name string, env []string, bin string, args ...string) (*process, error) {
	p := &process{name: name, logPath: filepath.Join(dir, name+".log"), done: make(chan struct{})}
	logf, err := os.Create(p.logPath)
	if err != nil {
		return nil, fmt.Errorf("create the log of %s: %w", name, err)
	}
	p.cmd = exec.CommandContext(ctx, bin, args...)
	p.cmd.Cancel = func() error { return p.cmd.Process.Signal(syscall.SIGTERM) }
	p.cmd.WaitDelay = stopTimeout
	p.cmd.Env, p.cmd.Stdout, p.cmd.Stderr = env, logf, logf
	if err := p.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	return p, nil
}

// stop sends SIGTERM and waits for the exit; a process still running
// after stopTimeout is killed. It reports an exit other than 0.
func (p *process) stop() error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("send SIGTERM to %s: %w", p.name, err)
	}
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not exit within %s of SIGTERM and was killed (log: %s)", p.name, stopTimeout, p.logPath)
	}
	if p.err != nil {
		return fmt.Errorf("%s exited with %w (log: %s)", p.name, p.err, p.logPath)
	}
	return nil
}

// usage is the CPU time and peak resident memory of an exited process.
func (p *process) usage() (cpu time.Duration, peakKB int64) {
	select {
	case <-p.done:
	default:
		return 0, 0
	}
	ru, ok := p.cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, 0
	}
	cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return cpu, ru.Maxrss
}

// waitOK polls url until it answers 200, the process exits or
// readyTimeout passes.
func waitOK(ctx context.Context, p *process, url string) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		if res, err := client.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.done:
			return fmt.Errorf("%s exited before it was ready: %v (log: %s)", p.name, p.err, p.logPath)
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not answer 200 at %s within %s (log: %s)", p.name, url, readyTimeout, p.logPath)
}
