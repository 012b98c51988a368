package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// Conv2DConfig describes a 2-D convolution (cross-correlation, as in every
// deep-learning framework).
type Conv2DConfig struct {
	In, Out int // input and output channels, >= 1
	Kernel  int // square kernel side, >= 1
	Stride  int // >= 1; 0 means 1
	Pad     int // zero padding on every side, >= 0; Kernel/2 with Stride 1 and odd Kernel is "same"
	NoBias  bool
	// FirstLayer skips the input gradient: Backward returns nil. For the
	// layer that reads the data, whose gradient nobody uses (it halves the
	// backward cost of the one-channel JSCC encoders).
	FirstLayer bool
}

// Conv2D is a 2-D convolution layer computed as im2col followed by a BLAS
// GEMM per sample.
//
// Weights: W has layout [Out][In][Kernel][Kernel] row-major, B has [Out].
type Conv2D struct {
	cfg  Conv2DConfig
	W, B *Param

	in, out Shape
	x       *Tensor
	cols    []float32 // N × K × P, K = In·Kernel², P = outH·outW
	y, dx   Tensor
	dcol    []float32
}

// NewConv2D validates cfg and returns a layer with He-uniform initial weights
// drawn from rng (bias zero).
func NewConv2D(cfg Conv2DConfig, rng *rand.Rand) (*Conv2D, error) {
	if cfg.Stride == 0 {
		cfg.Stride = 1
	}
	if cfg.In < 1 || cfg.Out < 1 || cfg.Kernel < 1 || cfg.Stride < 1 || cfg.Pad < 0 {
		return nil, fmt.Errorf("nn: invalid conv config %+v", cfg)
	}
	k := cfg.In * cfg.Kernel * cfg.Kernel
	c := &Conv2D{cfg: cfg, W: newParam("conv.w", cfg.Out*k), B: newParam("conv.b", cfg.Out)}
	heUniform(c.W.W, k, rng)
	return c, nil
}

// heUniform fills w uniformly in ±sqrt(6/fanIn) (He et al. 2015, uniform form).
func heUniform(w []float32, fanIn int, rng *rand.Rand) {
	uniform(w, math.Sqrt(6/float64(fanIn)), rng)
}

// uniform fills w uniformly in ±a.
func uniform(w []float32, a float64, rng *rand.Rand) {
	for i := range w {
		w[i] = float32((2*rng.Float64() - 1) * a)
	}
}

// Config returns the layer's configuration.
func (c *Conv2D) Config() Conv2DConfig { return c.cfg }

// OutShape implements Layer.
func (c *Conv2D) OutShape(in Shape) (Shape, error) {
	if in.C != c.cfg.In {
		return Shape{}, fmt.Errorf("nn: conv wants %d input channels, got %v", c.cfg.In, in)
	}
	h := (in.H+2*c.cfg.Pad-c.cfg.Kernel)/c.cfg.Stride + 1
	w := (in.W+2*c.cfg.Pad-c.cfg.Kernel)/c.cfg.Stride + 1
	if in.H+2*c.cfg.Pad < c.cfg.Kernel || in.W+2*c.cfg.Pad < c.cfg.Kernel {
		return Shape{}, fmt.Errorf("nn: conv kernel %d larger than padded input %v", c.cfg.Kernel, in)
	}
	return Shape{c.cfg.Out, h, w}, nil
}

func (c *Conv2D) shapes(in Shape) {
	if in == c.in {
		return
	}
	out, err := c.OutShape(in)
	if err != nil {
		panic(err.Error())
	}
	c.in, c.out = in, out
}

