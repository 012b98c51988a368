package qam

import (
	"fmt"
	"math"

	"github.com/hesemcom/hesemcom/internal/vec"
)

// LLR computes one log-likelihood ratio per bit, L = ln P(b=0|y)/P(b=1|y),
// for symbols received as y = x + n with complex noise variance n0 (the
// Es/N0 convention of DESIGN.md §3: n0 = 10^(−EsN0/10) for unit-energy
// points). It writes m·len(src) values into dst[:0] and returns them; it does
// not allocate when cap(dst) suffices. n0 must be positive and finite.
//
// MaxLog: L = (min_{x∈X1} |y−x|² − min_{x∈X0} |y−x|²)/n0.
// Exact: L = ln Σ_{X0} exp(−|y−x|²/n0) − ln Σ_{X1} exp(−|y−x|²/n0),
// evaluated stably (each sum relative to its own largest term).
func (c *Constellation) LLR(dst []float32, src []complex64, n0 float64, method LLRMethod) ([]float32, error) {
	if !(n0 > 0) || math.IsInf(n0, 0) {
		return dst[:0], fmt.Errorf("qam: noise variance %v must be positive and finite", n0)
	}
	if method > Exact {
		return dst[:0], fmt.Errorf("qam: unknown LLR method %d", uint8(method))
	}
	m := c.m
	dst = vec.Grow(dst, len(src)*m)
	if c.sep && c.k == 1 {
		// QPSK: one level pair ±a per dimension, so max-log and exact agree:
		// L = ((x+a)² − (x−a)²)/n0 = 4a·x/n0.
		g := float32(4 * c.step / n0)
		for i, y := range src {
			dst[2*i], dst[2*i+1] = g*real(y), g*imag(y)
		}
		return dst, nil
	}
	for i, y := range src {
		c.llrSymbol(dst[i*m:i*m+m], y, i, n0, method)
	}
	return dst, nil
}

// LLRPerSymbol is LLR with a noise variance per symbol, n0[i] for src[i] —
// the effective noise after equalisation (n0/|H|² for zero forcing). Every
// n0[i] must be positive and finite.
func (c *Constellation) LLRPerSymbol(dst []float32, src []complex64, n0 []float32, method LLRMethod) ([]float32, error) {
	if len(n0) != len(src) {
		return dst[:0], fmt.Errorf("qam: %d noise variances for %d symbols", len(n0), len(src))
	}
	if method > Exact {
		return dst[:0], fmt.Errorf("qam: unknown LLR method %d", uint8(method))
	}
	m := c.m
	dst = vec.Grow(dst, len(src)*m)
	for i, y := range src {
		v := float64(n0[i])
		if !(v > 0) || math.IsInf(v, 0) {
			return dst[:0], fmt.Errorf("qam: noise variance n0[%d] = %v must be positive and finite", i, v)
		}
		if c.sep && c.k == 1 { // QPSK, as in LLR
			g := float32(4 * c.step / v)
			dst[2*i], dst[2*i+1] = g*real(y), g*imag(y)
			continue
		}
		c.llrSymbol(dst[i*m:i*m+m], y, i, v, method)
	}
	return dst, nil
}

func (c *Constellation) llrSymbol(out []float32, y complex64, i int, n0 float64, method LLRMethod) {
	if c.sep {
		k := c.k
		var li, lq [4]float32 // k ≤ 4 (256-QAM)
		c.llrPAM(li[:k], float64(real(y)), n0, method)
		c.llrPAM(lq[:k], float64(imag(y)), n0, method)
		for j := range k {
			out[2*j], out[2*j+1] = li[j], lq[j]
		}
		return
	}
	if c.rot {
		y = derotate(y, i)
	}
	c.llrGeneric(out, float64(real(y)), float64(imag(y)), n0, method)
}

