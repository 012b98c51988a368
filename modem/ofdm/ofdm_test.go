package ofdm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestGoldSequence compares c(0…63) with an independent Python
// implementation of TS 38.211 §5.2.1 written from the spec:
//
//	x1=[1]+[0]*30; x2=[(ci>>i)&1 for i in range(31)]; extend with
//	x1[n+31]=x1[n+3]^x1[n], x2[n+31]=x2[n+3]^x2[n+2]^x2[n+1]^x2[n];
//	c[n]=x1[n+1600]^x2[n+1600].
func TestGoldSequence(t *testing.T) {
	for cinit, want := range map[uint32]string{
		0:         "0000001000011010000100100111101000100101100101010000001101010110",
		1:         "0000001010000011000000110111010000101011100110101111110111100010",
		0x1234567: "0000011001010011100001101001010001011010111101011001000010100111",
	} {
		c := GoldSequence(cinit, 64)
		var sb strings.Builder
		for _, b := range c {
			sb.WriteByte('0' + b)
		}
		if sb.String() != want {
			t.Errorf("c_init %#x:\n got %s\nwant %s", cinit, sb.String(), want)
		}
	}
}

func TestGridLayout(t *testing.T) {
	for _, cfg := range []Config{{FFTSize: 64}, {}, {FFTSize: 256, Active: 100, PilotSpacing: 3, CPLen: 16}} {
		g, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c := g.Config()
		t.Run(fmt.Sprintf("N=%d/A=%d/P=%d", c.FFTSize, c.Active, c.PilotSpacing), func(t *testing.T) {
			if g.DataCarriers()+g.PilotCarriers() != c.Active {
				t.Fatalf("%d data + %d pilots ≠ %d active", g.DataCarriers(), g.PilotCarriers(), c.Active)
			}
			used := map[int]bool{}
			for _, b := range append(g.DataBins(), g.PilotBins()...) {
				if b == 0 {
					t.Fatal("DC bin used")
				}
				if used[b] {
					t.Fatalf("bin %d used twice", b)
				}
				used[b] = true
			}
			// Guards: the bins around N/2 are free.
			if used[c.FFTSize/2] {
				t.Error("Nyquist bin used")
			}
			for _, p := range g.Pilots() {
				if math.Abs(float64(real(p)*real(p)+imag(p)*imag(p))-1) > 1e-6 {
					t.Fatalf("pilot %v does not have unit energy", p)
				}
			}
		})
	}
	g, _ := New(Config{FFTSize: 64})
	if c := g.Config(); c.Active != 52 || c.CPLen != 8 {
		t.Errorf("defaults for N=64: %+v, want 52 active and CP 8", c)
	}
}

func randomQPSK(r *rand.Rand, n int) []complex64 {
	s := make([]complex64, n)
	q := float32(1 / math.Sqrt2)
	for i := range s {
		s[i] = complex(q*float32(2*r.IntN(2)-1), q*float32(2*r.IntN(2)-1))
	}
	return s
}

func evm(got, want []complex64) float64 {
	var e, p float64
	for i := range got {
		d := got[i] - want[i]
		e += float64(real(d)*real(d) + imag(d)*imag(d))
		p += float64(real(want[i])*real(want[i]) + imag(want[i])*imag(want[i]))
	}
	return 10 * math.Log10(e/p)
}

func TestRoundTripAndPower(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, eq := range []Equalizer{ZF, MMSE} {
		g, _ := New(Config{FFTSize: 256, Equalizer: eq})
		mod, dem := g.Modulator(), g.Demodulator()
		dem.N0 = 1e-9
		x := randomQPSK(r, 5*g.DataCarriers())
		tx, err := mod.Modulate(nil, x)
		if err != nil {
			t.Fatal(err)
		}
		if len(tx) != mod.OutLen(len(x)) || len(tx) != 5*g.SymbolLen() {
			t.Fatalf("%d samples, OutLen %d", len(tx), mod.OutLen(len(x)))
		}
		var p float64
		for _, v := range tx {
			p += float64(real(v)*real(v) + imag(v)*imag(v))
		}
		if p /= float64(len(tx)); math.Abs(p-1) > 0.05 {
			t.Errorf("%v: time-domain power %.3f, want ≈ 1", eq, p)
		}
		rx, err := dem.Demodulate(nil, tx)
		if err != nil {
			t.Fatal(err)
		}
		if e := evm(rx, x); e > -100 {
			t.Errorf("%v: noiseless round trip EVM %.1f dB", eq, e)
		}
	}
}

