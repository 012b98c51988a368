package sync

import (
	"errors"
	"fmt"
	"math"
	"math/cmplx"
)

// Config is an unchecked description of the burst format and receiver.
// Zero fields take the defaults documented on each field.
type Config struct {
	// PreambleLen is the preamble length N in symbols, in [15, 4095]. Zero
	// means 127 (one period of the degree-7 m-sequence).
	PreambleLen int `json:"preamble_len"`
	// PilotSpacing P is the number of data symbols between pilots, ≥ 1.
	// Zero means 32.
	PilotSpacing int `json:"pilot_spacing"`
	// Segments D is the number of non-coherent segments of the detector,
	// in [1, N/4]. Zero means 8.
	Segments int `json:"segments"`
	// Threshold is the detection threshold on the metric m ∈ [0, 1]. Zero
	// means 0.25: pure noise gives m ≈ D·π/(4N) (0.05 for the defaults) and
	// exceeds 0.25 with probability < 1e-9 per sample (Gaussian tail of the
	// sum of D Rayleigh magnitudes, 6.8 standard deviations); signal at
	// Es/N0 = 0 dB gives m ≈ 0.5.
	Threshold float64 `json:"threshold"`
	// SPS is the number of samples per symbol of the stream given to
	// Detect and Symbols (the matched filter's output before decimation).
	// Zero means 1.
	SPS int `json:"sps"`
}

// Defaults for the zero fields of Config.
const (
	DefaultPreambleLen  = 127
	DefaultPilotSpacing = 32
	DefaultSegments     = 8
	DefaultThreshold    = 0.25
)

// pilotWindow is W: the receiver averages 2W+1 pilots for each pilot's
// phase, which divides the pilot phase-noise variance 1/(2·Es/N0) by 2W+1
// (0.03 rad² at Es/N0 = 3 dB) while following drifts slower than
// (2W+1)·(P+1) symbols.
const pilotWindow = 8

// Pilot is the value of every pilot symbol.
const Pilot complex64 = 1

// ErrShort is returned by Symbols when the stream ends before the burst does:
// the caller should retry with more samples.
var ErrShort = errors.New("sync: stream ends inside the burst")

// Synchronizer builds bursts and finds and demodulates them. It is immutable
// after New, so one value may be shared by goroutines.
type Synchronizer struct {
	cfg      Config
	pre      []complex64 // the preamble symbols
	conj     []complex64 // their conjugates
	segStart []int       // detection segment boundaries, len D+1
}

// New validates cfg and returns a Synchronizer; the error names the field.
func New(cfg Config) (*Synchronizer, error) {
	if cfg.PreambleLen == 0 {
		cfg.PreambleLen = DefaultPreambleLen
	}
	if cfg.PilotSpacing == 0 {
		cfg.PilotSpacing = DefaultPilotSpacing
	}
	if cfg.Segments == 0 {
		cfg.Segments = DefaultSegments
	}
	if cfg.Threshold == 0 {
		cfg.Threshold = DefaultThreshold
	}
	if cfg.SPS == 0 {
		cfg.SPS = 1
	}
	n := cfg.PreambleLen
	switch {
	case n < 15 || n > 4095:
		return nil, fmt.Errorf("sync: preamble length %d out of range [15, 4095]", n)
	case cfg.PilotSpacing < 1:
		return nil, fmt.Errorf("sync: pilot spacing %d must be ≥ 1", cfg.PilotSpacing)
	case cfg.Segments < 1 || cfg.Segments > n/4:
		return nil, fmt.Errorf("sync: %d detector segments out of range [1, %d]", cfg.Segments, n/4)
	case !(cfg.Threshold > 0 && cfg.Threshold < 1):
		return nil, fmt.Errorf("sync: threshold %v out of range (0, 1)", cfg.Threshold)
	case cfg.SPS < 1 || cfg.SPS > 1024:
		return nil, fmt.Errorf("sync: %d samples per symbol out of range [1, 1024]", cfg.SPS)
	}
	s := &Synchronizer{cfg: cfg, pre: PreambleSymbols(n)}
	s.conj = make([]complex64, n)
	for i, v := range s.pre {
		s.conj[i] = complex(real(v), -imag(v))
	}
	for d := 0; d <= cfg.Segments; d++ {
		s.segStart = append(s.segStart, d*n/cfg.Segments)
	}
	return s, nil
}

