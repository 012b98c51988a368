package conformance

import (
	"bytes"
	"hash"
	"math/rand/v2"
	"testing"
)

// HashSuite checks that the hashes returned by mk behave as a hash.Hash must.
// mk must return a fresh hash with the same key on every call.
//
// Checked: Size and BlockSize are positive; Write consumes everything and
// never fails; Sum appends exactly Size bytes to its argument and does not
// change the state; any split of the input into Writes gives the same sum;
// Reset returns to the initial state.
func HashSuite(t *testing.T, mk func() hash.Hash) {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	msg := make([]byte, 700)
	for i := range msg {
		msg[i] = byte(rng.Uint32())
	}
	sum := func(parts ...[]byte) []byte {
		h := mk()
		for _, p := range parts {
			h.Write(p)
		}
		return h.Sum(nil)
	}
	ref := sum(msg)

	t.Run("Sizes", func(t *testing.T) {
		h := mk()
		if h.Size() <= 0 || h.BlockSize() <= 0 {
			t.Errorf("Size %d, BlockSize %d: both must be positive", h.Size(), h.BlockSize())
		}
		if len(ref) != h.Size() {
			t.Errorf("len(Sum(nil)) = %d, Size() = %d", len(ref), h.Size())
		}
	})
	t.Run("WriteCount", func(t *testing.T) {
		n, err := mk().Write(msg)
		if n != len(msg) || err != nil {
			t.Errorf("Write = %d, %v; want %d, nil", n, err, len(msg))
		}
	})
	t.Run("SumAppends", func(t *testing.T) {
		h := mk()
		h.Write(msg)
		prefix := []byte("prefix")
		got := h.Sum(bytes.Clone(prefix))
		if !bytes.Equal(got[:len(prefix)], prefix) || !bytes.Equal(got[len(prefix):], ref) {
			t.Errorf("Sum(prefix) = %x, want prefix followed by %x", got, ref)
		}
	})
	t.Run("SumKeepsState", func(t *testing.T) {
		h := mk()
		h.Write(msg[:300])
		first := h.Sum(nil)
		if again := h.Sum(nil); !bytes.Equal(first, again) {
			t.Error("two Sums in a row differ")
		}
		h.Write(msg[300:])
		if got := h.Sum(nil); !bytes.Equal(got, ref) {
			t.Error("Sum in the middle changed the state")
		}
	})
	t.Run("Split", func(t *testing.T) {
		for trial := range 10 {
			var parts [][]byte
			for off := 0; off < len(msg); {
				n := min(rng.IntN(50), len(msg)-off)
				parts = append(parts, msg[off:off+n])
				off += n
			}
			if got := sum(parts...); !bytes.Equal(got, ref) {
				t.Fatalf("trial %d: split writes give a different sum", trial)
			}
		}
	})
	t.Run("Reset", func(t *testing.T) {
		h := mk()
		empty := h.Sum(nil)
		h.Write(msg)
		h.Reset()
		if got := h.Sum(nil); !bytes.Equal(got, empty) {
			t.Error("Reset does not return to the initial state")
		}
		h.Write(msg)
		if got := h.Sum(nil); !bytes.Equal(got, ref) {
			t.Error("sum after Reset differs")
		}
	})
}
