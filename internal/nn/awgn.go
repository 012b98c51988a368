package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/hesemcom/hesemcom/internal/units"
)

// AWGN is the channel in the loop: it adds white Gaussian noise to the
// features, treating each consecutive pair of real features as one complex
// symbol (DESIGN.md §3). With features normalised to SymbolPower per real
// feature (Es = 1), the noise has complex variance N0 = 10^(−SNR/10), N0/2
// per real feature.
//
// Each sample draws its SNR uniformly in [Lo, Hi] dB (Lo == Hi for a fixed
// SNR). The noise is added in training and in inference alike; Off bypasses
// the channel. The gradient passes through unchanged.
type AWGN struct {
	Lo, Hi units.DB
	Off    bool

	src *rand.PCG
	rng *rand.Rand
	y   Tensor
}

// NewAWGN returns a channel for SNRs uniform in [lo, hi] dB.
func NewAWGN(lo, hi units.DB) (*AWGN, error) {
	if hi < lo || math.IsNaN(float64(lo)) || math.IsInf(float64(lo), 0) || math.IsInf(float64(hi), 0) {
		return nil, fmt.Errorf("nn: invalid SNR range [%v, %v] dB", lo, hi)
	}
	src := rand.NewPCG(0, 0)
	return &AWGN{Lo: lo, Hi: hi, src: src, rng: rand.New(src)}, nil
}

// Seed restarts the noise generator at PCG state (seed, stream), without
// allocating. The trainer seeds each shard of each step separately.
func (a *AWGN) Seed(seed, stream uint64) { a.src.Seed(seed, stream) }

// OutShape implements Layer.
func (*AWGN) OutShape(in Shape) (Shape, error) {
	if in.Size()%2 != 0 {
		return Shape{}, fmt.Errorf("nn: AWGN needs an even number of real features, got %v", in)
	}
	return in, nil
}

// Forward implements Layer.
func (a *AWGN) Forward(x *Tensor, _ bool) *Tensor {
	if a.Off {
		return x
	}
	a.y.Resize(x.N, x.Shape)
	for i := 0; i < x.N; i++ {
		snr := a.Lo
		if a.Hi > a.Lo {
			snr += units.DB(a.rng.Float64()) * (a.Hi - a.Lo)
		}
		sigma := math.Sqrt(units.N0(snr) / 2)
		xs, ys := x.Sample(i), a.y.Sample(i)
		for j, v := range xs {
			ys[j] = v + float32(sigma*a.rng.NormFloat64())
		}
	}
	return &a.y
}

// Backward implements Layer.
func (*AWGN) Backward(dy *Tensor) *Tensor { return dy }

// Params implements Layer.
func (*AWGN) Params() []*Param { return nil }

// Clone implements Layer.
func (a *AWGN) Clone() Layer {
	c, _ := NewAWGN(a.Lo, a.Hi)
	c.Off = a.Off
	return c
}

// Seeder is implemented by layers that draw random numbers.
type Seeder interface {
	Seed(seed, stream uint64)
}

// SeedAll seeds every Seeder in l. Each one gets stream+i for its index i in
// depth-first order.
func SeedAll(l Layer, seed, stream uint64) {
	i := uint64(0)
	Walk(l, func(l Layer) {
		if s, ok := l.(Seeder); ok {
			s.Seed(seed, stream+i)
			i++
		}
	})
}
