package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// userHZ is the unit of the CPU times in /proc: 100 per second on every
// Linux platform Go runs on.
const userHZ = 100

// phase is the wall time of a load phase and the CPU it took, in cores
// busy on average: the machine as a whole, serve, and this load generator.
// What remains of the machine's share is mostly PostgreSQL.
type phase struct {
	elapsed                 time.Duration
	machine, serve, loadgen float64
}

// cpuSample is the CPU time used so far.
type cpuSample struct {
	at                      time.Time
	machine, serve, loadgen time.Duration
}

// measurePhase runs fn and measures it.
func measurePhase(serve *process, fn func()) (phase, error) {
	before, err := sampleCPU(serve.cmd.Process.Pid)
	if err != nil {
		return phase{}, err
	}
	fn()
	after, err := sampleCPU(serve.cmd.Process.Pid)
	if err != nil {
		return phase{}, err
	}
	wall := after.at.Sub(before.at)
	cores := func(a, b time.Duration) float64 { return (b - a).Seconds() / wall.Seconds() }
	return phase{elapsed: wall, machine: cores(before.machine, after.machine),
		serve: cores(before.serve, after.serve), loadgen: cores(before.loadgen, after.loadgen)}, nil
}

func sampleCPU(servePID int) (cpuSample, error) {
	s := cpuSample{at: time.Now()}
	var err error
	if s.machine, err = machineBusy(); err != nil {
		return s, err
	}
	if s.serve, err = processCPU(servePID); err != nil {
		return s, err
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return s, fmt.Errorf("read the load generator's CPU time: %w", err)
	}
	s.loadgen = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return s, nil
}

// machineBusy is the CPU time of all cores outside idle and I/O wait,
// from the first line of /proc/stat: cpu user nice system idle iowait
// irq softirq steal ….
func machineBusy() (time.Duration, error) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, fmt.Errorf("read the machine's CPU time: %w", err)
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, fmt.Errorf("read the machine's CPU time: unexpected /proc/stat line %q", line)
	}
	return ticks(f[1], f[2], f[3], f[6], f[7], f[8])
}

// processCPU is a process's user and system time from /proc/PID/stat,
// whose fields 14 and 15 follow the command name in parentheses.
func processCPU(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read the CPU time of serve: %w", err)
	}
	end := strings.LastIndexByte(string(raw), ')') // the name may hold parentheses itself
	f := strings.Fields(string(raw[end+1:]))
	if end < 0 || len(f) < 13 {
		return 0, fmt.Errorf("read the CPU time of serve: unexpected /proc/%d/stat", pid)
	}
	return ticks(f[11], f[12])
}

func ticks(fields ...string) (time.Duration, error) {
	var sum int64
	for _, s := range fields {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("read CPU ticks %q: %w", s, err)
		}
		sum += n
	}
	return time.Duration(sum) * time.Second / userHZ, nil
}