// multipath convolves x with taps (delays within the CP).
func multipath(x []complex64, taps map[int]complex64) []complex64 {
	y := make([]complex64, len(x))
	for d, h := range taps {
		for n := d; n < len(x); n++ {
			y[n] += h * x[n-d]
		}
	}
	return y
}

func TestMultipathEqualisation(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	g, _ := New(Config{FFTSize: 256, CPLen: 32, TimeAverage: 4})
	taps := map[int]complex64{0: 0.8 + 0.1i, 3: -0.4 + 0.3i, 9: 0.2i}
	h := make([]complex64, 256)
	for k := range h {
		for d, v := range taps {
			s, c := math.Sincos(-2 * math.Pi * float64(k*d) / 256)
			h[k] += v * complex(float32(c), float32(s))
		}
	}
	x := randomQPSK(r, 8*g.DataCarriers())
	tx, _ := g.Modulator().Modulate(nil, x)
	y := multipath(tx, taps)
	// Perfect CSI: exact up to float32 rounding.
	dem := g.Demodulator()
	if err := dem.SetCSI(h); err != nil {
		t.Fatal(err)
	}
	rx, _ := dem.Demodulate(nil, y)
	if e := evm(rx, x); e > -80 {
		t.Errorf("perfect CSI EVM %.1f dB", e)
	}
	// LS + linear interpolation: only the interpolation error remains. With
	// a 9-sample delay the response varies over ~28 bins; pilots every 4.
	rx, _ = g.Demodulator().Demodulate(nil, y)
	if e := evm(rx, x); e > -20 {
		t.Errorf("estimated CSI EVM %.1f dB, want < −20 dB", e)
	}
}

// TestSubcarrierNoise: white noise of variance n0 per sample comes out with
// variance n0·A/N per subcarrier (4σ: the variance estimate over M complex
// samples has standard deviation var/√M).
func TestSubcarrierNoise(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	g, _ := New(Config{FFTSize: 128})
	dem := g.Demodulator()
	dem.SetCSI(onesCSI(128))
	const n0 = 0.3
	nsym := 200
	y := make([]complex64, nsym*g.SymbolLen())
	s := float32(math.Sqrt(n0 / 2))
	for i := range y {
		y[i] = complex(s*float32(r.NormFloat64()), s*float32(r.NormFloat64()))
	}
	rx, _ := dem.Demodulate(nil, y)
	var v float64
	for _, z := range rx {
		v += float64(real(z)*real(z) + imag(z)*imag(z))
	}
	v /= float64(len(rx))
	want := g.SubcarrierN0(n0)
	if sd := want / math.Sqrt(float64(len(rx))); math.Abs(v-want) > 4*sd {
		t.Errorf("subcarrier noise variance %.5f, want %.5f ± 4·%.5f", v, want, sd)
	}
	if math.Abs(g.TimeN0(want)-n0) > 1e-12 {
		t.Error("TimeN0 does not invert SubcarrierN0")
	}
}

func onesCSI(n int) []complex64 {
	h := make([]complex64, n)
	for i := range h {
		h[i] = 1
	}
	return h
}

func TestNoiseVarianceOutputs(t *testing.T) {
	g, _ := New(Config{FFTSize: 64})
	dem := g.Demodulator()
	dem.N0 = 0.5
	h := onesCSI(64)
	for i := range h {
		h[i] = 2
	}
	dem.SetCSI(h)
	tx, _ := g.Modulator().Modulate(nil, make([]complex64, g.DataCarriers()))
	_, nv, err := dem.DemodulateCSI(nil, nil, tx)
	if err != nil {
		t.Fatal(err)
	}
	want := float32(g.SubcarrierN0(0.5) / 4)
	if math.Abs(float64(nv[0]-want)) > 1e-6 {
		t.Errorf("ZF noise variance %v, want n0/|H|² = %v", nv[0], want)
	}
}

