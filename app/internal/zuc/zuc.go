package zuc

import (
	"encoding/binary"
	"math/bits"
)

// Generator is a ZUC-128 keystream generator. It is not safe for concurrent
// use; Clone gives an independent copy with the same position.
type Generator struct {
	s      [16]uint32 // LFSR cells of 31 bits; s[(p+i)&15] is s_i of the spec
	p      uint32
	r1, r2 uint32 // registers of the nonlinear function F
}

// d holds the 15-bit constants d_0..d_15 of the key loading (§3.5.1).
var d = [16]uint32{
	0x44d7, 0x26bc, 0x626b, 0x135e, 0x5789, 0x35e2, 0x7135, 0x09af,
	0x4d78, 0x2f13, 0x6bc4, 0x1af1, 0x5e26, 0x3c4d, 0x789a, 0x47ac,
}

// New returns a generator loaded with key and iv (§3.5.1: s_i = k_i ‖ d_i ‖ iv_i)
// and run through the 32 initialisation rounds (§3.6.1). The first word
// returned by Keystream is z1.
func New(key, iv *[16]byte) *Generator {
	g := new(Generator)
	g.Reset(key, iv)
	return g
}

// Reset re-initialises g with a new key and IV without allocating.
func (g *Generator) Reset(key, iv *[16]byte) {
	for i := range g.s {
		g.s[i] = uint32(key[i])<<23 | d[i]<<8 | uint32(iv[i])
	}
	g.p, g.r1, g.r2 = 0, 0, 0
	for range 32 {
		x0, x1, x2, _ := g.reorganise()
		w := g.f(x0, x1, x2)
		g.lfsr(w >> 1)
	}
	// Working stage: one F output is discarded (§3.6.2).
	x0, x1, x2, _ := g.reorganise()
	g.f(x0, x1, x2)
	g.lfsr(0)
}

// Clone returns an independent copy of g at the same keystream position.
func (g *Generator) Clone() *Generator {
	c := *g
	return &c
}

// reorganise is the bit reorganisation of §3.3: X0 = s15H‖s14L, X1 = s11L‖s9H,
// X2 = s7L‖s5H, X3 = s2L‖s0H (H = bits 30..15, L = bits 15..0 of a cell).
func (g *Generator) reorganise() (x0, x1, x2, x3 uint32) {
	s := &g.s
	p := g.p
	x0 = (s[(p+15)&15]&0x7fff8000)<<1 | s[(p+14)&15]&0xffff
	x1 = s[(p+11)&15]<<16 | s[(p+9)&15]>>15
	x2 = s[(p+7)&15]<<16 | s[(p+5)&15]>>15
	x3 = s[(p+2)&15]<<16 | s[p&15]>>15
	return
}

// f is the nonlinear function F of §3.4.
func (g *Generator) f(x0, x1, x2 uint32) uint32 {
	w := (x0 ^ g.r1) + g.r2
	w1 := g.r1 + x1
	w2 := g.r2 ^ x2
	g.r1 = sbox(l1(w1<<16 | w2>>16))
	g.r2 = sbox(l2(w2<<16 | w1>>16))
	return w
}

// lfsr clocks the LFSR (§3.2): s16 = 2^15·s15 + 2^17·s13 + 2^21·s10 +
// 2^20·s4 + (1+2^8)·s0 (+ u in the initialisation mode) mod 2^31−1, with 0
// replaced by 2^31−1.
func (g *Generator) lfsr(u uint32) {
	s := &g.s
	p := g.p
	v := feedback(s[p&15], s[(p+4)&15], s[(p+10)&15], s[(p+13)&15], s[(p+15)&15])
	v = addM(v, u)
	if v == 0 {
		v = 0x7fffffff
	}
	s[p&15] = v
	g.p = (p + 1) & 15
}

