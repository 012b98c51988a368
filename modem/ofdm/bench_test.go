package ofdm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func BenchmarkModulate(b *testing.B) {
	for _, n := range []int{64, 256, 1024, 4096} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			g, _ := New(Config{FFTSize: n})
			mod := g.Modulator()
			x := randomQPSK(rand.New(rand.NewPCG(1, 1)), 8*g.DataCarriers())
			dst := make([]complex64, 0, mod.OutLen(len(x)))
			for b.Loop() {
				dst, _ = mod.Modulate(dst, x)
			}
			b.ReportMetric(float64(len(dst))*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
			b.ReportMetric(float64(len(x))*float64(b.N)/b.Elapsed().Seconds(), "symbols/s")
		})
	}
}

func BenchmarkDemodulate(b *testing.B) {
	for _, n := range []int{64, 256, 1024, 4096} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			g, _ := New(Config{FFTSize: n})
			dem := g.Demodulator()
			dem.N0 = 0.1
			x := randomQPSK(rand.New(rand.NewPCG(1, 1)), 8*g.DataCarriers())
			tx, _ := g.Modulator().Modulate(nil, x)
			dst := make([]complex64, 0, len(x))
			nv := make([]float32, 0, len(x))
			for b.Loop() {
				dst, nv, _ = dem.DemodulateCSI(dst, nv, tx)
			}
			b.ReportMetric(float64(len(tx))*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
			b.ReportMetric(float64(len(x))*float64(b.N)/b.Elapsed().Seconds(), "symbols/s")
		})
	}
}
