package qam

import (
	"math/rand/v2"
	"testing"
)

const benchSymbols = 4096

func BenchmarkMap(b *testing.B) {
	for _, s := range allSchemes {
		b.Run(s.String(), func(b *testing.B) {
			c := MustNew(s)
			bits := randomBits(rand.New(rand.NewPCG(1, 1)), benchSymbols*c.BitsPerSymbol())
			dst := make([]complex64, 0, benchSymbols)
			for b.Loop() {
				dst, _ = c.Map(dst, bits)
			}
			b.ReportMetric(float64(benchSymbols)*float64(b.N)/b.Elapsed().Seconds(), "symbols/s")
		})
	}
}

func benchDemap(b *testing.B, f func(c *Constellation, dst []float32, syms []complex64) []float32) {
	for _, s := range allSchemes {
		b.Run(s.String(), func(b *testing.B) {
			c := MustNew(s)
			r := rand.New(rand.NewPCG(1, 1))
			syms, _ := c.Map(nil, randomBits(r, benchSymbols*c.BitsPerSymbol()))
			for i := range syms {
				syms[i] += complex(float32(0.1*r.NormFloat64()), float32(0.1*r.NormFloat64()))
			}
			dst := make([]float32, 0, c.BitsLen(benchSymbols))
			for b.Loop() {
				dst = f(c, dst, syms)
			}
			b.ReportMetric(float64(benchSymbols)*float64(b.N)/b.Elapsed().Seconds(), "symbols/s")
		})
	}
}

func BenchmarkLLRMaxLog(b *testing.B) {
	benchDemap(b, func(c *Constellation, dst []float32, syms []complex64) []float32 {
		dst, _ = c.LLR(dst, syms, 0.1, MaxLog)
		return dst
	})
}

func BenchmarkLLRExact(b *testing.B) {
	benchDemap(b, func(c *Constellation, dst []float32, syms []complex64) []float32 {
		dst, _ = c.LLR(dst, syms, 0.1, Exact)
		return dst
	})
}

func BenchmarkDecide(b *testing.B) {
	for _, s := range allSchemes {
		b.Run(s.String(), func(b *testing.B) {
			c := MustNew(s)
			syms, _ := c.Map(nil, randomBits(rand.New(rand.NewPCG(1, 1)), benchSymbols*c.BitsPerSymbol()))
			dst := make([]byte, 0, c.BitsLen(benchSymbols))
			for b.Loop() {
				dst, _ = c.Decide(dst, syms)
			}
			b.ReportMetric(float64(benchSymbols)*float64(b.N)/b.Elapsed().Seconds(), "symbols/s")
		})
	}
}
