package pulse

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestRRCShape(t *testing.T) {
	for _, cfg := range []Config{
		{Rolloff: 0.35, Span: 12, SPS: 4},
		{Rolloff: 0.25, Span: 8, SPS: 4}, // hits |t| = T/(4β) = 1 exactly
		{Rolloff: 0.5, Span: 6, SPS: 2},  // hits |t| = 1/2
		{Rolloff: 0, Span: 10, SPS: 8},
		{Rolloff: 1, Span: 4, SPS: 3},
	} {
		t.Run(fmt.Sprintf("beta=%g/span=%d/sps=%d", cfg.Rolloff, cfg.Span, cfg.SPS), func(t *testing.T) {
			h, err := RRC(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if len(h) != cfg.Span*cfg.SPS+1 {
				t.Fatalf("%d taps, want %d", len(h), cfg.Span*cfg.SPS+1)
			}
			var e float64
			for i, v := range h {
				e += float64(v) * float64(v)
				if v != h[len(h)-1-i] {
					t.Fatalf("taps not symmetric at %d", i)
				}
			}
			if math.Abs(e-1) > 1e-6 {
				t.Errorf("energy %v, want 1", e)
			}
			// The singular points must be the limits of the general formula.
			if cfg.Rolloff > 0 {
				ts := 1 / (4 * cfg.Rolloff)
				lim := (rrcAt(ts-1e-6, cfg.Rolloff) + rrcAt(ts+1e-6, cfg.Rolloff)) / 2
				if got := rrcAt(ts, cfg.Rolloff); math.Abs(got-lim) > 1e-5 {
					t.Errorf("h(T/4β) = %v, limit %v", got, lim)
				}
			}
			if got, lim := rrcAt(0, cfg.Rolloff), rrcAt(1e-7, cfg.Rolloff); math.Abs(got-lim) > 1e-5 {
				t.Errorf("h(0) = %v, limit %v", got, lim)
			}
		})
	}
}

// TestRRCCascadeIsRaisedCosine convolves the RRC with itself and compares it
// with the raised-cosine closed form. The remaining error is the truncation
// of the tails to Span symbols; for Span = 12 the analytic bound is the tail
// energy, well under 1% of the peak.
func TestRRCCascadeIsRaisedCosine(t *testing.T) {
	for _, beta := range []float64{0.2, 0.35, 0.5, 1} {
		cfg := Config{Rolloff: beta, Span: 12, SPS: 4}
		h, _ := RRC(cfg)
		n := len(h)
		maxErr, maxISI := 0.0, 0.0
		for lag := -(n - 1); lag <= n-1; lag++ {
			var s float64
			for i := range h {
				if j := i + lag; j >= 0 && j < n {
					s += float64(h[i]) * float64(h[j])
				}
			}
			want := RaisedCosine(float64(lag)/float64(cfg.SPS), beta)
			maxErr = max(maxErr, math.Abs(s-want))
			if lag != 0 && lag%cfg.SPS == 0 {
				maxISI = max(maxISI, math.Abs(s))
			}
		}
		if maxErr > 0.01 {
			t.Errorf("β=%g: cascade deviates from the raised cosine by %.4f", beta, maxErr)
		}
		if maxISI > 0.01 {
			t.Errorf("β=%g: residual ISI %.4f at symbol-spaced lags", beta, maxISI)
		}
	}
}

func randomSymbols(r *rand.Rand, n int) []complex64 {
	s := make([]complex64, n)
	for i := range s {
		s[i] = complex(float32(2*r.IntN(2)-1), float32(2*r.IntN(2)-1)) * complex(float32(1/math.Sqrt2), 0)
	}
	return s
}

// TestShaperMatchesConvolution compares the polyphase shaper with the
// direct convolution of the zero-stuffed symbols.
func TestShaperMatchesConvolution(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	taps := []float32{0.1, -0.3, 0.8, 1, 0.5, -0.2, 0.05}
	for _, sps := range []int{1, 2, 3, 4, 8} {
		it, err := NewInterpolator(taps, sps)
		if err != nil {
			t.Fatal(err)
		}
		sym := randomSymbols(r, 50)
		got, _ := it.Shape(nil, sym)
		up := make([]complex64, len(sym)*sps)
		for k, s := range sym {
			up[k*sps] = s
		}
		for n := range got {
			var want complex64
			for i, h := range taps {
				if n-i >= 0 {
					want += complex(h, 0) * up[n-i]
				}
			}
			if d := got[n] - want; math.Hypot(float64(real(d)), float64(imag(d))) > 1e-5 {
				t.Fatalf("sps=%d sample %d: got %v, want %v", sps, n, got[n], want)
			}
		}
	}
}

// TestShapeMatchedFilterRoundTrip: RRC shaper → matched filter returns every
// symbol Delay symbols later with unit gain; the error is the truncation ISI.
func TestShapeMatchedFilterRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	for _, cfg := range []Config{{Rolloff: 0.35}, {Rolloff: 0.22, Span: 16, SPS: 8}, {Rolloff: 0.5, Span: 10, SPS: 2}} {
		cfg, _ := cfg.Check()
		t.Run(fmt.Sprintf("beta=%g/span=%d/sps=%d", cfg.Rolloff, cfg.Span, cfg.SPS), func(t *testing.T) {
			tx, _ := NewRRCShaper(cfg)
			rx, _ := NewRRCMatchedFilter(cfg)
			sym := randomSymbols(r, 500)
			wave, _ := tx.Shape(nil, sym)
			if p := power(wave[cfg.Span*cfg.SPS : len(wave)-cfg.Span*cfg.SPS]); math.Abs(p*float64(cfg.SPS)-1) > 0.1 {
				t.Errorf("sample power %v, want about 1/SPS = %v", p, 1/float64(cfg.SPS))
			}
			out, _ := rx.Filter(nil, wave)
			if len(out) != len(sym) {
				t.Fatalf("%d outputs for %d symbols", len(out), len(sym))
			}
			d := Delay(cfg)
			var errE, sigE float64
			for m := d; m < len(out); m++ {
				e := out[m] - sym[m-d]
				errE += float64(real(e)*real(e) + imag(e)*imag(e))
				sigE += 1
			}
			if evm := 10 * math.Log10(errE/sigE); evm > -35 {
				t.Errorf("round-trip EVM %.1f dB, want < −35 dB", evm)
			}
		})
	}
}

