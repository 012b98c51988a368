package vec

const errLength = "vec: slice length mismatch"

// ScaleTo writes s·x[i] into dst[i] and returns dst. dst may alias x.
func ScaleTo(dst []complex64, s complex64, x []complex64) []complex64 {
	if len(dst) != len(x) {
		panic(errLength)
	}
	for i, v := range x {
		dst[i] = s * v
	}
	return dst
}

// ScaleRealTo writes s·x[i] into dst[i] for a real s (two multiplies per
// element instead of a full complex product) and returns dst. dst may alias x.
func ScaleRealTo(dst []complex64, s float32, x []complex64) []complex64 {
	if len(dst) != len(x) {
		panic(errLength)
	}
	for i, v := range x {
		dst[i] = complex(s*real(v), s*imag(v))
	}
	return dst
}

// MulTo writes x[i]·y[i] into dst[i] and returns dst. dst may alias x or y.
func MulTo(dst, x, y []complex64) []complex64 {
	if len(dst) != len(x) || len(x) != len(y) {
		panic(errLength)
	}
	for i := range dst {
		dst[i] = x[i] * y[i]
	}
	return dst
}

// MulConjTo writes x[i]·conj(y[i]) into dst[i] and returns dst. dst may alias
// x or y.
func MulConjTo(dst, x, y []complex64) []complex64 {
	if len(dst) != len(x) || len(x) != len(y) {
		panic(errLength)
	}
	for i := range dst {
		a, b := x[i], y[i]
		dst[i] = complex(real(a)*real(b)+imag(a)*imag(b), imag(a)*real(b)-real(a)*imag(b))
	}
	return dst
}

// AddTo writes x[i]+y[i] into dst[i] and returns dst. dst may alias x or y.
func AddTo(dst, x, y []complex64) []complex64 {
	if len(dst) != len(x) || len(x) != len(y) {
		panic(errLength)
	}
	for i := range dst {
		dst[i] = x[i] + y[i]
	}
	return dst
}

// Energy returns Σ|x[i]|², accumulated in float64.
func Energy(x []complex64) float64 {
	var e float64
	for _, v := range x {
		re, im := float64(real(v)), float64(imag(v))
		e += re*re + im*im
	}
	return e
}

// Power returns the mean of |x[i]|² (0 for an empty slice).
func Power(x []complex64) float64 {
	if len(x) == 0 {
		return 0
	}
	return Energy(x) / float64(len(x))
}

// EnergyFloat32 returns Σ x[i]², accumulated in float64.
func EnergyFloat32(x []float32) float64 {
	var e float64
	for _, v := range x {
		e += float64(v) * float64(v)
	}
	return e
}

// Grow returns dst[:n], reallocating only when cap(dst) < n. It is the
// append-contract helper of the stream kernels (CONVENTIONS §5).
func Grow[T any](dst []T, n int) []T {
	if cap(dst) < n {
		return make([]T, n)
	}
	return dst[:n]
}
