package sync

import (
	"fmt"
	"math"
	"math/cmplx"
	"testing"
)

// TestInterpolator measures the fractional-delay interpolator on complex
// tones against the exact value between samples; the limits are the ones
// the package documentation states.
func TestInterpolator(t *testing.T) {
	for _, tc := range []struct {
		f     float64 // cycles per sample
		maxDB float64
	}{{0.0625, -55}, {0.125, -55}, {0.25, -55}, {0.35, -44}} {
		t.Run(fmt.Sprintf("f=%g", tc.f), func(t *testing.T) {
			y := make([]complex64, 64)
			for n := range y {
				y[n] = complex64(cmplx.Exp(complex(0, 2*math.Pi*tc.f*float64(n))))
			}
			worst := 0.0
			for _, frac := range []float64{-0.5, -0.37, -0.1, 0, 0.1, 0.25, 0.5} {
				ip := newInterp(frac)
				for i := 10; i < 50; i++ {
					want := cmplx.Exp(complex(0, 2*math.Pi*tc.f*(float64(i)+frac)))
					worst = math.Max(worst, cmplx.Abs(ip.at(y, i)-want))
				}
			}
			if db := 20 * math.Log10(worst); db > tc.maxDB {
				t.Fatalf("worst error %.1f dB, limit %.0f dB", db, tc.maxDB)
			} else {
				t.Logf("worst error %.1f dB", db)
			}
		})
	}
}
