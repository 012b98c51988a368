package ldpc

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hesemcom/hesemcom/internal/units"
)

// qpskAWGN maps coded bits pairwise to unit-energy Gray QPSK, adds complex
// AWGN of variance n0 (n0/2 per real dimension) and writes exact LLRs
// ln P(b=0)/P(b=1). Gray QPSK is two independent BPSK axes of amplitude
// a = 1/√2: LLR = 2·a·y/(n0/2) = 2√2·y/n0. An odd last bit uses one axis.
func qpskAWGN(llr []float32, bits []byte, n0 float64, rng *rand.Rand) {
	a := 1 / math.Sqrt2
	sigma := math.Sqrt(n0 / 2)
	scale := 2 * a / (n0 / 2)
	for i, b := range bits {
		y := a*(1-2*float64(b)) + sigma*rng.NormFloat64()
		llr[i] = float32(scale * y)
	}
}

// simBLER runs n blocks of random information bits through encoder, QPSK
// over AWGN at Eb/N0 ebn0 and decoder, and returns the block errors.
func simBLER(enc *Encoder, dec *Decoder, ebn0 units.DB, n int, rng *rand.Rand) int {
	c := enc.Code()
	n0 := units.EbN0ToN0(ebn0, 2, c.Rate())
	info := make([]byte, c.K())
	coded := make([]byte, 0, c.E())
	llr := make([]float32, c.E())
	out := make([]byte, 0, c.K())
	errs := 0
	for range n {
		for i := range info {
			info[i] = byte(rng.Uint32() & 1)
		}
		coded, _ = enc.Encode(coded, info)
		qpskAWGN(llr, coded, n0, rng)
		out, _ = dec.Decode(out, llr)
		if !bytes.Equal(out, info) {
			errs++
		}
	}
	return errs
}

func TestRoundTripNoiseless(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 1))
	cases := []Config{
		{K: 20, E: 60},
		{K: 64, E: 128},
		{K: 512, E: 1024, Qm: 2},
		// rv1..3 start inside the parity part; alone they are decodable only
		// when E covers the whole circular buffer (N = 50Z or 66Z).
		{K: 1000, E: 5400, Qm: 4, RV: 1},
		{K: 3840, E: 19800, BaseGraph: BG2, Qm: 6, RV: 2},
		{K: 8448, E: 25600, BaseGraph: BG1, Qm: 8, RV: 3},
		{K: 1000, E: 2000, Qm: 4, RV: 0},
		{K: 3840, E: 4200, BaseGraph: BG2, Qm: 6},
		{K: 8448, E: 9000, BaseGraph: BG1, Qm: 8},
		{K: 4000, E: 12000, BaseGraph: BG1, Qm: 2, RV: 0},
		{K: 100, E: 2000, RV: 3}, // wraps the circular buffer (repetition)
	}
	for _, alg := range []Algorithm{NormalizedMinSum, OffsetMinSum, MinSum, SumProduct} {
		for _, cfg := range cases {
			t.Run(fmt.Sprintf("%v/K=%d/E=%d/rv%d", alg, cfg.K, cfg.E, cfg.RV), func(t *testing.T) {
				c, err := New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				enc, dec := c.Encoder(), c.Decoder(alg, 10)
				info := randBits(rng, 2*cfg.K) // two code blocks per call
				coded, err := enc.Encode(nil, info)
				if err != nil {
					t.Fatal(err)
				}
				if len(coded) != enc.OutLen(len(info)) {
					t.Fatalf("Encode gave %d bits, OutLen says %d", len(coded), enc.OutLen(len(info)))
				}
				llr := make([]float32, len(coded))
				for i, b := range coded {
					llr[i] = 4 * (1 - 2*float32(b)) // noiseless BPSK-like LLR
				}
				got, err := dec.Decode(nil, llr)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, info) {
					t.Fatal("decoded bits differ from information bits")
				}
				// High-rate cases recover the untransmitted core parity as
				// erasures, which takes a few layered iterations.
				if r := dec.Result(); !r.Converged {
					t.Errorf("noiseless decode: %+v, want converged", r)
				}
				if s := dec.Stats(); s.Blocks != 2 || s.Unconverged != 0 {
					t.Errorf("stats %+v, want 2 converged blocks", s)
				}
			})
		}
	}
}

