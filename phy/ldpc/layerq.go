package ldpc

import "math"

// Fixed-point min-sum (the default for MinSum, NormalizedMinSum and
// OffsetMinSum). LLRs are int16 in steps of 1/qScale, saturating at ±32767
// (±4096 in LLR units); check-node magnitudes are clipped to qMaxMag
// (≈ 256 in LLR units, far beyond any probability float32 resolves) so that
// a key — magnitude << keyBits | edge — fits 16 bits. Sixteen lanes per
// 256-bit vector instead of eight float32 lanes.
const (
	qScale   = 8
	qMaxMag  = 1<<(16-keyBits) - 1 // 2047
	qFiller  = math.MaxInt16
	qLaneMax = math.MaxInt16
)

// quantize converts an LLR to fixed point, rounding to nearest and saturating.
// NaN maps to 0 (an erasure).
func quantize(v float32) int16 {
	if v != v {
		return 0
	}
	x := min(max(v*qScale, -qLaneMax), qLaneMax)
	// Round half away from zero (the conversion truncates toward zero):
	// add ±0.5 with the sign of x, without a branch.
	half := math.Float32frombits(0x3f000000 | math.Float32bits(x)&signBit)
	return int16(x + half)
}

// satAdd16 and satSub16 are the saturating int16 add and subtract of
// PADDSW/PSUBSW.
func satAdd16(a, b int16) int16 {
	return int16(min(max(int32(a)+int32(b), math.MinInt16), math.MaxInt16))
}
func satSub16(a, b int16) int16 {
	return int16(min(max(int32(a)-int32(b), math.MinInt16), math.MaxInt16))
}

// abs16 is PABSW: |v| as an unsigned 16-bit value (32768 for −32768).
func abs16(v int16) uint16 {
	if v < 0 {
		return uint16(-int32(v))
	}
	return uint16(v)
}

// initLanesQGo resets the per-lane fixed-point min-sum state.
func initLanesQGo(k1, k2, sgn, psgn []uint16) {
	for i := range k1 {
		k1[i] = math.MaxUint16
	}
	copy(k2, k1)
	clear(sgn)
	clear(psgn)
}

// extrinsicQGo is extrinsicMinGo in fixed point: it reads the posteriors
// l, writes t = sat(l − r) to x, folds the keys min(|t|, qMaxMag)<<keyBits | k
// into k1, k2 and the sign parities of t and of the posterior into sgn, psgn.
func extrinsicQGo(x, l, r []int16, k1, k2, sgn, psgn []uint16, k uint16) {
	n := len(x)
	l, r, k1, k2, sgn, psgn = l[:n], r[:n], k1[:n], k2[:n], sgn[:n], psgn[:n]
	for i, p := range l {
		v := satSub16(p, r[i])
		x[i] = v
		sgn[i] ^= uint16(v)
		psgn[i] ^= uint16(p)
		key := min(abs16(v), qMaxMag)<<keyBits | k
		old := k1[i]
		k1[i] = min(old, key)
		k2[i] = min(k2[i], max(old, key))
	}
}

// minMagsQGo turns keys into corrected magnitudes: m = key>>keyBits, scaled
// by mul/65536 when mul ≠ 0 (normalised min-sum), minus off floored at 0
// (offset min-sum). It returns the OR of psgn.
func minMagsQGo(m1, m2 []int16, k1, k2, psgn []uint16, mul, off uint16) uint16 {
	n := len(m1)
	m2, k1, k2, psgn = m2[:n], k1[:n], k2[:n], psgn[:n]
	var par uint16
	f := func(key uint16) int16 {
		m := key >> keyBits
		if mul != 0 {
			m = uint16(uint32(m) * uint32(mul) >> 16)
		}
		return int16(m - min(m, off))
	}
	for i := range m1 {
		m1[i] = f(k1[i])
		m2[i] = f(k2[i])
		par |= psgn[i]
	}
	return par
}

// updateQGo is updateMinGo in fixed point: r = ±(m1 or m2) and the new
// posterior sat(t + r) (t from x) written to the three copies of the
// column, l[i], l[z+i] and l[2z+i] (see layerQ), lanes from last to first
// so that the real lanes overwrite what padding lanes spilled.
func updateQGo(l []int16, z int, x, r, m1, m2 []int16, k1, sgn []uint16, k uint16) {
	n := len(x)
	l = l[:2*z+n]
	r, m1, m2, k1, sgn = r[:n], m1[:n], m2[:n], k1[:n], sgn[:n]
	for i := n - 1; i >= 0; i-- {
		t := x[i]
		mag := m1[i]
		if (k1[i]^k)&keyMask == 0 {
			mag = m2[i]
		}
		s := int16(uint16(t)^sgn[i]) >> 15 // 0 or −1
		v := mag ^ s - s
		r[i] = v
		p := satAdd16(t, v)
		l[i], l[z+i], l[2*z+i] = p, p, p
	}
}

// layerQ is layer for the fixed-point min-sum decoder. Each column j of
// the posteriors is stored three times in a row, A|B|C, plus zp lanes of
// spill room D (stride 3Z+zp): lane i of an edge with shift s reads
// B|C at offset Z+s+i, a contiguous run, so no gather copy is needed; the
// update writes each lane to all three copies (offsets s, Z+s, 2Z+s), which
// keeps B and C exact for every shift. A is write-only spill room. The
// per-row offsets are precomputed, and the vector path handles a whole row
// per call.
func (d *Decoder) layerQ(m int) bool {
	c, q := d.c, d.q
	z, zp := c.z, q.zp
	deg := len(c.rows[m].cols)
	off := d.rowOff[m]
	rs := q.r[off*zp : (off+deg)*zp]
	initLanesQ(q.k1, q.k2, q.sgn, q.psgn)
	extrinsicRowQ(q, rs, q.readOff[off:off+deg])
	clear(q.psgn[z:]) // padding lanes are not checks
	par := minMagsQ(q.m1, q.m2, q.k1, q.k2, q.psgn, q.mul, q.off)
	updateRowQ(q, z, rs, q.writeOff[off:off+deg])
	return par&(1<<15) == 0
}