// mseqTaps lists, per degree m, the feedback taps of a maximal-length
// Fibonacci LFSR: degree 7 is the IEEE 802.11 scrambler x^7 + x^4 + 1
// (IEEE 802.11-2016 §17.3.5.5), the others are Xilinx XAPP052 Table 3.
// Each yields period 2^m − 1 (checked by the tests).
var mseqTaps = map[int][]int{
	4: {4, 3}, 5: {5, 3}, 6: {6, 5}, 7: {7, 4}, 8: {8, 6, 5, 4},
	9: {9, 5}, 10: {10, 7}, 11: {11, 9}, 12: {12, 6, 4, 1},
}

// MSequence returns n bits (0/1) of the maximal-length sequence of degree m
// = the smallest degree with 2^m − 1 ≥ n (at least 4): the feedback bit of
// the LFSR started from the all-ones state, which for degree 7 is the
// 802.11 scrambler sequence 00001110 11110010 … 1111111.
func MSequence(n int) []byte {
	m := 4
	for (1<<m)-1 < n {
		m++
	}
	taps := mseqTaps[m]
	state := make([]byte, m) // state[i] = s(k−1−i)
	for i := range state {
		state[i] = 1
	}
	out := make([]byte, n)
	for k := range out {
		var b byte
		for _, t := range taps {
			b ^= state[t-1]
		}
		out[k] = b
		copy(state[1:], state[:m-1])
		state[0] = b
	}
	return out
}

// PreambleSymbols returns the preamble: MSequence(n) mapped to BPSK on the
// diagonal as in TS 38.211 §5.1.2, ((1−2b) + j(1−2b))/√2.
func PreambleSymbols(n int) []complex64 {
	r := float32(1 / math.Sqrt2)
	out := make([]complex64, n)
	for i, b := range MSequence(n) {
		v := r * float32(1-2*int(b))
		out[i] = complex(v, v)
	}
	return out
}

// Config returns the checked configuration.
func (s *Synchronizer) Config() Config { return s.cfg }

// Preamble returns a copy of the preamble symbols.
func (s *Synchronizer) Preamble() []complex64 { return append([]complex64(nil), s.pre...) }

// CFORange returns the largest carrier frequency offset, in cycles per
// symbol, the detector tolerates with at most a quarter turn of phase across
// one detection segment (about 1 dB loss): 1/(4·⌈N/D⌉).
func (s *Synchronizer) CFORange() float64 {
	l := (s.cfg.PreambleLen + s.cfg.Segments - 1) / s.cfg.Segments
	return 1 / (4 * float64(l))
}

// pilots returns the number of pilots in a burst of n data symbols.
func (s *Synchronizer) pilots(n int) int {
	return (n + s.cfg.PilotSpacing - 1) / s.cfg.PilotSpacing
}

// OutLen returns the burst length in symbols for n data symbols:
// N + n + ⌈n/P⌉.
func (s *Synchronizer) OutLen(n int) int { return s.cfg.PreambleLen + n + s.pilots(n) }

// Burst writes the burst carrying the data symbols src (preamble, data,
// pilots) into dst[:0] and returns it; it allocates only when cap(dst) is
// below OutLen(len(src)). dst must not alias src.
func (s *Synchronizer) Burst(dst, src []complex64) ([]complex64, error) {
	n := s.OutLen(len(src))
	if cap(dst) < n {
		dst = make([]complex64, 0, n)
	}
	dst = append(dst[:0], s.pre...)
	p := s.cfg.PilotSpacing
	for i := 0; i < len(src); i += p {
		dst = append(dst, src[i:min(i+p, len(src))]...)
		dst = append(dst, Pilot)
	}
	return dst, nil
}

// dataPos returns the symbol index (from the preamble start) of data symbol
// i in a burst of n data symbols.
func (s *Synchronizer) dataPos(i int) int {
	p := s.cfg.PilotSpacing
	return s.cfg.PreambleLen + i/p*(p+1) + i%p
}

// pilotPos returns the symbol index of pilot j in a burst of n data symbols.
func (s *Synchronizer) pilotPos(j, n int) int {
	p := s.cfg.PilotSpacing
	inBlock := min(p, n-j*p) // data symbols in block j
	return s.cfg.PreambleLen + j*(p+1) + inBlock
}

