package qam

import (
	"errors"
	"fmt"
	"math"
	"math/bits"

	"github.com/hesemcom/hesemcom/internal/vec"
)

// MaxCustomSize bounds custom constellations: the generic demapper costs
// M·log2(M) operations per symbol.
const MaxCustomSize = 4096

// ErrBadBit is wrapped by Map errors for input bytes other than 0 and 1.
var ErrBadBit = errors.New("qam: bit value not 0 or 1")

// Constellation is a checked, immutable bit-to-symbol mapping. Build one with
// New or NewCustom.
type Constellation struct {
	scheme Scheme
	m      int         // bits per symbol
	points []complex64 // points[label]
	px, py []float64   // points in float64 for the demappers
	rot    bool        // π/2-BPSK: odd symbols rotated by j

	// Square QAM with the TS 38.211 labelling is a product of two Gray PAMs:
	// the even bits b0, b2, … choose the real part and the odd bits b1, b3, …
	// the imaginary part (§5.1.3–5.1.6). The demappers then work per
	// dimension on L = 2^k levels, exactly (the likelihood factorises).
	sep    bool
	k      int       // bits per dimension
	step   float64   // half the spacing between adjacent levels
	level  []float64 // level[p], ascending: (2p − L + 1)·step
	plabel []uint8   // plabel[p]: the k-bit 1-D label of level p
}

// New returns the TS 38.211 §5.1 constellation of s (not Custom).
func New(s Scheme) (*Constellation, error) {
	switch s {
	case BPSK, PiHalfBPSK:
		// §5.1.1/§5.1.2: d = ((1−2b) + j(1−2b))/√2.
		r := float32(1 / math.Sqrt2)
		c := newFromPoints(s, []complex64{complex(r, r), complex(-r, -r)})
		c.rot = s == PiHalfBPSK
		return c, nil
	case QPSK, QAM16, QAM64, QAM256:
		return newSquare(s), nil
	case Custom:
		return nil, errors.New("qam: a custom constellation needs points: use NewCustom")
	}
	return nil, fmt.Errorf("qam: unknown scheme %d", uint8(s))
}

// MustNew is New for the fixed schemes; it panics on an unknown scheme
// (programmer error). Handy for package-level variables and tests.
func MustNew(s Scheme) *Constellation {
	c, err := New(s)
	if err != nil {
		panic(err)
	}
	return c
}

// pamScale is the normalisation of TS 38.211 §5.1.3–5.1.6: 1/√2, 1/√10,
// 1/√42, 1/√170 for k = 1…4 bits per dimension (2·(L²−1)/3 with L = 2^k).
func pamScale(k int) float64 {
	l := float64(int(1) << k)
	return 1 / math.Sqrt(2*(l*l-1)/3)
}

// pamAmplitude evaluates the nested form of TS 38.211 §5.1.4–5.1.6 for one
// dimension, c[0] being the sign bit: f(c0…) = (1−2c0)·(2^(k−1) − f(c1…)),
// with f of no bits = 0. For k=2: (1−2c0)(2−(1−2c1)) as in §5.1.4.
func pamAmplitude(c []int) int {
	if len(c) == 0 {
		return 0
	}
	return (1 - 2*c[0]) * ((1 << (len(c) - 1)) - pamAmplitude(c[1:]))
}

func newSquare(s Scheme) *Constellation {
	m := s.BitsPerSymbol()
	k := m / 2
	l := 1 << k
	scale := pamScale(k)
	amp := make([]int, l) // amp[1-D label]
	c := make([]int, k)
	for lab := range l {
		for j := range k {
			c[j] = lab >> (k - 1 - j) & 1
		}
		amp[lab] = pamAmplitude(c)
	}
	pts := make([]complex64, 1<<m)
	for lab := range pts {
		var li, lq int
		for j := range k {
			li = li<<1 | lab>>(m-1-2*j)&1
			lq = lq<<1 | lab>>(m-2-2*j)&1
		}
		pts[lab] = complex(float32(float64(amp[li])*scale), float32(float64(amp[lq])*scale))
	}
	cst := newFromPoints(s, pts)
	cst.sep, cst.k, cst.step = true, k, scale
	cst.level = make([]float64, l)
	cst.plabel = make([]uint8, l)
	for lab, a := range amp {
		p := (a + l - 1) / 2 // a = 2p − L + 1
		cst.plabel[p] = uint8(lab)
	}
	for p := range l {
		cst.level[p] = float64(2*p-l+1) * scale
	}
	return cst
}

func newFromPoints(s Scheme, pts []complex64) *Constellation {
	c := &Constellation{scheme: s, m: bits.TrailingZeros(uint(len(pts))), points: pts}
	c.px = make([]float64, len(pts))
	c.py = make([]float64, len(pts))
	for i, p := range pts {
		c.px[i], c.py[i] = float64(real(p)), float64(imag(p))
	}
	return c
}

