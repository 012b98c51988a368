package channel

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

func normCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// within reports whether got is within k standard deviations sd of want.
func within(got, want, sd, k float64) bool { return math.Abs(got-want) <= k*sd }

// TestNormalMomentsAndTails checks the ziggurat against N(0,1): the first
// four moments, the tail probabilities beyond 3, R (the ziggurat's tail
// start) and 4, and a χ² goodness of fit over 34 bins. Every tolerance is 4
// standard deviations of the estimator at this sample size (χ²: mean df,
// sd √(2·df)).
func TestNormalMomentsAndTails(t *testing.T) {
	n := 2_000_000
	if testing.Short() {
		n = 400_000
	}
	g := NewNormal(newRNG(1))
	x := make([]float32, n)
	g.Fill(x)
	var s1, s2, s3, s4 float64
	var t3, tR, t4 int
	edges := []float64{}
	for e := -4.0; e <= 4.0001; e += 0.25 {
		edges = append(edges, e)
	}
	hist := make([]int, len(edges)+1)
	for _, v := range x {
		f := float64(v)
		s1 += f
		s2 += f * f
		s3 += f * f * f
		s4 += f * f * f * f
		a := math.Abs(f)
		if a > 3 {
			t3++
		}
		if a > zigR {
			tR++
		}
		if a > 4 {
			t4++
		}
		b := int(math.Floor((f+4)/0.25)) + 1
		hist[min(max(b, 0), len(hist)-1)]++
	}
	fn := float64(n)
	mean, vr := s1/fn, s2/fn
	checks := []struct {
		name          string
		got, want, sd float64
	}{
		{"mean", mean, 0, 1 / math.Sqrt(fn)},
		{"variance", vr, 1, math.Sqrt(2 / fn)},
		{"skewness", s3 / fn, 0, math.Sqrt(15 / fn)},
		{"kurtosis", s4 / fn, 3, math.Sqrt(96 / fn)},
	}
	for _, tail := range []struct {
		name  string
		count int
		at    float64
	}{{"P(|x|>3)", t3, 3}, {"P(|x|>R)", tR, zigR}, {"P(|x|>4)", t4, 4}} {
		p := 2 * normCDF(-tail.at)
		checks = append(checks, struct {
			name          string
			got, want, sd float64
		}{tail.name, float64(tail.count) / fn, p, math.Sqrt(p * (1 - p) / fn)})
	}
	for _, c := range checks {
		if !within(c.got, c.want, c.sd, 4) {
			t.Errorf("%s = %.6g, want %.6g ± 4·%.2g", c.name, c.got, c.want, c.sd)
		}
	}
	var chi2 float64
	for i, h := range hist {
		lo, hi := math.Inf(-1), math.Inf(1)
		if i > 0 {
			lo = edges[i-1]
		}
		if i < len(edges) {
			hi = edges[i]
		}
		e := fn * (normCDF(hi) - normCDF(lo))
		chi2 += (float64(h) - e) * (float64(h) - e) / e
	}
	df := float64(len(hist) - 1)
	if chi2 > df+4*math.Sqrt(2*df) {
		t.Errorf("χ² = %.1f over %d bins, want ≤ %.1f", chi2, len(hist), df+4*math.Sqrt(2*df))
	}
}

func TestNormalReproducibleAndClonesIndependent(t *testing.T) {
	a, b := NewNormal(newRNG(7)), NewNormal(newRNG(7))
	for i := range 1000 {
		if a.Float32() != b.Float32() {
			t.Fatalf("same seed, draw %d differs", i)
		}
	}
	c := a.Clone()
	same := 0
	for range 1000 {
		if a.Float32() == c.Float32() {
			same++
		}
	}
	if same > 5 {
		t.Errorf("clone repeats its parent: %d equal draws of 1000", same)
	}
}

