package ofdm

import (
	"fmt"
	"math"
	"strings"
)

// Equalizer selects the per-subcarrier equaliser.
type Equalizer uint8

const (
	// ZF divides by the channel estimate: x̂ = y/Ĥ (for one antenna this is
	// also the unbiased MMSE estimate), effective noise n0/|Ĥ|².
	ZF Equalizer = iota
	// MMSE applies the Wiener weight Ĥ*/(|Ĥ|² + n0): minimum mean squared
	// error, biased towards 0 by |Ĥ|²/(|Ĥ|²+n0); effective noise is the
	// MSE n0/(|Ĥ|²+n0).
	MMSE
)

// String returns "zf" or "mmse".
func (e Equalizer) String() string {
	switch e {
	case ZF:
		return "zf"
	case MMSE:
		return "mmse"
	}
	return fmt.Sprintf("Equalizer(%d)", uint8(e))
}

// MarshalText implements encoding.TextMarshaler.
func (e Equalizer) MarshalText() ([]byte, error) {
	if e > MMSE {
		return nil, fmt.Errorf("ofdm: unknown equalizer %d", uint8(e))
	}
	return []byte(e.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler ("zf", "mmse").
func (e *Equalizer) UnmarshalText(text []byte) error {
	switch strings.ToLower(string(text)) {
	case "zf":
		*e = ZF
	case "mmse", "lmmse":
		*e = MMSE
	default:
		return fmt.Errorf("ofdm: unknown equalizer %q (want zf or mmse)", text)
	}
	return nil
}

// Config is an unchecked, JSON-friendly OFDM numerology. Zero fields take the
// defaults documented on each field.
type Config struct {
	// FFTSize is a power of two in [16, 65536]. Zero means 1024.
	FFTSize int `json:"fft_size"`
	// CPLen is the cyclic prefix in samples, < FFTSize. Zero means
	// FFTSize/8; it must cover the channel's largest delay.
	CPLen int `json:"cp_len"`
	// Active is the number of used subcarriers (data and pilots), even, in
	// [4, FFTSize−2]. Zero means the largest even number ≤ 13/16·FFTSize
	// (52 of 64 as in IEEE 802.11a, 832 of 1024).
	Active int `json:"active"`
	// PilotSpacing is the comb spacing in active subcarriers, ≥ 2. Zero
	// means 4.
	PilotSpacing int `json:"pilot_spacing"`
	// PilotSeed is c_init of the pilot Gold sequence (TS 38.211 §5.2.1),
	// < 2^31.
	PilotSeed uint32 `json:"pilot_seed"`
	// TimeAverage is the number of consecutive OFDM symbols (within one
	// Demodulate call) whose pilot estimates are averaged before
	// interpolation: a block-fading assumption that lowers the estimation
	// noise by that factor. Zero means 1 (per-symbol estimation).
	TimeAverage int `json:"time_average"`
	// Smoothing is the width, in pilots, of a moving average applied to
	// the pilot estimates along frequency before interpolation (odd, ≤ 15):
	// it divides the estimation noise by up to that factor at the price of
	// a bias where the channel varies fast across the window. Zero means 1
	// (no smoothing).
	Smoothing int `json:"smoothing"`
	// Interpolation is Linear (default) or LMMSE (see Interpolation; it
	// replaces Smoothing, so Smoothing must then be 1).
	Interpolation Interpolation `json:"interpolation"`
	// LMMSEDelay is the delay span in samples of the uniform power-delay
	// profile the LMMSE interpolator assumes, in [1, CPLen]. Zero means
	// CPLen (the robust choice of Li et al.); the channel's actual largest
	// delay, if known, removes more noise.
	LMMSEDelay int `json:"lmmse_delay"`
	// Equalizer is ZF (default) or MMSE.
	Equalizer Equalizer `json:"equalizer"`
}

// Grid is a checked, immutable OFDM numerology with its subcarrier maps. It
// is safe for concurrent use; build Modulators and Demodulators from it.
type Grid struct {
	cfg       Config
	dataBin   []int       // FFT bins of the data subcarriers, frequency order
	pilotBin  []int       // FFT bins of the pilots, frequency order
	pilotK    []float64   // signed subcarrier index of each pilot
	pilots    []complex64 // pilot values
	interpA   []int       // per data subcarrier: left pilot
	interpW   []float32   // weight of the right pilot
	scaleTx   float32     // 1/√A
	scaleRx   float32     // √A/N
	activeBin []int
	lm        *lmmseTable // nearest pilots per data subcarrier (LMMSE)
}

// New validates cfg and returns the Grid.
func New(cfg Config) (*Grid, error) {
	if cfg.FFTSize == 0 {
		cfg.FFTSize = 1024
	}
	n := cfg.FFTSize
	if n < 16 || n > 1<<16 || n&(n-1) != 0 {
		return nil, fmt.Errorf("ofdm: FFT size %d is not a power of two in [16, 65536]", n)
	}
	if cfg.CPLen == 0 {
		cfg.CPLen = n / 8
	}
	if cfg.Active == 0 {
		cfg.Active = (n * 13 / 16) &^ 1
	}
	if cfg.PilotSpacing == 0 {
		cfg.PilotSpacing = 4
	}
	if cfg.TimeAverage == 0 {
		cfg.TimeAverage = 1
	}
	if cfg.LMMSEDelay == 0 {
		cfg.LMMSEDelay = max(cfg.CPLen, 1)
	}
	if cfg.Smoothing == 0 {
		cfg.Smoothing = 1
	}
	switch {
	case cfg.CPLen < 0 || cfg.CPLen >= n:
		return nil, fmt.Errorf("ofdm: cyclic prefix %d out of range [0, %d)", cfg.CPLen, n)
	case cfg.Active < 4 || cfg.Active > n-2 || cfg.Active%2 != 0:
		return nil, fmt.Errorf("ofdm: %d active subcarriers: want an even number in [4, %d]", cfg.Active, n-2)
	case cfg.PilotSpacing < 2 || cfg.PilotSpacing > cfg.Active/2:
		return nil, fmt.Errorf("ofdm: pilot spacing %d out of range [2, %d]", cfg.PilotSpacing, cfg.Active/2)
	case cfg.PilotSeed >= 1<<31:
		return nil, fmt.Errorf("ofdm: pilot seed %d is not a 31-bit c_init", cfg.PilotSeed)
	case cfg.TimeAverage < 0:
		return nil, fmt.Errorf("ofdm: time average %d must be ≥ 0", cfg.TimeAverage)
	case cfg.Smoothing < 0 || cfg.Smoothing%2 == 0 || cfg.Smoothing > 15:
		return nil, fmt.Errorf("ofdm: smoothing width %d: want an odd number of pilots in [1, 15]", cfg.Smoothing)
	case cfg.LMMSEDelay < 0 || cfg.LMMSEDelay > max(cfg.CPLen, 1):
		return nil, fmt.Errorf("ofdm: LMMSE delay span %d out of range [1, CP = %d]", cfg.LMMSEDelay, cfg.CPLen)
	case cfg.Interpolation > LMMSE:
		return nil, fmt.Errorf("ofdm: unknown interpolation %d", uint8(cfg.Interpolation))
	case cfg.Interpolation == LMMSE && cfg.Smoothing > 1:
		return nil, fmt.Errorf("ofdm: LMMSE interpolation already smooths: leave smoothing at 1, not %d", cfg.Smoothing)
	case cfg.Equalizer > MMSE:
		return nil, fmt.Errorf("ofdm: unknown equalizer %d", uint8(cfg.Equalizer))
	}
	g := &Grid{cfg: cfg}
	a := cfg.Active
	var ks []int // signed indices in frequency order
	for k := -a / 2; k <= a/2; k++ {
		if k != 0 {
			ks = append(ks, k)
		}
	}
	bin := func(k int) int { return (k + n) % n }
	var dataK []int
	for i, k := range ks {
		g.activeBin = append(g.activeBin, bin(k))
		if i%cfg.PilotSpacing == 0 || i == len(ks)-1 {
			g.pilotBin = append(g.pilotBin, bin(k))
			g.pilotK = append(g.pilotK, float64(k))
		} else {
			g.dataBin = append(g.dataBin, bin(k))
			dataK = append(dataK, k)
		}
	}
	c := GoldSequence(cfg.PilotSeed, 2*len(g.pilotBin))
	r := float32(1 / math.Sqrt2)
	for m := range g.pilotBin {
		g.pilots = append(g.pilots, complex(r*float32(1-2*int(c[2*m])), r*float32(1-2*int(c[2*m+1]))))
	}
	p := 0
	for _, k := range dataK {
		for g.pilotK[p+1] < float64(k) {
			p++
		}
		g.interpA = append(g.interpA, p)
		g.interpW = append(g.interpW, float32((float64(k)-g.pilotK[p])/(g.pilotK[p+1]-g.pilotK[p])))
	}
	if cfg.Interpolation == LMMSE {
		dk := make([]float64, len(dataK))
		for i, k := range dataK {
			dk[i] = float64(k)
		}
		g.lm = newLMMSETable(g, dk)
	}
	g.scaleTx = float32(1 / math.Sqrt(float64(a)))
	g.scaleRx = float32(math.Sqrt(float64(a)) / float64(n))
	return g, nil
}

// GoldSequence returns c(0…n−1) of TS 38.211 §5.2.1: x1 and x2 are length-31
// m-sequences (x1 seeded with a single 1, x2 with c_init), Nc = 1600. It
// generates the pilots here and the scrambling sequence of §7.3.1.1.
func GoldSequence(cinit uint32, n int) []byte {
	const nc = 1600
	total := n + nc + 31
	x1 := make([]byte, total)
	x2 := make([]byte, total)
	x1[0] = 1
	for i := range 31 {
		x2[i] = byte(cinit >> i & 1)
	}
	for i := 0; i+31 < total; i++ {
		x1[i+31] = x1[i+3] ^ x1[i]
		x2[i+31] = x2[i+3] ^ x2[i+2] ^ x2[i+1] ^ x2[i]
	}
	c := make([]byte, n)
	for i := range c {
		c[i] = x1[i+nc] ^ x2[i+nc]
	}
	return c
}

// Config returns the configuration with defaults filled in.
func (g *Grid) Config() Config { return g.cfg }

// FFTSize returns N.
func (g *Grid) FFTSize() int { return g.cfg.FFTSize }

// SymbolLen returns the samples per OFDM symbol, N + CP.
func (g *Grid) SymbolLen() int { return g.cfg.FFTSize + g.cfg.CPLen }

// DataCarriers returns the data subcarriers per OFDM symbol.
func (g *Grid) DataCarriers() int { return len(g.dataBin) }

// PilotCarriers returns the pilot subcarriers per OFDM symbol.
func (g *Grid) PilotCarriers() int { return len(g.pilotBin) }

// DataBins returns the FFT bins of the data subcarriers in frequency order
// (the order of Modulate's input).
func (g *Grid) DataBins() []int { return append([]int(nil), g.dataBin...) }

// PilotBins returns the FFT bins of the pilots, and Pilots their values.
func (g *Grid) PilotBins() []int { return append([]int(nil), g.pilotBin...) }

// Pilots returns the pilot values in the order of PilotBins.
func (g *Grid) Pilots() []complex64 { return append([]complex64(nil), g.pilots...) }

// SubcarrierN0 converts a time-domain noise variance per sample into the
// noise variance on each demodulated subcarrier: n0·A/N.
func (g *Grid) SubcarrierN0(n0 float64) float64 {
	return n0 * float64(g.cfg.Active) / float64(g.cfg.FFTSize)
}

// TimeN0 is the inverse of SubcarrierN0: the per-sample noise variance that
// gives subcarrier noise variance n0sc.
func (g *Grid) TimeN0(n0sc float64) float64 {
	return n0sc * float64(g.cfg.FFTSize) / float64(g.cfg.Active)
}

// Modulator returns a new modulator on g.
func (g *Grid) Modulator() *Modulator {
	f, _ := NewFFT(g.cfg.FFTSize) // the size was checked by New
	return &Modulator{g: g, fft: f, freq: make([]complex64, g.cfg.FFTSize)}
}

// Demodulator returns a new demodulator on g.
func (g *Grid) Demodulator() *Demodulator {
	f, _ := NewFFT(g.cfg.FFTSize)
	var lm *lmmseTable
	if g.lm != nil { // own weight cache, shared neighbour tables
		lm = &lmmseTable{near: g.lm.near, corr: g.lm.corr, dataK: g.lm.dataK, sigma2: -1}
	}
	return &Demodulator{g: g, fft: f, freq: make([]complex64, g.cfg.FFTSize), lm: lm,
		hp: make([]complex64, len(g.pilotBin)), hs: make([]complex64, len(g.pilotBin)), hd: make([]complex64, len(g.dataBin)), N0: 0}
}