// TestRateMatchRoundTrip checks, for every redundancy version and Qm, that
// rate recovery puts every transmitted LLR back on the codeword bit it came
// from, that filler bits are never sent and that the 2Z punctured bits are
// never sent.
func TestRateMatchRoundTrip(t *testing.T) {
	for _, bg := range []BaseGraph{BG1, BG2} {
		for _, qm := range []int{1, 2, 4, 6, 8, 10} {
			for rv := 0; rv < 4; rv++ {
				for _, ncbFrac := range []int{0, 3} { // full buffer and a limited one
					k := 300
					if bg == BG1 {
						k = 2000
					}
					e := qm * (3*k/qm + 7)
					name := fmt.Sprintf("%v/Qm=%d/rv%d/lbrm=%v", bg, qm, rv, ncbFrac > 0)
					t.Run(name, func(t *testing.T) {
						cfg := Config{K: k, E: e, BaseGraph: bg, Qm: qm, RV: rv}
						if ncbFrac > 0 {
							c0, _ := New(cfg)
							cfg.Ncb = c0.N() * 2 / ncbFrac
						}
						c, err := New(cfg)
						if err != nil {
							t.Fatal(err)
						}
						// A "codeword" whose bit i encodes position i in an LLR:
						// match positions, recover, and compare.
						nh := c.CodewordLen()
						pos := make([]float32, e)
						cw := make([]byte, nh)
						acc := make([]float32, nh)
						count := make([]float32, nh)
						ones := make([]float32, e)
						for i := range ones {
							ones[i] = 1
						}
						c.RateRecover(count, ones, rv)
						for i := range nh {
							if count[i] != 0 && (i < 2*c.Z() || (i >= c.K() && i < c.K()+c.Filler())) {
								t.Fatalf("codeword bit %d (punctured or filler) was transmitted", i)
							}
						}
						// Each bit position p: transmit bit = parity of p over 8 different bit planes.
						for plane := 0; plane < 12; plane++ {
							for i := range cw {
								cw[i] = byte(i>>plane) & 1
							}
							sel := c.RateMatch(make([]byte, e), cw, rv)
							for i, b := range sel {
								pos[i] = float32(b)
							}
							clear(acc)
							c.RateRecover(acc, pos, rv)
							for i := range nh {
								if count[i] == 0 {
									continue
								}
								want := count[i] * float32(byte(i>>plane)&1)
								if acc[i] != want {
									t.Fatalf("plane %d: position %d recovered %v, want %v", plane, i, acc[i], want)
								}
							}
						}
						// Systematic transmission starts at k0: for rv0 the first
						// e-bit (before interleaving) is codeword bit 2Z.
						var total float32
						for _, v := range count {
							total += v
						}
						if int(total) != e {
							t.Fatalf("recovered %v LLRs, want %d", total, e)
						}
					})
				}
			}
		}
	}
}

// TestInterleaver checks §5.4.2.2 on a small case by hand: E=8, Qm=4
// gives f = e0 e2 e4 e6 e1 e3 e5 e7... with rows E/Qm=2: f_{i+jQm} = e_{i·2+j}.
func TestInterleaver(t *testing.T) {
	c, err := New(Config{K: 40, E: 8, BaseGraph: BG2, Qm: 4})
	if err != nil {
		t.Fatal(err)
	}
	cw := make([]byte, c.CodewordLen())
	for i := range cw {
		cw[i] = byte(i % 7) // not bits, but RateMatch only moves bytes
	}
	got := c.RateMatch(make([]byte, 8), cw, 0)
	// e_k = cw[2Z+k] (rv0, no filler in the first 8); f_{i+4j} = e_{2i+j}.
	z := c.Z()
	e := func(k int) byte { return cw[2*z+k] }
	want := []byte{e(0), e(2), e(4), e(6), e(1), e(3), e(5), e(7)}
	if !bytes.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
