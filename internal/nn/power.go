package nn

import "math"

// SymbolPower is the average power of a real feature after power
// normalisation: two real features make one complex channel symbol of unit
// average power (DESIGN.md §3: Es = 1), so each real feature carries 1/2.
const SymbolPower = 0.5

// PowerNorm scales each sample to an average power of SymbolPower per real
// feature, ‖y‖² = n/2 for n features: the per-sample normalisation of the
// original deep JSCC (Bourtsoulatze et al. 2019, eq. 2). It needs a norm and
// a division, so CKKS cannot evaluate it (Model 2 only).
type PowerNorm struct {
	x     *Tensor
	scale []float32
	y, dx Tensor
}

// OutShape implements Layer.
func (*PowerNorm) OutShape(in Shape) (Shape, error) { return in, nil }

// Forward implements Layer.
func (p *PowerNorm) Forward(x *Tensor, _ bool) *Tensor {
	p.x = x
	p.y.Resize(x.N, x.Shape)
	p.scale = grow(p.scale, x.N)
	n := x.Shape.Size()
	for i := 0; i < x.N; i++ {
		xs := x.Sample(i)
		var e float64
		for _, v := range xs {
			e += float64(v) * float64(v)
		}
		s := float32(math.Sqrt(SymbolPower * float64(n) / (e + 1e-12)))
		p.scale[i] = s
		ys := p.y.Sample(i)
		for j, v := range xs {
			ys[j] = v * s
		}
	}
	return &p.y
}

// Backward implements Layer: dx = s·(dy − y·(y·dy)/(P·n)).
func (p *PowerNorm) Backward(dy *Tensor) *Tensor {
	p.dx.Resize(dy.N, dy.Shape)
	n := dy.Shape.Size()
	pn := SymbolPower * float64(n)
	for i := 0; i < dy.N; i++ {
		ys, gs, ds := p.y.Sample(i), dy.Sample(i), p.dx.Sample(i)
		var dot float64
		for j, g := range gs {
			dot += float64(g) * float64(ys[j])
		}
		k := float32(dot / pn)
		s := p.scale[i]
		for j, g := range gs {
			ds[j] = s * (g - ys[j]*k)
		}
	}
	return &p.dx
}

// Params implements Layer.
func (*PowerNorm) Params() []*Param { return nil }

// Clone implements Layer.
func (*PowerNorm) Clone() Layer { return &PowerNorm{} }

// FixedGain multiplies every feature by one gain that is fixed at inference,
// so a CKKS evaluator applies it as a plaintext constant (Models 3 and 4).
// In training mode it normalises by the batch: g = sqrt(SymbolPower/mean(x²))
// over all samples and features, with the gradient flowing through g, so the
// encoder cannot escape the power constraint by growing its output. After
// training, the caller should set Gain from the whole training set (see
// phy/jscc); until then Gain tracks an exponential running average
// (weight 0.1 per batch) of the batch gains, updated by the original layer and
// not by its clones, like BatchNorm's running statistics.
type FixedGain struct {
	Gain float32

	clone bool
	x     *Tensor
	train bool
	g     float32
	m     float64
	y, dx Tensor
}

// OutShape implements Layer.
func (*FixedGain) OutShape(in Shape) (Shape, error) { return in, nil }

// Forward implements Layer.
func (f *FixedGain) Forward(x *Tensor, train bool) *Tensor {
	f.x, f.train = x, train
	f.y.Resize(x.N, x.Shape)
	g := f.Gain
	if train {
		var e float64
		for _, v := range x.Data {
			e += float64(v) * float64(v)
		}
		f.m = e/float64(len(x.Data)) + 1e-12
		g = float32(math.Sqrt(SymbolPower / f.m))
		if !f.clone {
			if f.Gain == 0 {
				f.Gain = g
			}
			f.Gain = 0.9*f.Gain + 0.1*g
		}
	}
	f.g = g
	for i, v := range x.Data {
		f.y.Data[i] = v * g
	}
	return &f.y
}

// Backward implements Layer: dx = g·dy − g·x·(x·dy)/(m·N·n) for the batch
// gain of training mode, g·dy for the fixed gain.
func (f *FixedGain) Backward(dy *Tensor) *Tensor {
	f.dx.Resize(dy.N, dy.Shape)
	var k float32
	if f.train {
		var dot float64
		for i, g := range dy.Data {
			dot += float64(g) * float64(f.x.Data[i])
		}
		k = float32(dot / (f.m * float64(len(dy.Data))))
	}
	for i, g := range dy.Data {
		f.dx.Data[i] = f.g * (g - f.x.Data[i]*k)
	}
	return &f.dx
}

// Params implements Layer.
func (*FixedGain) Params() []*Param { return nil }

// Clone implements Layer.
func (f *FixedGain) Clone() Layer { return &FixedGain{Gain: f.Gain, clone: true} }
