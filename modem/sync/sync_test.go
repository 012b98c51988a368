package sync

import (
	"errors"
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"
)

// qpsk returns n random unit-energy QPSK symbols.
func qpsk(rng *rand.Rand, n int) []complex64 {
	r := float32(1 / math.Sqrt2)
	out := make([]complex64, n)
	for i := range out {
		out[i] = complex(r*float32(1-2*rng.IntN(2)), r*float32(1-2*rng.IntN(2)))
	}
	return out
}

// channel turns symbols into a matched-filter stream at sps samples per
// symbol: zero-order hold, a complex gain, CFO (cycles per sample), white
// noise of variance n0·sps per sample (n0 per symbol after the box filter)
// and `lead` noise-only samples before; then the box matched filter
// (1/sps)·Σ of sps samples, whose output at index lead + k·sps + sps − 1 is
// symbol k. It returns the stream and the index of symbol 0.
func channel(rng *rand.Rand, sym []complex64, sps, lead int, gain complex128, cfo, n0 float64) ([]complex64, int) {
	tail := 50 * sps
	x := make([]complex128, lead+len(sym)*sps+tail)
	for k, v := range sym {
		for i := 0; i < sps; i++ {
			x[lead+k*sps+i] = complex128(v) * gain
		}
	}
	sd := math.Sqrt(n0 * float64(sps) / 2)
	for i := range x {
		x[i] *= cmplx.Exp(complex(0, 2*math.Pi*cfo*float64(i)))
		x[i] += complex(rng.NormFloat64()*sd, rng.NormFloat64()*sd)
	}
	y := make([]complex64, len(x))
	var acc complex128
	for i := range x {
		acc += x[i]
		if i >= sps {
			acc -= x[i-sps]
		}
		y[i] = complex64(acc / complex(float64(sps), 0))
	}
	return y, lead + sps - 1
}

