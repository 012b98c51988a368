package ofdm

import (
	"fmt"
	"math"
	"math/cmplx"
	"sort"
	"strings"
)

// Interpolation selects how the channel on the data subcarriers is obtained
// from the pilot estimates.
type Interpolation uint8

const (
	// Linear interpolates between the two neighbouring pilots.
	Linear Interpolation = iota
	// LMMSE is the robust frequency-domain Wiener interpolator of Li,
	// Cimini & Sollenberger (IEEE Trans. Commun. 46(7), 1998): it assumes a
	// uniform power-delay profile over the cyclic prefix and the actual
	// noise variance, and combines the LMMSEPilots nearest pilots per data
	// subcarrier. It needs the demodulator's N0.
	LMMSE
)

// LMMSEPilots is the number of nearest pilots the LMMSE interpolator
// combines for each data subcarrier.
const LMMSEPilots = 8

// String returns "linear" or "lmmse".
func (i Interpolation) String() string {
	switch i {
	case Linear:
		return "linear"
	case LMMSE:
		return "lmmse"
	}
	return fmt.Sprintf("Interpolation(%d)", uint8(i))
}

// MarshalText implements encoding.TextMarshaler.
func (i Interpolation) MarshalText() ([]byte, error) {
	if i > LMMSE {
		return nil, fmt.Errorf("ofdm: unknown interpolation %d", uint8(i))
	}
	return []byte(i.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler ("linear", "lmmse").
func (i *Interpolation) UnmarshalText(text []byte) error {
	switch strings.ToLower(string(text)) {
	case "linear":
		*i = Linear
	case "lmmse", "wiener":
		*i = LMMSE
	default:
		return fmt.Errorf("ofdm: unknown interpolation %q (want linear or lmmse)", text)
	}
	return nil
}

// lmmseTable holds, per data subcarrier, the indices of its nearest pilots;
// the weights depend on the noise variance and are built by weights.
type lmmseTable struct {
	near  [][]int // per data subcarrier: pilot indices
	corr  func(dk float64) complex128
	dataK []float64
	// cached weights for one noise variance
	sigma2 float64
	w      [][]complex64
}

func newLMMSETable(g *Grid, dataK []float64) *lmmseTable {
	n, l := float64(g.cfg.FFTSize), float64(g.cfg.LMMSEDelay)
	// Uniform PDP over the L = LMMSEDelay samples 0…L−1, unit total power:
	// R(Δk) = E[H(k+Δk)H*(k)] = (1/L) Σ_l e^{−j2πΔk·l/N}.
	corr := func(dk float64) complex128 {
		if dk == 0 {
			return 1
		}
		x := -2 * math.Pi * dk / n
		// Geometric series: (1 − e^{jxL}) / (L(1 − e^{jx})).
		return (1 - cmplx.Exp(complex(0, x*l))) / (complex(l, 0) * (1 - cmplx.Exp(complex(0, x))))
	}
	t := &lmmseTable{corr: corr, dataK: dataK, sigma2: -1}
	kp := min(LMMSEPilots, len(g.pilotK))
	idx := make([]int, len(g.pilotK))
	for _, k := range dataK {
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool {
			return math.Abs(g.pilotK[idx[a]]-k) < math.Abs(g.pilotK[idx[b]]-k)
		})
		near := append([]int(nil), idx[:kp]...)
		sort.Ints(near)
		t.near = append(t.near, near)

	}
	return t
}

// weights returns the interpolation weights for pilot-estimate noise
// variance sigma2, recomputing them only when sigma2 changes: for data
// subcarrier d, ĥ_d = Σ_i w[d][i]·hp[near[d][i]] with
// w = (R_pp + σ²I)⁻¹ r_pd conjugated, the Wiener solution.
func (t *lmmseTable) weights(g *Grid, sigma2 float64) [][]complex64 {
	if sigma2 == t.sigma2 && t.w != nil {
		return t.w
	}
	t.sigma2 = sigma2
	if t.w == nil {
		t.w = make([][]complex64, len(t.near))
	}
	for d, near := range t.near {
		k := len(near)
		a := make([][]complex128, k)
		b := make([]complex128, k)
		for i, pi := range near {
			a[i] = make([]complex128, k)
			for j, pj := range near {
				a[i][j] = t.corr(g.pilotK[pi] - g.pilotK[pj])
			}
			a[i][i] += complex(sigma2, 0)
			b[i] = t.corr(g.pilotK[pi] - t.dataK[d])
		}
		c := solve(a, b)
		w := t.w[d]
		if w == nil {
			w = make([]complex64, k)
			t.w[d] = w
		}
		for i := range c {
			w[i] = complex64(cmplx.Conj(c[i]))
		}
	}
	return t.w
}

// solve solves a·x = b by Gaussian elimination with partial pivoting; a is
// Hermitian positive definite here (a correlation matrix plus σ²I), so it
// is well conditioned for σ² > 0. a and b are overwritten.
func solve(a [][]complex128, b []complex128) []complex128 {
	n := len(b)
	for col := range n {
		p := col
		for r := col + 1; r < n; r++ {
			if cmplx.Abs(a[r][col]) > cmplx.Abs(a[p][col]) {
				p = r
			}
		}
		a[col], a[p] = a[p], a[col]
		b[col], b[p] = b[p], b[col]
		for r := col + 1; r < n; r++ {
			f := a[r][col] / a[col][col]
			for c := col; c < n; c++ {
				a[r][c] -= f * a[col][c]
			}
			b[r] -= f * b[col]
		}
	}
	x := make([]complex128, n)
	for r := n - 1; r >= 0; r-- {
		s := b[r]
		for c := r + 1; c < n; c++ {
			s -= a[r][c] * x[c]
		}
		x[r] = s / a[r][r]
	}
	return x
}
