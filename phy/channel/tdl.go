package channel

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"strings"

	"github.com/hesemcom/hesemcom/internal/vec"
)

// Profile names a TR 38.901 tapped-delay-line power-delay profile.
type Profile uint8

// The NLOS TDL profiles of 3GPP TR 38.901 §7.7.2.
const (
	TDLA Profile = iota + 1 // Table 7.7.2-1
	TDLB                    // Table 7.7.2-2
	TDLC                    // Table 7.7.2-3
)

// String returns "tdl-a", "tdl-b" or "tdl-c".
func (p Profile) String() string {
	switch p {
	case TDLA:
		return "tdl-a"
	case TDLB:
		return "tdl-b"
	case TDLC:
		return "tdl-c"
	}
	return fmt.Sprintf("Profile(%d)", uint8(p))
}

// MarshalText implements encoding.TextMarshaler.
func (p Profile) MarshalText() ([]byte, error) {
	if p < TDLA || p > TDLC {
		return nil, fmt.Errorf("channel: unknown TDL profile %d", uint8(p))
	}
	return []byte(p.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler: "tdl-a", "TDL-A",
// "tdla", "a" and likewise for B and C.
func (p *Profile) UnmarshalText(text []byte) error {
	s := strings.ToLower(strings.TrimSpace(string(text)))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "tdl"), "-")
	switch s {
	case "a":
		*p = TDLA
	case "b":
		*p = TDLB
	case "c":
		*p = TDLC
	default:
		return fmt.Errorf("channel: unknown TDL profile %q (want tdl-a, tdl-b or tdl-c)", text)
	}
	return nil
}

// tdlTables holds (normalised delay τ/DS, power dB) per tap, in the order of
// 3GPP TR 38.901 V17.0.0 Tables 7.7.2-1 (TDL-A), 7.7.2-2 (TDL-B) and
// 7.7.2-3 (TDL-C); all taps Rayleigh. Checked against an independent
// transcription in testvectors/channel.
var tdlTables = map[Profile][][2]float64{
	TDLA: {
		{0.0000, -13.4}, {0.3819, 0}, {0.4025, -2.2}, {0.5868, -4}, {0.4610, -6},
		{0.5375, -8.2}, {0.6708, -9.9}, {0.5750, -10.5}, {0.7618, -7.5}, {1.5375, -15.9},
		{1.8978, -6.6}, {2.2242, -16.7}, {2.1718, -12.4}, {2.4942, -15.2}, {2.5119, -10.8},
		{3.0582, -11.3}, {4.0810, -12.7}, {4.4579, -16.2}, {4.5695, -18.3}, {4.7966, -18.9},
		{5.0066, -16.6}, {5.3043, -19.9}, {9.6586, -29.7},
	},
	TDLB: {
		{0.0000, 0}, {0.1072, -2.2}, {0.2155, -4}, {0.2095, -3.2}, {0.2870, -9.8},
		{0.2986, -1.2}, {0.3752, -3.4}, {0.5055, -5.2}, {0.3681, -7.6}, {0.3697, -3},
		{0.5700, -8.9}, {0.5283, -9}, {1.1021, -4.8}, {1.2756, -5.7}, {1.5474, -7.5},
		{1.7842, -1.9}, {2.0169, -7.6}, {2.8294, -12.2}, {3.0219, -9.8}, {3.6187, -11.4},
		{4.1067, -14.9}, {4.2790, -9.2}, {4.7834, -11.3},
	},
	TDLC: {
		{0, -4.4}, {0.2099, -1.2}, {0.2219, -3.5}, {0.2329, -5.2}, {0.2176, -2.5},
		{0.6366, 0}, {0.6448, -2.2}, {0.6560, -3.9}, {0.6584, -7.4}, {0.7935, -7.1},
		{0.8213, -10.7}, {0.9336, -11.1}, {1.2285, -5.1}, {1.3083, -6.8}, {2.1704, -8.7},
		{2.7105, -13.2}, {4.2589, -13.9}, {4.6003, -13.9}, {5.4902, -15.8}, {5.6077, -17.1},
		{6.3065, -16}, {6.6374, -15.7}, {7.0427, -21.6}, {8.6523, -22.8},
	},
}

// ProfileTaps returns the normalised delays (τ/DS) and powers (dB) of a
// profile exactly as tabulated.
func ProfileTaps(p Profile) (delays, powersDB []float64, err error) {
	t, ok := tdlTables[p]
	if !ok {
		return nil, nil, fmt.Errorf("channel: unknown TDL profile %d", uint8(p))
	}
	for _, r := range t {
		delays = append(delays, r[0])
		powersDB = append(powersDB, r[1])
	}
	return delays, powersDB, nil
}

// DefaultDelaySpread is the delay spread used when TDLConfig leaves it zero:
// 100 ns, the "nominal" value of TR 38.901 Table 7.7.3-1.
const DefaultDelaySpread = 100e-9

