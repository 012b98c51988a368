package pipebench

// Scaler multiplies complex64 samples by a constant: GNU Radio's
// multiply_const_cc.
type Scaler struct{ C complex64 }

// Scale writes s.C·src into dst[:len(src)] and returns it; dst may be src
// (in place). It allocates only when cap(dst) < len(src).
func (s Scaler) Scale(dst, src []complex64) []complex64 {
	if cap(dst) < len(src) {
		dst = make([]complex64, len(src))
	}
	dst = dst[:len(src)]
	a, b := real(s.C), imag(s.C)
	// Written on real and imaginary parts: Go's complex64 multiply also
	// handles infinities (the C99 Annex G rules), which costs a branch per
	// sample; these are finite-signal kernels.
	for i, x := range src {
		re, im := real(x), imag(x)
		dst[i] = complex(re*a-im*b, re*b+im*a)
	}
	return dst
}

// Kernel is Scale in the stream-kernel shape the pipeline adapts.
func (s Scaler) Kernel(dst, src []complex64) ([]complex64, error) {
	return s.Scale(dst[:0], src), nil
}
