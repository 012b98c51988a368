package ldpc

import "math"

// layer runs one layered update of base-graph row m over its Z lifted rows
// in parallel: extrinsics t = L − R, the check-node update, then R and L.
// Lane z of edge (m, col) with shift s touches variable col·Z + (z+s) mod Z:
// each edge's posteriors are gathered into a contiguous, zero-padded
// zp-lane vector (two copies), updated by the lane kernels and scattered back.
//
// It reports whether the hard decisions of the posteriors it read satisfied
// all Z checks of the row (an on-the-fly syndrome).
//
// Min-sum keeps, per lane, the two smallest |t| as "keys": the float32 bit
// pattern of |t| (which orders like an unsigned integer) with its low
// keyBits mantissa bits replaced by the edge index, so one integer min
// yields both the minimum and its edge, without branches. The lost 2^−18
// relative precision is far below the LLR noise.
func (d *Decoder) layer(m int) bool {
	c := d.c
	z, zp := c.z, d.zp
	r := &c.rows[m]
	off := d.rowOff[m] * zp
	k1, k2, sgn, psgn := d.k1, d.k2, d.sgn, d.psgn
	sp := d.cfg.Algorithm == SumProduct
	if sp {
		clear(d.sum)
		clear(sgn)
		clear(psgn)
	}
	for k, col := range r.cols {
		s := int(r.shifts[k])
		base := int(col) * z
		x := d.x[k*zp : (k+1)*zp]
		copy(x[:z-s], d.l[base+s:base+z])
		copy(x[z-s:z], d.l[base:base+s])
		clear(x[z:])
		rk := d.r[off+k*zp : off+(k+1)*zp]
		if sp {
			extrinsicPhi(x, rk, d.sum, sgn, psgn)
		} else {
			extrinsicMin(x, rk, k1, k2, sgn, psgn, uint32(k))
		}
	}
	var par uint32
	if sp {
		for _, p := range psgn {
			par |= p
		}
	} else {
		// Corrected magnitudes once per lane, not once per edge.
		scale, offset := float32(1), float32(0)
		switch d.cfg.Algorithm {
		case NormalizedMinSum:
			scale = d.cfg.Scale
		case OffsetMinSum:
			offset = d.cfg.Offset
		}
		par = minMags(d.m1, d.m2, k1, k2, psgn, scale, offset)
	}
	for k, col := range r.cols {
		s := int(r.shifts[k])
		base := int(col) * z
		x := d.x[k*zp : (k+1)*zp]
		rk := d.r[off+k*zp : off+(k+1)*zp]
		if sp {
			updatePhi(x, rk, d.sum, sgn)
		} else {
			updateMin(x, rk, d.m1, d.m2, k1, sgn, uint32(k))
		}
		copy(d.l[base+s:base+z], x[:z-s])
		copy(d.l[base:base+s], x[z-s:z])
	}
	return par&signBit == 0
}

// keyBits low mantissa bits of a min-sum key hold the edge index; base
// graph rows have at most 19 edges (BG1 rows 0..3), so 5 bits suffice.
const (
	keyBits = 5
	keyMask = 1<<keyBits - 1
	signBit = 1 << 31
)

// extrinsicMinGo replaces x (posteriors) by the extrinsics t = x − r and
// folds |t| (as a key with edge index k) and its sign into the two smallest
// keys and the sign parity of each lane, and the posterior's sign into psgn.
// Edge k = 0 initialises the lane state. All slices have the same length.
func extrinsicMinGo(x, r []float32, k1, k2, sgn, psgn []uint32, k uint32) {
	n := len(x)
	r, k1, k2, sgn, psgn = r[:n], k1[:n], k2[:n], sgn[:n], psgn[:n]
	if k == 0 {
		for i := range x {
			p := x[i]
			v := p - r[i]
			x[i] = v
			bits := math.Float32bits(v)
			sgn[i] = bits
			psgn[i] = math.Float32bits(p)
			k1[i] = bits &^ (signBit | keyMask)
			k2[i] = math.MaxUint32
		}
		return
	}
	for i := range x {
		p := x[i]
		v := p - r[i]
		x[i] = v
		bits := math.Float32bits(v)
		sgn[i] ^= bits
		psgn[i] ^= math.Float32bits(p)
		key := bits&^(signBit|keyMask) | k
		old := k1[i]
		k1[i] = min(old, key)
		k2[i] = min(k2[i], max(old, key))
	}
}

// minMagsGo turns the keys into corrected magnitudes
// m = max(|key|·scale − offset, 0) and returns the OR of psgn.
func minMagsGo(m1, m2 []float32, k1, k2, psgn []uint32, scale, offset float32) uint32 {
	n := len(m1)
	m2, k1, k2, psgn = m2[:n], k1[:n], k2[:n], psgn[:n]
	var par uint32
	for i := range m1 {
		m1[i] = positive(float32(math.Float32frombits(k1[i]&^keyMask)*scale) - offset)
		m2[i] = positive(float32(math.Float32frombits(k2[i]&^keyMask)*scale) - offset)
		par |= psgn[i]
	}
	return par
}

// positive returns v if v > 0, else +0 (also for NaN), as MAXPS(v, 0) does.
func positive(v float32) float32 {
	if v > 0 {
		return v
	}
	return 0
}

// updateMinGo writes the new check message of edge k, r = ±(m1, or m2 on
// the edge that holds the minimum), with the sign making the check even,
// and the posterior x = t + r (x holds t on entry).
func updateMinGo(x, r, m1, m2 []float32, k1, sgn []uint32, k uint32) {
	n := len(x)
	r, m1, m2, k1, sgn = r[:n], m1[:n], m2[:n], k1[:n], sgn[:n]
	for i := range x {
		// mask is all ones when edge k holds the minimum of lane i.
		mask := uint32(int32(((k1[i]^k)&keyMask)-1) >> 31)
		a, b := math.Float32bits(m1[i]), math.Float32bits(m2[i])
		mag := a ^ (a^b)&mask
		t := x[i]
		v := math.Float32frombits(mag | (math.Float32bits(t)^sgn[i])&signBit)
		r[i] = v
		x[i] = t + v
	}
}

// φ(x) = −ln tanh(x/2) = ln((e^x+1)/(e^x−1)), its own inverse on x > 0.
// Arguments are clipped to [phiMin, phiMax] so φ stays finite (φ(1e-6) ≈ 14.5).
const (
	phiMin = 1e-6
	phiMax = 30
)

func phi(x float32) float32 {
	x = min(max(x, phiMin), phiMax)
	return float32(-math.Log(math.Tanh(float64(x) / 2)))
}

func extrinsicPhi(x, r, sum []float32, sgn, psgn []uint32) {
	n := len(x)
	r, sum, sgn, psgn = r[:n], sum[:n], sgn[:n], psgn[:n]
	for i := range x {
		psgn[i] ^= math.Float32bits(x[i])
		v := x[i] - r[i]
		x[i] = v
		sgn[i] ^= math.Float32bits(v)
		sum[i] += phi(float32(math.Abs(float64(v))))
	}
}

func updatePhi(x, r, sum []float32, sgn []uint32) {
	n := len(x)
	r, sum, sgn = r[:n], sum[:n], sgn[:n]
	for i := range x {
		t := x[i]
		a := float32(math.Abs(float64(t)))
		mag := phi(max(sum[i]-phi(a), 0))
		v := math.Float32frombits(math.Float32bits(mag) | (math.Float32bits(t)^sgn[i])&signBit)
		r[i] = v
		x[i] = t + v
	}
}
