package ldpc

// laneWidth is the padding granule of the per-layer lane vectors: one
// 256-bit AVX2 register of float32.
const laneWidth = 8

// useAVX2 selects the assembly lane kernels; tests toggle it to check them
// against the Go kernels bit for bit.
var useAVX2 = hasAVX2()

// hasVectorKernels reports whether this CPU can run the vector kernels.
var hasVectorKernels = useAVX2

// hasAVX2 reports CPU and OS support for AVX2 (Intel SDM Vol. 2A, CPUID
// leaf 1 ECX bits 27 OSXSAVE and 28 AVX, XCR0 bits 1–2 for XMM/YMM state,
// leaf 7 EBX bit 5 AVX2).
func hasAVX2() bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	if ecx1&(1<<27) == 0 || ecx1&(1<<28) == 0 {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 {
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&(1<<5) != 0
}

func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

func xgetbv() (eax, edx uint32)

//go:noescape
func extrinsicMinAVX2(x, r *float32, k1, k2, sgn, psgn *uint32, n int, k uint32)

//go:noescape
func extrinsicMinFirstAVX2(x, r *float32, k1, k2, sgn, psgn *uint32, n int)

//go:noescape
func minMagsAVX2(m1, m2 *float32, k1, k2, psgn *uint32, n int, scale, offset float32) uint32

//go:noescape
func updateMinAVX2(x, r, m1, m2 *float32, k1, sgn *uint32, n int, k uint32)

// extrinsicMin dispatches to the AVX2 kernel for lengths that are a positive
// multiple of laneWidth (always the case in the decoder).
func extrinsicMin(x, r []float32, k1, k2, sgn, psgn []uint32, k uint32) {
	n := len(x)
	if useAVX2 && n > 0 && n%laneWidth == 0 && len(r) >= n && len(k1) >= n && len(k2) >= n && len(sgn) >= n && len(psgn) >= n {
		if k == 0 {
			extrinsicMinFirstAVX2(&x[0], &r[0], &k1[0], &k2[0], &sgn[0], &psgn[0], n)
		} else {
			extrinsicMinAVX2(&x[0], &r[0], &k1[0], &k2[0], &sgn[0], &psgn[0], n, k)
		}
		return
	}
	extrinsicMinGo(x, r, k1, k2, sgn, psgn, k)
}

func minMags(m1, m2 []float32, k1, k2, psgn []uint32, scale, offset float32) uint32 {
	n := len(m1)
	if useAVX2 && n > 0 && n%laneWidth == 0 && len(m2) >= n && len(k1) >= n && len(k2) >= n && len(psgn) >= n {
		return minMagsAVX2(&m1[0], &m2[0], &k1[0], &k2[0], &psgn[0], n, scale, offset)
	}
	return minMagsGo(m1, m2, k1, k2, psgn, scale, offset)
}

func updateMin(x, r, m1, m2 []float32, k1, sgn []uint32, k uint32) {
	n := len(x)
	if useAVX2 && n > 0 && n%laneWidth == 0 && len(r) >= n && len(m1) >= n && len(m2) >= n && len(k1) >= n && len(sgn) >= n {
		updateMinAVX2(&x[0], &r[0], &m1[0], &m2[0], &k1[0], &sgn[0], n, k)
		return
	}
	updateMinGo(x, r, m1, m2, k1, sgn, k)
}

//go:noescape
func xorBitsAVX2(dst *uint32, src *float32, n int)

// xorSigns XORs the bit patterns of l into dst (only the sign bits matter).
func xorSigns(dst []uint32, l []float32) {
	n := len(dst)
	l = l[:n]
	v := n &^ (laneWidth - 1)
	if useAVX2 && v > 0 {
		xorBitsAVX2(&dst[0], &l[0], v)
	} else {
		v = 0
	}
	xorSignsGo(dst[v:], l[v:])
}

// qLaneWidth is the padding granule of the fixed-point lane vectors: one
// 256-bit register of int16.
const qLaneWidth = 16

//go:noescape
func initLanesQAVX2(k1, k2, sgn, psgn *uint16, n int)

//go:noescape
func minMagsQAVX2(m1, m2 *int16, k1, k2, psgn *uint16, n int, mul, off uint16) uint16

// The fixed-point kernels take the vector path for lengths that are a
// positive multiple of qLaneWidth (always so in the decoder).

func initLanesQ(k1, k2, sgn, psgn []uint16) {
	n := len(k1)
	if useAVX2 && n > 0 && n%qLaneWidth == 0 && len(k2) >= n && len(sgn) >= n && len(psgn) >= n {
		initLanesQAVX2(&k1[0], &k2[0], &sgn[0], &psgn[0], n)
		return
	}
	initLanesQGo(k1, k2, sgn, psgn)
}

func minMagsQ(m1, m2 []int16, k1, k2, psgn []uint16, mul, off uint16) uint16 {
	n := len(m1)
	if useAVX2 && n > 0 && n%qLaneWidth == 0 && len(m2) >= n && len(k1) >= n && len(k2) >= n && len(psgn) >= n {
		return minMagsQAVX2(&m1[0], &m2[0], &k1[0], &k2[0], &psgn[0], n, mul, off)
	}
	return minMagsQGo(m1, m2, k1, k2, psgn, mul, off)
}

//go:noescape
func xorBitsQAVX2(dst *uint16, src *int16, n int)

// xorSignsQ XORs the bit patterns of l into dst (only the sign bits matter).
func xorSignsQ(dst []uint16, l []int16) {
	n := len(dst)
	l = l[:n]
	v := n &^ (qLaneWidth - 1)
	if useAVX2 && v > 0 {
		xorBitsQAVX2(&dst[0], &l[0], v)
	} else {
		v = 0
	}
	xorSignsQGo(dst[v:], l[v:])
}

//go:noescape
func extrinsicRowQAVX2(x, l, r *int16, k1, k2, sgn, psgn *uint16, zpb int, offs *int32, deg int)

//go:noescape
func updateRowQAVX2(l *int16, zb int, x, r, m1, m2 *int16, k1, sgn *uint16, zpb int, offs *int32, deg int)

// rowQOK checks that a row's offsets keep every vector access of the row
// kernels inside q's slices (the kernels index with them unchecked).
func rowQOK(q *qstate, r []int16, offs []int32, span int) bool {
	zp, deg := q.zp, len(offs)
	if deg == 0 || zp%qLaneWidth != 0 || len(r) < deg*zp || len(q.x) < deg*zp ||
		len(q.k1) < zp || len(q.k2) < zp || len(q.sgn) < zp || len(q.psgn) < zp || len(q.m1) < zp || len(q.m2) < zp {
		return false
	}
	for _, o := range offs {
		if o < 0 || int(o)+span > len(q.l) {
			return false
		}
	}
	return true
}

func extrinsicRowQ(q *qstate, r []int16, offs []int32) {
	if useAVX2 && rowQOK(q, r, offs, q.zp) {
		extrinsicRowQAVX2(&q.x[0], &q.l[0], &r[0], &q.k1[0], &q.k2[0], &q.sgn[0], &q.psgn[0], 2*q.zp, &offs[0], len(offs))
		return
	}
	extrinsicRowQGo(q, r, offs)
}

func updateRowQ(q *qstate, z int, r []int16, offs []int32) {
	if useAVX2 && z > 0 && rowQOK(q, r, offs, 2*z+q.zp) {
		updateRowQAVX2(&q.l[0], 2*z, &q.x[0], &r[0], &q.m1[0], &q.m2[0], &q.k1[0], &q.sgn[0], 2*q.zp, &offs[0], len(offs))
		return
	}
	updateRowQGo(q, z, r, offs)
}
