package ldpc

import "math"

// layer runs one layered update of base-graph row m over its Z lifted rows
// in parallel: extrinsics t = L − R, the check-node update, then R and L.
// Lane z of edge (m, col) with shift s touches variable col·Z + (z+s) mod Z;
// each edge is processed as two contiguous segments so the loops stay free
// of modulo and bounds checks.
//
// Min-sum keeps, per lane, the two smallest |t| as "keys": the float32 bit
// pattern of |t| (which orders like an unsigned integer) with its low
// keyBits mantissa bits replaced by the edge index, so one integer min
// yields both the minimum and its edge, without branches. The lost 2^−18
// relative precision is far below the LLR noise.
func (d *Decoder) layer(m int) {
	c := d.c
	z := c.z
	r := &c.rows[m]
	off := d.rowOff[m] * z
	k1, k2, sgn := d.k1[:z], d.k2[:z], d.sgn[:z]
	sp := d.cfg.Algorithm == SumProduct
	if sp {
		clear(d.sum[:z])
	} else {
		for i := range k1 {
			k1[i] = math.MaxUint32
			k2[i] = math.MaxUint32
		}
	}
	clear(sgn)
	for k, col := range r.cols {
		s := int(r.shifts[k])
		base := int(col) * z
		rk := d.r[off+k*z : off+(k+1)*z]
		tk := d.t[k*z : (k+1)*z]
		if sp {
			extrinsicPhi(tk[:z-s], d.l[base+s:base+z], rk[:z-s], d.sum[:z-s], sgn[:z-s])
			extrinsicPhi(tk[z-s:], d.l[base:base+s], rk[z-s:], d.sum[z-s:z], sgn[z-s:])
			continue
		}
		extrinsicMin(tk[:z-s], d.l[base+s:base+z], rk[:z-s], k1[:z-s], k2[:z-s], sgn[:z-s], uint32(k))
		extrinsicMin(tk[z-s:], d.l[base:base+s], rk[z-s:], k1[z-s:], k2[z-s:], sgn[z-s:], uint32(k))
	}
	if !sp {
		// Corrected magnitudes once per lane, not once per edge.
		m1, m2 := d.m1[:z], d.m2[:z]
		for i := range m1 {
			m1[i] = math.Float32frombits(k1[i] &^ keyMask)
			m2[i] = math.Float32frombits(k2[i] &^ keyMask)
		}
		switch d.cfg.Algorithm {
		case NormalizedMinSum:
			a := d.cfg.Scale
			for i := range m1 {
				m1[i] *= a
				m2[i] *= a
			}
		case OffsetMinSum:
			b := d.cfg.Offset
			for i := range m1 {
				m1[i] = max(m1[i]-b, 0)
				m2[i] = max(m2[i]-b, 0)
			}
		}
	}
	for k, col := range r.cols {
		s := int(r.shifts[k])
		base := int(col) * z
		rk := d.r[off+k*z : off+(k+1)*z]
		tk := d.t[k*z : (k+1)*z]
		if sp {
			updatePhi(d.l[base+s:base+z], rk[:z-s], tk[:z-s], d.sum[:z-s], sgn[:z-s])
			updatePhi(d.l[base:base+s], rk[z-s:], tk[z-s:], d.sum[z-s:z], sgn[z-s:])
			continue
		}
		updateMin(d.l[base+s:base+z], rk[:z-s], tk[:z-s], d.m1[:z-s], d.m2[:z-s], k1[:z-s], sgn[:z-s], uint32(k))
		updateMin(d.l[base:base+s], rk[z-s:], tk[z-s:], d.m1[z-s:z], d.m2[z-s:z], k1[z-s:], sgn[z-s:], uint32(k))
	}
}

// keyBits low mantissa bits of a min-sum key hold the edge index; base
// graph rows have at most 19 edges (BG1 rows 0..3), so 5 bits suffice.
const (
	keyBits = 5
	keyMask = 1<<keyBits - 1
	signBit = 1 << 31
)

// extrinsicMin computes t = l − r and folds |t| (as a key with edge index k)
// and its sign into the two smallest keys and the sign parity of each lane.
func extrinsicMin(t, l, r []float32, k1, k2, sgn []uint32, k uint32) {
	n := len(t)
	l, r, k1, k2, sgn = l[:n], r[:n], k1[:n], k2[:n], sgn[:n]
	for i := range t {
		v := l[i] - r[i]
		t[i] = v
		bits := math.Float32bits(v)
		sgn[i] ^= bits
		key := bits&^(signBit|keyMask) | k
		old := k1[i]
		k1[i] = min(old, key)
		k2[i] = min(k2[i], max(old, key))
	}
}

// updateMin writes the new check message of edge k, r = ±(m1, or m2 on the
// edge that holds the minimum), and the posterior l = t + r.
func updateMin(l, r, t, m1, m2 []float32, k1, sgn []uint32, k uint32) {
	n := len(t)
	l, r, m1, m2, k1, sgn = l[:n], r[:n], m1[:n], m2[:n], k1[:n], sgn[:n]
	for i := range t {
		// mask is all ones when edge k holds the minimum of lane i.
		mask := uint32(int32(((k1[i]^k)&keyMask)-1) >> 31)
		a, b := math.Float32bits(m1[i]), math.Float32bits(m2[i])
		mag := a ^ (a^b)&mask
		tb := math.Float32bits(t[i])
		v := math.Float32frombits(mag | (tb^sgn[i])&signBit)
		r[i] = v
		l[i] = t[i] + v
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

func extrinsicPhi(t, l, r, sum []float32, sgn []uint32) {
	n := len(t)
	l, r, sum, sgn = l[:n], r[:n], sum[:n], sgn[:n]
	for i := range t {
		v := l[i] - r[i]
		t[i] = v
		sgn[i] ^= math.Float32bits(v)
		sum[i] += phi(float32(math.Abs(float64(v))))
	}
}

func updatePhi(l, r, t, sum []float32, sgn []uint32) {
	n := len(t)
	l, r, sum, sgn = l[:n], r[:n], sum[:n], sgn[:n]
	for i := range t {
		a := float32(math.Abs(float64(t[i])))
		mag := phi(max(sum[i]-phi(a), 0))
		tb := math.Float32bits(t[i])
		v := math.Float32frombits(math.Float32bits(mag) | (tb^sgn[i])&(1<<31))
		r[i] = v
		l[i] = t[i] + v
	}
}
