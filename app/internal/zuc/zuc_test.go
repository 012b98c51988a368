package zuc

import (
	"fmt"
	"testing"

	"github.com/hesemcom/hesemcom/internal/conformance"
	"github.com/hesemcom/hesemcom/testvectors"
)

// TestKeystream checks the generator against the keystream words of the
// embedded reference sets (testvectors/nea) and the word-generator contract.
func TestKeystream(t *testing.T) {
	vs := testvectors.LoadKeystream(t, "ZUC")
	if len(vs) != 4 {
		t.Fatalf("found %d ZUC keystream sets, want 4", len(vs))
	}
	for _, v := range vs {
		t.Run(fmt.Sprintf("set%d", v.TestSet), func(t *testing.T) {
			conformance.KeystreamSuite(t, func() *Generator { return New((*[16]byte)(v.Key), (*[16]byte)(v.IV)) }, v.Want)
		})
	}
}

func BenchmarkKeystream(b *testing.B) {
	g := New(&[16]byte{1, 2, 3, 4}, &[16]byte{5, 6, 7, 8})
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
	g := New(&[16]byte{}, &[16]byte{})
	k := &[16]byte{1, 2, 3, 4}
	iv := &[16]byte{5, 6, 7, 8}
	for b.Loop() {
		g.Reset(k, iv)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "inits/s")
}

func TestUnrolledMatchesGeneric(t *testing.T) {
	k, iv := &[16]byte{9, 8, 7}, &[16]byte{1, 2, 3}
	a, b := New(k, iv), New(k, iv)
	// Start the unrolled path at every LFSR offset.
	for offset := range 17 {
		x, y := make([]uint32, offset), make([]uint32, offset)
		a.keystreamGeneric(x)
		b.keystreamGeneric(y)
		var u [16]uint32
		g := make([]uint32, 16)
		a.keystream16(&u)
		b.keystreamGeneric(g)
		for i := range u {
			if u[i] != g[i] {
				t.Fatalf("offset %d word %d: unrolled %08x, generic %08x", offset, i, u[i], g[i])
			}
		}
	}
}

func BenchmarkKeystreamGeneric(b *testing.B) {
	g := New(&[16]byte{1, 2, 3, 4}, &[16]byte{5, 6, 7, 8})
	dst := make([]uint32, 256)
	b.SetBytes(4 * 256)
	for b.Loop() {
		g.keystreamGeneric(dst)
	}
}

func BenchmarkKeystreamWords(b *testing.B) {
	g := New(&[16]byte{1, 2, 3, 4}, &[16]byte{5, 6, 7, 8})
	dst := make([]uint32, 256)
	b.SetBytes(4 * 256)
	for b.Loop() {
		g.Keystream(dst)
	}
}
