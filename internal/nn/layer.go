package nn

import (
	"errors"
	"fmt"
)

// Param is a trainable parameter: its values and the gradient accumulated by
// Backward. Clones of a layer share W and own G.
type Param struct {
	Name string
	W    []float32
	G    []float32
}

func newParam(name string, n int) *Param {
	return &Param{Name: name, W: make([]float32, n), G: make([]float32, n)}
}

// shareParam returns a Param sharing p's values with a fresh gradient.
func shareParam(p *Param) *Param {
	return &Param{Name: p.Name, W: p.W, G: make([]float32, len(p.G))}
}

// Layer is one differentiable stage of a network.
type Layer interface {
	// OutShape returns the per-sample output shape for input shape in, or an
	// error naming the mismatch.
	OutShape(in Shape) (Shape, error)
	// Forward computes the output for x. train selects training behaviour
	// (batch statistics, no fixed gains). The input is cached for Backward.
	Forward(x *Tensor, train bool) *Tensor
	// Backward takes the gradient of the loss with respect to the last
	// output, adds the parameter gradients into Params()[i].G and returns the
	// gradient with respect to the last input.
	Backward(dy *Tensor) *Tensor
	// Params lists the trainable parameters (possibly none).
	Params() []*Param
	// Clone returns a layer sharing the parameter values with its own
	// gradients and scratch, for concurrent use.
	Clone() Layer
}

// Container is implemented by layers made of other layers.
type Container interface {
	Children() []Layer
}

// Walk calls f for l and, depth first, every layer contained in it.
func Walk(l Layer, f func(Layer)) {
	f(l)
	if c, ok := l.(Container); ok {
		for _, ch := range c.Children() {
			Walk(ch, f)
		}
	}
}

// ZeroGrad clears the gradients of every parameter of l.
func ZeroGrad(l Layer) {
	for _, p := range l.Params() {
		clear(p.G)
	}
}

// Sequential chains layers.
type Sequential struct {
	Layers []Layer
}

// NewSequential returns the chain of layers after checking that their shapes
// fit together for per-sample input shape in.
func NewSequential(in Shape, layers ...Layer) (*Sequential, error) {
	s := &Sequential{Layers: layers}
	if _, err := s.OutShape(in); err != nil {
		return nil, err
	}
	return s, nil
}

// OutShape implements Layer.
func (s *Sequential) OutShape(in Shape) (Shape, error) {
	if !in.valid() {
		return Shape{}, fmt.Errorf("nn: invalid input shape %v", in)
	}
	var err error
	for i, l := range s.Layers {
		if in, err = l.OutShape(in); err != nil {
			return Shape{}, fmt.Errorf("layer %d (%T): %w", i, l, err)
		}
	}
	return in, nil
}

// Forward implements Layer.
func (s *Sequential) Forward(x *Tensor, train bool) *Tensor {
	for _, l := range s.Layers {
		x = l.Forward(x, train)
	}
	return x
}

// Backward implements Layer.
func (s *Sequential) Backward(dy *Tensor) *Tensor {
	for i := len(s.Layers) - 1; i >= 0; i-- {
		dy = s.Layers[i].Backward(dy)
	}
	return dy
}

// Params implements Layer.
func (s *Sequential) Params() []*Param {
	var ps []*Param
	for _, l := range s.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// Clone implements Layer.
func (s *Sequential) Clone() Layer {
	c := &Sequential{Layers: make([]Layer, len(s.Layers))}
	for i, l := range s.Layers {
		c.Layers[i] = l.Clone()
	}
	return c
}

// Children implements Container.
func (s *Sequential) Children() []Layer { return s.Layers }

// Residual computes Body(x) + Shortcut(x); a nil Shortcut is the identity.
type Residual struct {
	Body     Layer
	Shortcut Layer

	y, dx Tensor
}

// OutShape implements Layer.
func (r *Residual) OutShape(in Shape) (Shape, error) {
	if r.Body == nil {
		return Shape{}, errors.New("nn: residual without body")
	}
	b, err := r.Body.OutShape(in)
	if err != nil {
		return Shape{}, err
	}
	s := in
	if r.Shortcut != nil {
		if s, err = r.Shortcut.OutShape(in); err != nil {
			return Shape{}, err
		}
	}
	if b != s {
		return Shape{}, fmt.Errorf("nn: residual body gives %v, shortcut %v", b, s)
	}
	return b, nil
}

// Forward implements Layer.
func (r *Residual) Forward(x *Tensor, train bool) *Tensor {
	b := r.Body.Forward(x, train)
	s := x
	if r.Shortcut != nil {
		s = r.Shortcut.Forward(x, train)
	}
	if b.Shape != s.Shape || b.N != s.N {
		panic("nn: residual: body and shortcut shapes differ")
	}
	r.y.Resize(b.N, b.Shape)
	for i, v := range b.Data {
		r.y.Data[i] = v + s.Data[i]
	}
	return &r.y
}

// Backward implements Layer.
func (r *Residual) Backward(dy *Tensor) *Tensor {
	db := r.Body.Backward(dy)
	ds := dy
	if r.Shortcut != nil {
		ds = r.Shortcut.Backward(dy)
	}
	r.dx.Resize(db.N, db.Shape)
	for i, v := range db.Data {
		r.dx.Data[i] = v + ds.Data[i]
	}
	return &r.dx
}

// Params implements Layer.
func (r *Residual) Params() []*Param {
	ps := r.Body.Params()
	if r.Shortcut != nil {
		ps = append(ps, r.Shortcut.Params()...)
	}
	return ps
}

// Clone implements Layer.
func (r *Residual) Clone() Layer {
	c := &Residual{Body: r.Body.Clone()}
	if r.Shortcut != nil {
		c.Shortcut = r.Shortcut.Clone()
	}
	return c
}

// Children implements Container.
func (r *Residual) Children() []Layer {
	if r.Shortcut == nil {
		return []Layer{r.Body}
	}
	return []Layer{r.Body, r.Shortcut}
}