// TDLConfig describes a tapped-delay-line channel. It is an unchecked
// literal; NewTDL validates it.
type TDLConfig struct {
	Profile Profile `json:"profile"`
	// DelaySpread is the RMS delay spread DS in seconds that scales the
	// normalised delays (TR 38.901 §7.7.3). Zero means DefaultDelaySpread.
	DelaySpread float64 `json:"delay_spread"`
	// SampleRate in Hz, > 0. Tap delays τ·DS·SampleRate are rounded to the
	// nearest sample; taps landing on the same sample are merged (their
	// powers add: a sum of independent Rayleigh taps is Rayleigh).
	SampleRate float64 `json:"sample_rate"`
	// Doppler is the normalised maximum Doppler shift fD/SampleRate in
	// [0, 0.5]; each tap is an independent Clarke/Jakes process, its gain
	// refreshed every ⌈0.005/Doppler⌉ samples (a phase step of at most
	// 2π·0.005 rad) and held in between. Zero selects block fading.
	Doppler float64 `json:"doppler"`
	// BlockLen (Doppler = 0) is the number of samples sharing one channel
	// realisation; zero keeps one realisation until Redraw.
	BlockLen int `json:"block_len"`
	// Sinusoids per tap process (Doppler > 0); zero means DefaultSinusoids.
	Sinusoids int `json:"sinusoids"`
}

// TDL applies a tapped delay line y[n] = Σ_l g_l(n)·x[n − d_l] whose tap
// powers are normalised so that E[Σ_l |g_l|²] = 1 (TR 38.901 tabulates
// powers relative to the strongest tap; we normalise so the channel keeps
// the signal power and the SNR convention of DESIGN.md §3 holds on
// average).
type TDL struct {
	cfg    TDLConfig
	rng    *rand.Rand
	nrm    *Normal
	delays []int     // d_l in samples, ascending, distinct
	amps   []float32 // √(normalised power)
	gains  []complex64
	procs  []sos
	period int // samples per realisation/refresh; 0 = until Redraw
	pos    int
	maxD   int
	work   []complex64
	calls  int
}

// NewTDL validates cfg and returns a TDL channel seeded from rng.
func NewTDL(cfg TDLConfig, rng *rand.Rand) (*TDL, error) {
	if cfg.DelaySpread == 0 {
		cfg.DelaySpread = DefaultDelaySpread
	}
	if cfg.Sinusoids == 0 {
		cfg.Sinusoids = DefaultSinusoids
	}
	table, ok := tdlTables[cfg.Profile]
	switch {
	case !ok:
		return nil, fmt.Errorf("channel: unknown TDL profile %d", uint8(cfg.Profile))
	case !(cfg.DelaySpread > 0) || cfg.DelaySpread > 1e-3:
		return nil, fmt.Errorf("channel: delay spread %v s out of range (0, 1 ms]", cfg.DelaySpread)
	case !(cfg.SampleRate > 0) || math.IsInf(cfg.SampleRate, 0):
		return nil, fmt.Errorf("channel: sample rate %v Hz must be positive and finite", cfg.SampleRate)
	case cfg.BlockLen < 0:
		return nil, fmt.Errorf("channel: block length %d must be ≥ 0", cfg.BlockLen)
	}
	if err := checkDoppler(cfg.Doppler, cfg.Sinusoids); err != nil {
		return nil, err
	}
	maxTau := 0.0
	for _, r := range table {
		maxTau = max(maxTau, r[0])
	}
	if span := maxTau * cfg.DelaySpread * cfg.SampleRate; span > 1<<16 {
		return nil, fmt.Errorf("channel: delay spread × sample rate gives a %0.f-sample delay line, at most %d", span, 1<<16)
	}
	// Merge the taps on the sample grid.
	pow := map[int]float64{}
	var total float64
	for _, r := range table {
		d := int(math.Round(r[0] * cfg.DelaySpread * cfg.SampleRate))
		p := math.Pow(10, r[1]/10)
		pow[d] += p
		total += p
	}
	t := &TDL{cfg: cfg, rng: rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))}
	for d := 0; len(t.delays) < len(pow); d++ {
		if p, ok := pow[d]; ok {
			t.delays = append(t.delays, d)
			t.amps = append(t.amps, float32(math.Sqrt(p/total)))
			t.maxD = d
		}
	}
	t.gains = make([]complex64, len(t.delays))
	t.work = make([]complex64, t.maxD, t.maxD+4096)
	if cfg.Doppler > 0 {
		t.period = int(math.Ceil(0.005 / cfg.Doppler))
	} else {
		t.period = cfg.BlockLen
	}
	t.init()
	return t, nil
}

