package main

import (
	"context"
	"fmt"
	"testing"

	"github.com/hesemcom/hesemcom/internal/units"
	"github.com/hesemcom/hesemcom/modem/qam"
)

// BenchmarkAWGNChain: bits → QPSK → AWGN → N × multiply → sink through the
// pipeline (issue 3 target ≥ 40 M samples/s; GNU Radio about 16 M).
func BenchmarkAWGNChain(b *testing.B) {
	for _, n := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			var rate float64
			for b.Loop() {
				r, _, err := awgnChain(context.Background(), n, 4_000_000)
				if err != nil {
					b.Fatal(err)
				}
				rate = r
			}
			b.ReportMetric(rate, "samples/s")
		})
	}
}

// BenchmarkOFDMChain: bits → QPSK → OFDM → TDL-A + AWGN → OFDM demod → LLR
// (issue 3 target ≥ 10 M complex samples/s on one core).
func BenchmarkOFDMChain(b *testing.B) {
	b.Run("fused", func(b *testing.B) {
		var rate float64
		for b.Loop() {
			r, err := ofdmChainFused(200)
			if err != nil {
				b.Fatal(err)
			}
			rate = r
		}
		b.ReportMetric(rate, "samples/s")
	})
	b.Run("pipeline/GOMAXPROCS=1", func(b *testing.B) {
		var rate float64
		for b.Loop() {
			r, _, err := ofdmChainPipeline(context.Background(), 200, 1)
			if err != nil {
				b.Fatal(err)
			}
			rate = r
		}
		b.ReportMetric(rate, "samples/s")
	})
}

// TestOFDMChainDecodes makes sure the benchmarked chain does real work: at
// Es/N0 20 dB over TDL-A the LLR signs recover most bits.
func TestOFDMChainDecodes(t *testing.T) {
	p, err := newOFDMChainParts()
	if err != nil {
		t.Fatal(err)
	}
	vec := repeatingBits()
	bits := make([]byte, p.bitsPerFrame())
	var llr []float32
	errs, total := 0, 0
	for i := range 200 {
		fillBits(bits, vec, int64(i*len(bits)))
		p.syms, _ = p.con.Map(p.syms, bits)
		p.tx, _ = p.mod.Modulate(p.tx, p.syms)
		p.tdl.Apply(p.tx, p.tx)
		p.awgn.Apply(p.tx, p.tx, p.n0)
		if llr, err = p.demodLLR(llr, p.tx); err != nil {
			t.Fatal(err)
		}
		for j, b := range bits {
			if (llr[j] < 0) != (b == 1) {
				errs++
			}
		}
		total += len(bits)
	}
	// Each subcarrier sees Rayleigh fading at Eb/N0 = 20 − 3 dB: theory
	// 4.9e-3. 50 channel realisations leave the estimate within tens of
	// percent, so a factor 2 separates "decodes" from any misalignment
	// (which gives BER near 0.5, or 0.04 when pilots mix realisations).
	ber := float64(errs) / float64(total)
	th, _ := qam.TheoryBER(qam.QPSK, units.DB(17).Linear(), true)
	t.Logf("chain BER %.3g over %d bits, Rayleigh theory %.3g", ber, total, th)
	if ber > 2*th {
		t.Errorf("chain BER %.3g: the chain does not decode", ber)
	}
}
