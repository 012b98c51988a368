//go:build !unix

package ldpc

import "time"

// cpuTime is unavailable here; benchmarks then skip the per-CPU-second metric.
func cpuTime() time.Duration { return 0 }
