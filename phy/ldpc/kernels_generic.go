//go:build !amd64

package ldpc

// laneWidth is the padding granule of the per-layer lane vectors.
const laneWidth = 8

// Only the Go lane kernels exist on this architecture.
var useAVX2, hasVectorKernels = false, false

func extrinsicMin(x, r []float32, k1, k2, sgn, psgn []uint32, k uint32) {
	extrinsicMinGo(x, r, k1, k2, sgn, psgn, k)
}

func minMags(m1, m2 []float32, k1, k2, psgn []uint32, scale, offset float32) uint32 {
	return minMagsGo(m1, m2, k1, k2, psgn, scale, offset)
}

func updateMin(x, r, m1, m2 []float32, k1, sgn []uint32, k uint32) {
	updateMinGo(x, r, m1, m2, k1, sgn, k)
}

func xorSigns(dst []uint32, l []float32) { xorSignsGo(dst, l) }