// Detection describes a found preamble.
type Detection struct {
	// Start is the index in the stream of the first preamble symbol.
	Start int `json:"start"`
	// Frac is the fractional part of the timing, in samples in
	// [−0.5, 0.5]: the preamble starts at Start + Frac. Symbols
	// interpolates there.
	Frac float64 `json:"frac"`
	// Metric is the detector output m ∈ [0, 1] at Start.
	Metric float64 `json:"metric"`
	// CFO is the estimated carrier frequency offset in radians per sample.
	CFO float64 `json:"cfo_rad_per_sample"`
	// Gain is the complex channel gain (amplitude and phase) over the
	// CFO-corrected preamble.
	Gain complex128 `json:"-"`
	// SNR is the Es/N0 estimated on the preamble (linear).
	SNR float64 `json:"snr"`
}

// Span returns the number of stream samples from a preamble start to the
// last preamble symbol inclusive, (N−1)·SPS + 1.
func (s *Synchronizer) Span() int { return (s.cfg.PreambleLen-1)*s.cfg.SPS + 1 }

// TailLen returns how many samples must follow a preamble start for Detect
// to decide on it: Span plus the local-maximum window. At the end of a
// stream, append that many zeros so the last burst is not left undecided.
func (s *Synchronizer) TailLen() int {
	return s.Span() - 1 + max(s.cfg.PreambleLen*s.cfg.SPS/2, 2*s.cfg.SPS)
}

// Detect searches y[from:] for the next preamble lying wholly in y. It
// returns the detection and true, with next = Start+1; or false and the
// position next from which the search must resume when more samples are
// appended (earlier samples may be dropped, keeping the indices consistent).
// Detect does not allocate.
func (s *Synchronizer) Detect(y []complex64, from int) (d Detection, found bool, next int) {
	sps := s.cfg.SPS
	limit := len(y) - s.Span() + 1 // candidate starts n < limit
	win := max(s.cfg.PreambleLen*sps/2, 2*sps)
	from = max(from, 0)
	for n := from; n < limit; n++ {
		m := s.metric(y, n)
		if m < s.cfg.Threshold {
			continue
		}
		if n+win > limit {
			return Detection{}, false, n
		}
		best, bm := n, m
		for k := n + 1; k < n+win; k++ {
			if mk := s.metric(y, k); mk > bm {
				best, bm = k, mk
			}
		}
		d = s.estimate(y, best)
		d.Metric = bm
		return d, true, best + 1
	}
	return Detection{}, false, max(from, limit)
}

// metric evaluates m(n) of the package documentation.
func (s *Synchronizer) metric(y []complex64, n int) float64 {
	sps := s.cfg.SPS
	var sum, ey float64
	for d := 0; d+1 < len(s.segStart); d++ {
		var cr, ci, e float32
		j := n + s.segStart[d]*sps
		for _, p := range s.conj[s.segStart[d]:s.segStart[d+1]] {
			v := y[j]
			cr += real(p)*real(v) - imag(p)*imag(v)
			ci += real(p)*imag(v) + imag(p)*real(v)
			e += real(v)*real(v) + imag(v)*imag(v)
			j += sps
		}
		sum += math.Sqrt(float64(cr*cr + ci*ci))
		ey += float64(e)
	}
	if ey == 0 {
		return 0
	}
	return sum * sum / (float64(s.cfg.PreambleLen) * ey)
}

// corr returns Σ_k conj(p_k)·y[n+k·sps]·e^{−jω·k·sps} over k in [lo, hi).
func (s *Synchronizer) corr(y []complex64, n int, omega float64, lo, hi int, ip *interp) complex128 {
	sps := s.cfg.SPS
	var c complex128
	for k := lo; k < hi; k++ {
		sn, cs := math.Sincos(-omega * float64(k*sps))
		c += complex128(s.conj[k]) * ip.at(y, n+k*sps) * complex(cs, sn)
	}
	return c
}

// interpHalf is half the length of the fractional-delay interpolator: taps
// k = −7 … 8 around the sample before the wanted instant.
const interpHalf = 8

// interp evaluates a stream between samples: a Hann-windowed sinc of
// 2·interpHalf = 16 taps (the ideal band-limited interpolator, windowed),
// exact for frac = 0. Its error is below −55 dB for tones up to a quarter
// of the sample rate (the band of an RRC at 4 samples per symbol) and below
// −44 dB at 0.35 (2 samples per symbol, β = 0.35); TestInterpolator
// measures −58 and −47 dB.
type interp struct {
	frac float64 // fraction of a sample, in [−0.5, 0.5]
	base int     // ⌊frac⌋: −1 or 0
	h    [2 * interpHalf]float64
}

