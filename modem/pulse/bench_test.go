package pulse

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func BenchmarkShape(b *testing.B) {
	for _, sps := range []int{2, 4, 8} {
		b.Run(fmt.Sprintf("sps=%d", sps), func(b *testing.B) {
			tx, _ := NewRRCShaper(Config{Rolloff: 0.35, SPS: sps})
			sym := randomSymbols(rand.New(rand.NewPCG(1, 1)), 4096)
			dst := make([]complex64, 0, tx.OutLen(len(sym)))
			for b.Loop() {
				dst, _ = tx.Shape(dst, sym)
			}
			b.ReportMetric(float64(len(dst))*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}

func BenchmarkMatchedFilter(b *testing.B) {
	for _, sps := range []int{2, 4, 8} {
		b.Run(fmt.Sprintf("sps=%d", sps), func(b *testing.B) {
			rx, _ := NewRRCMatchedFilter(Config{Rolloff: 0.35, SPS: sps})
			src := randomSymbols(rand.New(rand.NewPCG(1, 1)), 4096*sps)
			dst := make([]complex64, 0, 4096+1)
			for b.Loop() {
				dst, _ = rx.Filter(dst, src)
			}
			b.ReportMetric(float64(len(src))*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}