// feedback returns the LFSR linear feedback mod 2^31−1. The five products are
// 31-bit rotations; their sum fits in 64 bits and is reduced once.
func feedback(s0, s4, s10, s13, s15 uint32) uint32 {
	sum := uint64(s0) + uint64(rot31(s0, 8)) + uint64(rot31(s4, 20)) +
		uint64(rot31(s10, 21)) + uint64(rot31(s13, 17)) + uint64(rot31(s15, 15))
	// sum < 6·2^31, so two folds reduce it below 2^31 (or to exactly 2^31−1).
	sum = sum&0x7fffffff + sum>>31
	sum = sum&0x7fffffff + sum>>31
	return uint32(sum)
}

// rot31 multiplies the 31-bit value x by 2^k mod 2^31−1.
func rot31(x uint32, k uint) uint32 {
	return (x<<k | x>>(31-k)) & 0x7fffffff
}

// addM adds mod 2^31−1.
func addM(a, b uint32) uint32 {
	c := a + b
	return c&0x7fffffff + c>>31
}

func l1(x uint32) uint32 {
	return x ^ bits.RotateLeft32(x, 2) ^ bits.RotateLeft32(x, 10) ^
		bits.RotateLeft32(x, 18) ^ bits.RotateLeft32(x, 24)
}

func l2(x uint32) uint32 {
	return x ^ bits.RotateLeft32(x, 8) ^ bits.RotateLeft32(x, 14) ^
		bits.RotateLeft32(x, 22) ^ bits.RotateLeft32(x, 30)
}

// sbox is the 32×32 S-box S = (S0, S1, S0, S1) of §3.4.2.
func sbox(x uint32) uint32 {
	return uint32(s0[x>>24])<<24 | uint32(s1[(x>>16)&0xff])<<16 |
		uint32(s0[(x>>8)&0xff])<<8 | uint32(s1[x&0xff])
}

//go:generate go run gen_unrolled.go

// Keystream fills dst with the next len(dst) keystream words (§3.6.2:
// z = F(X0, X1, X2) ⊕ X3, then the LFSR clocks in work mode). Whole groups
// of 16 words take the unrolled path. It does not allocate.
func (g *Generator) Keystream(dst []uint32) {
	for len(dst) >= 16 {
		g.keystream16((*[16]uint32)(dst))
		dst = dst[16:]
	}
	g.keystreamGeneric(dst)
}

// keystreamGeneric is the indexed reference loop, cross-checked against the
// unrolled one by TestUnrolledMatchesGeneric.
func (g *Generator) keystreamGeneric(dst []uint32) {
	s := &g.s
	p, r1, r2 := g.p, g.r1, g.r2
	for i := range dst {
		sp0 := s[p&15]
		x0 := (s[(p+15)&15]&0x7fff8000)<<1 | s[(p+14)&15]&0xffff
		x1 := s[(p+11)&15]<<16 | s[(p+9)&15]>>15
		x2 := s[(p+7)&15]<<16 | s[(p+5)&15]>>15
		x3 := s[(p+2)&15]<<16 | sp0>>15
		w1 := r1 + x1
		w2 := r2 ^ x2
		dst[i] = ((x0 ^ r1) + r2) ^ x3
		r1 = sbox(l1(w1<<16 | w2>>16))
		r2 = sbox(l2(w2<<16 | w1>>16))
		v := feedback(sp0, s[(p+4)&15], s[(p+10)&15], s[(p+13)&15], s[(p+15)&15])
		if v == 0 {
			v = 0x7fffffff
		}
		s[p&15] = v
		p = (p + 1) & 15
	}
	g.p, g.r1, g.r2 = p, r1, r2
}

// KeystreamBytes fills dst with the next len(dst)/4 keystream words, each
// written big-endian. len(dst) must be a multiple of 4 or KeystreamBytes
// panics. It does not allocate.
func (g *Generator) KeystreamBytes(dst []byte) {
	if len(dst)%4 != 0 {
		panic("zuc: KeystreamBytes length not a multiple of 4")
	}
	var buf [16]uint32
	for len(dst) > 0 {
		n := min(len(dst)/4, len(buf))
		g.Keystream(buf[:n])
		for i, w := range buf[:n] {
			binary.BigEndian.PutUint32(dst[4*i:], w)
		}
		dst = dst[4*n:]
	}
}
