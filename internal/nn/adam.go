package nn

import "math"

// Adam is the optimiser of Kingma & Ba (2015), Algorithm 1, with optional
// decoupled weight decay (Loshchilov & Hutter 2019, AdamW).
type Adam struct {
	LR           float64 // step size α, default 1e-3
	Beta1, Beta2 float64 // default 0.9, 0.999 (paper §2)
	Eps          float64 // default 1e-8
	WeightDecay  float64 // decoupled, per step: w −= LR·WeightDecay·w

	t    int
	m, v map[*Param][]float32
}

// NewAdam returns Adam with the paper's defaults and step size lr.
func NewAdam(lr float64) *Adam {
	return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// Step updates every parameter from its gradient G.
func (a *Adam) Step(params []*Param) {
	if a.m == nil {
		a.m, a.v = map[*Param][]float32{}, map[*Param][]float32{}
	}
	a.t++
	c1 := 1 - math.Pow(a.Beta1, float64(a.t))
	c2 := 1 - math.Pow(a.Beta2, float64(a.t))
	lr := float32(a.LR * math.Sqrt(c2) / c1)
	b1, b2 := float32(a.Beta1), float32(a.Beta2)
	eps := float32(a.Eps * math.Sqrt(c2))
	wd := float32(a.LR * a.WeightDecay)
	for _, p := range params {
		m, ok := a.m[p]
		if !ok {
			m = make([]float32, len(p.W))
			a.m[p] = m
			a.v[p] = make([]float32, len(p.W))
		}
		v := a.v[p]
		for i, g := range p.G {
			m[i] = b1*m[i] + (1-b1)*g
			v[i] = b2*v[i] + (1-b2)*g*g
			w := p.W[i]
			if wd != 0 {
				w -= wd * w
			}
			p.W[i] = w - lr*m[i]/(float32(math.Sqrt(float64(v[i])))+eps)
		}
	}
}
