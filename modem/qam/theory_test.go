package qam

import (
	"fmt"
	"math"
	"testing"
)

// exactBERNumeric computes the AWGN BER of a square QAM from its own levels
// and labels: for every transmitted level and bit, the probability mass of
// the decision regions whose label differs in that bit (Gaussian integrals
// via erfc). It shares no formula with TheoryBER.
func exactBERNumeric(c *Constellation, ebn0 float64) float64 {
	l := len(c.level)
	n0 := 1 / (ebn0 * float64(c.m)) // Es = 1
	sigma := math.Sqrt(n0 / 2)
	cdf := func(x float64) float64 { return 0.5 * math.Erfc(-x/(sigma*math.Sqrt2)) }
	var errs float64
	for pt := range l { // transmitted level
		a := c.level[pt]
		for pr := range l { // decided level
			lo, hi := math.Inf(-1), math.Inf(1)
			if pr > 0 {
				lo = (c.level[pr-1] + c.level[pr]) / 2
			}
			if pr < l-1 {
				hi = (c.level[pr] + c.level[pr+1]) / 2
			}
			prob := cdf(hi-a) - cdf(lo-a)
			errs += prob * float64(popcount(int(c.plabel[pt]^c.plabel[pr])))
		}
	}
	return errs / float64(l*c.k)
}

func TestTheoryBERMatchesNumeric(t *testing.T) {
	for _, s := range []Scheme{QPSK, QAM16, QAM64, QAM256} {
		for _, db := range []float64{0, 4, 8, 12, 16} {
			t.Run(fmt.Sprintf("%v/EbN0=%gdB", s, db), func(t *testing.T) {
				g := math.Pow(10, db/10)
				got, err := TheoryBER(s, g, false)
				if err != nil {
					t.Fatal(err)
				}
				want := exactBERNumeric(MustNew(s), g)
				if math.Abs(got-want) > 1e-9*max(1, want) && math.Abs(got-want)/want > 1e-9 {
					t.Errorf("TheoryBER = %.10g, numeric %.10g", got, want)
				}
			})
		}
	}
}

func TestTheoryBERKnownValues(t *testing.T) {
	tests := []struct {
		s        Scheme
		db       float64
		rayleigh bool
		want     float64
	}{
		{BPSK, 0, false, 0.5 * math.Erfc(1)},               // ½erfc(√γ) at γ = 1
		{QPSK, 9.5879, false, 1.0000e-5},                   // Q(√(2γ)) = 1e-5 at 9.5879 dB
		{BPSK, 10, true, 0.5 * (1 - math.Sqrt(10.0/11))},   // Simon & Alouini eq. 5.6
		{BPSK, 20, true, 0.5 * (1 - math.Sqrt(100.0/101))}, // same, 2.49e-3
	}
	for _, tc := range tests {
		got, err := TheoryBER(tc.s, math.Pow(10, tc.db/10), tc.rayleigh)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-tc.want)/tc.want > 1e-3 {
			t.Errorf("%v %g dB rayleigh=%v: got %.5g, want %.5g", tc.s, tc.db, tc.rayleigh, got, tc.want)
		}
	}
	if _, err := TheoryBER(Custom, 1, false); err == nil {
		t.Error("custom: no error")
	}
	if _, err := TheoryBER(QPSK, -1, false); err == nil {
		t.Error("negative Eb/N0: no error")
	}
}

// TestTheoryBERRayleighMatchesIntegral averages the numeric AWGN BER over an
// exponential SNR distribution (substituting γ = −γ̄·ln u, midpoint rule).
func TestTheoryBERRayleighMatchesIntegral(t *testing.T) {
	// The midpoint rule's error at n = 20000 is about 1e-4 relative here;
	// 4000 points would already reach 3e-3 at 25 dB, so n is not shrunk.
	const n = 20000
	for _, s := range []Scheme{QPSK, QAM16, QAM64} {
		c := MustNew(s)
		for _, db := range []float64{5, 15, 25} {
			g := math.Pow(10, db/10)
			var avg float64
			for i := range n {
				u := (float64(i) + 0.5) / float64(n)
				avg += exactBERNumeric(c, -g*math.Log(u))
			}
			avg /= float64(n)
			got, _ := TheoryBER(s, g, true)
			if math.Abs(got-avg)/avg > 2e-3 {
				t.Errorf("%v %g dB: closed form %.6g, integral %.6g", s, db, got, avg)
			}
		}
	}
}