func TestErrors(t *testing.T) {
	for _, bad := range []Config{
		{FFTSize: 100}, {FFTSize: 8}, {FFTSize: 64, CPLen: 64}, {FFTSize: 64, Active: 63},
		{FFTSize: 64, Active: 64}, {FFTSize: 64, PilotSpacing: 1}, {FFTSize: 64, PilotSeed: 1 << 31},
		{FFTSize: 64, TimeAverage: -1}, {FFTSize: 64, Equalizer: 5},
	} {
		if _, err := New(bad); err == nil {
			t.Errorf("%+v: no error", bad)
		} else if !strings.HasPrefix(err.Error(), "ofdm: ") {
			t.Errorf("%q lacks the package prefix", err)
		}
	}
	g, _ := New(Config{FFTSize: 64})
	if _, err := g.Modulator().Modulate(nil, make([]complex64, 7)); err == nil {
		t.Error("partial OFDM symbol: no error")
	}
	if _, err := g.Demodulator().Demodulate(nil, make([]complex64, 70)); err == nil {
		t.Error("partial sample block: no error")
	}
	if _, _, err := g.Demodulator().DemodulateCSI(nil, nil, make([]complex64, 72)); err == nil {
		t.Error("soft output without N0: no error")
	}
	if err := g.Demodulator().SetCSI(make([]complex64, 3)); err == nil {
		t.Error("short CSI: no error")
	}
	gm, _ := New(Config{FFTSize: 64, Equalizer: MMSE})
	if _, err := gm.Demodulator().Demodulate(nil, make([]complex64, 72)); err == nil {
		t.Error("MMSE without N0: no error")
	}
	var e Equalizer
	if e.UnmarshalText([]byte("mmse")); e != MMSE {
		t.Error("mmse did not parse")
	}
}

func TestZeroAllocs(t *testing.T) {
	g, _ := New(Config{FFTSize: 256, TimeAverage: 2})
	mod, dem := g.Modulator(), g.Demodulator()
	dem.N0 = 0.1
	x := randomQPSK(rand.New(rand.NewPCG(4, 4)), 4*g.DataCarriers())
	tx, _ := mod.Modulate(nil, x)
	rx, nv, _ := dem.DemodulateCSI(nil, nil, tx)
	if a := testing.AllocsPerRun(20, func() {
		tx, _ = mod.Modulate(tx, x)
		rx, nv, _ = dem.DemodulateCSI(rx, nv, tx)
	}); a != 0 {
		t.Errorf("%v allocations per frame, want 0", a)
	}
}

// TestMMSEIsShrunkZF: per subcarrier the MMSE output is the ZF output times
// |H|²/(|H|²+n0), and its noise output is the MSE n0/(|H|²+n0).
func TestMMSEIsShrunkZF(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	h := make([]complex64, 64)
	for i := range h {
		h[i] = complex(float32(r.NormFloat64()), float32(r.NormFloat64()))
	}
	gz, _ := New(Config{FFTSize: 64})
	gm, _ := New(Config{FFTSize: 64, Equalizer: MMSE})
	x := randomQPSK(r, 3*gz.DataCarriers())
	tx, _ := gz.Modulator().Modulate(nil, x)
	y := randomComplex(r, len(tx)) // any received signal will do
	for i := range y {
		y[i] = tx[i] + 0.3*y[i]
	}
	dz, dm := gz.Demodulator(), gm.Demodulator()
	dz.N0, dm.N0 = 0.4, 0.4
	dz.SetCSI(h)
	dm.SetCSI(h)
	zf, _, _ := dz.DemodulateCSI(nil, nil, y)
	mm, nv, _ := dm.DemodulateCSI(nil, nil, y)
	n0 := gz.SubcarrierN0(0.4)
	bins := gz.DataBins()
	for i := range mm {
		hb := h[bins[i%len(bins)]]
		hh := float64(real(hb)*real(hb) + imag(hb)*imag(hb))
		want := complex128(zf[i]) * complex(hh/(hh+n0), 0)
		if d := complex128(mm[i]) - want; math.Hypot(real(d), imag(d)) > 1e-4*(1+math.Hypot(real(want), imag(want))) {
			t.Fatalf("symbol %d: MMSE %v, want %v", i, mm[i], want)
		}
		if math.Abs(float64(nv[i])-n0/(hh+n0)) > 1e-5 {
			t.Fatalf("symbol %d: MSE %v, want %v", i, nv[i], n0/(hh+n0))
		}
	}
}

