package conformance

import (
	"bytes"
	"crypto/cipher"
	"math/rand/v2"
	"testing"
)

// StreamSuite checks that the streams returned by mk behave as a
// cipher.Stream must. mk must return a fresh stream with the same key and IV
// on every call (so two calls produce the same keystream).
//
// Checked: decryption inverts encryption; any split of the input into
// XORKeyStream calls (including empty ones) gives the same output as one
// call; dst may equal src; src is not modified; bytes of dst beyond len(src)
// are not touched; a dst shorter than src panics.
func StreamSuite(t *testing.T, mk func() cipher.Stream) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	msg := make([]byte, 1500)
	for i := range msg {
		msg[i] = byte(rng.Uint32())
	}
	oneShot := func(src []byte) []byte {
		dst := make([]byte, len(src))
		mk().XORKeyStream(dst, src)
		return dst
	}
	ref := oneShot(msg)

	t.Run("RoundTrip", func(t *testing.T) {
		if got := oneShot(ref); !bytes.Equal(got, msg) {
			t.Error("XORKeyStream applied twice with fresh streams does not return the input")
		}
	})
	t.Run("Deterministic", func(t *testing.T) {
		if got := oneShot(msg); !bytes.Equal(got, ref) {
			t.Error("two fresh streams give different output")
		}
	})
	t.Run("Split", func(t *testing.T) {
		for trial := range 20 {
			s := mk()
			dst := make([]byte, len(msg))
			for off := 0; off < len(msg); {
				n := min(rng.IntN(70), len(msg)-off)
				if trial%4 == 0 {
					n = min(rng.IntN(4), len(msg)-off) // tiny steps, including 0
				}
				s.XORKeyStream(dst[off:off+n], msg[off:off+n])
				off += n
			}
			if !bytes.Equal(dst, ref) {
				t.Fatalf("trial %d: split calls differ from one call", trial)
			}
		}
	})
	t.Run("InPlace", func(t *testing.T) {
		buf := bytes.Clone(msg)
		mk().XORKeyStream(buf, buf)
		if !bytes.Equal(buf, ref) {
			t.Error("in-place XORKeyStream differs")
		}
	})
	t.Run("SrcUnmodified", func(t *testing.T) {
		src := bytes.Clone(msg)
		dst := make([]byte, len(src))
		mk().XORKeyStream(dst, src)
		if !bytes.Equal(src, msg) {
			t.Error("src was modified")
		}
	})
	t.Run("DstTailUntouched", func(t *testing.T) {
		dst := bytes.Repeat([]byte{0xa5}, len(msg)+33)
		mk().XORKeyStream(dst, msg[:len(msg)-7])
		for i, b := range dst[len(msg)-7:] {
			if b != 0xa5 {
				t.Fatalf("dst[%d] beyond len(src) was written", len(msg)-7+i)
			}
		}
	})
	t.Run("ShortDstPanics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("XORKeyStream with len(dst) < len(src) did not panic")
			}
		}()
		mk().XORKeyStream(make([]byte, 9), msg[:10])
	})
}