func newInterp(frac float64) interp {
	ip := interp{frac: frac}
	if frac == 0 {
		return ip
	}
	ip.base = int(math.Floor(frac))
	mu := frac - float64(ip.base) // in [0, 1)
	var sum float64
	for j := range ip.h {
		x := float64(j-interpHalf+1) - mu
		v := 1.0
		if x != 0 {
			v = math.Sin(math.Pi*x) / (math.Pi * x)
		}
		v *= 0.5 + 0.5*math.Cos(math.Pi*x/interpHalf)
		ip.h[j] = v
		sum += v
	}
	for j := range ip.h {
		ip.h[j] /= sum // unit DC gain
	}
	return ip
}

// at returns the stream at i + frac. The caller guarantees the taps lie in y
// (see margin).
func (ip *interp) at(y []complex64, i int) complex128 {
	if ip.frac == 0 {
		return complex128(y[i])
	}
	i += ip.base - interpHalf + 1
	var re, im float64
	for j, h := range ip.h {
		v := y[i+j]
		re += h * float64(real(v))
		im += h * float64(imag(v))
	}
	return complex(re, im)
}

// margin returns how many samples the interpolator reads before and after
// the sample it is asked for.
func (ip *interp) margin() (before, after int) {
	if ip.frac == 0 {
		return 0, 0
	}
	return interpHalf - 1 - ip.base, interpHalf + ip.base
}

// estimate measures CFO, gain and SNR of the preamble starting at n.
func (s *Synchronizer) estimate(y []complex64, n int) Detection {
	N, sps := s.cfg.PreambleLen, s.cfg.SPS
	omega := 0.0
	// Coarse to fine: the phase step between segments of length L is
	// unambiguous for |ω·L·sps| < π; each stage starts from the previous
	// estimate, so its residual is inside the next stage's range.
	for _, l := range []int{max(N/16, 2), max(N/4, 2)} {
		var acc, prev complex128
		for lo := 0; lo+l <= N; lo += l {
			c := s.corr(y, n, omega, lo, lo+l, &interp{})
			if lo > 0 {
				acc += c * cmplx.Conj(prev)
			}
			prev = c
		}
		if acc != 0 {
			omega += cmplx.Phase(acc) / float64(l*sps)
		}
	}
	// Fractional timing: a parabola through the correlation magnitudes at
	// n−1, n, n+1 (the matched-filter output's correlation peak is the
	// raised-cosine pulse, close to a parabola within a sample when SPS ≥ 2;
	// at SPS = 1 the neighbours carry no pulse information and frac stays 0).
	frac := 0.0
	if sps >= 2 && n-1-interpHalf >= 0 && n+1+(N-1)*sps+interpHalf < len(y) {
		a := cmplx.Abs(s.corr(y, n-1, omega, 0, N, &interp{}))
		b := cmplx.Abs(s.corr(y, n, omega, 0, N, &interp{}))
		c := cmplx.Abs(s.corr(y, n+1, omega, 0, N, &interp{}))
		if den := a - 2*b + c; den < 0 {
			frac = max(-0.5, min(0.5, 0.5*(a-c)/den))
		}
		// One refinement on interpolated correlations ±1/4 sample around
		// the first estimate, where the peak is closer to a parabola (this
		// matters at SPS = 2, where a sample is half a symbol).
		const h = 0.25
		if n-2-interpHalf >= 0 && n+2+(N-1)*sps+interpHalf < len(y) {
			ia, ib, ic := newInterp(frac-h), newInterp(frac), newInterp(frac+h)
			a = cmplx.Abs(s.corr(y, n, omega, 0, N, &ia))
			b = cmplx.Abs(s.corr(y, n, omega, 0, N, &ib))
			c = cmplx.Abs(s.corr(y, n, omega, 0, N, &ic))
			if den := a - 2*b + c; den < 0 {
				frac = max(-0.5, min(0.5, frac+h*0.5*(a-c)/den))
			}
		}
	}
	ip := newInterp(frac)
	h := s.corr(y, n, omega, 0, N, &ip) / complex(float64(N), 0)
	var noise float64
	for k := 0; k < N; k++ {
		sn, cs := math.Sincos(-omega * float64(k*sps))
		e := ip.at(y, n+k*sps)*complex(cs, sn) - h*complex128(s.pre[k])
		noise += real(e)*real(e) + imag(e)*imag(e)
	}
	noise /= float64(N - 1)
	snr := math.Inf(1)
	if noise > 0 {
		snr = real(h)*real(h) + imag(h)*imag(h)
		snr /= noise
	}
	return Detection{Start: n, Frac: frac, CFO: omega, Gain: h, SNR: snr}
}