// TestAWGNStatistics: the added noise has variance n0 split equally over I
// and Q, zero mean and uncorrelated components (4σ tolerances).
func TestAWGNStatistics(t *testing.T) {
	const n = 500_000
	for _, n0 := range []float64{0.01, 1, 3.7} {
		t.Run(fmt.Sprintf("N0=%g", n0), func(t *testing.T) {
			a := NewAWGN(newRNG(2))
			src := make([]complex64, n)
			for i := range src {
				src[i] = 1 - 2i
			}
			y, err := a.Apply(nil, src, n0)
			if err != nil {
				t.Fatal(err)
			}
			var sr, si, srr, sii, sri float64
			for i, v := range y {
				d := v - src[i]
				r, im := float64(real(d)), float64(imag(d))
				sr, si, srr, sii, sri = sr+r, si+im, srr+r*r, sii+im*im, sri+r*im
			}
			h := n0 / 2
			sdVar := h * math.Sqrt(2.0/n)
			if !within(srr/n, h, sdVar, 4) || !within(sii/n, h, sdVar, 4) {
				t.Errorf("per-dimension variances %.5g, %.5g, want %.5g", srr/n, sii/n, h)
			}
			if sdMean := math.Sqrt(h / n); !within(sr/n, 0, sdMean, 4) || !within(si/n, 0, sdMean, 4) {
				t.Errorf("means %.3g, %.3g, want 0", sr/n, si/n)
			}
			if !within(sri/n, 0, h/math.Sqrt(n), 4) {
				t.Errorf("I/Q covariance %.3g, want 0", sri/n)
			}
		})
	}
	if _, err := NewAWGN(newRNG(1)).Apply(nil, make([]complex64, 3), -1); err == nil {
		t.Error("negative n0: no error")
	}
	if _, err := NewAWGN(newRNG(1)).Apply(nil, make([]complex64, 3), math.NaN()); err == nil {
		t.Error("NaN n0: no error")
	}
}

