package main

import (
	"runtime/debug"
	"testing"
)

// gcPercent reads the garbage collection target without changing it.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// serve collects garbage less often unless the admin set GOGC; either way
// the previous target is back once serve ends. Not parallel: the target is
// the process's.
func TestServeGCTarget(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want int
	}{
		{"GOGC not set", nil, serveGCPercent},
		{"GOGC empty", map[string]string{"GOGC": ""}, serveGCPercent},
		{"GOGC set by the admin", map[string]string{"GOGC": "150"}, 150},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := debug.SetGCPercent(150)
			defer debug.SetGCPercent(before)
			a := &app{lookupEnv: func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }}
			restore := a.tuneGC()
			if got := gcPercent(); got != tt.want {
				t.Errorf("while serving: GC target %d, want %d", got, tt.want)
			}
			restore()
			if got := gcPercent(); got != 150 {
				t.Errorf("after serving: GC target %d, want the previous 150", got)
			}
		})
	}
}
