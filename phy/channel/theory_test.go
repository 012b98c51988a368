package channel_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hesemcom/hesemcom/internal/units"
	"github.com/hesemcom/hesemcom/modem/qam"
	"github.com/hesemcom/hesemcom/phy/channel"
)

// berCase is one Monte Carlo point: scheme over a channel at Eb/N0.
type berCase struct {
	s    qam.Scheme
	ebn0 units.DB
	ch   string // "awgn", "rayleigh", "rician1e4"
}

// simulateBER sends nsym random symbols through the channel and returns bit
// errors and bits. Fading receivers are coherent: z = y/h, then hard
// decisions.
func simulateBER(t *testing.T, c berCase, nsym int, seed uint64) (errs, nbits int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	con := qam.MustNew(c.s)
	m := con.BitsPerSymbol()
	n0 := units.EbN0ToN0(c.ebn0, m, 1)
	awgn := channel.NewAWGN(rng)
	var fad *channel.Flat
	switch c.ch {
	case "rayleigh":
		fad, _ = channel.NewFlat(channel.FlatConfig{}, rng)
	case "rician1e4":
		fad, _ = channel.NewFlat(channel.FlatConfig{K: 1e4}, rng)
	}
	const frame = 4096
	bits := make([]byte, frame*m)
	var syms, y []complex64
	var hard []byte
	for done := 0; done < nsym; done += frame {
		for i := range bits {
			bits[i] = byte(rng.Uint32() & 1)
		}
		syms, _ = con.Map(syms, bits)
		if fad != nil {
			syms, _ = fad.Apply(syms, syms)
		}
		y, _ = awgn.Apply(y, syms, n0)
		if fad != nil {
			for i, h := range fad.Gains() {
				y[i] /= h
			}
		}
		hard, _ = con.Decide(hard, y)
		for i := range bits {
			if hard[i] != bits[i] {
				errs++
			}
		}
		nbits += len(bits)
	}
	return errs, nbits
}

// TestBERMatchesTheory compares simulated uncoded BER with the closed forms
// of qam.TheoryBER. Tolerance: 4 standard deviations of the error count.
// Bit errors within a symbol are dependent, so the variance is bounded by
// that of per-symbol counts X ∈ [0, m]: Var ≤ E[X²] ≤ m·E[X], giving
// σ ≤ √(m·p·nbits) errors.
func TestBERMatchesTheory(t *testing.T) {
	cases := []berCase{
		{qam.BPSK, 0, "awgn"}, {qam.BPSK, 4, "awgn"}, {qam.BPSK, 7, "awgn"},
		{qam.QPSK, 0, "awgn"}, {qam.QPSK, 4, "awgn"}, {qam.QPSK, 7, "awgn"},
		{qam.QAM16, 4, "awgn"}, {qam.QAM16, 8, "awgn"}, {qam.QAM16, 10, "awgn"},
		{qam.QAM64, 8, "awgn"}, {qam.QAM64, 12, "awgn"}, {qam.QAM64, 14, "awgn"},
		{qam.BPSK, 5, "rayleigh"}, {qam.BPSK, 15, "rayleigh"}, {qam.BPSK, 25, "rayleigh"},
		{qam.QAM16, 15, "rayleigh"},
		// Rician K → ∞ tends to AWGN: K = 10⁴ leaves |h|² a variance of 2·10⁻⁴.
		{qam.BPSK, 6, "rician1e4"}, {qam.QAM16, 10, "rician1e4"},
	}
	bits := 600_000
	if testing.Short() {
		bits = 150_000
	}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%v/%s/EbN0=%gdB", c.s, c.ch, float64(c.ebn0)), func(t *testing.T) {
			t.Parallel()
			m := c.s.BitsPerSymbol()
			errs, n := simulateBER(t, c, bits/m, uint64(100+i))
			p, err := qam.TheoryBER(c.s, c.ebn0.Linear(), c.ch == "rayleigh")
			if err != nil {
				t.Fatal(err)
			}
			want := p * float64(n)
			sd := math.Sqrt(float64(m) * want)
			t.Logf("BER %.4g, theory %.4g, z = %+.2f", float64(errs)/float64(n), p, (float64(errs)-want)/sd)
			if math.Abs(float64(errs)-want) > 4*sd {
				t.Errorf("%d errors in %d bits (BER %.4g), theory %.4g (%.0f ± 4·%.0f)", errs, n, float64(errs)/float64(n), p, want, sd)
			}
		})
	}
}
