//go:build !unix

package sift

// processCPU is unavailable on this platform.
func processCPU() float64 { return 0 }