func TestMSequence(t *testing.T) {
	// IEEE 802.11-2016 §17.3.5.5: the scrambler from the all-ones state
	// repeats the 127-bit sequence starting 00001110 11110010 11001001 and
	// ending with seven ones.
	seq := MSequence(127)
	var s string
	for _, b := range seq {
		s += fmt.Sprint(b)
	}
	if s[:24] != "000011101111001011001001" || s[120:] != "1111111" {
		t.Fatalf("802.11 sequence %s", s)
	}
	for m := 4; m <= 12; m++ {
		t.Run(fmt.Sprintf("degree=%d", m), func(t *testing.T) {
			p := (1 << m) - 1
			x := MSequence(p)
			// A maximal-length sequence has 2^(m−1) ones per period and a
			// two-valued periodic autocorrelation: −1 at every non-zero lag.
			ones := 0
			for _, b := range x {
				ones += int(b)
			}
			if ones != 1<<(m-1) {
				t.Fatalf("%d ones, want %d", ones, 1<<(m-1))
			}
			for _, lag := range []int{1, 2, p / 3, p - 1} {
				c := 0
				for k := range x {
					c += (1 - 2*int(x[k])) * (1 - 2*int(x[(k+lag)%p]))
				}
				if c != -1 {
					t.Fatalf("lag %d: autocorrelation %d, want −1", lag, c)
				}
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"short", Config{PreambleLen: 13}},
		{"long", Config{PreambleLen: 5000}},
		{"pilot spacing", Config{PilotSpacing: -1}},
		{"segments", Config{Segments: 100}},
		{"threshold", Config{Threshold: 1.5}},
		{"sps", Config{SPS: -2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.cfg); err == nil {
				t.Fatalf("%+v accepted", tc.cfg)
			}
		})
	}
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if c := s.Config(); c.PreambleLen != 127 || c.PilotSpacing != 32 || c.Segments != 8 || c.SPS != 1 {
		t.Fatalf("defaults %+v", c)
	}
}

func TestBurstLayout(t *testing.T) {
	s, _ := New(Config{PreambleLen: 15, PilotSpacing: 3, Segments: 2})
	data := []complex64{10, 11, 12, 13, 14, 15, 16}
	b, err := s.Burst(nil, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != s.OutLen(len(data)) || len(b) != 15+7+3 {
		t.Fatalf("len %d, OutLen %d", len(b), s.OutLen(len(data)))
	}
	if got := fmt.Sprint(b[15:]); got != "[(10+0i) (11+0i) (12+0i) (1+0i) (13+0i) (14+0i) (15+0i) (1+0i) (16+0i) (1+0i)]" {
		t.Fatalf("layout %s", got)
	}
	for i := range data {
		if b[s.dataPos(i)] != data[i] {
			t.Fatalf("dataPos(%d)", i)
		}
	}
	for j := 0; j < 3; j++ {
		if b[s.pilotPos(j, len(data))] != Pilot {
			t.Fatalf("pilotPos(%d)", j)
		}
	}
	// Symbols on the clean burst returns the data; a cut burst is ErrShort.
	d, ok, _ := s.Detect(append(b, make([]complex64, 20)...), 0)
	if !ok || d.Start != 0 {
		t.Fatalf("detect %+v %v", d, ok)
	}
	got, err := s.Symbols(nil, b, d, len(data), len(data))
	if err != nil {
		t.Fatal(err)
	}
	for i := range data {
		if cmplx.Abs(complex128(got[i]-data[i])) > 1e-4 {
			t.Fatalf("symbol %d: %v want %v", i, got[i], data[i])
		}
	}
	// A header read: the first 4 symbols with the total unknown use only
	// the pilot after the first complete block.
	hdr, err := s.Symbols(nil, b[:s.dataPos(3)+1], d, 4, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range hdr {
		if cmplx.Abs(complex128(hdr[i]-data[i])) > 1e-4 {
			t.Fatalf("header symbol %d: %v want %v", i, hdr[i], data[i])
		}
	}
	if _, err := s.Symbols(nil, b[:len(b)-1], d, len(data), len(data)); !errors.Is(err, ErrShort) {
		t.Fatalf("cut burst: %v", err)
	}
}

// TestDetect finds one burst at a random offset after noise, with CFO and a
// random channel phase, and checks timing, the CFO estimate and the EVM of
// the corrected QPSK symbols against the noise floor.
func TestDetect(t *testing.T) {
	const nData = 2000
	type tc struct {
		sps    int
		snrDB  float64
		cfoRel float64 // fraction of CFORange (cycles per symbol)
	}
	var cases []tc
	for _, sps := range []int{1, 4} {
		for _, snr := range []float64{3, 10, 30} {
			for _, c := range []float64{0, 0.5, -0.9} {
				cases = append(cases, tc{sps, snr, c})
			}
		}
	}
	for i, c := range cases {
		t.Run(fmt.Sprintf("sps=%d/EsN0=%gdB/cfo=%g", c.sps, c.snrDB, c.cfoRel), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(7, uint64(i)))
			s, err := New(Config{SPS: c.sps})
			if err != nil {
				t.Fatal(err)
			}
			data := qpsk(rng, nData)
			burst, _ := s.Burst(nil, data)
			snr := math.Pow(10, c.snrDB/10)
			cfoSym := c.cfoRel * s.CFORange() // cycles per symbol
			gain := cmplx.Rect(0.3+rng.Float64(), 2*math.Pi*rng.Float64())
			lead := 500 + rng.IntN(1000)
			// Noise scales with the gain so that Es/N0 at the receiver is snr.
			y, first := channel(rng, burst, c.sps, lead, gain, cfoSym/float64(c.sps), real(gain*cmplx.Conj(gain))/snr)
			d, ok, _ := s.Detect(y, 0)
			if !ok {
				t.Fatal("burst not found")
			}
			if d.Start != first {
				t.Fatalf("start %d, want %d", d.Start, first)
			}
			// CFO tolerance: 5σ of the final stage's estimator, four segments
			// of L = N/4 symbols: var(ω per symbol) ≈ 1/(9·L³·SNR) (phase
			// noise 1/(2·L·SNR) per segment, telescoping differences).
			L := float64(s.cfg.PreambleLen / 4)
			tol := 5 * math.Sqrt(1/(9*L*L*L*snr)) / float64(c.sps)
			if got, want := d.CFO, 2*math.Pi*cfoSym/float64(c.sps); math.Abs(got-want) > tol {
				t.Fatalf("CFO %v rad/sample, want %v ± %v", got, want, tol)
			}
			sym, err := s.Symbols(nil, y, d, nData, nData)
			if err != nil {
				t.Fatal(err)
			}
			var e float64
			for k := range sym {
				v := complex128(sym[k] - data[k])
				e += real(v)*real(v) + imag(v)*imag(v)
			}
			e /= nData
			// Error power is the noise, N0 = 1/SNR after gain normalisation;
			// the sample mean of n terms has relative sd √(1/n) (complex
			// Gaussian): allow 5 sd. Estimation adds the gain error (~1/N
			// relative) and the pilot phase error θ, var θ ≤ 1/(2·SNR·(W+1))
			// (a one-sided window of W+1 pilots at the frame ends). θ is
			// nearly constant over a window of (2W+1)(P+1) = 561 symbols,
			// so a 2000-symbol frame holds ~4 independent draws: allow the
			// 1e-4 quantile of χ²₄/4, about 6 (not the mean, 1).
			bound := (1/snr)*(1+5*math.Sqrt(1.0/nData)+2/float64(s.cfg.PreambleLen)) + 6/(2*snr*(pilotWindow+1))
			if e > bound {
				t.Fatalf("EVM² %.3g, bound %.3g (1/SNR = %.3g)", e, bound, 1/snr)
			}
			if est := 10 * math.Log10(d.SNR); math.Abs(est-c.snrDB) > 1.5 {
				t.Fatalf("SNR estimate %.1f dB, want %.1f", est, c.snrDB)
			}
		})
	}
}

// TestNoFalseAlarm runs the detector over pure noise.
func TestNoFalseAlarm(t *testing.T) {
	n := 100000
	if testing.Short() {
		n = 20000
	}
	rng := rand.New(rand.NewPCG(3, 3))
	y := make([]complex64, n)
	for i := range y {
		y[i] = complex(float32(rng.NormFloat64()), float32(rng.NormFloat64()))
	}
	s, _ := New(Config{})
	// P(false alarm) < 1e-9 per sample (Config.Threshold), so expect none.
	if d, ok, _ := s.Detect(y, 0); ok {
		t.Fatalf("false alarm at %d, metric %v", d.Start, d.Metric)
	}
}

// TestStreaming feeds several bursts in pieces, dropping consumed samples
// the way a file receiver does, and checks each is found exactly once.
func TestStreaming(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 1))
	s, _ := New(Config{SPS: 2, PilotSpacing: 16})
	var sym []complex64
	var starts []int
	var datas [][]complex64
	for f := 0; f < 5; f++ {
		gap := make([]complex64, 100+rng.IntN(300))
		sym = append(sym, gap...)
		starts = append(starts, len(sym))
		data := qpsk(rng, 200+rng.IntN(200))
		datas = append(datas, data)
		b, _ := s.Burst(nil, data)
		sym = append(sym, b...)
	}
	y, first := channel(rng, sym, 2, 37, cmplx.Rect(1, 1), 0.001, 0.01)
	var buf []complex64
	base, next, found := 0, 0, 0
	for off := 0; off < len(y); off += 777 {
		buf = append(buf, y[off:min(off+777, len(y))]...)
		for {
			d, ok, nx := s.Detect(buf, next-base)
			if !ok {
				next = base + nx
				break
			}
			n := len(datas[found])
			got, err := s.Symbols(nil, buf, d, n, n)
			if errors.Is(err, ErrShort) {
				next = base + d.Start // retry once more samples are in
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := first + 2*starts[found]; base+d.Start != want {
				t.Fatalf("burst %d at %d, want %d", found, base+d.Start, want)
			}
			for k := range got {
				if cmplx.Abs(complex128(got[k]-datas[found][k])) > 0.5 {
					t.Fatalf("burst %d symbol %d: %v want %v", found, k, got[k], datas[found][k])
				}
			}
			found++
			next = base + d.Start + s.BurstSpan(n)
			if found == len(datas) {
				break
			}
		}
		// Drop what the search has passed.
		if drop := next - base; drop > 0 {
			buf = append(buf[:0], buf[drop:]...)
			base = next
		}
	}
	if found != len(datas) {
		t.Fatalf("found %d of %d bursts", found, len(datas))
	}
}

func TestNoAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	s, _ := New(Config{SPS: 2})
	data := qpsk(rng, 300)
	b, _ := s.Burst(nil, data)
	y, _ := channel(rng, b, 2, 100, 1, 0, 0.01)
	dst := make([]complex64, 0, len(data))
	bdst := make([]complex64, 0, s.OutLen(len(data)))
	var d Detection
	var ok bool
	if n := testing.AllocsPerRun(20, func() { d, ok, _ = s.Detect(y, 0) }); n != 0 || !ok {
		t.Fatalf("Detect: %v allocs, found %v", n, ok)
	}
	if n := testing.AllocsPerRun(20, func() { dst, _ = s.Symbols(dst, y, d, len(data), len(data)) }); n != 0 {
		t.Fatalf("Symbols: %v allocs", n)
	}
	if n := testing.AllocsPerRun(20, func() { bdst, _ = s.Burst(bdst, data) }); n != 0 {
		t.Fatalf("Burst: %v allocs", n)
	}
}

func BenchmarkDetect(b *testing.B) {
	for _, sps := range []int{1, 4} {
		b.Run(fmt.Sprintf("sps=%d", sps), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			s, _ := New(Config{SPS: sps})
			y := make([]complex64, 1<<16)
			for i := range y {
				y[i] = complex(float32(rng.NormFloat64()), float32(rng.NormFloat64()))
			}
			for b.Loop() {
				s.Detect(y, 0)
			}
			b.ReportMetric(float64(len(y))*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}

func BenchmarkSymbols(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	s, _ := New(Config{SPS: 4})
	data := qpsk(rng, 4096)
	burst, _ := s.Burst(nil, data)
	y, _ := channel(rng, burst, 4, 100, 1, 0.0005, 0.01)
	d, ok, _ := s.Detect(y, 0)
	if !ok {
		b.Fatal("not found")
	}
	dst := make([]complex64, 0, len(data))
	for b.Loop() {
		dst, _ = s.Symbols(dst, y, d, len(data), len(data))
	}
	b.ReportMetric(float64(len(data))*float64(b.N)/b.Elapsed().Seconds(), "symbols/s")
}
