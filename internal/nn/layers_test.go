package nn

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/hesemcom/hesemcom/internal/units"
)

// naiveConv is the textbook definition of a strided, zero-padded 2-D
// cross-correlation, independent of im2col and BLAS.
func naiveConv(x *Tensor, c *Conv2D) *Tensor {
	cfg := c.Config()
	out, _ := c.OutShape(x.Shape)
	y := NewTensor(x.N, out)
	for n := 0; n < x.N; n++ {
		for o := 0; o < out.C; o++ {
			for oy := 0; oy < out.H; oy++ {
				for ox := 0; ox < out.W; ox++ {
					s := float64(c.B.W[o])
					if cfg.NoBias {
						s = 0
					}
					for i := 0; i < cfg.In; i++ {
						for ky := 0; ky < cfg.Kernel; ky++ {
							for kx := 0; kx < cfg.Kernel; kx++ {
								iy, ix := oy*cfg.Stride+ky-cfg.Pad, ox*cfg.Stride+kx-cfg.Pad
								if iy < 0 || ix < 0 || iy >= x.Shape.H || ix >= x.Shape.W {
									continue
								}
								w := c.W.W[((o*cfg.In+i)*cfg.Kernel+ky)*cfg.Kernel+kx]
								s += float64(w) * float64(x.Data[((n*cfg.In+i)*x.Shape.H+iy)*x.Shape.W+ix])
							}
						}
					}
					y.Data[((n*out.C+o)*out.H+oy)*out.W+ox] = float32(s)
				}
			}
		}
	}
	return y
}

func TestConv2DMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, c := range []struct {
		cfg Conv2DConfig
		in  Shape
	}{
		{Conv2DConfig{In: 1, Out: 1, Kernel: 5, Pad: 2}, Shape{1, 28, 28}},
		{Conv2DConfig{In: 3, Out: 4, Kernel: 3, Stride: 2, Pad: 1}, Shape{3, 9, 7}},
		{Conv2DConfig{In: 2, Out: 3, Kernel: 4, Stride: 3}, Shape{2, 10, 11}},
		{Conv2DConfig{In: 3, Out: smallOut + 1, Kernel: 3, Pad: 1}, Shape{3, 12, 12}}, // GEMM path
	} {
		conv := must(NewConv2D(c.cfg, rng))
		for i := range conv.B.W {
			conv.B.W[i] = float32(rng.NormFloat64())
		}
		x := spacedInput(2, c.in, rng)
		got := conv.Forward(x, false)
		want := naiveConv(x, conv)
		if got.Shape != want.Shape {
			t.Fatalf("%+v: shape %v, want %v", c.cfg, got.Shape, want.Shape)
		}
		for i := range got.Data {
			if math.Abs(float64(got.Data[i]-want.Data[i])) > 1e-4*(1+math.Abs(float64(want.Data[i]))) {
				t.Fatalf("%+v: y[%d] = %v, want %v", c.cfg, i, got.Data[i], want.Data[i])
			}
		}
	}
}

func TestShapeErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	if _, err := NewConv2D(Conv2DConfig{In: 0, Out: 1, Kernel: 3}, rng); err == nil {
		t.Error("conv with 0 input channels accepted")
	}
	if _, err := NewDense(0, 3, rng); err == nil {
		t.Error("dense 0→3 accepted")
	}
	conv := must(NewConv2D(Conv2DConfig{In: 1, Out: 1, Kernel: 7}, rng))
	if _, err := NewSequential(Shape{1, 5, 5}, conv); err == nil {
		t.Error("kernel 7 on 5×5 accepted")
	}
	if _, err := NewSequential(Shape{1, 4, 4}, &Flatten{}, must(NewDense(15, 2, rng))); err == nil {
		t.Error("dense 15 inputs on 16 features accepted")
	}
	if _, err := NewAWGN(10, 5); err == nil {
		t.Error("SNR range [10, 5] accepted")
	}
	if _, err := (&AWGN{}).OutShape(Shape{3, 1, 1}); err == nil {
		t.Error("odd feature count accepted by AWGN")
	}
}

func TestPowerNormalisation(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	x := spacedInput(5, Shape{196, 1, 1}, rng)
	y := (&PowerNorm{}).Forward(x, false)
	for i := 0; i < y.N; i++ {
		var e float64
		for _, v := range y.Sample(i) {
			e += float64(v) * float64(v)
		}
		if got := e / 196; math.Abs(got-SymbolPower) > 1e-5 {
			t.Errorf("sample %d: mean power %v, want %v", i, got, SymbolPower)
		}
	}
	f := &FixedGain{Gain: 2}
	y = f.Forward(x, true)
	var e float64
	for _, v := range y.Data {
		e += float64(v) * float64(v)
	}
	if got := e / float64(len(y.Data)); math.Abs(got-SymbolPower) > 1e-5 {
		t.Errorf("FixedGain training mode: batch mean power %v, want %v", got, SymbolPower)
	}
	f.Gain = 2
	y = f.Forward(x, false)
	if y.Data[3] != 2*x.Data[3] {
		t.Errorf("FixedGain inference: %v, want %v", y.Data[3], 2*x.Data[3])
	}
}

func TestAWGNVariance(t *testing.T) {
	for _, snr := range []units.DB{0, 10, 25} {
		a := must(NewAWGN(snr, snr))
		a.Seed(11, 0)
		const n = 200
		x := NewTensor(n, Shape{196, 1, 1})
		y := a.Forward(x, false)
		var s float64
		for _, v := range y.Data {
			s += float64(v) * float64(v)
		}
		m := float64(len(y.Data))
		got := s / m
		want := units.N0(snr) / 2
		// The sample variance of m Gaussians has relative std sqrt(2/m); allow 5σ.
		if tol := 5 * math.Sqrt(2/m); math.Abs(got/want-1) > tol {
			t.Errorf("SNR %v dB: per-real noise variance %g, want %g (±%.1f%%)", snr, got, want, 100*tol)
		}
	}
}

