package pipebench

import (
	"testing"
)

func TestScale(t *testing.T) {
	s := Scaler{C: complex(0.5, -2)}
	src := []complex64{1, 1i, complex(3, 4), 0}
	got := s.Scale(nil, src)
	for i, x := range src {
		if want := x * s.C; got[i] != want {
			t.Fatalf("sample %d: got %v, want %v", i, got[i], want)
		}
	}
	// In place.
	cp := append([]complex64(nil), src...)
	s.Scale(cp, cp)
	for i := range cp {
		if cp[i] != got[i] {
			t.Fatal("in-place result differs")
		}
	}
	if n := testing.AllocsPerRun(100, func() { s.Scale(cp, cp) }); n != 0 {
		t.Fatalf("%v allocs per call", n)
	}
}

func BenchmarkScale(b *testing.B) {
	s := Scaler{C: 1}
	buf := make([]complex64, 4096)
	for i := range buf {
		buf[i] = complex(float32(i), 1)
	}
	b.SetBytes(8 * 4096)
	for b.Loop() {
		s.Scale(buf, buf)
	}
	b.ReportMetric(float64(len(buf))*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
}
