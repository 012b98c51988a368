package nia

import (
	"bytes"
	"fmt"
	"hash"
	"math/rand/v2"
	"testing"

	"github.com/hesemcom/hesemcom/internal/conformance"
	"github.com/hesemcom/hesemcom/testvectors"
)

func TestReferenceVectors(t *testing.T) {
	for _, alg := range []Algorithm{NIA1, NIA2, NIA3} {
		for _, v := range testvectors.LoadNEANIA(t, alg.String()) {
			t.Run(v.Name(), func(t *testing.T) {
				m, err := New(alg, testvectors.Unhex(t, v.Key), v.CountFor(t), v.Bearer, v.Direction)
				if err != nil {
					t.Fatal(err)
				}
				m.WriteBits(testvectors.Unhex(t, v.Message), v.LengthBits)
				if got := fmt.Sprintf("%08x", m.Sum32()); got != v.MAC {
					t.Errorf("MAC-I = %s, want %s", got, v.MAC)
				}
				if !m.Verify(testvectors.Unhex(t, v.MAC)) {
					t.Error("Verify rejects the reference MAC-I")
				}
			})
		}
	}
}

// TestWriteBitsAlignment checks that a message written in pieces of odd bit
// lengths gives the MAC of the same bits written at once, and that every
// message bit and the length itself change the MAC.
func TestWriteBitsAlignment(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	msg := make([]byte, 40)
	for i := range msg {
		msg[i] = byte(rng.Uint32())
	}
	const nbits = 311
	msg[nbits/8] &= byte(0xff << (8 - nbits%8) & 0xff)
	for _, alg := range []Algorithm{NIA1, NIA2, NIA3} {
		t.Run(alg.String(), func(t *testing.T) {
			m, _ := New(alg, []byte("0123456789abcdef"), 99, 5, 1)
			m.WriteBits(msg, nbits)
			want := m.Sum32()
			for trial := range 20 {
				m.Reset()
				for off := 0; off < nbits; {
					n := min(1+rng.IntN(37), nbits-off)
					m.WriteBits(bitSlice(msg, off, n), n)
					off += n
				}
				if m.Len() != nbits || m.Sum32() != want {
					t.Fatalf("trial %d: split writes give %08x over %d bits, want %08x over %d", trial, m.Sum32(), m.Len(), want, nbits)
				}
			}
			for i := 0; i < nbits; i += 13 {
				flip := bytes.Clone(msg)
				flip[i/8] ^= 0x80 >> (i % 8)
				m.Reset()
				m.WriteBits(flip, nbits)
				if m.Sum32() == want {
					t.Errorf("flipping bit %d leaves the MAC unchanged", i)
				}
			}
			m.Reset()
			m.WriteBits(msg, nbits-1)
			if m.Sum32() == want {
				t.Error("dropping the last bit leaves the MAC unchanged")
			}
		})
	}
}

// bitSlice returns bits [off, off+n) of b as a new MSB-first byte slice.
func bitSlice(b []byte, off, n int) []byte {
	out := make([]byte, (n+7)/8)
	for i := range n {
		if b[(off+i)/8]&(0x80>>((off+i)%8)) != 0 {
			out[i/8] |= 0x80 >> (i % 8)
		}
	}
	return out
}

func TestHashConformance(t *testing.T) {
	for _, alg := range []Algorithm{NIA0, NIA1, NIA2, NIA3} {
		t.Run(alg.String(), func(t *testing.T) {
			conformance.HashSuite(t, func() hash.Hash {
				m, err := New(alg, []byte("0123456789abcdef"), 1, 2, 0)
				if err != nil {
					t.Fatal(err)
				}
				return m
			})
		})
	}
}

func TestNIA0(t *testing.T) {
	m, _ := New(NIA0, make([]byte, 16), 1, 1, 1)
	m.Write([]byte("anything"))
	if m.Sum32() != 0 {
		t.Errorf("NIA0 MAC-I = %08x, want 0", m.Sum32())
	}
}

func TestErrors(t *testing.T) {
	key := make([]byte, 16)
	for _, tc := range []struct {
		name      string
		alg       Algorithm
		key       []byte
		bearer    uint8
		direction uint8
	}{
		{"key", NIA2, key[:8], 0, 0},
		{"bearer", NIA1, key, 32, 0},
		{"direction", NIA3, key, 0, 2},
		{"algorithm", 7, key, 0, 0},
	} {
		if _, err := New(tc.alg, tc.key, 0, tc.bearer, tc.direction); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	var a Algorithm
	if a.UnmarshalText([]byte("nia9")) == nil {
		t.Error("UnmarshalText(nia9): no error")
	}
	if a.UnmarshalText([]byte("128-NIA2")) != nil || a != NIA2 {
		t.Error("UnmarshalText(128-NIA2) failed")
	}
}

func BenchmarkMAC(b *testing.B) {
	key := make([]byte, 16)
	for _, alg := range []Algorithm{NIA1, NIA2, NIA3} {
		for _, n := range []int{64, 1500} {
			b.Run(fmt.Sprintf("%v/bytes=%d", alg, n), func(b *testing.B) {
				m, _ := New(alg, key, 0, 0, 0)
				msg := make([]byte, n)
				for i := range msg {
					msg[i] = byte(i * 7)
				}
				b.SetBytes(int64(n))
				for b.Loop() {
					m.Reset()
					m.Write(msg)
					m.Sum32()
				}
			})
		}
	}
}

func TestSumNoAlloc(t *testing.T) {
	msg := make([]byte, 500)
	for _, alg := range []Algorithm{NIA0, NIA1, NIA2, NIA3} {
		m, _ := New(alg, make([]byte, 16), 1, 2, 1)
		m.WriteBits(msg, 3999)
		dst := make([]byte, 0, Size)
		m.Sum(dst) // sizes the scratch buffers
		if n := testing.AllocsPerRun(50, func() { m.Sum(dst) }); n != 0 {
			t.Errorf("%v: allocs = %v, want 0", alg, n)
		}
	}
}