// extrinsicRowQGo runs extrinsicQGo over the edges of a row: edge k reads
// the posteriors at l[offs[k]:] and uses x and r at k·zp.
func extrinsicRowQGo(q *qstate, r []int16, offs []int32) {
	zp := q.zp
	for k, o := range offs {
		extrinsicQGo(q.x[k*zp:(k+1)*zp], q.l[o:int(o)+zp], r[k*zp:(k+1)*zp], q.k1, q.k2, q.sgn, q.psgn, uint16(k))
	}
}

// updateRowQGo runs updateQGo over the edges of a row: edge k writes the
// copies at l[offs[k]:], l[offs[k]+z:] and l[offs[k]+2z:].
func updateRowQGo(q *qstate, z int, r []int16, offs []int32) {
	zp := q.zp
	for k, o := range offs {
		updateQGo(q.l[o:int(o)+2*z+zp], z, q.x[k*zp:(k+1)*zp], r[k*zp:(k+1)*zp], q.m1, q.m2, q.k1, q.sgn, uint16(k))
	}
}

// qstate is the fixed-point decoder's scratch.
type qstate struct {
	zp       int     // Z rounded up to qLaneWidth
	stride   int     // 3Z + zp: one column of l (see layerQ)
	l        []int16 // posteriors, three copies per column
	r        []int16 // check messages, edges·zp
	x        []int16 // gathered posteriors / extrinsics, maxDeg·zp
	m1, m2   []int16
	k1, k2   []uint16
	sgn      []uint16
	psgn     []uint16
	mul, off uint16
	// Per edge (in rowOff order): where the row's run of the column
	// starts for reading (col·stride + Z + s) and writing (col·stride + s).
	readOff, writeOff []int32
}

func newQState(c *Code, edges, maxDeg int, cfg DecoderConfig) *qstate {
	zp := (c.z + qLaneWidth - 1) / qLaneWidth * qLaneWidth
	st := 3*c.z + zp
	q := &qstate{
		zp: zp, stride: st, l: make([]int16, c.d.cols*st), r: make([]int16, edges*zp), x: make([]int16, maxDeg*zp),
		m1: make([]int16, zp), m2: make([]int16, zp),
		k1: make([]uint16, zp), k2: make([]uint16, zp), sgn: make([]uint16, zp), psgn: make([]uint16, zp),
	}
	for _, row := range c.rows {
		for k, col := range row.cols {
			w := int(col)*st + int(row.shifts[k])
			q.writeOff = append(q.writeOff, int32(w))
			q.readOff = append(q.readOff, int32(w+c.z))
		}
	}
	switch cfg.Algorithm {
	case NormalizedMinSum:
		if cfg.Scale < 1 {
			q.mul = uint16(math.Round(float64(cfg.Scale) * 65536))
		}
	case OffsetMinSum:
		q.off = uint16(min(math.Round(float64(cfg.Offset)*qScale), qMaxMag))
	}
	return q
}

// decodeQ runs the fixed-point decoder on the channel LLRs llr.
func (d *Decoder) decodeQ(dst []byte, llr []float32, nrows int) Result {
	c, q := d.c, d.q
	// Columns beyond nrows+kb are never read.
	z, st := c.z, q.stride
	for j := range nrows + c.d.kb {
		col := q.l[j*st : j*st+3*z]
		for i, v := range llr[j*z : (j+1)*z] {
			col[i] = quantize(v)
		}
		for i := max(c.kInfo-j*z, 0); i < min(c.kFull-j*z, z); i++ {
			col[i] = qFiller
		}
		copy(col[z:2*z], col[:z])
		copy(col[2*z:], col[:z])
	}
	clear(q.r[:d.rowOff[nrows]*q.zp])
	res := Result{}
	for it := 1; it <= d.cfg.MaxIterations; it++ {
		failed := 0
		for m := 0; m < nrows; m++ {
			if !d.layerQ(m) {
				failed++
			}
		}
		res.Iterations = it
		if (failed <= nrows/4 || it == 1) && !d.cfg.NoEarlyStop && d.syndromeQ(nrows) {
			res.Converged = true
			break
		}
	}
	if d.cfg.NoEarlyStop {
		res.Converged = d.syndromeQ(nrows)
	}
	for j := 0; j*z < len(dst); j++ {
		col := q.l[j*st+z : j*st+2*z]
		out := dst[j*z : min((j+1)*z, len(dst))]
		for i := range out {
			out[i] = byte(uint16(col[i]) >> 15)
		}
	}
	return res
}

// syndromeQ reports whether the hard decisions of q.l satisfy rows 0..nrows−1.
func (d *Decoder) syndromeQ(nrows int) bool {
	c, q := d.c, d.q
	z := c.z
	par := q.psgn[:z]
	for m := 0; m < nrows; m++ {
		clear(par)
		r := &c.rows[m]
		for k, col := range r.cols {
			p := int(col)*q.stride + z + int(r.shifts[k])
			xorSignsQ(par, q.l[p:p+z])
		}
		for _, p := range par {
			if p&(1<<15) != 0 {
				return false
			}
		}
	}
	return true
}

func xorSignsQGo(dst []uint16, l []int16) {
	l = l[:len(dst)]
	for i := range dst {
		dst[i] ^= uint16(l[i])
	}
}
