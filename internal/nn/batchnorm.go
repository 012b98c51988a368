package nn

import (
	"fmt"
	"math"
)

// BatchNorm normalises each channel over the batch, rows and columns
// (Ioffe & Szegedy 2015, Algorithm 1) and applies a learned scale Gamma and
// shift Beta. Training uses the batch statistics (biased variance) and updates
// exponential running averages with the given Momentum; inference uses the
// running averages. Clones share the running statistics, and only the
// original layer (not its clones) updates them, so data-parallel training is
// deterministic.
type BatchNorm struct {
	C           int
	Eps         float32 // default 1e-5
	Momentum    float32 // weight of the new batch, default 0.1
	Gamma, Beta *Param
	RunMean     []float32
	RunVar      []float32

	clone        bool
	x            *Tensor
	xhat, y, dx  Tensor
	invStd, mean []float32
}

// NewBatchNorm returns a layer for c channels with Gamma 1, Beta 0, running
// mean 0 and running variance 1.
func NewBatchNorm(c int) (*BatchNorm, error) {
	if c < 1 {
		return nil, fmt.Errorf("nn: invalid batch-norm channels %d", c)
	}
	b := &BatchNorm{C: c, Eps: 1e-5, Momentum: 0.1, Gamma: newParam("bn.gamma", c), Beta: newParam("bn.beta", c),
		RunMean: make([]float32, c), RunVar: make([]float32, c)}
	for i := range b.Gamma.W {
		b.Gamma.W[i], b.RunVar[i] = 1, 1
	}
	return b, nil
}

// OutShape implements Layer.
func (b *BatchNorm) OutShape(in Shape) (Shape, error) {
	if in.C != b.C {
		return Shape{}, fmt.Errorf("nn: batch norm over %d channels, input %v", b.C, in)
	}
	return in, nil
}

// Forward implements Layer.
func (b *BatchNorm) Forward(x *Tensor, train bool) *Tensor {
	if x.Shape.C != b.C {
		panic("nn: batch norm: channel mismatch")
	}
	b.x = x
	hw := x.Shape.H * x.Shape.W
	b.y.Resize(x.N, x.Shape)
	b.xhat.Resize(x.N, x.Shape)
	b.invStd = grow(b.invStd, b.C)
	b.mean = grow(b.mean, b.C)
	m := float64(x.N * hw)
	for c := 0; c < b.C; c++ {
		var mean, vr float64
		if train {
			for n := 0; n < x.N; n++ {
				for _, v := range x.Data[(n*b.C+c)*hw : (n*b.C+c+1)*hw] {
					mean += float64(v)
				}
			}
			mean /= m
			for n := 0; n < x.N; n++ {
				for _, v := range x.Data[(n*b.C+c)*hw : (n*b.C+c+1)*hw] {
					d := float64(v) - mean
					vr += d * d
				}
			}
			vr /= m
			if !b.clone {
				b.RunMean[c] = (1-b.Momentum)*b.RunMean[c] + b.Momentum*float32(mean)
				b.RunVar[c] = (1-b.Momentum)*b.RunVar[c] + b.Momentum*float32(vr)
			}
		} else {
			mean, vr = float64(b.RunMean[c]), float64(b.RunVar[c])
		}
		is := float32(1 / math.Sqrt(vr+float64(b.Eps)))
		b.invStd[c], b.mean[c] = is, float32(mean)
		g, be := b.Gamma.W[c], b.Beta.W[c]
		for n := 0; n < x.N; n++ {
			o := (n*b.C + c) * hw
			for i, v := range x.Data[o : o+hw] {
				xh := (v - float32(mean)) * is
				b.xhat.Data[o+i] = xh
				b.y.Data[o+i] = g*xh + be
			}
		}
	}
	return &b.y
}

// Backward implements Layer. It assumes the preceding Forward ran in training
// mode (batch statistics).
func (b *BatchNorm) Backward(dy *Tensor) *Tensor {
	hw := dy.Shape.H * dy.Shape.W
	b.dx.Resize(dy.N, dy.Shape)
	m := float32(dy.N * hw)
	for c := 0; c < b.C; c++ {
		var sg, sgx float64
		for n := 0; n < dy.N; n++ {
			o := (n*b.C + c) * hw
			for i, g := range dy.Data[o : o+hw] {
				sg += float64(g)
				sgx += float64(g) * float64(b.xhat.Data[o+i])
			}
		}
		b.Gamma.G[c] += float32(sgx)
		b.Beta.G[c] += float32(sg)
		k := b.Gamma.W[c] * b.invStd[c] / m
		msg, msgx := float32(sg), float32(sgx)
		for n := 0; n < dy.N; n++ {
			o := (n*b.C + c) * hw
			for i, g := range dy.Data[o : o+hw] {
				b.dx.Data[o+i] = k * (m*g - msg - b.xhat.Data[o+i]*msgx)
			}
		}
	}
	return &b.dx
}

// Params implements Layer.
func (b *BatchNorm) Params() []*Param { return []*Param{b.Gamma, b.Beta} }

// Clone implements Layer.
func (b *BatchNorm) Clone() Layer {
	return &BatchNorm{C: b.C, Eps: b.Eps, Momentum: b.Momentum, Gamma: shareParam(b.Gamma), Beta: shareParam(b.Beta),
		RunMean: b.RunMean, RunVar: b.RunVar, clone: true}
}