// im2col writes the K×P patch matrix of one sample into col.
func (c *Conv2D) im2col(col, x []float32) {
	k, s, p := c.cfg.Kernel, c.cfg.Stride, c.cfg.Pad
	in, out := c.in, c.out
	P := out.H * out.W
	row := 0
	for ci := 0; ci < in.C; ci++ {
		plane := x[ci*in.H*in.W : (ci+1)*in.H*in.W]
		for ky := 0; ky < k; ky++ {
			for kx := 0; kx < k; kx++ {
				dst := col[row*P : (row+1)*P]
				row++
				for oy := 0; oy < out.H; oy++ {
					iy := oy*s + ky - p
					d := dst[oy*out.W : (oy+1)*out.W]
					if iy < 0 || iy >= in.H {
						clear(d)
						continue
					}
					src := plane[iy*in.W : (iy+1)*in.W]
					if s == 1 {
						// Contiguous run: ox in [lo, hi) reads src[ox+kx−p].
						lo, hi := max(0, p-kx), min(out.W, in.W+p-kx)
						clear(d[:max(lo, 0)])
						if hi > lo {
							copy(d[lo:hi], src[lo+kx-p:hi+kx-p])
							clear(d[hi:])
						} else {
							clear(d)
						}
						continue
					}
					for ox := range d {
						ix := ox*s + kx - p
						if ix < 0 || ix >= in.W {
							d[ox] = 0
						} else {
							d[ox] = src[ix]
						}
					}
				}
			}
		}
	}
}

// col2im adds the K×P patch-gradient matrix col into the sample gradient dx.
func (c *Conv2D) col2im(dx, col []float32) {
	k, s, p := c.cfg.Kernel, c.cfg.Stride, c.cfg.Pad
	in, out := c.in, c.out
	P := out.H * out.W
	row := 0
	for ci := 0; ci < in.C; ci++ {
		plane := dx[ci*in.H*in.W : (ci+1)*in.H*in.W]
		for ky := 0; ky < k; ky++ {
			for kx := 0; kx < k; kx++ {
				src := col[row*P : (row+1)*P]
				row++
				for oy := 0; oy < out.H; oy++ {
					iy := oy*s + ky - p
					if iy < 0 || iy >= in.H {
						continue
					}
					d := plane[iy*in.W : (iy+1)*in.W]
					sr := src[oy*out.W : (oy+1)*out.W]
					if s == 1 {
						lo, hi := max(0, p-kx), min(out.W, in.W+p-kx)
						if hi > lo {
							dd := d[lo+kx-p : hi+kx-p]
							for i, v := range sr[lo:hi] {
								dd[i] += v
							}
						}
						continue
					}
					for ox, v := range sr {
						ix := ox*s + kx - p
						if ix >= 0 && ix < in.W {
							d[ix] += v
						}
					}
				}
			}
		}
	}
}

// Forward implements Layer.
func (c *Conv2D) Forward(x *Tensor, _ bool) *Tensor {
	c.shapes(x.Shape)
	mustShape(x, c.in, "conv")
	c.x = x
	K := c.cfg.In * c.cfg.Kernel * c.cfg.Kernel
	P := c.out.H * c.out.W
	c.cols = grow(c.cols, x.N*K*P)
	c.y.Resize(x.N, c.out)
	w := blas32.General{Rows: c.cfg.Out, Cols: K, Stride: K, Data: c.W.W}
	for n := 0; n < x.N; n++ {
		col := c.cols[n*K*P : (n+1)*K*P]
		c.im2col(col, x.Sample(n))
		y := c.y.Sample(n)
		for o := 0; o < c.cfg.Out; o++ {
			b := c.B.W[o]
			if c.cfg.NoBias {
				b = 0
			}
			yo := y[o*P : (o+1)*P]
			for i := range yo {
				yo[i] = b
			}
		}
		if c.cfg.Out <= smallOut {
			for o := 0; o < c.cfg.Out; o++ {
				yo := blas32.Vector{N: P, Inc: 1, Data: y[o*P : (o+1)*P]}
				for k := 0; k < K; k++ {
					blas32.Axpy(c.W.W[o*K+k], blas32.Vector{N: P, Inc: 1, Data: col[k*P : (k+1)*P]}, yo)
				}
			}
			continue
		}
		blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, w,
			blas32.General{Rows: K, Cols: P, Stride: P, Data: col}, 1,
			blas32.General{Rows: c.cfg.Out, Cols: P, Stride: P, Data: y})
	}
	return &c.y
}

