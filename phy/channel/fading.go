package channel

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/hesemcom/hesemcom/internal/vec"
)

// DefaultSinusoids is the number of sinusoids of a Doppler process when a
// config leaves it zero. With random stratified arrival angles the ensemble
// autocorrelation is exactly J0(2π·fD·τ) for any count; 32 makes a single
// realisation close to Gaussian (TestDopplerAutocorrelationIsJ0).
const DefaultSinusoids = 32

// sos is one Clarke/Jakes Rayleigh process with unit power, a sum of M
// sinusoids with random arrival angles and phases:
//
//	h(n) = M^(−1/2) Σ_m exp(j(2π·fD·cos(α_m)·n + φ_m)),
//	α_m = (2π(m + u_m) − π)/M stratified over the circle, u_m, φ_m uniform.
//
// Averaging over the stratified angles is averaging over a uniform angle, so
// E[h(n+τ)h*(n)] = J0(2π·fD·τ) (Clarke's model; Pop & Beaulieu, IEEE Trans.
// Commun. 49(4), 2001, on why the random angles make it stationary).
type sos struct {
	p    []complex128 // current phasors e^{j(ω_m n + φ_m)}
	w    []float64    // ω_m = 2π·fD·cos α_m, radians per sample
	step []complex128 // e^{j ω_m k} for the current stride k
	k    int
	norm float64
}

func newSOS(rng *rand.Rand, m int, fd float64, stride int) sos {
	s := sos{p: make([]complex128, m), w: make([]float64, m), step: make([]complex128, m), norm: 1 / math.Sqrt(float64(m))}
	for i := range m {
		alpha := (2*math.Pi*(float64(i)+rng.Float64()) - math.Pi) / float64(m)
		s.w[i] = 2 * math.Pi * fd * math.Cos(alpha)
		ps, pc := math.Sincos(2 * math.Pi * rng.Float64())
		s.p[i] = complex(pc, ps)
	}
	s.setStride(stride)
	return s
}

func (s *sos) setStride(k int) {
	s.k = k
	for i, w := range s.w {
		ss, sc := math.Sincos(w * float64(k))
		s.step[i] = complex(sc, ss)
	}
}

// value returns h at the current time.
func (s *sos) value() complex128 {
	var h complex128
	for _, p := range s.p {
		h += p
	}
	return h * complex(s.norm, 0)
}

// advance moves the process by one stride.
func (s *sos) advance() {
	for i := range s.p {
		s.p[i] *= s.step[i]
	}
}

// renormalise removes the rounding drift of |p| accumulated by advance.
func (s *sos) renormalise() {
	for i, p := range s.p {
		s.p[i] = p / complex(math.Hypot(real(p), imag(p)), 0)
	}
}

func checkDoppler(fd float64, sinusoids int) error {
	if math.IsNaN(fd) || fd < 0 || fd > 0.5 {
		return fmt.Errorf("channel: normalised Doppler fD·Ts = %v out of range [0, 0.5]", fd)
	}
	if sinusoids < 0 || sinusoids > 4096 {
		return fmt.Errorf("channel: %d sinusoids out of range [0, 4096]", sinusoids)
	}
	return nil
}

// FlatConfig describes flat (frequency non-selective) fading. It is an
// unchecked literal; NewFlat validates it.
type FlatConfig struct {
	// K is the Rician K-factor (linear, LOS power over diffuse power);
	// 0 is Rayleigh fading. The LOS component has constant phase 0.
	K float64 `json:"k"`
	// Doppler is the normalised maximum Doppler shift fD·Ts in [0, 0.5].
	// Zero selects block fading.
	Doppler float64 `json:"doppler"`
	// BlockLen is the number of samples sharing one independent gain in
	// block fading (Doppler = 0). Zero means 1: i.i.d. gains per sample.
	BlockLen int `json:"block_len"`
	// Sinusoids is the size of the sum-of-sinusoids process (Doppler > 0).
	// Zero means DefaultSinusoids.
	Sinusoids int `json:"sinusoids"`
}

