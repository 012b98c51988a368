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

// qLaneWidth is the padding granule of the fixed-point lane vectors.
const qLaneWidth = 16

func initLanesQ(k1, k2, sgn, psgn []uint16) { initLanesQGo(k1, k2, sgn, psgn) }

func minMagsQ(m1, m2 []int16, k1, k2, psgn []uint16, mul, off uint16) uint16 {
	return minMagsQGo(m1, m2, k1, k2, psgn, mul, off)
}

func xorSignsQ(dst []uint16, l []int16) { xorSignsQGo(dst, l) }

func extrinsicRowQ(q *qstate, r []int16, offs []int32) { extrinsicRowQGo(q, r, offs) }

func updateRowQ(q *qstate, z int, r []int16, offs []int32) { updateRowQGo(q, z, r, offs) }