// Backward implements Layer.
func (c *Conv2D) Backward(dy *Tensor) *Tensor {
	mustShape(dy, c.out, "conv backward")
	K := c.cfg.In * c.cfg.Kernel * c.cfg.Kernel
	P := c.out.H * c.out.W
	c.dcol = grow(c.dcol, K*P)
	if !c.cfg.FirstLayer {
		c.dx.Resize(dy.N, c.in)
		c.dx.zero()
	}
	w := blas32.General{Rows: c.cfg.Out, Cols: K, Stride: K, Data: c.W.W}
	dw := blas32.General{Rows: c.cfg.Out, Cols: K, Stride: K, Data: c.W.G}
	dcol := blas32.General{Rows: K, Cols: P, Stride: P, Data: c.dcol}
	for n := 0; n < dy.N; n++ {
		g := blas32.General{Rows: c.cfg.Out, Cols: P, Stride: P, Data: dy.Sample(n)}
		col := blas32.General{Rows: K, Cols: P, Stride: P, Data: c.cols[n*K*P : (n+1)*K*P]}
		if c.cfg.Out <= smallOut {
			c.smallBackward(g.Data, col.Data, K, P)
			if !c.cfg.FirstLayer {
				c.col2im(c.dx.Sample(n), c.dcol)
			}
			continue
		}
		blas32.Gemm(blas.NoTrans, blas.Trans, 1, g, col, 1, dw)
		if !c.cfg.NoBias {
			for o := 0; o < c.cfg.Out; o++ {
				var s float32
				for _, v := range g.Data[o*P : (o+1)*P] {
					s += v
				}
				c.B.G[o] += s
			}
		}
		if !c.cfg.FirstLayer {
			blas32.Gemm(blas.Trans, blas.NoTrans, 1, w, g, 0, dcol)
			c.col2im(c.dx.Sample(n), c.dcol)
		}
	}
	if c.cfg.FirstLayer {
		return nil
	}
	return &c.dx
}

// smallOut is the largest output channel count for which Conv2D uses
// vector kernels (axpy, dot) instead of GEMM: gonum's GEMM splits a 1×784
// product into goroutines per 64-column block, which costs more than it gains
// for the few-channel encoders of phy/jscc and allocates.
const smallOut = 16

// smallBackward accumulates the weight and bias gradients of one sample and
// writes the patch gradient into c.dcol with vector kernels.
func (c *Conv2D) smallBackward(g, col []float32, K, P int) {
	for k := 0; k < K; k++ {
		colk := blas32.Vector{N: P, Inc: 1, Data: col[k*P : (k+1)*P]}
		for o := 0; o < c.cfg.Out; o++ {
			c.W.G[o*K+k] += blas32.Dot(blas32.Vector{N: P, Inc: 1, Data: g[o*P : (o+1)*P]}, colk)
		}
	}
	for o := 0; o < c.cfg.Out && !c.cfg.NoBias; o++ {
		var s float32
		for _, v := range g[o*P : (o+1)*P] {
			s += v
		}
		c.B.G[o] += s
	}
	if c.cfg.FirstLayer {
		return
	}
	clear(c.dcol)
	for k := 0; k < K; k++ {
		dk := blas32.Vector{N: P, Inc: 1, Data: c.dcol[k*P : (k+1)*P]}
		for o := 0; o < c.cfg.Out; o++ {
			blas32.Axpy(c.W.W[o*K+k], blas32.Vector{N: P, Inc: 1, Data: g[o*P : (o+1)*P]}, dk)
		}
	}
}

// Params implements Layer.
func (c *Conv2D) Params() []*Param {
	if c.cfg.NoBias {
		return []*Param{c.W}
	}
	return []*Param{c.W, c.B}
}

// Clone implements Layer.
func (c *Conv2D) Clone() Layer {
	return &Conv2D{cfg: c.cfg, W: shareParam(c.W), B: shareParam(c.B)}
}
