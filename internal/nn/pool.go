package nn

import "fmt"

// AvgPool averages non-overlapping Size×Size windows (stride = Size). CKKS
// evaluates it as additions and one plaintext multiplication by 1/Size².
type AvgPool struct {
	Size int

	in    Shape
	y, dx Tensor
}

func poolOut(in Shape, k int) (Shape, error) {
	if k < 1 || in.H < k || in.W < k {
		return Shape{}, fmt.Errorf("nn: pool size %d does not fit input %v", k, in)
	}
	return Shape{in.C, in.H / k, in.W / k}, nil
}

// OutShape implements Layer. Rows and columns beyond a whole window are
// dropped, as in PyTorch's default (floor) mode.
func (p *AvgPool) OutShape(in Shape) (Shape, error) { return poolOut(in, p.Size) }

// Forward implements Layer.
func (p *AvgPool) Forward(x *Tensor, _ bool) *Tensor {
	out, err := poolOut(x.Shape, p.Size)
	if err != nil {
		panic(err.Error())
	}
	p.in = x.Shape
	k := p.Size
	inv := 1 / float32(k*k)
	p.y.Resize(x.N, out)
	planes := x.N * out.C
	for pl := 0; pl < planes; pl++ {
		src := x.Data[pl*p.in.H*p.in.W:]
		dst := p.y.Data[pl*out.H*out.W:]
		for oy := 0; oy < out.H; oy++ {
			for ox := 0; ox < out.W; ox++ {
				var s float32
				for dy := 0; dy < k; dy++ {
					r := src[(oy*k+dy)*p.in.W+ox*k:]
					for dx := 0; dx < k; dx++ {
						s += r[dx]
					}
				}
				dst[oy*out.W+ox] = s * inv
			}
		}
	}
	return &p.y
}

// Backward implements Layer.
func (p *AvgPool) Backward(dy *Tensor) *Tensor {
	out := dy.Shape
	k := p.Size
	inv := 1 / float32(k*k)
	p.dx.Resize(dy.N, p.in)
	p.dx.zero()
	planes := dy.N * out.C
	for pl := 0; pl < planes; pl++ {
		src := dy.Data[pl*out.H*out.W:]
		dst := p.dx.Data[pl*p.in.H*p.in.W:]
		for oy := 0; oy < out.H; oy++ {
			for ox := 0; ox < out.W; ox++ {
				g := src[oy*out.W+ox] * inv
				for dy := 0; dy < k; dy++ {
					r := dst[(oy*k+dy)*p.in.W+ox*k:]
					for dx := 0; dx < k; dx++ {
						r[dx] = g
					}
				}
			}
		}
	}
	return &p.dx
}

// Params implements Layer.
func (*AvgPool) Params() []*Param { return nil }

// Clone implements Layer.
func (p *AvgPool) Clone() Layer { return &AvgPool{Size: p.Size} }

// MaxPool takes the maximum of non-overlapping Size×Size windows. The
// gradient goes to the first maximal element of each window.
type MaxPool struct {
	Size int

	in    Shape
	arg   []int32
	y, dx Tensor
}

// OutShape implements Layer.
func (p *MaxPool) OutShape(in Shape) (Shape, error) { return poolOut(in, p.Size) }

// Forward implements Layer.
func (p *MaxPool) Forward(x *Tensor, _ bool) *Tensor {
	out, err := poolOut(x.Shape, p.Size)
	if err != nil {
		panic(err.Error())
	}
	p.in = x.Shape
	k := p.Size
	p.y.Resize(x.N, out)
	if cap(p.arg) < len(p.y.Data) {
		p.arg = make([]int32, len(p.y.Data))
	}
	p.arg = p.arg[:len(p.y.Data)]
	planes := x.N * out.C
	for pl := 0; pl < planes; pl++ {
		base := pl * p.in.H * p.in.W
		for oy := 0; oy < out.H; oy++ {
			for ox := 0; ox < out.W; ox++ {
				best := base + oy*k*p.in.W + ox*k
				for dy := 0; dy < k; dy++ {
					for dx := 0; dx < k; dx++ {
						i := base + (oy*k+dy)*p.in.W + ox*k + dx
						if x.Data[i] > x.Data[best] {
							best = i
						}
					}
				}
				o := pl*out.H*out.W + oy*out.W + ox
				p.y.Data[o] = x.Data[best]
				p.arg[o] = int32(best)
			}
		}
	}
	return &p.y
}

// Backward implements Layer.
func (p *MaxPool) Backward(dy *Tensor) *Tensor {
	p.dx.Resize(dy.N, p.in)
	p.dx.zero()
	for o, g := range dy.Data {
		p.dx.Data[p.arg[o]] += g
	}
	return &p.dx
}

// Params implements Layer.
func (*MaxPool) Params() []*Param { return nil }

// Clone implements Layer.
func (p *MaxPool) Clone() Layer { return &MaxPool{Size: p.Size} }

// GlobalAvgPool averages each channel over its rows and columns: C×H×W → C×1×1.
type GlobalAvgPool struct {
	in    Shape
	y, dx Tensor
}

// OutShape implements Layer.
func (*GlobalAvgPool) OutShape(in Shape) (Shape, error) { return Shape{in.C, 1, 1}, nil }

// Forward implements Layer.
func (p *GlobalAvgPool) Forward(x *Tensor, _ bool) *Tensor {
	p.in = x.Shape
	hw := x.Shape.H * x.Shape.W
	p.y.Resize(x.N, Shape{x.Shape.C, 1, 1})
	inv := 1 / float32(hw)
	for pl := range p.y.Data {
		var s float32
		for _, v := range x.Data[pl*hw : (pl+1)*hw] {
			s += v
		}
		p.y.Data[pl] = s * inv
	}
	return &p.y
}

// Backward implements Layer.
func (p *GlobalAvgPool) Backward(dy *Tensor) *Tensor {
	hw := p.in.H * p.in.W
	p.dx.Resize(dy.N, p.in)
	inv := 1 / float32(hw)
	for pl, g := range dy.Data {
		d := p.dx.Data[pl*hw : (pl+1)*hw]
		for i := range d {
			d[i] = g * inv
		}
	}
	return &p.dx
}

// Params implements Layer.
func (*GlobalAvgPool) Params() []*Param { return nil }

// Clone implements Layer.
func (*GlobalAvgPool) Clone() Layer { return &GlobalAvgPool{} }

// Flatten reshapes C×H×W to (C·H·W)×1×1. Its outputs are views of its inputs.
type Flatten struct {
	in    Shape
	y, dx Tensor
}

// OutShape implements Layer.
func (*Flatten) OutShape(in Shape) (Shape, error) { return Shape{in.Size(), 1, 1}, nil }

// Forward implements Layer.
func (f *Flatten) Forward(x *Tensor, _ bool) *Tensor {
	f.in = x.Shape
	f.y = Tensor{N: x.N, Shape: Shape{x.Shape.Size(), 1, 1}, Data: x.Data}
	return &f.y
}

// Backward implements Layer.
func (f *Flatten) Backward(dy *Tensor) *Tensor {
	f.dx = Tensor{N: dy.N, Shape: f.in, Data: dy.Data}
	return &f.dx
}

// Params implements Layer.
func (*Flatten) Params() []*Param { return nil }

// Clone implements Layer.
func (*Flatten) Clone() Layer { return &Flatten{} }
