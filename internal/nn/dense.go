package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// Dense is a fully connected layer y = W·x + b over the flattened sample.
//
// Weights: W has layout [Out][In] row-major (the FC [10][196] of Table II),
// B has [Out]. The output shape is {Out, 1, 1}.
type Dense struct {
	In, Out int
	W, B    *Param

	x     *Tensor
	y, dx Tensor
}

// NewDense returns an in→out layer with Glorot-uniform weights from rng.
func NewDense(in, out int, rng *rand.Rand) (*Dense, error) {
	if in < 1 || out < 1 {
		return nil, fmt.Errorf("nn: invalid dense size %d→%d", in, out)
	}
	d := &Dense{In: in, Out: out, W: newParam("dense.w", in*out), B: newParam("dense.b", out)}
	uniform(d.W.W, math.Sqrt(6/float64(in+out)), rng) // Glorot & Bengio 2010, eq. 16
	return d, nil
}

// OutShape implements Layer.
func (d *Dense) OutShape(in Shape) (Shape, error) {
	if in.Size() != d.In {
		return Shape{}, fmt.Errorf("nn: dense wants %d inputs, got %v", d.In, in)
	}
	return Shape{d.Out, 1, 1}, nil
}

// Forward implements Layer.
func (d *Dense) Forward(x *Tensor, _ bool) *Tensor {
	if x.Shape.Size() != d.In || len(x.Data) != x.N*d.In {
		panic("nn: dense: input size mismatch")
	}
	d.x = x
	d.y.Resize(x.N, Shape{d.Out, 1, 1})
	for n := 0; n < x.N; n++ {
		copy(d.y.Data[n*d.Out:(n+1)*d.Out], d.B.W)
	}
	if x.N <= 2 {
		// Single images: GEMV, serial and allocation-free (gonum's GEMM
		// goes parallel on wide outputs).
		w := blas32.General{Rows: d.Out, Cols: d.In, Stride: d.In, Data: d.W.W}
		for n := 0; n < x.N; n++ {
			blas32.Gemv(blas.NoTrans, 1, w, blas32.Vector{N: d.In, Inc: 1, Data: x.Sample(n)}, 1,
				blas32.Vector{N: d.Out, Inc: 1, Data: d.y.Data[n*d.Out : (n+1)*d.Out]})
		}
		return &d.y
	}
	blas32.Gemm(blas.NoTrans, blas.Trans, 1,
		blas32.General{Rows: x.N, Cols: d.In, Stride: d.In, Data: x.Data},
		blas32.General{Rows: d.Out, Cols: d.In, Stride: d.In, Data: d.W.W}, 1,
		blas32.General{Rows: x.N, Cols: d.Out, Stride: d.Out, Data: d.y.Data})
	return &d.y
}

// Backward implements Layer.
func (d *Dense) Backward(dy *Tensor) *Tensor {
	if dy.Shape.Size() != d.Out || dy.N != d.x.N {
		panic("nn: dense backward: gradient size mismatch")
	}
	g := blas32.General{Rows: dy.N, Cols: d.Out, Stride: d.Out, Data: dy.Data}
	blas32.Gemm(blas.Trans, blas.NoTrans, 1, g,
		blas32.General{Rows: dy.N, Cols: d.In, Stride: d.In, Data: d.x.Data}, 1,
		blas32.General{Rows: d.Out, Cols: d.In, Stride: d.In, Data: d.W.G})
	for n := 0; n < dy.N; n++ {
		for o, v := range dy.Data[n*d.Out : (n+1)*d.Out] {
			d.B.G[o] += v
		}
	}
	d.dx.Resize(dy.N, d.x.Shape)
	blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, g,
		blas32.General{Rows: d.Out, Cols: d.In, Stride: d.In, Data: d.W.W}, 0,
		blas32.General{Rows: dy.N, Cols: d.In, Stride: d.In, Data: d.dx.Data})
	return &d.dx
}

// Params implements Layer.
func (d *Dense) Params() []*Param { return []*Param{d.W, d.B} }

// Clone implements Layer.
func (d *Dense) Clone() Layer {
	return &Dense{In: d.In, Out: d.Out, W: shareParam(d.W), B: shareParam(d.B)}
}
