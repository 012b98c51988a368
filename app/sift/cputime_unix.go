//go:build unix

package sift

import "syscall"

// processCPU returns the user+system CPU time of the process in seconds
// (0 if unavailable): stage CPU time does not depend on other load on a
// shared machine, unlike wall time.
func processCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
