package nn

// Square is the element-wise activation y = x², the HE-friendly replacement
// of ReLU (paper §III-C): CKKS evaluates it with one multiplication.
type Square struct {
	x     *Tensor
	y, dx Tensor
}

// OutShape implements Layer.
func (*Square) OutShape(in Shape) (Shape, error) { return in, nil }

// Forward implements Layer.
func (s *Square) Forward(x *Tensor, _ bool) *Tensor {
	s.x = x
	s.y.Resize(x.N, x.Shape)
	for i, v := range x.Data {
		s.y.Data[i] = v * v
	}
	return &s.y
}

// Backward implements Layer.
func (s *Square) Backward(dy *Tensor) *Tensor {
	s.dx.Resize(dy.N, dy.Shape)
	for i, g := range dy.Data {
		s.dx.Data[i] = 2 * s.x.Data[i] * g
	}
	return &s.dx
}

// Params implements Layer.
func (*Square) Params() []*Param { return nil }

// Clone implements Layer.
func (*Square) Clone() Layer { return &Square{} }

// ReLU is the element-wise activation y = max(x, 0).
type ReLU struct {
	x     *Tensor
	y, dx Tensor
}

// OutShape implements Layer.
func (*ReLU) OutShape(in Shape) (Shape, error) { return in, nil }

// Forward implements Layer.
func (r *ReLU) Forward(x *Tensor, _ bool) *Tensor {
	r.x = x
	r.y.Resize(x.N, x.Shape)
	for i, v := range x.Data {
		r.y.Data[i] = max(v, 0)
	}
	return &r.y
}

// Backward implements Layer.
func (r *ReLU) Backward(dy *Tensor) *Tensor {
	r.dx.Resize(dy.N, dy.Shape)
	for i, g := range dy.Data {
		if r.x.Data[i] > 0 {
			r.dx.Data[i] = g
		} else {
			r.dx.Data[i] = 0
		}
	}
	return &r.dx
}

// Params implements Layer.
func (*ReLU) Params() []*Param { return nil }

// Clone implements Layer.
func (*ReLU) Clone() Layer { return &ReLU{} }
