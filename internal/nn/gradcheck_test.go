package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// spacedInput returns n samples of shape s whose values are a random
// permutation of a grid with spacing 0.05, so no two values (and no value and
// 0) are closer than the finite-difference step: ReLU and max pooling are
// differentiable at every point probed.
func spacedInput(n int, s Shape, rng *rand.Rand) *Tensor {
	x := NewTensor(n, s)
	p := rng.Perm(len(x.Data))
	for i := range x.Data {
		x.Data[i] = (float32(p[i]) - float32(len(x.Data))/2 + 0.5) * 0.05
	}
	return x
}

// gradCheck compares the analytic gradients of L = Σ r·Forward(x) with
// central finite differences for the input and every parameter.
func gradCheck(t *testing.T, l Layer, in Shape, n int, train bool) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	out, err := l.OutShape(in)
	if err != nil {
		t.Fatal(err)
	}
	x := spacedInput(n, in, rng)
	r := NewTensor(n, out)
	for i := range r.Data {
		r.Data[i] = float32(rng.NormFloat64())
	}
	loss := func() float64 {
		SeedAll(l, 7, 0)
		y := l.Forward(x, train)
		var s float64
		for i, v := range y.Data {
			s += float64(v) * float64(r.Data[i])
		}
		return s
	}
	loss()
	ZeroGrad(l)
	dx := l.Backward(r)
	ana := append([]float32(nil), dx.Data...)
	const h = 1e-2 // < half the 0.05 input spacing
	check := func(name string, v []float32, g []float32) {
		t.Helper()
		idx := rng.Perm(len(v))
		if len(idx) > 24 {
			idx = idx[:24]
		}
		for _, i := range idx {
			old := v[i]
			v[i] = old + h
			lp := loss()
			v[i] = old - h
			lm := loss()
			v[i] = old
			num := (lp - lm) / (2 * h)
			got := float64(g[i])
			// float32 forward passes: absolute error ~1e-6·|L|/h, plus the
			// O(h²) truncation of smooth layers.
			if math.Abs(num-got) > 3e-3+2e-2*math.Abs(num) {
				t.Errorf("%s[%d]: analytic %.6g, finite difference %.6g", name, i, got, num)
			}
		}
	}
	check("dx", x.Data, ana)
	for _, p := range l.Params() {
		check(p.Name, p.W, append([]float32(nil), p.G...))
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	conv := func(cfg Conv2DConfig) Layer { return must(NewConv2D(cfg, rng)) }
	bn := func(c int) Layer {
		b := must(NewBatchNorm(c))
		for i := range b.Gamma.W {
			b.Gamma.W[i], b.Beta.W[i] = 0.5+float32(i)*0.3, float32(i)*0.1
		}
		return b
	}
	awgn := func() Layer { return must(NewAWGN(0, 20)) }
	img := Shape{2, 6, 6}
	cases := []struct {
		name  string
		l     Layer
		in    Shape
		train bool
	}{
		{"Conv2D/in2,out3,k3,s1,p1", conv(Conv2DConfig{In: 2, Out: 3, Kernel: 3, Pad: 1}), img, true},
		{"Conv2D/in2,out2,k3,s2,p0", conv(Conv2DConfig{In: 2, Out: 2, Kernel: 3, Stride: 2}), img, true},
		{"Conv2D/in1,out1,k5,same", conv(Conv2DConfig{In: 1, Out: 1, Kernel: 5, Pad: 2}), Shape{1, 7, 7}, true},
		{"Conv2D/in2,out18,k3,s1,p1 (GEMM path)", conv(Conv2DConfig{In: 2, Out: smallOut + 2, Kernel: 3, Pad: 1}), img, true},
		{"Conv2D/in2,out4,k1,nobias", conv(Conv2DConfig{In: 2, Out: 4, Kernel: 1, NoBias: true}), img, true},
		{"Dense/72→5", must(NewDense(72, 5, rng)), img, true},
		{"Square", &Square{}, img, true},
		{"ReLU", &ReLU{}, img, true},
		{"AvgPool/2", &AvgPool{Size: 2}, img, true},
		{"AvgPool/3", &AvgPool{Size: 3}, img, true},
		{"MaxPool/2", &MaxPool{Size: 2}, img, true},
		{"GlobalAvgPool", &GlobalAvgPool{}, img, true},
		{"Flatten", &Flatten{}, img, true},
		{"BatchNorm/train", bn(2), img, true},
		{"BatchNorm/dense", bn(6), Shape{6, 1, 1}, true},
		{"PowerNorm", &PowerNorm{}, img, true},
		{"FixedGain/train", &FixedGain{Gain: 1.5}, img, true},
		{"FixedGain/fixed", &FixedGain{Gain: 1.5}, img, false},
		{"AWGN", awgn(), img, true},
		// Smooth bodies: a ReLU after batch norm puts values at the kink.
		{"Residual/identity", &Residual{Body: must(NewSequential(img, conv(Conv2DConfig{In: 2, Out: 2, Kernel: 3, Pad: 1}), bn(2), &Square{}))}, img, true},
		{"Residual/projection", &Residual{
			Body:     must(NewSequential(img, conv(Conv2DConfig{In: 2, Out: 3, Kernel: 3, Stride: 2, Pad: 1}), bn(3), &Square{})),
			Shortcut: conv(Conv2DConfig{In: 2, Out: 3, Kernel: 1, Stride: 2}),
		}, img, true},
		{"Sequential/Table II", must(NewSequential(Shape{1, 8, 8},
			conv(Conv2DConfig{In: 1, Out: 1, Kernel: 5, Pad: 2}), &Square{}, &AvgPool{Size: 2}, &Flatten{},
			&FixedGain{}, awgn(), must(NewDense(16, 4, rng)))), Shape{1, 8, 8}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { gradCheck(t, c.l, c.in, 3, c.train) })
	}
}

func TestSoftmaxCrossEntropyGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	z := NewTensor(4, Shape{7, 1, 1})
	for i := range z.Data {
		z.Data[i] = float32(3 * rng.NormFloat64())
	}
	labels := []byte{0, 3, 6, 2}
	var d Tensor
	SoftmaxCrossEntropy(z, labels, &d, 0.5)
	const h = 1e-3
	for i := range z.Data {
		old := z.Data[i]
		z.Data[i] = old + h
		lp, _ := SoftmaxCrossEntropy(z, labels, nil, 1)
		z.Data[i] = old - h
		lm, _ := SoftmaxCrossEntropy(z, labels, nil, 1)
		z.Data[i] = old
		num := 0.5 * (lp - lm) / (2 * h)
		if math.Abs(num-float64(d.Data[i])) > 1e-3 {
			t.Errorf("dz[%d]: analytic %g, finite difference %g", i, d.Data[i], num)
		}
	}
}

func TestSoftmaxCrossEntropyValue(t *testing.T) {
	// Two equal logits: loss ln 2 each, ties go to the first index.
	z := &Tensor{N: 2, Shape: Shape{2, 1, 1}, Data: []float32{1, 1, 1000, 0}}
	loss, right := SoftmaxCrossEntropy(z, []byte{0, 1}, nil, 1)
	if want := math.Ln2 + 1000; math.Abs(loss-want) > 1e-9 {
		t.Errorf("loss %v, want %v", loss, want)
	}
	if right != 1 {
		t.Errorf("correct %d, want 1", right)
	}
}

func Example() {
	rng := rand.New(rand.NewPCG(1, 1))
	conv, _ := NewConv2D(Conv2DConfig{In: 1, Out: 1, Kernel: 3, Pad: 1}, rng)
	fc, _ := NewDense(4, 10, rng)
	net, err := NewSequential(Shape{1, 4, 4}, conv, &Square{}, &AvgPool{Size: 2}, &Flatten{}, fc)
	if err != nil {
		panic(err)
	}
	x := NewTensor(8, Shape{1, 4, 4})
	y := net.Forward(x, false)
	fmt.Println(y.N, y.Shape, len(net.Params()))
	// Output: 8 10×1×1 4
}
