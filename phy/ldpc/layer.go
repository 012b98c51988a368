package ldpc

import "math"

// layer runs one layered update of base-graph row m over its Z lifted rows
// in parallel: extrinsics t = L − R, the check-node update, then R and L.
// Lane z of edge (m, col) with shift s touches variable col·Z + (z+s) mod Z;
// each edge is processed as two contiguous segments so the loops stay free
// of modulo and bounds checks.
func (d *Decoder) layer(m int) {
	c := d.c
	z := c.z
	r := &c.rows[m]
	off := d.rowOff[m] * z
	m1, m2, idx, sgn := d.m1[:z], d.m2[:z], d.idx[:z], d.sgn[:z]
	sp := d.cfg.Algorithm == SumProduct
	for i := range m1 {
		m1[i] = math.MaxFloat32
		m2[i] = math.MaxFloat32
		idx[i] = -1
		sgn[i] = 0
	}
	if sp {
		clear(m1) // holds Σφ(|t|)
	}
	for k, col := range r.cols {
		s := int(r.shifts[k])
		base := int(col) * z
		rk := d.r[off+k*z : off+(k+1)*z]
		tk := d.t[k*z : (k+1)*z]
		if sp {
			extrinsicPhi(tk[:z-s], d.l[base+s:base+z], rk[:z-s], m1[:z-s], sgn[:z-s])
			extrinsicPhi(tk[z-s:], d.l[base:base+s], rk[z-s:], m1[z-s:], sgn[z-s:])
			continue
		}
		extrinsicMin(tk[:z-s], d.l[base+s:base+z], rk[:z-s], m1[:z-s], m2[:z-s], idx[:z-s], sgn[:z-s], int32(k))
		extrinsicMin(tk[z-s:], d.l[base:base+s], rk[z-s:], m1[z-s:], m2[z-s:], idx[z-s:], sgn[z-s:], int32(k))
	}
	if !sp {
		// Apply the correction once per lane instead of once per edge.
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
			updatePhi(d.l[base+s:base+z], rk[:z-s], tk[:z-s], m1[:z-s], sgn[:z-s])
			updatePhi(d.l[base:base+s], rk[z-s:], tk[z-s:], m1[z-s:], sgn[z-s:])
			continue
		}
		updateMin(d.l[base+s:base+z], rk[:z-s], tk[:z-s], m1[:z-s], m2[:z-s], idx[:z-s], sgn[:z-s], int32(k))
		updateMin(d.l[base:base+s], rk[z-s:], tk[z-s:], m1[z-s:], m2[z-s:], idx[z-s:], sgn[z-s:], int32(k))
	}
}

// extrinsicMin computes t = l − r and folds |t| and its sign into the
// running minimum, second minimum, argmin and sign parity of each lane.
func extrinsicMin(t, l, r, m1, m2 []float32, idx []int32, sgn []uint32, k int32) {
	n := len(t)
	l, r, m1, m2, idx, sgn = l[:n], r[:n], m1[:n], m2[:n], idx[:n], sgn[:n]
	for i := range t {
		v := l[i] - r[i]
		t[i] = v
		bits := math.Float32bits(v)
		sgn[i] ^= bits
		a := math.Float32frombits(bits &^ (1 << 31))
		if a < m1[i] {
			m2[i] = m1[i]
			m1[i] = a
			idx[i] = k
		} else if a < m2[i] {
			m2[i] = a
		}
	}
}

// updateMin writes the new check message of edge k, r = ±(m1 or m2), and the
// posterior l = t + r.
func updateMin(l, r, t, m1, m2 []float32, idx []int32, sgn []uint32, k int32) {
	n := len(t)
	l, r, m1, m2, idx, sgn = l[:n], r[:n], m1[:n], m2[:n], idx[:n], sgn[:n]
	for i := range t {
		mag := m1[i]
		if idx[i] == k {
			mag = m2[i]
		}
		tb := math.Float32bits(t[i])
		v := math.Float32frombits(math.Float32bits(mag) | (tb^sgn[i])&(1<<31))
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
