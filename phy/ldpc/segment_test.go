package ldpc

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestCRCCheckValues checks the CRCs of TS 38.212 §5.1 with the standard
// check input "123456789" (MSB first) against the values of the CRC
// catalogue (reveng): CRC-24/LTE-A 0xCDE703, CRC-24/LTE-B 0x23EF52,
// CRC-16/XMODEM (the gCRC16 of §5.1) 0x31C3.
func TestCRCCheckValues(t *testing.T) {
	var bits []byte
	for _, b := range []byte("123456789") {
		for i := 7; i >= 0; i-- {
			bits = append(bits, b>>i&1)
		}
	}
	for _, tc := range []struct {
		name string
		poly uint32
		want uint32
	}{
		{"CRC24A", crc24A, 0xCDE703},
		{"CRC24B", crc24B, 0x23EF52},
		{"CRC16", crc16, 0x31C3},
	} {
		if got := crcBits(tc.poly, bits); got != tc.want {
			t.Errorf("%s(123456789) = %#x, want %#x", tc.name, got, tc.want)
		}
	}
}

// TestSegment checks §5.2.2 against values worked out by hand from the spec.
func TestSegment(t *testing.T) {
	for _, tc := range []struct {
		b   int
		bg  BaseGraph
		c   int
		kp  int
		z   int
		k   int
		err bool
	}{
		{b: 100, bg: BG2, c: 1, kp: 100, z: 18, k: 180},      // Kb = 6: 6Z ≥ 100
		{b: 500, bg: BG2, c: 1, kp: 500, z: 64, k: 640},      // Kb = 8
		{b: 600, bg: BG2, c: 1, kp: 600, z: 72, k: 720},      // Kb = 9
		{b: 3840, bg: BG2, c: 1, kp: 3840, z: 384, k: 3840},  // Kb = 10, largest BG2 block
		{b: 3842, bg: BG2, c: 2, kp: 1945, z: 208, k: 2080},  // two blocks with CRC24B
		{b: 3841, bg: BG2, err: true},                        // B' = 3889 odd
		{b: 8448, bg: BG1, c: 1, kp: 8448, z: 384, k: 8448},  // largest BG1 block
		{b: 25344, bg: BG1, c: 4, kp: 6360, z: 320, k: 7040}, // C = ⌈25344/8424⌉
		{b: 0, bg: BG1, err: true},
		{b: 100, bg: AutoBaseGraph, err: true},
	} {
		t.Run(fmt.Sprintf("B=%d/%v", tc.b, tc.bg), func(t *testing.T) {
			s, err := Segment(tc.b, tc.bg)
			if tc.err {
				if err == nil {
					t.Fatalf("Segment = %+v, want an error", s)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.C != tc.c || s.KPrime != tc.kp || s.Z != tc.z || s.K != tc.k {
				t.Fatalf("got C=%d K'=%d Z=%d K=%d, want C=%d K'=%d Z=%d K=%d", s.C, s.KPrime, s.Z, s.K, tc.c, tc.kp, tc.z, tc.k)
			}
			if wantL := map[bool]int{true: 24, false: 0}[tc.c > 1]; s.L != wantL {
				t.Fatalf("L = %d, want %d", s.L, wantL)
			}
			// The code of each block must accept K' with this Z.
			if _, err := New(Config{K: s.KPrime, E: 2 * s.KPrime, BaseGraph: tc.bg, Z: s.Z}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSplitJoin(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, b := range []int{200, 3000, 3*2700 - 72} {
		s, err := Segment(b, BG2)
		if err != nil {
			t.Fatal(err)
		}
		src := randBits(rng, b)
		blocks := s.Split(make([]byte, s.C*s.KPrime), src)
		got, bad := s.Join(make([]byte, b), blocks)
		if !bytes.Equal(got, src) || bad != 0 {
			t.Fatalf("B=%d: Join(Split) differs or reports %d bad blocks", b, bad)
		}
		if s.C > 1 {
			blocks[s.KPrime+5] ^= 1 // corrupt block 1
			if _, bad := s.Join(make([]byte, b), blocks); bad != 1 {
				t.Fatalf("B=%d: %d bad blocks after corrupting one, want 1", b, bad)
			}
		}
	}
}

func TestNewErrors(t *testing.T) {
	for _, cfg := range []Config{
		{K: 0, E: 10},
		{K: 10, E: 0},
		{K: 9000, E: 20000, BaseGraph: BG1},
		{K: 4000, E: 8000, BaseGraph: BG2},
		{K: 100, E: 200, BaseGraph: 3},
		{K: 100, E: 200, Z: 17},
		{K: 100, E: 200, BaseGraph: BG2, Z: 8},
		{K: 100, E: 201, Qm: 2},
		{K: 100, E: 200, Qm: 3},
		{K: 100, E: 200, RV: 4},
		{K: 100, E: 200, Ncb: 10},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded, want an error", cfg)
		}
	}
	c, _ := New(Config{K: 100, E: 200})
	for _, dc := range []DecoderConfig{{MaxIterations: 0}, {MaxIterations: 5, Algorithm: 9}, {MaxIterations: 5, Scale: 1.5}, {MaxIterations: 5, Offset: -1}} {
		if _, err := c.NewDecoder(dc); err == nil {
			t.Errorf("NewDecoder(%+v) succeeded, want an error", dc)
		}
	}
	if _, err := c.Encoder().Encode(nil, make([]byte, 99)); err == nil {
		t.Error("Encode of 99 bits with K=100 succeeded")
	}
	if _, err := c.Encoder().Encode(nil, bytes.Repeat([]byte{2}, 100)); err == nil {
		t.Error("Encode of non-bits succeeded")
	}
	if _, err := c.Decoder(MinSum, 5).Decode(nil, make([]float32, 199)); err == nil {
		t.Error("Decode of 199 LLRs with E=200 succeeded")
	}
}

func TestTextRoundTrip(t *testing.T) {
	for _, a := range []Algorithm{NormalizedMinSum, OffsetMinSum, MinSum, SumProduct} {
		b, _ := a.MarshalText()
		var got Algorithm
		if err := got.UnmarshalText(b); err != nil || got != a {
			t.Errorf("Algorithm %v: round trip gave %v, %v", a, got, err)
		}
	}
	for _, g := range []BaseGraph{AutoBaseGraph, BG1, BG2} {
		b, _ := g.MarshalText()
		var got BaseGraph
		if err := got.UnmarshalText(b); err != nil || got != g {
			t.Errorf("BaseGraph %v: round trip gave %v, %v", g, got, err)
		}
	}
	var a Algorithm
	if a.UnmarshalText([]byte("turbo")) == nil {
		t.Error("unknown algorithm accepted")
	}
}
