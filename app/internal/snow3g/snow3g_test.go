package snow3g

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/hesemcom/hesemcom/internal/conformance"
	"github.com/hesemcom/hesemcom/testvectors"
)

// words converts a 128-bit key or IV (MSB first) to the generator's four
// words, k0 the most significant.
func words(b []byte) *[4]uint32 {
	var w [4]uint32
	for i := range w {
		w[i] = binary.BigEndian.Uint32(b[4*i:])
	}
	return &w
}

// TestKeystream checks the generator against the keystream words of the
// embedded reference sets (testvectors/nea) and the word-generator contract.
func TestKeystream(t *testing.T) {
	vs := testvectors.LoadKeystream(t, "SNOW 3G")
	if len(vs) != 4 {
		t.Fatalf("found %d SNOW 3G keystream sets, want 4", len(vs))
	}
	for _, v := range vs {
		t.Run(fmt.Sprintf("set%d", v.TestSet), func(t *testing.T) {
			conformance.KeystreamSuite(t, func() *Generator { return New(words(v.Key), words(v.IV)) }, v.Want)
		})
	}
}

func BenchmarkKeystream(b *testing.B) {
	g := New(&[4]uint32{1, 2, 3, 4}, &[4]uint32{5, 6, 7, 8})
	for _, n := range []int{16, 1024} {
		b.Run(fmt.Sprintf("bytes=%d", n), func(b *testing.B) {
			dst := make([]byte, n)
			b.SetBytes(int64(n))
			for b.Loop() {
				g.KeystreamBytes(dst)
			}
		})
	}
}

func BenchmarkInit(b *testing.B) {
	g := New(&[4]uint32{}, &[4]uint32{})
	k := &[4]uint32{1, 2, 3, 4}
	iv := &[4]uint32{5, 6, 7, 8}
	for b.Loop() {
		g.Reset(k, iv)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "inits/s")
}
