package crc

import (
	"fmt"
	"hash"
	"math/rand/v2"
	"testing"

	"github.com/hesemcom/hesemcom/internal/conformance"
)

// generators lists each polynomial as the exponents printed in TS 38.212
// §5.1, independently of the hex constants in crc.go.
var generators = map[*Poly][]int{
	CRC24A: {24, 23, 18, 17, 14, 11, 10, 7, 6, 5, 4, 3, 1, 0},
	CRC24B: {24, 23, 6, 5, 1, 0},
	CRC24C: {24, 23, 21, 20, 17, 15, 13, 12, 8, 4, 2, 1, 0},
	CRC16:  {16, 12, 5, 0},
	CRC11:  {11, 10, 9, 5, 0},
	CRC6:   {6, 5, 0},
}

// longDivision is the definition of §5.1: the remainder of
// a(D)·D^L divided by g(D), computed bit by bit on a copy of the message.
func longDivision(exps []int, bits []byte) uint32 {
	l := exps[0]
	r := make([]byte, len(bits)+l)
	copy(r, bits)
	for i := range bits {
		if r[i] == 1 {
			for _, e := range exps {
				r[i+l-e] ^= 1
			}
		}
	}
	var out uint32
	for _, b := range r[len(bits):] {
		out = out<<1 | uint32(b)
	}
	return out
}

// Catalogue check values (CRC of the ASCII string "123456789"): CRC24A is
// CRC-24/LTE-A, CRC24B is CRC-24/LTE-B, CRC16 is CRC-16/XMODEM in the
// RevEng CRC catalogue. CRC24C, CRC11 and CRC6 have no catalogue entry with
// these parameters; they are checked against the long division instead.
func TestCheckValues(t *testing.T) {
	msg := []byte("123456789")
	for _, tc := range []struct {
		p    *Poly
		want uint32
	}{{CRC24A, 0xcde703}, {CRC24B, 0x23ef52}, {CRC16, 0x31c3}} {
		if got := tc.p.Checksum(msg); got != tc.want {
			t.Errorf("%v check = %#x, want %#x", tc.p, got, tc.want)
		}
	}
}

func TestAgainstLongDivision(t *testing.T) {
	rng := rand.New(rand.NewPCG(38, 212))
	for _, p := range All {
		exps := generators[p]
		t.Run(p.String(), func(t *testing.T) {
			var poly uint32
			for _, e := range exps[1:] {
				poly |= 1 << e
			}
			if exps[0] != p.Len() || poly != p.Polynomial() {
				t.Fatalf("constants (L=%d, %#x) differ from the spec's exponents (L=%d, %#x)", p.Len(), p.Polynomial(), exps[0], poly)
			}
			for trial := range 200 {
				n := rng.IntN(300)
				bits := make([]byte, n)
				for i := range bits {
					bits[i] = byte(rng.IntN(2))
				}
				want := longDivision(exps, bits)
				got, err := p.ChecksumBits(bits)
				if err != nil || got != want {
					t.Fatalf("trial %d (%d bits): ChecksumBits = %#x, %v; want %#x", trial, n, got, err, want)
				}
				if n%8 == 0 {
					bytes := make([]byte, n/8)
					for i, b := range bits {
						bytes[i/8] |= b << (7 - i%8)
					}
					if got := p.Checksum(bytes); got != want {
						t.Fatalf("trial %d: Checksum = %#x, want %#x", trial, got, want)
					}
				}
			}
		})
	}
}

// TestResidueZero checks the receiver's property: the CRC of a message with
// its parity bits attached is zero, for bit sequences of every length and,
// for L = 16 and 24, for byte messages with Sum appended.
func TestResidueZero(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 1))
	for _, p := range All {
		t.Run(p.String(), func(t *testing.T) {
			for n := range 100 {
				bits := make([]byte, n, n+24)
				for i := range bits {
					bits[i] = byte(rng.IntN(2))
				}
				withCRC, err := p.AppendBits(nil, bits)
				if err != nil {
					t.Fatal(err)
				}
				if ok, err := p.CheckBits(withCRC); !ok || err != nil {
					t.Fatalf("%d bits: CheckBits = %v, %v", n, ok, err)
				}
				// In place when bits has spare capacity.
				if inPlace, _ := p.AppendBits(bits, bits); fmt.Sprint(inPlace) != fmt.Sprint(withCRC) {
					t.Fatalf("%d bits: in-place AppendBits differs", n)
				}
			}
			if p.Len()%8 != 0 {
				return
			}
			for n := range 50 {
				msg := make([]byte, n)
				for i := range msg {
					msg[i] = byte(rng.Uint32())
				}
				h := p.New()
				h.Write(msg)
				if got := p.Checksum(h.Sum(msg)); got != 0 {
					t.Fatalf("%d bytes: CRC(msg‖Sum) = %#x, want 0", n, got)
				}
			}
		})
	}
}