// TestSmoothingReducesEstimationNoise: on a flat channel a w-pilot moving
// average leaves the estimate unbiased and divides the noise of the
// estimate by about w (edges excepted), so the EVM after ZF drops.
func TestSmoothingReducesEstimationNoise(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	evmFor := func(w int) float64 {
		g, err := New(Config{FFTSize: 256, Smoothing: w})
		if err != nil {
			t.Fatal(err)
		}
		x := randomQPSK(r, 50*g.DataCarriers())
		tx, _ := g.Modulator().Modulate(nil, x)
		for i := range tx {
			tx[i] = (0.6-0.3i)*tx[i] + complex(0.05*float32(r.NormFloat64()), 0.05*float32(r.NormFloat64()))
		}
		rx, _ := g.Demodulator().Demodulate(nil, tx)
		return evm(rx, x)
	}
	e1, e5 := evmFor(1), evmFor(5)
	t.Logf("EVM without smoothing %.2f dB, 5-pilot smoothing %.2f dB", e1, e5)
	// Error = noise of the symbol + that of the interpolated estimate. With
	// spacing 4 the interpolation weights average (1−w)²+w² ≈ 0.58, so the
	// error is ≈1.58× the perfect-CSI noise; a 5-pilot average makes it
	// ≈1.12×: 1.5 dB better, a little less with the truncated edge windows.
	if e1-e5 < 1.0 {
		t.Errorf("smoothing gained only %.2f dB", e1-e5)
	}
	if _, err := New(Config{FFTSize: 64, Smoothing: 4}); err == nil {
		t.Error("even smoothing width: no error")
	}
}

// TestLMMSEInterpolation: on a multipath channel with taps within 21
// samples, the Wiener interpolator with a matched 32-sample delay span
// removes most of the pilot noise that linear interpolation passes on
// (measured MSE ratio ≈ 0.35; required < 0.5), and the robust default
// (span = CP) is no worse than linear. Estimates are compared with the
// true response.
func TestLMMSEInterpolation(t *testing.T) {
	taps := map[int]complex64{0: 0.8 + 0.1i, 3: -0.4 + 0.3i, 9: 0.2i, 20: 0.3}
	mse := func(ip Interpolation, span int) float64 {
		r := rand.New(rand.NewPCG(2, 2))
		g, err := New(Config{FFTSize: 1024, CPLen: 128, Interpolation: ip, LMMSEDelay: span})
		if err != nil {
			t.Fatal(err)
		}
		x := randomQPSK(r, 8*g.DataCarriers())
		tx, _ := g.Modulator().Modulate(nil, x)
		y := multipath(tx, taps)
		for i := range y {
			y[i] += complex(0.01*float32(r.NormFloat64()), 0.01*float32(r.NormFloat64()))
		}
		dem := g.Demodulator()
		dem.N0 = 2e-4
		if _, err := dem.Demodulate(nil, y); err != nil {
			t.Fatal(err)
		}
		var e float64
		bins := g.DataBins()
		for i, h := range dem.Estimate() {
			var ht complex128
			for d, v := range taps {
				s, c := math.Sincos(-2 * math.Pi * float64(bins[i]*d) / 1024)
				ht += complex128(v) * complex(c, s)
			}
			dd := complex128(h) - ht
			e += real(dd)*real(dd) + imag(dd)*imag(dd)
		}
		return e / float64(len(bins))
	}
	lin, matched, robust := mse(Linear, 0), mse(LMMSE, 32), mse(LMMSE, 0)
	t.Logf("estimate MSE: linear %.3g, LMMSE span 32 %.3g, LMMSE span CP %.3g", lin, matched, robust)
	if matched > 0.5*lin {
		t.Errorf("matched LMMSE MSE %.3g not below half the linear %.3g", matched, lin)
	}
	if robust > 1.1*lin {
		t.Errorf("robust LMMSE MSE %.3g worse than linear %.3g", robust, lin)
	}
	g, _ := New(Config{FFTSize: 64, Interpolation: LMMSE})
	if _, err := g.Demodulator().Demodulate(nil, make([]complex64, g.SymbolLen())); err == nil {
		t.Error("LMMSE without N0: no error")
	}
	for _, bad := range []Config{{FFTSize: 64, Interpolation: LMMSE, Smoothing: 3}, {FFTSize: 64, LMMSEDelay: 100}, {FFTSize: 64, Interpolation: 9}} {
		if _, err := New(bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

func TestLMMSEZeroAllocs(t *testing.T) {
	g, _ := New(Config{FFTSize: 256, Interpolation: LMMSE})
	dem := g.Demodulator()
	dem.N0 = 0.01
	tx, _ := g.Modulator().Modulate(nil, randomQPSK(rand.New(rand.NewPCG(1, 1)), 2*g.DataCarriers()))
	rx, _ := dem.Demodulate(nil, tx) // builds the weights for this N0
	if a := testing.AllocsPerRun(20, func() { rx, _ = dem.Demodulate(rx, tx) }); a != 0 {
		t.Errorf("%v allocations per frame, want 0", a)
	}
}
