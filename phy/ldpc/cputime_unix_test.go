//go:build unix

package ldpc

import (
	"syscall"
	"time"
)

// cpuTime returns the process's user+system CPU time, so benchmarks on a
// shared machine can report throughput per CPU-second besides wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