func TestAdamFirstStep(t *testing.T) {
	// After one step from zero moments, m̂/sqrt(v̂) = sign(g): each weight
	// moves by the step size (Kingma & Ba 2015, §2.1).
	p := &Param{W: []float32{1, 1, 1}, G: []float32{0.3, -4, 1e-3}}
	NewAdam(0.01).Step([]*Param{p})
	for i, want := range []float32{0.99, 1.01, 0.99} {
		if math.Abs(float64(p.W[i]-want)) > 1e-5 {
			t.Errorf("w[%d] = %v, want %v", i, p.W[i], want)
		}
	}
}

// blobs is a 4-class toy problem: Gaussian blobs in a 2×4×4 image space.
type blobs struct {
	n       int
	centres [4][32]float32
	noise   []float32
	labels  []byte
}

func newBlobs(n int, seed uint64) *blobs {
	rng := rand.New(rand.NewPCG(seed, 0))
	b := &blobs{n: n, noise: make([]float32, n*32), labels: make([]byte, n)}
	for c := range b.centres {
		for j := range b.centres[c] {
			b.centres[c][j] = float32(rng.NormFloat64())
		}
	}
	for i := range b.noise {
		b.noise[i] = float32(0.7 * rng.NormFloat64())
	}
	for i := range b.labels {
		b.labels[i] = byte(rng.IntN(4))
	}
	return b
}

func (b *blobs) Len() int     { return b.n }
func (b *blobs) Shape() Shape { return Shape{2, 4, 4} }
func (b *blobs) Example(dst []float32, i int) byte {
	for j := range dst {
		dst[j] = b.centres[b.labels[i]][j] + b.noise[i*32+j]
	}
	return b.labels[i]
}

func newToyNet(seed uint64) Layer {
	rng := rand.New(rand.NewPCG(seed, 1))
	in := Shape{2, 4, 4}
	return must(NewSequential(in,
		must(NewConv2D(Conv2DConfig{In: 2, Out: 4, Kernel: 3, Pad: 1}, rng)),
		must(NewBatchNorm(4)), &ReLU{}, &AvgPool{Size: 2}, &Flatten{},
		&FixedGain{}, must(NewAWGN(5, 15)), must(NewDense(16, 4, rng))))
}

func TestTrainLearnsAndIsDeterministic(t *testing.T) {
	train, test := newBlobs(2048, 1), newBlobs(512, 1)
	test.noise = newBlobs(512, 2).noise // same centres, fresh noise
	cfg := TrainConfig{Epochs: 8, BatchSize: 32, LR: 3e-3, Seed: 42}
	run := func(procs int) Layer {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		net := newToyNet(7)
		if err := Train(context.Background(), net, train, cfg, nil); err != nil {
			t.Fatal(err)
		}
		return net
	}
	a, b := run(1), run(2)
	pa, pb := a.Params(), b.Params()
	for i := range pa {
		for j := range pa[i].W {
			if pa[i].W[j] != pb[i].W[j] {
				t.Fatalf("param %s[%d] differs between GOMAXPROCS 1 and 2: %v vs %v", pa[i].Name, j, pa[i].W[j], pb[i].W[j])
			}
		}
	}
	_, right, err := Evaluate(context.Background(), a, test, 100, 3, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Blob centres are ~8σ apart in 32 dimensions; a working trainer separates them.
	if acc := float64(right) / float64(test.Len()); acc < 0.95 {
		t.Errorf("toy accuracy %.3f < 0.95", acc)
	}
	_, r1, _ := Evaluate(context.Background(), a, test, 100, 1, 1, 0)
	if r1 != right {
		t.Errorf("Evaluate: %d correct with 3 workers, %d with 1", right, r1)
	}
}

func TestTrainRejectsBadConfig(t *testing.T) {
	for _, cfg := range []TrainConfig{{Epochs: 0}, {Epochs: 1, LR: -1}, {Epochs: 1, BatchSize: 1, Shards: 2}} {
		if err := Train(context.Background(), newToyNet(1), newBlobs(64, 1), cfg, nil); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
}

func TestForwardDoesNotAllocate(t *testing.T) {
	net := newToyNet(1)
	x := NewTensor(16, Shape{2, 4, 4})
	net.Forward(x, false)
	if a := testing.AllocsPerRun(100, func() { net.Forward(x, false) }); a != 0 {
		t.Errorf("inference Forward allocates %v times per call", a)
	}
}

func TestConvFirstLayerSameParamGrads(t *testing.T) {
	for _, out := range []int{1, smallOut + 1} {
		rng := rand.New(rand.NewPCG(4, 4))
		a := must(NewConv2D(Conv2DConfig{In: 2, Out: out, Kernel: 3, Pad: 1}, rng))
		cfg := a.Config()
		cfg.FirstLayer = true
		b := must(NewConv2D(cfg, rng))
		copy(b.W.W, a.W.W)
		x := spacedInput(3, Shape{2, 5, 5}, rng)
		dy := spacedInput(3, Shape{out, 5, 5}, rng)
		a.Forward(x, true)
		b.Forward(x, true)
		a.Backward(dy)
		if dx := b.Backward(dy); dx != nil {
			t.Errorf("out=%d: FirstLayer Backward returned an input gradient", out)
		}
		for i := range a.W.G {
			if math.Abs(float64(a.W.G[i]-b.W.G[i])) > 1e-5 {
				t.Fatalf("out=%d: dW[%d] %v vs %v", out, i, a.W.G[i], b.W.G[i])
			}
		}
	}
}
