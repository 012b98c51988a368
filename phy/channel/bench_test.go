package channel

import (
	"math/rand/v2"
	"testing"
)

const benchFrame = 4096

func BenchmarkNormal(b *testing.B) {
	b.Run("ziggurat", func(b *testing.B) {
		g := NewNormal(newRNG(1))
		dst := make([]float32, benchFrame)
		for b.Loop() {
			g.Fill(dst)
		}
		b.ReportMetric(float64(benchFrame)*float64(b.N)/b.Elapsed().Seconds(), "draws/s")
	})
	b.Run("rand.NormFloat64", func(b *testing.B) {
		r := rand.New(rand.NewPCG(1, 1))
		dst := make([]float32, benchFrame)
		for b.Loop() {
			for i := range dst {
				dst[i] = float32(r.NormFloat64())
			}
		}
		b.ReportMetric(float64(benchFrame)*float64(b.N)/b.Elapsed().Seconds(), "draws/s")
	})
}

func benchKernel(b *testing.B, k func(dst, src []complex64) ([]complex64, error)) {
	buf := make([]complex64, benchFrame)
	for i := range buf {
		buf[i] = 0.7 - 0.7i
	}
	b.SetBytes(benchFrame * 8)
	for b.Loop() {
		buf, _ = k(buf, buf)
	}
	b.ReportMetric(float64(benchFrame)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
}

func BenchmarkAWGN(b *testing.B) { benchKernel(b, NewAWGN(newRNG(1)).Stage(0.1)) }

func BenchmarkCFO(b *testing.B) {
	c, _ := NewCFO(0.001, 0)
	benchKernel(b, c.Apply)
}

func BenchmarkFlat(b *testing.B) {
	for _, tc := range []struct {
		name string
		cfg  FlatConfig
	}{{"block1", FlatConfig{}}, {"block1024", FlatConfig{BlockLen: 1024}}, {"doppler", FlatConfig{Doppler: 1e-3}}} {
		b.Run(tc.name, func(b *testing.B) {
			f, _ := NewFlat(tc.cfg, newRNG(1))
			benchKernel(b, f.Apply)
		})
	}
}

func BenchmarkTDL(b *testing.B) {
	for _, tc := range []struct {
		name string
		cfg  TDLConfig
	}{
		{"tdl-a/block", TDLConfig{Profile: TDLA, SampleRate: 30.72e6}},
		{"tdl-a/doppler1e-4", TDLConfig{Profile: TDLA, SampleRate: 30.72e6, Doppler: 1e-4}},
		{"tdl-c/300ns", TDLConfig{Profile: TDLC, DelaySpread: 300e-9, SampleRate: 30.72e6}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			t, _ := NewTDL(tc.cfg, newRNG(1))
			b.ReportMetric(float64(len(t.Delays())), "taps")
			benchKernel(b, t.Apply)
		})
	}
}

var sinkBits uint64

func BenchmarkBits(b *testing.B) {
	b.Run("pcg", func(b *testing.B) {
		p := rand.NewPCG(1, 2)
		var s uint64
		for b.Loop() {
			for range benchFrame {
				s += p.Uint64()
			}
		}
		sinkBits = s
		b.ReportMetric(float64(benchFrame)*float64(b.N)/b.Elapsed().Seconds(), "words/s")
	})
	b.Run("wyrand", func(b *testing.B) {
		w := uint64(1)
		var s uint64
		for b.Loop() {
			for range benchFrame {
				s += wyNext(&w)
			}
		}
		sinkBits = s
		b.ReportMetric(float64(benchFrame)*float64(b.N)/b.Elapsed().Seconds(), "words/s")
	})
}