// Flat multiplies samples by a fading gain h(n) with E|h|² = 1:
// h = √(K/(K+1)) + √(1/(K+1))·h_d, h_d circular Gaussian (block fading) or a
// Clarke/Jakes process (Doppler > 0).
type Flat struct {
	cfg   FlatConfig
	rng   *rand.Rand
	nrm   *Normal
	proc  sos
	los   float64
	diff  float32
	pos   int         // samples used of the current block
	cur   complex64   // current block gain
	gains []complex64 // gains of the last Apply/Next call
	calls int
}

// NewFlat validates cfg and returns a flat fading channel seeded from rng.
func NewFlat(cfg FlatConfig, rng *rand.Rand) (*Flat, error) {
	if math.IsNaN(cfg.K) || cfg.K < 0 || math.IsInf(cfg.K, 0) {
		return nil, fmt.Errorf("channel: Rician K-factor %v must be finite and ≥ 0", cfg.K)
	}
	if err := checkDoppler(cfg.Doppler, cfg.Sinusoids); err != nil {
		return nil, err
	}
	if cfg.BlockLen < 0 {
		return nil, fmt.Errorf("channel: block length %d must be ≥ 0", cfg.BlockLen)
	}
	if cfg.BlockLen == 0 {
		cfg.BlockLen = 1
	}
	if cfg.Sinusoids == 0 {
		cfg.Sinusoids = DefaultSinusoids
	}
	f := &Flat{cfg: cfg, rng: rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))}
	f.init()
	return f, nil
}

func (f *Flat) init() {
	f.nrm = NewNormal(f.rng)
	f.los = math.Sqrt(f.cfg.K / (f.cfg.K + 1))
	f.diff = float32(math.Sqrt(1 / (f.cfg.K + 1)))
	if f.cfg.Doppler > 0 {
		f.proc = newSOS(f.rng, f.cfg.Sinusoids, f.cfg.Doppler, 1)
	}
	f.pos = f.cfg.BlockLen // draw on first use
}

// Config returns the configuration with defaults filled in.
func (f *Flat) Config() FlatConfig { return f.cfg }

// Clone returns an independent fading channel with the same configuration,
// seeded from f's generator.
func (f *Flat) Clone() *Flat {
	c := &Flat{cfg: f.cfg, rng: rand.New(rand.NewPCG(f.rng.Uint64(), f.rng.Uint64()))}
	c.init()
	return c
}

// OutLen reports the output length for n samples (1:1).
func (f *Flat) OutLen(n int) int { return n }

// Next writes the next len(dst) gains into dst (advancing the process) and
// returns it.
func (f *Flat) Next(dst []complex64) []complex64 {
	const s2 = 1 / math.Sqrt2
	if f.cfg.Doppler > 0 {
		d := complex(float64(f.diff), 0)
		for i := range dst {
			dst[i] = complex64(complex(f.los, 0) + d*f.proc.value())
			f.proc.advance()
		}
		if f.calls++; f.calls%64 == 0 {
			f.proc.renormalise()
		}
		return dst
	}
	sd := f.diff * s2
	for i := range dst {
		if f.pos == f.cfg.BlockLen {
			f.cur = complex(float32(f.los)+sd*f.nrm.Float32(), sd*f.nrm.Float32())
			f.pos = 0
		}
		dst[i] = f.cur
		f.pos++
	}
	return dst
}

// Apply writes h(n)·src[n] into dst (dst may alias src) and returns it; the
// gains stay available from Gains until the next call. It does not
// allocate once its gain buffer has grown to len(src).
func (f *Flat) Apply(dst, src []complex64) ([]complex64, error) {
	f.gains = f.Next(vec.Grow(f.gains, len(src)))
	dst = vec.Grow(dst, len(src))
	vec.MulTo(dst, src, f.gains)
	return dst, nil
}

// Gains returns the gains of the last Apply (valid until the next call),
// the perfect channel state information of a coherent receiver.
func (f *Flat) Gains() []complex64 { return f.gains }