// llrPAM demaps one dimension of a square QAM: with independent noise per
// dimension (variance n0/2 each) and a product labelling, the 2-D LLR of a
// bit carried by this dimension equals the 1-D LLR computed here exactly.
func (c *Constellation) llrPAM(out []float32, x, n0 float64, method LLRMethod) {
	k := len(out)
	var d [16]float64 // L ≤ 16
	var d0, d1 [4]float64
	for j := range k {
		d0[j], d1[j] = math.Inf(1), math.Inf(1)
	}
	for p, a := range c.level {
		e := x - a
		dd := e * e
		d[p] = dd
		lab := c.plabel[p]
		for j := range k {
			if lab>>(k-1-j)&1 == 0 {
				d0[j] = min(d0[j], dd)
			} else {
				d1[j] = min(d1[j], dd)
			}
		}
	}
	if method == MaxLog {
		for j := range k {
			out[j] = float32((d1[j] - d0[j]) / n0)
		}
		return
	}
	var s0, s1 [4]float64
	for p := range c.level {
		lab := c.plabel[p]
		for j := range k {
			if lab>>(k-1-j)&1 == 0 {
				s0[j] += math.Exp(-(d[p] - d0[j]) / n0)
			} else {
				s1[j] += math.Exp(-(d[p] - d1[j]) / n0)
			}
		}
	}
	for j := range k {
		out[j] = float32((d1[j]-d0[j])/n0 + math.Log(s0[j]) - math.Log(s1[j]))
	}
}

// llrGeneric demaps over all points (BPSK, π/2-BPSK, custom). The exact
// method recomputes the distances in a second pass instead of keeping
// M of them in scratch, so a Constellation stays free of mutable state.
func (c *Constellation) llrGeneric(out []float32, yx, yy, n0 float64, method LLRMethod) {
	m := len(out)
	var d0, d1 [12]float64 // m ≤ log2(MaxCustomSize)
	for j := range m {
		d0[j], d1[j] = math.Inf(1), math.Inf(1)
	}
	for lab := range c.px {
		dx, dy := yx-c.px[lab], yy-c.py[lab]
		dd := dx*dx + dy*dy
		for j := range m {
			if lab>>(m-1-j)&1 == 0 {
				d0[j] = min(d0[j], dd)
			} else {
				d1[j] = min(d1[j], dd)
			}
		}
	}
	if method == MaxLog {
		for j := range m {
			out[j] = float32((d1[j] - d0[j]) / n0)
		}
		return
	}
	var s0, s1 [12]float64
	for lab := range c.px {
		dx, dy := yx-c.px[lab], yy-c.py[lab]
		dd := dx*dx + dy*dy
		for j := range m {
			if lab>>(m-1-j)&1 == 0 {
				s0[j] += math.Exp(-(dd - d0[j]) / n0)
			} else {
				s1[j] += math.Exp(-(dd - d1[j]) / n0)
			}
		}
	}
	for j := range m {
		out[j] = float32((d1[j]-d0[j])/n0 + math.Log(s0[j]) - math.Log(s1[j]))
	}
}

// Demapper is a soft-demapping stream kernel: a constellation with a method
// and a noise variance fixed between calls (set N0 per SNR point).
type Demapper struct {
	C      *Constellation
	Method LLRMethod
	N0     float64
}

// Demapper returns a Demapper for c.
func (c *Constellation) Demapper(method LLRMethod, n0 float64) *Demapper {
	return &Demapper{C: c, Method: method, N0: n0}
}

// Demap is LLR with the Demapper's method and noise variance; it has the
// stream-kernel shape func(dst []float32, src []complex64) ([]float32, error).
func (d *Demapper) Demap(dst []float32, src []complex64) ([]float32, error) {
	return d.C.LLR(dst, src, d.N0, d.Method)
}

// OutLen reports the number of LLRs Demap produces for n symbols (1:m).
func (d *Demapper) OutLen(n int) int { return d.C.BitsLen(n) }
