package ofdm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	dspfft "github.com/mjibson/go-dsp/fft"
	"gonum.org/v1/gonum/dsp/fourier"
)

func randomComplex(r *rand.Rand, n int) []complex64 {
	x := make([]complex64, n)
	for i := range x {
		x[i] = complex(float32(r.NormFloat64()), float32(r.NormFloat64()))
	}
	return x
}

func to128(x []complex64) []complex128 {
	y := make([]complex128, len(x))
	for i, v := range x {
		y[i] = complex128(v)
	}
	return y
}

// maxRelErr returns max|a−b| / rms(b).
func maxRelErr(a []complex64, b []complex128) float64 {
	var e, p float64
	for i := range a {
		d := complex128(a[i]) - b[i]
		e = max(e, math.Hypot(real(d), imag(d)))
		p += real(b[i])*real(b[i]) + imag(b[i])*imag(b[i])
	}
	return e / math.Sqrt(p/float64(len(b)))
}

// TestFFTMatchesGonumAndGoDSP cross-checks the in-house complex64 FFT
// against gonum's dsp/fourier and go-dsp (both complex128). The tolerance is
// float32 rounding over log2(N) stages: a few 1e-7·log2(N) relative.
func TestFFTMatchesGonumAndGoDSP(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{2, 4, 8, 16, 64, 128, 1024, 4096} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			f, err := NewFFT(n)
			if err != nil {
				t.Fatal(err)
			}
			x := randomComplex(r, n)
			got := f.Transform(nil, x)
			g := fourier.NewCmplxFFT(n)
			want := g.Coefficients(nil, to128(x))
			tol := 1e-6 * math.Log2(float64(n))
			if e := maxRelErr(got, want); e > tol {
				t.Errorf("forward vs gonum: relative error %.2g > %.2g", e, tol)
			}
			if e := maxRelErr(got, dspfft.FFT(to128(x))); e > tol {
				t.Errorf("forward vs go-dsp: relative error %.2g > %.2g", e, tol)
			}
			inv := f.Inverse(nil, x)
			wantInv := g.Sequence(nil, to128(x)) // unnormalised, like Inverse
			if e := maxRelErr(inv, wantInv); e > tol {
				t.Errorf("inverse vs gonum: relative error %.2g > %.2g", e, tol)
			}
			// In place equals out of place.
			y := append([]complex64(nil), x...)
			f.Transform(y, y)
			for i := range y {
				if y[i] != got[i] {
					t.Fatalf("in-place result differs at %d", i)
				}
			}
			// Inverse∘Transform = N·identity.
			back := f.Inverse(nil, got)
			for i := range back {
				back[i] /= complex(float32(n), 0)
			}
			if e := maxRelErr(back, to128(x)); e > tol {
				t.Errorf("round trip: relative error %.2g", e)
			}
		})
	}
	if _, err := NewFFT(12); err == nil {
		t.Error("size 12: no error")
	}
}

func BenchmarkFFT(b *testing.B) {
	for _, n := range []int{64, 256, 1024, 4096} {
		r := rand.New(rand.NewPCG(1, 1))
		x := randomComplex(r, n)
		rate := func(b *testing.B) {
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
		}
		b.Run(fmt.Sprintf("inhouse-c64/%d", n), func(b *testing.B) {
			f, _ := NewFFT(n)
			dst := make([]complex64, n)
			for b.Loop() {
				f.Transform(dst, x)
			}
			rate(b)
		})
		b.Run(fmt.Sprintf("gonum-c128/%d", n), func(b *testing.B) {
			g := fourier.NewCmplxFFT(n)
			src, dst := to128(x), make([]complex128, n)
			out := make([]complex64, n)
			for b.Loop() {
				// Include the complex64 conversions an OFDM symbol would need.
				for i, v := range x {
					src[i] = complex128(v)
				}
				g.Coefficients(dst, src)
				for i, v := range dst {
					out[i] = complex64(v)
				}
			}
			rate(b)
		})
		b.Run(fmt.Sprintf("go-dsp-c128/%d", n), func(b *testing.B) {
			src := to128(x)
			out := make([]complex64, n)
			for b.Loop() {
				for i, v := range x {
					src[i] = complex128(v)
				}
				for i, v := range dspfft.FFT(src) {
					out[i] = complex64(v)
				}
			}
			rate(b)
		})
	}
}