func (t *TDL) init() {
	t.nrm = NewNormal(t.rng)
	if t.cfg.Doppler > 0 {
		t.procs = make([]sos, len(t.delays))
		for l := range t.procs {
			t.procs[l] = newSOS(t.rng, t.cfg.Sinusoids, t.cfg.Doppler, t.period)
		}
	}
	t.update()
	t.pos = 0
}

// update draws a new block realisation, or reads the Doppler processes and
// advances them by one period.
func (t *TDL) update() {
	if t.procs != nil {
		for l := range t.procs {
			t.gains[l] = complex64(t.procs[l].value() * complex(float64(t.amps[l]), 0))
			t.procs[l].advance()
		}
		if t.calls++; t.calls%64 == 0 {
			for l := range t.procs {
				t.procs[l].renormalise()
			}
		}
		return
	}
	const s2 = 1 / math.Sqrt2
	for l, a := range t.amps {
		s := a * s2
		t.gains[l] = complex(s*t.nrm.Float32(), s*t.nrm.Float32())
	}
}

// Redraw starts a new independent realisation (block fading) and clears the
// delay line.
func (t *TDL) Redraw() {
	t.update()
	t.pos = 0
	clear(t.work[:t.maxD])
}

// Clone returns an independent TDL channel with the same configuration,
// seeded from t's generator.
func (t *TDL) Clone() *TDL {
	c := *t
	c.rng = rand.New(rand.NewPCG(t.rng.Uint64(), t.rng.Uint64()))
	c.gains = make([]complex64, len(t.gains))
	c.work = make([]complex64, t.maxD, cap(t.work))
	c.init()
	return &c
}

// Config returns the configuration with defaults filled in.
func (t *TDL) Config() TDLConfig { return t.cfg }

// Delays returns the tap delays in samples (after rounding and merging).
func (t *TDL) Delays() []int { return append([]int(nil), t.delays...) }

// Powers returns the normalised tap powers (summing to 1).
func (t *TDL) Powers() []float64 {
	p := make([]float64, len(t.amps))
	for i, a := range t.amps {
		p[i] = float64(a) * float64(a)
	}
	return p
}

// Gains returns the current tap gains (those of the last samples applied).
func (t *TDL) Gains() []complex64 { return t.gains }

// MaxDelay returns the largest tap delay in samples.
func (t *TDL) MaxDelay() int { return t.maxD }

// FrequencyResponse writes the current channel's response on an nfft-point
// DFT grid into dst (length nfft, FFT order: bin k at frequency k/nfft of the
// sample rate, k ≥ nfft/2 negative) and returns it: H[k] = Σ_l g_l·
// e^{−j2π·k·d_l/nfft}. This is the perfect CSI of an OFDM receiver under
// block fading. dst nil allocates.
func (t *TDL) FrequencyResponse(dst []complex64, nfft int) []complex64 {
	if dst == nil {
		dst = make([]complex64, nfft)
	}
	if len(dst) != nfft {
		panic("channel: FrequencyResponse length mismatch")
	}
	for k := range dst {
		var h complex128
		for l, d := range t.delays {
			h += complex128(t.gains[l]) * cmplx.Exp(complex(0, -2*math.Pi*float64(k*d%nfft)/float64(nfft)))
		}
		dst[k] = complex64(h)
	}
	return dst
}

// OutLen reports the output length for n samples (1:1).
func (t *TDL) OutLen(n int) int { return n }

// Apply filters src through the delay line, continuing from the previous
// call, and writes len(src) samples into dst (dst may alias src). It does not
// allocate when cap(dst) suffices and src is no longer than the longest src
// seen so far.
func (t *TDL) Apply(dst, src []complex64) ([]complex64, error) {
	d0 := t.maxD
	t.work = append(t.work[:d0], src...)
	w := t.work
	dst = vec.Grow(dst, len(src))
	for s := 0; s < len(src); {
		if t.period > 0 && t.pos == t.period {
			t.update()
			t.pos = 0
		}
		e := len(src)
		if t.period > 0 {
			e = min(e, s+t.period-t.pos)
		}
		out := dst[s:e]
		// Tap by tap over the segment, on real and imaginary parts (Go's
		// complex multiply carries extra Inf/NaN handling per element).
		for l, d := range t.delays {
			gr, gi := real(t.gains[l]), imag(t.gains[l])
			in := w[d0+s-d : d0+e-d]
			in = in[:len(out)]
			if l == 0 {
				for i, x := range in {
					out[i] = complex(gr*real(x)-gi*imag(x), gr*imag(x)+gi*real(x))
				}
				continue
			}
			for i, x := range in {
				o := out[i]
				out[i] = complex(real(o)+gr*real(x)-gi*imag(x), imag(o)+gr*imag(x)+gi*real(x))
			}
		}
		t.pos += e - s
		s = e
	}
	copy(t.work, w[len(w)-d0:])
	t.work = t.work[:d0]
	return dst, nil
}