// NewCustom returns a constellation whose points are given in bit-label
// order: points[label], label = the symbol's bits with the first bit most
// significant. len(points) must be a power of two in [2, MaxCustomSize], the
// points finite and distinct. If normalize is set the points are scaled to
// unit average energy (DESIGN.md §3); otherwise they are used as given.
func NewCustom(points []complex128, normalize bool) (*Constellation, error) {
	n := len(points)
	if n < 2 || n > MaxCustomSize || n&(n-1) != 0 {
		return nil, fmt.Errorf("qam: custom constellation has %d points, want a power of two in [2, %d]", n, MaxCustomSize)
	}
	var e float64
	seen := make(map[complex128]int, n)
	for i, p := range points {
		if math.IsNaN(real(p)) || math.IsNaN(imag(p)) || math.IsInf(real(p), 0) || math.IsInf(imag(p), 0) {
			return nil, fmt.Errorf("qam: custom point %d is not finite: %v", i, p)
		}
		if j, dup := seen[p]; dup {
			return nil, fmt.Errorf("qam: custom points %d and %d are equal (%v)", j, i, p)
		}
		seen[p] = i
		e += real(p)*real(p) + imag(p)*imag(p)
	}
	scale := 1.0
	if normalize {
		if e == 0 {
			return nil, errors.New("qam: custom constellation has zero energy")
		}
		scale = 1 / math.Sqrt(e/float64(n))
	}
	pts := make([]complex64, n)
	for i, p := range points {
		pts[i] = complex64(p * complex(scale, 0))
	}
	c := newFromPoints(Custom, pts)
	// float64 copies keep the given precision for the demappers.
	for i, p := range points {
		c.px[i], c.py[i] = real(p)*scale, imag(p)*scale
	}
	return c, nil
}

// Scheme returns the modulation.
func (c *Constellation) Scheme() Scheme { return c.scheme }

// BitsPerSymbol returns m = log2(size).
func (c *Constellation) BitsPerSymbol() int { return c.m }

// Size returns the number of points, 2^m.
func (c *Constellation) Size() int { return len(c.points) }

// Points returns a copy of the points in label order (before any π/2
// rotation).
func (c *Constellation) Points() []complex64 { return append([]complex64(nil), c.points...) }

// Energy returns the average energy of the points (1 for the TS 38.211
// schemes and normalised custom ones).
func (c *Constellation) Energy() float64 { return vec.Power(c.points) }

// OutLen reports how many symbols Map produces for n bits (an m:1 rate); n
// must be a multiple of m.
func (c *Constellation) OutLen(n int) int { return n / c.m }

// BitsLen reports how many bits (or LLRs) Decide and LLR produce for n
// symbols (a 1:m rate).
func (c *Constellation) BitsLen(n int) int { return n * c.m }

// Map maps bits (one per byte, 0 or 1) to symbols, m bits per symbol, first
// bit most significant, writing into dst[:0] and returning it; dst grows
// only when its capacity is short. len(bits) must be a multiple of m.
func (c *Constellation) Map(dst []complex64, bits []byte) ([]complex64, error) {
	m := c.m
	if len(bits)%m != 0 {
		return dst[:0], fmt.Errorf("qam: %d bits is not a whole number of %d-bit %s symbols", len(bits), m, c.scheme)
	}
	n := len(bits) / m
	dst = vec.Grow(dst, n)
	var bad byte
	for i := range dst {
		lab := 0
		for _, b := range bits[i*m : i*m+m] {
			lab = lab<<1 | int(b&1)
			bad |= b
		}
		dst[i] = c.points[lab]
	}
	if bad > 1 {
		for i, b := range bits {
			if b > 1 {
				return dst[:0], fmt.Errorf("%w: bits[%d] = %d", ErrBadBit, i, b)
			}
		}
	}
	if c.rot {
		for i := 1; i < n; i += 2 {
			v := dst[i]
			dst[i] = complex(-imag(v), real(v)) // ·j
		}
	}
	return dst, nil
}

// derotate undoes the π/2-BPSK rotation of symbol i.
func derotate(y complex64, i int) complex64 {
	if i&1 == 1 {
		return complex(imag(y), -real(y)) // ·(−j)
	}
	return y
}

// Decide makes hard decisions: for each symbol the m bits of the nearest
// point (one per byte), written into dst[:0] and returned. It does not
// allocate when cap(dst) ≥ m·len(src).
func (c *Constellation) Decide(dst []byte, src []complex64) ([]byte, error) {
	m := c.m
	dst = vec.Grow(dst, len(src)*m)
	if c.sep {
		k, l := c.k, len(c.level)
		inv := 1 / c.step
		for i, y := range src {
			pi := quantise(float64(real(y))*inv, l)
			pq := quantise(float64(imag(y))*inv, l)
			li, lq := c.plabel[pi], c.plabel[pq]
			out := dst[i*m : i*m+m]
			for j := range k {
				out[2*j] = li >> (k - 1 - j) & 1
				out[2*j+1] = lq >> (k - 1 - j) & 1
			}
		}
		return dst, nil
	}
	for i, y := range src {
		if c.rot {
			y = derotate(y, i)
		}
		yx, yy := float64(real(y)), float64(imag(y))
		best, bd := 0, math.Inf(1)
		for lab := range c.px {
			dx, dy := yx-c.px[lab], yy-c.py[lab]
			if d := dx*dx + dy*dy; d < bd {
				best, bd = lab, d
			}
		}
		out := dst[i*m : i*m+m]
		for j := range m {
			out[j] = byte(best >> (m - 1 - j) & 1)
		}
	}
	return dst, nil
}

// quantise returns the index p of the nearest level (2p − L + 1) to x (x in
// units of the half spacing), clamped to [0, L).
func quantise(x float64, l int) int {
	p := math.Floor((x + float64(l)) / 2)
	if !(p >= 0) { // also catches NaN
		return 0
	}
	if p >= float64(l) {
		return l - 1
	}
	return int(p)
}
