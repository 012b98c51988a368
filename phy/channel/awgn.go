package channel

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/hesemcom/hesemcom/internal/vec"
)

// AWGN adds circular complex white Gaussian noise.
type AWGN struct {
	n *Normal
}

// NewAWGN returns an AWGN channel drawing from a generator seeded by rng.
func NewAWGN(rng *rand.Rand) *AWGN { return &AWGN{n: NewNormal(rng)} }

// Clone returns an independent AWGN channel seeded from a's stream.
func (a *AWGN) Clone() *AWGN { return &AWGN{n: a.n.Clone()} }

// Apply writes src[i] + n[i] into dst[:len(src)] and returns it, n[i]
// circular complex Gaussian with variance n0 (n0/2 per real dimension):
// for unit-power src, n0 = units.N0(EsN0). dst may alias src; no allocation
// when cap(dst) ≥ len(src). n0 must be finite and ≥ 0 (0 copies src).
func (a *AWGN) Apply(dst, src []complex64, n0 float64) ([]complex64, error) {
	if !(n0 >= 0) || math.IsInf(n0, 0) {
		return dst[:0], fmt.Errorf("channel: noise variance %v must be finite and non-negative", n0)
	}
	dst = vec.Grow(dst, len(src))
	a.n.addNoise(dst, src, float32(math.Sqrt(n0/2)))
	return dst, nil
}

// Stage returns Apply with n0 fixed, in the stream-kernel shape
// func(dst, src []complex64) ([]complex64, error) for a pipeline block.
func (a *AWGN) Stage(n0 float64) func(dst, src []complex64) ([]complex64, error) {
	return func(dst, src []complex64) ([]complex64, error) { return a.Apply(dst, src, n0) }
}

// OutLen reports the output length for n samples (1:1).
func (a *AWGN) OutLen(n int) int { return n }

// CFO rotates samples by a carrier frequency offset: dst[n] = src[n]·
// e^{j(2π·ε·n + φ0)} with ε the offset in cycles per sample (Δf/fs) and n
// counting across calls.
type CFO struct {
	eps   float64
	phase float64 // in cycles, kept in [0, 1)
}

// NewCFO returns a rotator for an offset of eps cycles per sample
// (|eps| ≤ 0.5) starting at phase phase0 radians.
func NewCFO(eps, phase0 float64) (*CFO, error) {
	if math.IsNaN(eps) || math.Abs(eps) > 0.5 {
		return nil, fmt.Errorf("channel: frequency offset %v cycles/sample out of range [−0.5, 0.5]", eps)
	}
	if math.IsNaN(phase0) || math.IsInf(phase0, 0) {
		return nil, fmt.Errorf("channel: initial phase %v is not finite", phase0)
	}
	_, f := math.Modf(phase0 / (2 * math.Pi))
	return &CFO{eps: eps, phase: f}, nil
}

// Offset returns ε in cycles per sample.
func (c *CFO) Offset() float64 { return c.eps }

// Clone returns a copy with the same offset and current phase.
func (c *CFO) Clone() *CFO { d := *c; return &d }

// OutLen reports the output length for n samples (1:1).
func (c *CFO) OutLen(n int) int { return n }

// cfoChunk bounds the phasor recurrence: the phase is recomputed exactly
// every cfoChunk samples, so rounding never accumulates (float64 drift over
// 256 steps is ~1e-14).
const cfoChunk = 256

// Apply rotates src into dst (dst may alias src) and returns dst; it never
// fails and does not allocate when cap(dst) ≥ len(src).
func (c *CFO) Apply(dst, src []complex64) ([]complex64, error) {
	dst = vec.Grow(dst, len(src))
	ss, sc := math.Sincos(2 * math.Pi * c.eps)
	step := complex(sc, ss)
	for start := 0; start < len(src); start += cfoChunk {
		end := min(start+cfoChunk, len(src))
		s, co := math.Sincos(2 * math.Pi * (c.phase + c.eps*float64(start)))
		p := complex(co, s)
		for i := start; i < end; i++ {
			x := complex128(src[i]) * p
			dst[i] = complex64(x)
			p *= step
		}
	}
	_, f := math.Modf(c.phase + c.eps*float64(len(src)))
	c.phase = f
	return dst, nil
}