// BurstSpan returns the number of stream samples a burst of n data symbols
// occupies from its preamble start to its last symbol inclusive.
func (s *Synchronizer) BurstSpan(n int) int { return (s.OutLen(n)-1)*s.cfg.SPS + 1 }

// Symbols writes the first n data symbols of the burst found by d into
// dst[:0] and returns them, corrected for CFO, channel gain and the residual
// phase ramp fitted to the pilots. total is the burst's number of data
// symbols when known (total ≥ n); pass 0 when it is not (e.g. to read a
// header that gives the length), and only the pilots after complete blocks
// of P data symbols among the first n are used. It returns ErrShort if y ends
// before the last symbol or pilot it needs. It allocates only when
// cap(dst) < n.
func (s *Synchronizer) Symbols(dst, y []complex64, d Detection, n, total int) ([]complex64, error) {
	if n < 0 {
		return dst[:0], fmt.Errorf("sync: negative symbol count %d", n)
	}
	p := s.cfg.PilotSpacing
	np := n / p // pilots after complete blocks
	if n == total && n%p != 0 {
		np++ // the final pilot after a partial block
	}
	if total < n {
		total = math.MaxInt / 2
	}
	sps := s.cfg.SPS
	last := s.cfg.PreambleLen - 1
	if n > 0 {
		last = s.dataPos(n - 1)
	}
	if np > 0 {
		last = max(last, s.pilotPos(np-1, total))
	}
	if d.Frac < -0.5 || d.Frac > 0.5 || d.Frac != d.Frac {
		return dst[:0], fmt.Errorf("sync: detection timing fraction %v outside [−0.5, 0.5]", d.Frac)
	}
	ip := newInterp(d.Frac)
	before, after := ip.margin()
	if d.Start-before < 0 || d.Start+last*sps+after >= len(y) {
		return dst[:0], ErrShort
	}
	if d.Gain == 0 {
		return dst[:0], errors.New("sync: detection has zero gain")
	}
	inv := 1 / d.Gain
	at := func(t int) complex128 { // CFO- and gain-corrected sample of symbol t
		sn, cs := math.Sincos(-d.CFO * float64(t*sps))
		return ip.at(y, d.Start+t*sps) * complex(cs, sn) * inv
	}
	// Residual phase: the phase at pilot j is the angle of the sum of the
	// complex pilot values j−W … j+W (a sliding window, so noisy pilots
	// average instead of wrapping at low SNR and slow drift is followed);
	// data symbols take the phase interpolated linearly between the pilots
	// around them, the first block starting from the preamble centre t_c
	// where the phase is 0 by construction. Consecutive pilot phases are
	// unwrapped against each other (their step is the residual CFO times
	// P+1 symbols, far below π after the preamble's CFO estimate).
	pilotAt := func(j int) complex128 {
		if j < 0 || j >= np {
			return 0
		}
		return at(s.pilotPos(j, total)) / complex128(Pilot)
	}
	var win complex128
	for j := 0; j < pilotWindow && j < np; j++ {
		win += pilotAt(j)
	}
	prevT, prevPhi := float64(s.cfg.PreambleLen-1)/2, 0.0
	if cap(dst) < n {
		dst = make([]complex64, n)
	}
	dst = dst[:n]
	for j := 0; j*p < n; j++ {
		var tj, phij float64
		if j < np {
			win += pilotAt(j+pilotWindow) - pilotAt(j-pilotWindow-1)
			tj = float64(s.pilotPos(j, total))
			phij = prevPhi + remainder(cmplx.Phase(win)-prevPhi)
		} else { // no pilot after this block (header read): hold the phase
			tj, phij = prevT+1, prevPhi
		}
		for i := j * p; i < min((j+1)*p, n); i++ {
			t := s.dataPos(i)
			phi := prevPhi + (phij-prevPhi)*(float64(t)-prevT)/(tj-prevT)
			sn, cs := math.Sincos(-phi)
			dst[i] = complex64(at(t) * complex(cs, sn))
		}
		prevT, prevPhi = tj, phij
	}
	return dst, nil
}

// remainder reduces an angle to [−π, π].
func remainder(x float64) float64 { return math.Remainder(x, 2*math.Pi) }
