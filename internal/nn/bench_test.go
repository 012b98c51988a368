package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkConv2D measures a forward and backward pass of a batch of 32 in
// the shapes used by phy/jscc (1→1 and 1→8 channels, 28×28, 5×5) and by a
// residual CNN block (16→16, 14×14, 3×3, GEMM path). The reported GFLOP/s
// counts 2 flops per multiply-add of the forward, weight-gradient and
// input-gradient products.
func BenchmarkConv2D(b *testing.B) {
	for _, c := range []struct {
		cfg Conv2DConfig
		in  Shape
	}{
		{Conv2DConfig{In: 1, Out: 1, Kernel: 5, Pad: 2}, Shape{1, 28, 28}},
		{Conv2DConfig{In: 1, Out: 8, Kernel: 5, Pad: 2}, Shape{1, 28, 28}},
		{Conv2DConfig{In: 16, Out: 32, Kernel: 3, Pad: 1}, Shape{16, 14, 14}},
	} {
		b.Run(fmt.Sprintf("%d→%d,k%d,%dx%d", c.cfg.In, c.cfg.Out, c.cfg.Kernel, c.in.H, c.in.W), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			conv := must(NewConv2D(c.cfg, rng))
			x := spacedInput(32, c.in, rng)
			out, _ := conv.OutShape(c.in)
			dy := spacedInput(32, out, rng)
			for b.Loop() {
				conv.Forward(x, true)
				conv.Backward(dy)
			}
			macs := float64(32 * out.Size() * c.cfg.In * c.cfg.Kernel * c.cfg.Kernel * 3)
			b.ReportMetric(2*macs*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			b.ReportMetric(float64(32*b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}

// BenchmarkDense measures forward and backward of the he-wide projection
// (1568→196) and the Table II classifier (196→10) on a batch of 32.
func BenchmarkDense(b *testing.B) {
	for _, s := range [][2]int{{1568, 196}, {196, 10}} {
		b.Run(fmt.Sprintf("%d→%d", s[0], s[1]), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			d := must(NewDense(s[0], s[1], rng))
			x := spacedInput(32, Shape{s[0], 1, 1}, rng)
			dy := spacedInput(32, Shape{s[1], 1, 1}, rng)
			for b.Loop() {
				d.Forward(x, true)
				d.Backward(dy)
			}
			b.ReportMetric(2*3*float64(32*s[0]*s[1])*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