// TestBurstDetection: a CRC with g(0) = 1 detects every error burst of
// length ≤ L (a textbook property of cyclic codes); check all bursts that
// start in the first 40 positions of a 200-bit codeword.
func TestBurstDetection(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, p := range All {
		bits := make([]byte, 200)
		for i := range bits {
			bits[i] = byte(rng.IntN(2))
		}
		cw, _ := p.AppendBits(nil, bits)
		for start := range 40 {
			for length := 1; length <= p.Len(); length++ {
				e := make([]byte, len(cw))
				copy(e, cw)
				// A burst of this length: its first and last bits flip, the
				// inner ones at random.
				e[start] ^= 1
				e[start+length-1] ^= byte(min(length-1, 1))
				for i := start + 1; i < start+length-1; i++ {
					e[i] ^= byte(rng.IntN(2))
				}
				if ok, _ := p.CheckBits(e); ok {
					t.Fatalf("%v: burst of %d bits at %d undetected", p, length, start)
				}
			}
		}
	}
}

func TestErrors(t *testing.T) {
	if _, err := CRC16.ChecksumBits([]byte{0, 1, 2}); err == nil {
		t.Error("bit value 2: no error")
	}
	if _, err := CRC16.ChecksumBits([]byte{0, 1, 0, 1, 1, 1, 0, 0, 7}); err == nil {
		t.Error("bit value 7 after a whole byte: no error")
	}
	if _, err := CRC24A.CheckBits(make([]byte, 23)); err == nil {
		t.Error("CheckBits on fewer bits than the CRC: no error")
	}
	if _, err := ByName("CRC32"); err == nil {
		t.Error("ByName(CRC32): no error")
	}
	if p, err := ByName("CRC11"); err != nil || p != CRC11 {
		t.Error("ByName(CRC11) failed")
	}
}

func TestHashConformance(t *testing.T) {
	for _, p := range All {
		t.Run(p.String(), func(t *testing.T) {
			conformance.HashSuite(t, func() hash.Hash { return p.New() })
		})
	}
}

func TestNoAlloc(t *testing.T) {
	data := make([]byte, 1000)
	bits := make([]byte, 1003)
	dst := make([]byte, 0, 1100)
	if n := testing.AllocsPerRun(100, func() {
		CRC24A.Checksum(data)
		CRC24B.ChecksumBits(bits)
		CRC16.AppendBits(dst, bits)
	}); n != 0 {
		t.Errorf("allocs = %v, want 0", n)
	}
}

func BenchmarkChecksum(b *testing.B) {
	for _, p := range []*Poly{CRC24A, CRC16} {
		for _, n := range []int{125, 1056} { // 1000-bit and 8448-bit (K_cb, BG1) blocks
			b.Run(fmt.Sprintf("%v/bytes=%d", p, n), func(b *testing.B) {
				data := make([]byte, n)
				b.SetBytes(int64(n))
				for b.Loop() {
					p.Checksum(data)
				}
				b.ReportMetric(8*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mbit/s")
			})
		}
	}
	b.Run("CRC24B/bits=8448", func(b *testing.B) {
		bits := make([]byte, 8448)
		for b.Loop() {
			CRC24B.ChecksumBits(bits)
		}
		b.ReportMetric(8448*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mbit/s")
	})
}

func TestKernelContract(t *testing.T) {
	for _, p := range All {
		t.Run(p.String(), func(t *testing.T) {
			conformance.KernelSuite(t, conformance.Kernel[byte, byte]{
				Fn:     p.AppendBits,
				OutLen: func(n int) int { return n + p.Len() },
				Inputs: [][]byte{{1, 0, 1, 1, 0, 0, 1, 0, 1}, make([]byte, 64), {}},
			})
		})
	}
}
