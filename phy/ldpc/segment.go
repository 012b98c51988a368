package ldpc

import (
	"errors"
	"fmt"
)

// SelectBaseGraph applies the base-graph rule of TS 38.212 §6.2.2 (PUSCH) and
// §7.2.2 (PDSCH), which are identical: base graph 2 if A ≤ 292, or A ≤ 3824
// and R ≤ 0.67, or R ≤ 0.25; otherwise base graph 1. A is the transport block
// size in bits before CRC attachment and R the target code rate.
func SelectBaseGraph(a int, r float64) BaseGraph {
	if a <= 292 || (a <= 3824 && r <= 0.67) || r <= 0.25 {
		return BG2
	}
	return BG1
}

// Segmentation is the outcome of code-block segmentation (TS 38.212 §5.2.2)
// for an input of B bits (transport block plus its CRC).
type Segmentation struct {
	BaseGraph BaseGraph `json:"base_graph"`
	B         int       `json:"b"`       // input bits
	C         int       `json:"c"`       // number of code blocks
	L         int       `json:"l"`       // CRC bits per code block: 24 (CRC24B) if C > 1, else 0
	KPrime    int       `json:"k_prime"` // bits per code block including its CRC (K')
	K         int       `json:"k"`       // bits per code block including filler bits (22·Z or 10·Z)
	Z         int       `json:"z"`       // lifting size Zc
	Kb        int       `json:"kb"`      // systematic base columns used for the choice of Z
}

// Filler returns the number of filler bits per code block, K − K'.
func (s Segmentation) Filler() int { return s.K - s.KPrime }

// Segment computes the code-block segmentation of TS 38.212 §5.2.2 for b
// input bits and base graph bg (BG1 or BG2). It returns an error when b is
// not positive or when B' = B + C·L is not a multiple of C (transport block
// sizes from TS 38.214 §5.1.3.2 always are).
func Segment(b int, bg BaseGraph) (Segmentation, error) {
	if bg != BG1 && bg != BG2 {
		return Segmentation{}, fmt.Errorf("ldpc: segmentation needs BG1 or BG2, got %v", bg)
	}
	if b <= 0 {
		return Segmentation{}, fmt.Errorf("ldpc: segmentation input of %d bits", b)
	}
	d := bg.dims()
	s := Segmentation{BaseGraph: bg, B: b, C: 1}
	bp := b
	if b > d.kcb {
		s.L = 24
		s.C = (b + d.kcb - s.L - 1) / (d.kcb - s.L)
		bp = b + s.C*s.L
	}
	if bp%s.C != 0 {
		return Segmentation{}, fmt.Errorf("ldpc: B'=%d bits do not split evenly into %d code blocks (pick a TS 38.214 transport block size)", bp, s.C)
	}
	s.KPrime = bp / s.C
	s.Kb = d.kb
	if bg == BG2 {
		switch {
		case b > 640:
			s.Kb = 10
		case b > 560:
			s.Kb = 9
		case b > 192:
			s.Kb = 8
		default:
			s.Kb = 6
		}
	}
	s.Z = minLiftingSize(s.Kb, s.KPrime)
	s.K = d.kb * s.Z
	return s, nil
}

// Split writes the C code blocks of s into dst: block r holds K' − L bits of
// src followed, when C > 1, by their CRC24B (TS 38.212 §5.1, §5.2.2), so each
// block is the K' information bits of a code built with Config{K: s.KPrime,
// Z: s.Z}. Filler bits are added by the encoder, not here. src holds B bits,
// one per byte (0 or 1); dst must have room for C·K' bits or Split panics.
// Split does not allocate and returns dst[:C·K'].
func (s Segmentation) Split(dst, src []byte) []byte {
	if len(src) != s.B {
		panic("ldpc: segmentation source length mismatch")
	}
	if len(dst) < s.C*s.KPrime {
		panic("ldpc: segmentation destination too short")
	}
	dst = dst[:s.C*s.KPrime]
	n := s.KPrime - s.L
	for r := 0; r < s.C; r++ {
		blk := dst[r*s.KPrime : (r+1)*s.KPrime]
		copy(blk[:n], src[r*n:(r+1)*n])
		if s.L > 0 {
			putCRC(blk[n:], crcBits(crc24B, blk[:n]), 24)
		}
	}
	return dst
}

// ErrBlockCRC reports that a code block failed its CRC24B check.
var ErrBlockCRC = errors.New("ldpc: code block CRC24B mismatch")

// Join reverses Split: it checks the CRC24B of every code block (when C > 1)
// and writes the B payload bits to dst. It returns dst[:B] and the number of
// code blocks whose CRC failed; the payload is written in any case so a
// best-effort receiver can use it. src holds C·K' bits; dst needs room for B
// bits, or Join panics. Join does not allocate.
func (s Segmentation) Join(dst, src []byte) ([]byte, int) {
	if len(src) != s.C*s.KPrime {
		panic("ldpc: segmentation source length mismatch")
	}
	if len(dst) < s.B {
		panic("ldpc: segmentation destination too short")
	}
	dst = dst[:s.B]
	n := s.KPrime - s.L
	bad := 0
	for r := 0; r < s.C; r++ {
		blk := src[r*s.KPrime : (r+1)*s.KPrime]
		copy(dst[r*n:(r+1)*n], blk[:n])
		if s.L > 0 && crcBits(crc24B, blk[:n]) != getCRC(blk[n:], 24) {
			bad++
		}
	}
	return dst, bad
}

// CRC generator polynomials of TS 38.212 §5.1 without the leading term.
const (
	crc24A = 0x864CFB // D^24+D^23+D^18+D^17+D^14+D^11+D^10+D^7+D^6+D^5+D^4+D^3+D+1
	crc24B = 0x800063 // D^24+D^23+D^6+D^5+D+1
	crc16  = 0x1021   // D^16+D^12+D^5+1
)

// crcBits computes the CRC of TS 38.212 §5.1 (zero initial state, no final
// XOR) over bits held one per byte, for a 24-bit or 16-bit polynomial.
func crcBits(poly uint32, bits []byte) uint32 {
	width := uint(24)
	if poly == crc16 {
		width = 16
	}
	top := uint32(1) << (width - 1)
	mask := top<<1 - 1
	var reg uint32
	for _, b := range bits {
		fb := (reg&top != 0) != (b&1 != 0)
		reg = (reg << 1) & mask
		if fb {
			reg ^= poly
		}
	}
	return reg
}

// putCRC writes the width-bit value v MSB first, one bit per byte.
func putCRC(dst []byte, v uint32, width int) {
	for i := 0; i < width; i++ {
		dst[i] = byte(v>>(width-1-i)) & 1
	}
}

// getCRC reads a width-bit value MSB first from bits held one per byte.
func getCRC(src []byte, width int) uint32 {
	var v uint32
	for i := 0; i < width; i++ {
		v = v<<1 | uint32(src[i]&1)
	}
	return v
}
