package conformance

import (
	"encoding/binary"
	"testing"
)

// WordGenerator is a word-oriented keystream generator such as SNOW 3G or
// ZUC: Keystream fills words, KeystreamBytes fills bytes (each word big-endian)
// from the same stream, and Clone forks the generator at its current position.
type WordGenerator[G any] interface {
	Keystream(dst []uint32)
	KeystreamBytes(dst []byte)
	Clone() G
}

// KeystreamSuite checks a word generator against known words (want, keyed by
// 1-based index: z1 is the first word) and its contract: word-at-a-time,
// bulk and byte generation agree, a clone continues the same stream, and
// generation does not allocate. mk must return a fresh generator with the
// same key and IV on every call.
func KeystreamSuite[G WordGenerator[G]](t *testing.T, mk func() G, want map[int]uint32) {
	t.Helper()
	n := 100
	for i := range want {
		n = max(n, i)
	}
	bulk := make([]uint32, n)
	mk().Keystream(bulk)
	t.Run("Known", func(t *testing.T) {
		for i, w := range want {
			if bulk[i-1] != w {
				t.Errorf("z%d = %08x, want %08x", i, bulk[i-1], w)
			}
		}
	})
	t.Run("Split", func(t *testing.T) {
		g := mk()
		one := make([]uint32, 1)
		for i := range 37 {
			g.Keystream(one)
			if one[0] != bulk[i] {
				t.Fatalf("word %d: %08x, bulk %08x", i, one[0], bulk[i])
			}
		}
		c := g.Clone()
		b := make([]byte, 4*63)
		c.KeystreamBytes(b)
		for i := range 63 {
			if w := binary.BigEndian.Uint32(b[4*i:]); w != bulk[37+i] {
				t.Fatalf("clone word %d: %08x, bulk %08x", 37+i, w, bulk[37+i])
			}
		}
	})
	t.Run("NoAlloc", func(t *testing.T) {
		g := mk()
		dst := make([]uint32, 256)
		b := make([]byte, 1024)
		if n := testing.AllocsPerRun(100, func() { g.Keystream(dst); g.KeystreamBytes(b) }); n != 0 {
			t.Errorf("allocs per run = %v, want 0", n)
		}
	})
}
