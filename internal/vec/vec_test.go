package vec

import (
	"math"
	"testing"
)

func TestKernels(t *testing.T) {
	x := []complex64{1 + 2i, -3 + 0.5i, 0}
	y := []complex64{2 - 1i, 1i, 5}
	tests := []struct {
		name string
		got  []complex64
		want []complex64
	}{
		{"ScaleTo", ScaleTo(make([]complex64, 3), 2i, x), []complex64{-4 + 2i, -1 - 6i, 0}},
		{"ScaleRealTo", ScaleRealTo(make([]complex64, 3), -2, x), []complex64{-2 - 4i, 6 - 1i, 0}},
		{"MulTo", MulTo(make([]complex64, 3), x, y), []complex64{4 + 3i, -0.5 - 3i, 0}},
		{"MulConjTo", MulConjTo(make([]complex64, 3), x, y), []complex64{0 + 5i, 0.5 + 3i, 0}},
		{"AddTo", AddTo(make([]complex64, 3), x, y), []complex64{3 + 1i, -3 + 1.5i, 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i := range tc.want {
				if d := tc.got[i] - tc.want[i]; math.Hypot(float64(real(d)), float64(imag(d))) > 1e-6 {
					t.Fatalf("element %d: got %v, want %v", i, tc.got[i], tc.want[i])
				}
			}
		})
	}
	if e := Energy(x); math.Abs(e-(5+9.25)) > 1e-6 {
		t.Errorf("Energy = %v, want 14.25", e)
	}
	if p := Power(x); math.Abs(p-14.25/3) > 1e-6 {
		t.Errorf("Power = %v, want %v", p, 14.25/3)
	}
	if p := Power(nil); p != 0 {
		t.Errorf("Power(nil) = %v, want 0", p)
	}
	if e := EnergyFloat32([]float32{3, 4}); e != 25 {
		t.Errorf("EnergyFloat32 = %v, want 25", e)
	}
}

func TestLengthMismatchPanics(t *testing.T) {
	defer func() {
		if r := recover(); r != errLength {
			t.Fatalf("recover() = %v, want %q", r, errLength)
		}
	}()
	AddTo(make([]complex64, 2), make([]complex64, 2), make([]complex64, 3))
}

func TestGrowReusesCapacity(t *testing.T) {
	buf := make([]float32, 0, 8)
	if g := Grow(buf, 5); len(g) != 5 || &g[0] != &buf[:1][0] {
		t.Fatal("Grow reallocated although capacity sufficed")
	}
	if g := Grow(buf, 9); len(g) != 9 {
		t.Fatalf("Grow len = %d, want 9", len(g))
	}
}