func power(x []complex64) float64 {
	var e float64
	for _, v := range x {
		e += float64(real(v)*real(v) + imag(v)*imag(v))
	}
	return e / float64(len(x))
}

// TestStreamingIsSplitInvariant: feeding a signal in pieces of random length
// gives exactly the output of one call, and OutLen predicts every piece.
func TestStreamingIsSplitInvariant(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	cfg := Config{Rolloff: 0.3, Span: 8, SPS: 4}
	taps, _ := RRC(cfg)
	sym := randomSymbols(r, 300)
	for _, offset := range []int{0, 1, 3} {
		a, _ := NewInterpolator(taps, cfg.SPS)
		b := a.Clone()
		ma, _ := NewDecimator(taps, cfg.SPS, offset)
		mb := ma.Clone()
		whole, _ := a.Shape(nil, sym)
		wholeOut, _ := ma.Filter(nil, whole)
		var pieces, piecesOut []complex64
		for i := 0; i < len(sym); {
			n := min(r.IntN(17), len(sym)-i)
			w, _ := b.Shape(nil, sym[i:i+n])
			pieces = append(pieces, w...)
			for j := 0; j < len(w); {
				m := min(r.IntN(11), len(w)-j)
				want := mb.OutLen(m)
				o, _ := mb.Filter(nil, w[j:j+m])
				if len(o) != want {
					t.Fatalf("offset %d: OutLen(%d) = %d, Filter gave %d", offset, m, want, len(o))
				}
				piecesOut = append(piecesOut, o...)
				j += m
			}
			i += n
		}
		if len(pieces) != len(whole) || len(piecesOut) != len(wholeOut) {
			t.Fatalf("offset %d: lengths %d/%d vs %d/%d", offset, len(pieces), len(piecesOut), len(whole), len(wholeOut))
		}
		for i := range whole {
			if pieces[i] != whole[i] {
				t.Fatalf("shaper sample %d differs: %v vs %v", i, pieces[i], whole[i])
			}
		}
		for i := range wholeOut {
			if piecesOut[i] != wholeOut[i] {
				t.Fatalf("offset %d: decimator output %d differs: %v vs %v", offset, i, piecesOut[i], wholeOut[i])
			}
		}
		a.Reset()
		again, _ := a.Shape(nil, sym)
		if again[5] != whole[5] {
			t.Fatal("Reset did not clear the history")
		}
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"rolloff<0", func() error { _, err := RRC(Config{Rolloff: -0.1}); return err }()},
		{"rolloff>1", func() error { _, err := RRC(Config{Rolloff: 1.5}); return err }()},
		{"rolloff NaN", func() error { _, err := RRC(Config{Rolloff: math.NaN()}); return err }()},
		{"span<0", func() error { _, err := RRC(Config{Span: -2}); return err }()},
		{"odd span·sps", func() error { _, err := RRC(Config{Span: 3, SPS: 3}); return err }()},
		{"sps huge", func() error { _, err := NewRRCShaper(Config{SPS: 5000}); return err }()},
		{"no taps", func() error { _, err := NewInterpolator(nil, 2); return err }()},
		{"NaN tap", func() error { _, err := NewDecimator([]float32{float32(math.NaN())}, 2, 0); return err }()},
		{"sps 0", func() error { _, err := NewDecimator([]float32{1}, 0, 0); return err }()},
		{"offset", func() error { _, err := NewDecimator([]float32{1}, 2, 2); return err }()},
	}
	for _, tc := range tests {
		if tc.err == nil {
			t.Errorf("%s: no error", tc.name)
		} else if !strings.HasPrefix(tc.err.Error(), "pulse: ") {
			t.Errorf("%s: %q lacks the package prefix", tc.name, tc.err)
		}
	}
}

func TestZeroAllocs(t *testing.T) {
	tx, _ := NewRRCShaper(Config{Rolloff: 0.35})
	rx, _ := NewRRCMatchedFilter(Config{Rolloff: 0.35})
	sym := randomSymbols(rand.New(rand.NewPCG(1, 1)), 256)
	wave, _ := tx.Shape(nil, sym)
	out, _ := rx.Filter(nil, wave)
	if a := testing.AllocsPerRun(50, func() {
		wave, _ = tx.Shape(wave, sym)
		out, _ = rx.Filter(out, wave)
	}); a != 0 {
		t.Errorf("%v allocations per frame, want 0", a)
	}
}
