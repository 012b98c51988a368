package nn

import "fmt"

// Shape is the per-sample shape of a tensor: channels, rows, columns.
type Shape struct{ C, H, W int }

// Size returns C·H·W.
func (s Shape) Size() int { return s.C * s.H * s.W }

func (s Shape) String() string { return fmt.Sprintf("%d×%d×%d", s.C, s.H, s.W) }

func (s Shape) valid() bool { return s.C > 0 && s.H > 0 && s.W > 0 }

// Tensor is a batch of N samples of shape Shape stored in NCHW order:
// len(Data) == N·Shape.Size().
type Tensor struct {
	N     int
	Shape Shape
	Data  []float32
}

// NewTensor returns a zeroed tensor of n samples of shape s.
func NewTensor(n int, s Shape) *Tensor {
	return &Tensor{N: n, Shape: s, Data: make([]float32, n*s.Size())}
}

// Sample returns the data of sample i; the slice aliases t.Data.
func (t *Tensor) Sample(i int) []float32 {
	k := t.Shape.Size()
	return t.Data[i*k : (i+1)*k : (i+1)*k]
}

// Resize sets t to n samples of shape s, reusing t.Data's storage when its
// capacity suffices. The contents are unspecified afterwards.
func (t *Tensor) Resize(n int, s Shape) {
	k := n * s.Size()
	if cap(t.Data) < k {
		t.Data = make([]float32, k)
	}
	t.Data = t.Data[:k]
	t.N, t.Shape = n, s
}

// zero sets every element of t to 0.
func (t *Tensor) zero() { clear(t.Data) }

func mustShape(x *Tensor, want Shape, layer string) {
	if x.Shape != want {
		panic("nn: " + layer + ": input shape " + x.Shape.String() + ", want " + want.String())
	}
	if len(x.Data) != x.N*want.Size() {
		panic("nn: " + layer + ": tensor data length mismatch")
	}
}

// grow returns s resized to n, reusing its storage when possible.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}