func TestCFORotation(t *testing.T) {
	const eps = 0.0123
	c, err := NewCFO(eps, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	src := make([]complex64, 1000)
	for i := range src {
		src[i] = 1
	}
	// In pieces, to check the phase continues across calls.
	var got []complex64
	for i := 0; i < len(src); i += 77 {
		o, _ := c.Apply(nil, src[i:min(i+77, len(src))])
		got = append(got, o...)
	}
	for n, v := range got {
		want := complex(math.Cos(2*math.Pi*eps*float64(n)+0.5), math.Sin(2*math.Pi*eps*float64(n)+0.5))
		if d := complex128(v) - want; math.Hypot(real(d), imag(d)) > 1e-6 {
			t.Fatalf("sample %d: got %v, want %v", n, v, want)
		}
	}
	if _, err := NewCFO(0.7, 0); err == nil {
		t.Error("|ε| > 0.5: no error")
	}
}

// TestFadingPowerIsOne: E|h|² = 1 for Rayleigh and Rician block fading and
// the Doppler process; the variance of |h|² is (1+2K)/(1+K)² for block
// fading, which sets the 4σ tolerance.
func TestFadingPowerIsOne(t *testing.T) {
	const n = 200_000
	for _, cfg := range []FlatConfig{{}, {K: 3}, {K: 100, BlockLen: 7}} {
		t.Run(fmt.Sprintf("K=%g/block=%d", cfg.K, cfg.BlockLen), func(t *testing.T) {
			f, err := NewFlat(cfg, newRNG(3))
			if err != nil {
				t.Fatal(err)
			}
			g := f.Next(make([]complex64, n))
			var p, p2 float64
			bl := max(cfg.BlockLen, 1)
			for i := 0; i < n; i += bl {
				v := float64(real(g[i])*real(g[i]) + imag(g[i])*imag(g[i]))
				p += v
				p2 += v * v
				if i+bl <= n && g[i+bl-1] != g[i] {
					t.Fatalf("gain changed inside block at %d", i)
				}
			}
			m := float64((n + bl - 1) / bl)
			k := cfg.K
			sd := math.Sqrt((1 + 2*k) / ((1 + k) * (1 + k)) / m)
			if !within(p/m, 1, sd, 4) {
				t.Errorf("E|h|² = %.5f, want 1 ± 4·%.2g", p/m, sd)
			}
			if vr := p2/m - (p/m)*(p/m); !within(vr, (1+2*k)/((1+k)*(1+k)), 0.05*(1+2*k)/((1+k)*(1+k))+4*sd, 1) {
				t.Errorf("Var|h|² = %.4f, want %.4f", vr, (1+2*k)/((1+k)*(1+k)))
			}
		})
	}
}

// TestDopplerAutocorrelationIsJ0: the ensemble autocorrelation of the
// sum-of-sinusoids process is J0(2π·fD·τ) (Clarke). Estimated from 3000
// independent processes at each lag; the standard deviation of the real part
// of the estimate is at most √(1/(2·3000)).
func TestDopplerAutocorrelationIsJ0(t *testing.T) {
	const (
		fd    = 0.01
		runs  = 3000
		start = 37 // any time: the process is stationary
	)
	lags := []int{0, 5, 10, 20, 30, 38, 50, 70, 100}
	acc := make([]complex128, len(lags))
	var power float64
	rng := newRNG(4)
	g := make([]complex64, start+lags[len(lags)-1]+1)
	for range runs {
		f, err := NewFlat(FlatConfig{Doppler: fd}, rng)
		if err != nil {
			t.Fatal(err)
		}
		f.Next(g)
		h0 := complex128(g[start])
		power += real(h0)*real(h0) + imag(h0)*imag(h0)
		for i, l := range lags {
			acc[i] += complex128(g[start+l]) * complex(real(h0), -imag(h0))
		}
	}
	sd := math.Sqrt(1.0 / (2 * runs))
	for i, l := range lags {
		got := real(acc[i]) / runs
		want := math.J0(2 * math.Pi * fd * float64(l))
		if !within(got, want, sd, 4) {
			t.Errorf("lag %d: R = %.4f, J0 = %.4f (±4·%.3f)", l, got, want, sd)
		}
		if im := imag(acc[i]) / runs; !within(im, 0, sd, 4) {
			t.Errorf("lag %d: imaginary part %.4f, want 0", l, im)
		}
	}
}

func TestFlatApplyUsesGains(t *testing.T) {
	f, _ := NewFlat(FlatConfig{K: 1, Doppler: 0.002}, newRNG(5))
	src := []complex64{1, 2i, -3, 0.5 + 0.5i}
	y, _ := f.Apply(nil, src)
	for i := range src {
		if y[i] != src[i]*f.Gains()[i] {
			t.Fatalf("sample %d: %v ≠ %v·%v", i, y[i], src[i], f.Gains()[i])
		}
	}
	for _, bad := range []FlatConfig{{K: -1}, {K: math.Inf(1)}, {Doppler: 0.6}, {BlockLen: -1}, {Sinusoids: -3}} {
		if _, err := NewFlat(bad, newRNG(1)); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

func readTable(t *testing.T, name string) (delays, powers []float64) {
	t.Helper()
	f, err := os.Open("../../testvectors/channel/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		s := sc.Text()
		if s == "" || s[0] == '#' {
			continue
		}
		r := strings.Split(s, ",")
		d, _ := strconv.ParseFloat(r[1], 64)
		p, _ := strconv.ParseFloat(r[2], 64)
		delays, powers = append(delays, d), append(powers, p)
	}
	return delays, powers
}

func TestTDLTablesMatchReference(t *testing.T) {
	for p, file := range map[Profile]string{TDLA: "tdl_a", TDLB: "tdl_b", TDLC: "tdl_c"} {
		wd, wp := readTable(t, file+"_tr38901_table7.7.2.csv")
		d, pw, err := ProfileTaps(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(d) != len(wd) {
			t.Fatalf("%v: %d taps, reference %d", p, len(d), len(wd))
		}
		for i := range d {
			if d[i] != wd[i] || pw[i] != wp[i] {
				t.Errorf("%v tap %d: (%v, %v dB), reference (%v, %v dB)", p, i+1, d[i], pw[i], wd[i], wp[i])
			}
		}
	}
}

// TestTDLApplyIsConvolution checks the delay line against a direct
// convolution with the current gains, across calls of random length, in
// place, and across block boundaries.
func TestTDLApplyIsConvolution(t *testing.T) {
	r := newRNG(6)
	for _, cfg := range []TDLConfig{
		{Profile: TDLA, DelaySpread: 300e-9, SampleRate: 30.72e6},
		{Profile: TDLC, SampleRate: 61.44e6, BlockLen: 50},
	} {
		t.Run(cfg.Profile.String(), func(t *testing.T) {
			ch, err := NewTDL(cfg, r)
			if err != nil {
				t.Fatal(err)
			}
			src := make([]complex64, 400)
			for i := range src {
				src[i] = complex(float32(r.NormFloat64()), float32(r.NormFloat64()))
			}
			// Pieces never straddle a block boundary, so each piece has one
			// gain set, read back with Gains after the call.
			hist := make([]complex64, 0, len(src))
			var gainsAt [][]complex64
			for i := 0; i < len(src); {
				n := min(1+r.IntN(60), len(src)-i)
				if cfg.BlockLen > 0 {
					n = min(n, cfg.BlockLen-ch.pos) // keep one gain set per piece
					if ch.pos == ch.period {
						n = min(1+r.IntN(60), len(src)-i, cfg.BlockLen)
					}
				}
				buf := append([]complex64(nil), src[i:i+n]...)
				out, _ := ch.Apply(buf, buf) // in place
				g := append([]complex64(nil), ch.Gains()...)
				for range n {
					gainsAt = append(gainsAt, g)
				}
				hist = append(hist, out...)
				i += n
			}
			for n := range src {
				var want complex64
				for l, d := range ch.delays {
					if n-d >= 0 {
						want += gainsAt[n][l] * src[n-d]
					}
				}
				if dd := hist[n] - want; math.Hypot(float64(real(dd)), float64(imag(dd))) > 1e-5 {
					t.Fatalf("sample %d: got %v, want %v", n, hist[n], want)
				}
			}
		})
	}
}

// TestTDLPowerIsOne: the tap powers sum to 1 and, over independent
// realisations, E[Σ|g_l|²] = 1 with variance Σ p_l² (independent
// exponential tap powers), the 4σ tolerance.
func TestTDLPowerIsOne(t *testing.T) {
	const runs = 20000
	for _, p := range []Profile{TDLA, TDLB, TDLC} {
		ch, err := NewTDL(TDLConfig{Profile: p, SampleRate: 30.72e6}, newRNG(8))
		if err != nil {
			t.Fatal(err)
		}
		var sum, vr float64
		for _, q := range ch.Powers() {
			sum += q
			vr += q * q
		}
		if math.Abs(sum-1) > 1e-6 {
			t.Errorf("%v: tap powers sum to %v", p, sum)
		}
		var acc float64
		for range runs {
			ch.Redraw()
			for _, g := range ch.Gains() {
				acc += float64(real(g)*real(g) + imag(g)*imag(g))
			}
		}
		if !within(acc/runs, 1, math.Sqrt(vr/runs), 4) {
			t.Errorf("%v: E[Σ|g|²] = %.4f, want 1 ± 4·%.3f", p, acc/runs, math.Sqrt(vr/runs))
		}
	}
}

func TestTDLFrequencyResponse(t *testing.T) {
	ch, _ := NewTDL(TDLConfig{Profile: TDLB, SampleRate: 15.36e6}, newRNG(9))
	const nfft = 64
	h := ch.FrequencyResponse(nil, nfft)
	// The response must be the DFT of the impulse response.
	imp := make([]complex64, nfft)
	imp[0] = 1
	ir, _ := ch.Apply(nil, imp)
	for k := range nfft {
		var want complex128
		for n, v := range ir {
			s, c := math.Sincos(-2 * math.Pi * float64(k*n) / nfft)
			want += complex128(v) * complex(c, s)
		}
		if d := complex128(h[k]) - want; math.Hypot(real(d), imag(d)) > 1e-5 {
			t.Fatalf("bin %d: got %v, want %v", k, h[k], want)
		}
	}
}

func TestTDLErrors(t *testing.T) {
	for _, bad := range []TDLConfig{
		{Profile: 9, SampleRate: 1e6},
		{Profile: TDLA},
		{Profile: TDLA, SampleRate: 1e6, DelaySpread: -1},
		{Profile: TDLA, SampleRate: 1e6, Doppler: 1},
		{Profile: TDLA, SampleRate: 1e6, BlockLen: -1},
		{Profile: TDLA, SampleRate: 1e12, DelaySpread: 1e-3},
	} {
		if _, err := NewTDL(bad, newRNG(1)); err == nil {
			t.Errorf("%+v: no error", bad)
		} else if !strings.HasPrefix(err.Error(), "channel: ") {
			t.Errorf("%q lacks the package prefix", err)
		}
	}
	var p Profile
	for _, s := range []string{"tdl-a", "TDL-B", "tdlc", "a"} {
		if err := p.UnmarshalText([]byte(s)); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	if err := p.UnmarshalText([]byte("tdl-d")); err == nil {
		t.Error("tdl-d: no error")
	}
}

func TestZeroAllocs(t *testing.T) {
	rng := newRNG(10)
	a := NewAWGN(rng)
	f, _ := NewFlat(FlatConfig{Doppler: 0.001}, rng)
	fb, _ := NewFlat(FlatConfig{BlockLen: 14}, rng)
	td, _ := NewTDL(TDLConfig{Profile: TDLA, SampleRate: 30.72e6, Doppler: 1e-4}, rng)
	c, _ := NewCFO(0.01, 0)
	buf := make([]complex64, 1024)
	for _, k := range []func(dst, src []complex64) ([]complex64, error){a.Stage(0.1), f.Apply, fb.Apply, td.Apply, c.Apply} {
		k(buf, buf)
		if n := testing.AllocsPerRun(50, func() { k(buf, buf) }); n != 0 {
			t.Errorf("%v allocations per frame, want 0", n)
		}
	}
}

func TestClonesReproducible(t *testing.T) {
	mk := func() []complex64 {
		rng := newRNG(11)
		td, _ := NewTDL(TDLConfig{Profile: TDLC, SampleRate: 30.72e6, Doppler: 1e-3}, rng)
		c := td.Clone()
		x := make([]complex64, 100)
		x[0] = 1
		y, _ := c.Apply(nil, x)
		return y
	}
	a, b := mk(), mk()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("sample %d differs between identical runs", i)
		}
	}
}
