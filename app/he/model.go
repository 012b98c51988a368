package he

import (
	"errors"
	"fmt"
	"math"
	"math/big"
)

// Table II geometry (paper, Table II): 28×28 input, "same" convolution with
// one output channel, 2×2 average pool to 14×14 = 196 features, FC to 10.
const (
	Rows     = 28
	Cols     = 28
	Pixels   = Rows * Cols
	Features = (Rows / 2) * (Cols / 2)
	Classes  = 10
)

// TableII holds the plain float64 weights of the HE-friendly deep JSCC
// (paper, Table II): conv (1 output channel, K×K, "same" zero padding,
// cross-correlation as in PyTorch/TensorFlow) + bias → x² → 2×2 average pool →
// ×Gain → 196 features → channel → FC 196→10.
type TableII struct {
	// K is the odd convolution kernel size.
	K int `json:"k"`
	// Conv is the K×K kernel, row-major.
	Conv []float64 `json:"conv"`
	// ConvBias is the convolution bias.
	ConvBias float64 `json:"conv_bias"`
	// Gain is the fixed amplitude gain applied to the pooled features so that
	// their average power is 1 (DESIGN.md §3); it must be positive because it
	// is folded into the convolution as sqrt(Gain/4) before the square.
	Gain float64 `json:"gain"`
	// FC is the 10×196 weight matrix, row-major (row = class).
	FC []float64 `json:"fc"`
	// FCBias are the 10 class biases.
	FCBias []float64 `json:"fc_bias"`
}

// Validate checks the shapes and values of w.
func (w *TableII) Validate() error {
	switch {
	case w.K < 1 || w.K%2 == 0 || w.K > Rows:
		return fmt.Errorf("he: kernel size %d must be odd and in [1, %d]", w.K, Rows)
	case len(w.Conv) != w.K*w.K:
		return fmt.Errorf("he: conv has %d weights, want %d", len(w.Conv), w.K*w.K)
	case !(w.Gain > 0) || math.IsInf(w.Gain, 0):
		return fmt.Errorf("he: gain %v must be positive and finite", w.Gain)
	case len(w.FC) != Classes*Features:
		return fmt.Errorf("he: fc has %d weights, want %d", len(w.FC), Classes*Features)
	case len(w.FCBias) != Classes:
		return fmt.Errorf("he: fc_bias has %d values, want %d", len(w.FCBias), Classes)
	}
	for _, s := range [][]float64{w.Conv, w.FC, w.FCBias, {w.ConvBias}} {
		for _, v := range s {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return errors.New("he: weights contain NaN or Inf")
			}
		}
	}
	return nil
}

// Features writes the 196 transmitted features of one image (pixels in
// [0, 1], row-major 28×28) into dst and returns it: Gain·avgpool(conv(x)²).
// dst is allocated if nil; otherwise it must have length 196.
func (w *TableII) Features(dst, img []float64) []float64 {
	if len(img) != Pixels {
		panic("he: image length mismatch")
	}
	if dst == nil {
		dst = make([]float64, Features)
	}
	if len(dst) != Features {
		panic("he: features length mismatch")
	}
	h := w.K / 2
	var y [Pixels]float64
	for r := 0; r < Rows; r++ {
		for c := 0; c < Cols; c++ {
			s := w.ConvBias
			for a := 0; a < w.K; a++ {
				rr := r + a - h
				if rr < 0 || rr >= Rows {
					continue
				}
				for b := 0; b < w.K; b++ {
					cc := c + b - h
					if cc < 0 || cc >= Cols {
						continue
					}
					s += w.Conv[a*w.K+b] * img[rr*Cols+cc]
				}
			}
			y[r*Cols+c] = s * s
		}
	}
	for i := 0; i < Rows/2; i++ {
		for j := 0; j < Cols/2; j++ {
			p := y[2*i*Cols+2*j] + y[2*i*Cols+2*j+1] + y[(2*i+1)*Cols+2*j] + y[(2*i+1)*Cols+2*j+1]
			dst[i*(Cols/2)+j] = w.Gain * p / 4
		}
	}
	return dst
}

// Logits writes the 10 logits for the (possibly noisy) features into dst and
// returns it. dst is allocated if nil; otherwise it must have length 10.
func (w *TableII) Logits(dst, feat []float64) []float64 {
	if len(feat) != Features {
		panic("he: features length mismatch")
	}
	if dst == nil {
		dst = make([]float64, Classes)
	}
	if len(dst) != Classes {
		panic("he: logits length mismatch")
	}
	for k := 0; k < Classes; k++ {
		s := w.FCBias[k]
		row := w.FC[k*Features : (k+1)*Features]
		for f, v := range feat {
			s += row[f] * v
		}
		dst[k] = s
	}
	return dst
}

// ArgMax returns the index of the largest value (the first on ties).
func ArgMax(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// compiled is a Table II model rounded to the fixed-point integers of a
// parameter set: the per-prime residues the kernels multiply with.
type compiled struct {
	k int
	// conv holds round(w·sqrt(Gain/4)·Δw): the gain and the pool's 1/4 are
	// folded into the convolution (sqrt because the square follows).
	conv []int64
	// convBias[i] is round(b·sqrt(Gain/4)·Δx·Δw) mod q_i.
	convBias []uint64
	// fc holds round(W·Δf), row-major 10×196.
	fc []int64
	// fcBias[k][i] is round(b_k·(Δx·Δw)²·Δf) mod q_i.
	fcBias [][]uint64
}

func compile(p Params, w *TableII) (*compiled, error) {
	if err := w.Validate(); err != nil {
		return nil, err
	}
	lit := p.lit
	fold := math.Sqrt(w.Gain / 4)
	c := &compiled{k: w.K, conv: make([]int64, len(w.Conv)), fc: make([]int64, len(w.FC))}
	const maxInt = 1 << 40 // keeps Σ|c|·q far below 2^64·q in the lazy accumulators
	for i, v := range w.Conv {
		x := math.Round(v * fold * math.Exp2(float64(lit.LogScaleWeight)))
		if math.Abs(x) > maxInt {
			return nil, fmt.Errorf("he: conv weight %v too large for scale 2^%d", v, lit.LogScaleWeight)
		}
		c.conv[i] = int64(x)
	}
	for i, v := range w.FC {
		x := math.Round(v * math.Exp2(float64(lit.LogScaleFC)))
		if math.Abs(x) > maxInt {
			return nil, fmt.Errorf("he: fc weight %v too large for scale 2^%d", v, lit.LogScaleFC)
		}
		c.fc[i] = int64(x)
	}
	q := p.p.Q()
	c.convBias = residues(w.ConvBias*fold, p.LogScaleConv(), q)
	c.fcBias = make([][]uint64, Classes)
	for k, b := range w.FCBias {
		c.fcBias[k] = residues(b, p.LogScaleLogits(), q)
	}
	return c, nil
}

// residues returns round(v·2^logScale) mod q_i for every prime.
func residues(v float64, logScale int, q []uint64) []uint64 {
	f := new(big.Float).SetPrec(256).SetFloat64(v)
	f.SetMantExp(f, logScale)
	neg := f.Sign() < 0
	f.Abs(f)
	f.Add(f, big.NewFloat(0.5))
	n, _ := f.Int(nil)
	out := make([]uint64, len(q))
	r := new(big.Int)
	for i, qi := range q {
		r.Mod(n, new(big.Int).SetUint64(qi))
		x := r.Uint64()
		if neg && x != 0 {
			x = qi - x
		}
		out[i] = x
	}
	return out
}
