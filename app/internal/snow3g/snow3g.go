package snow3g

import "encoding/binary"

// Generator is a SNOW 3G keystream generator. It is not safe for concurrent
// use; Clone gives an independent copy with the same position.
type Generator struct {
	s          [16]uint32 // LFSR; s[(p+i)&15] is cell s_i of the spec
	p          uint32
	r1, r2, r3 uint32 // FSM registers
}

// New returns a generator initialised with the key words k[0..3] and IV words
// iv[0..3], indexed as in the SNOW 3G specification §3.4.1
// (s15 = k3 ⊕ IV0, s12 = k0 ⊕ IV1, s10 = k2 ⊕ 1 ⊕ IV2, s9 = k1 ⊕ 1 ⊕ IV3, …).
// The first word returned by Keystream is z1.
func New(k, iv *[4]uint32) *Generator {
	g := new(Generator)
	g.Reset(k, iv)
	return g
}

// Reset re-initialises g with a new key and IV without allocating.
func (g *Generator) Reset(k, iv *[4]uint32) {
	const ones = 0xffffffff
	s := &g.s
	s[15] = k[3] ^ iv[0]
	s[14] = k[2]
	s[13] = k[1]
	s[12] = k[0] ^ iv[1]
	s[11] = k[3] ^ ones
	s[10] = k[2] ^ ones ^ iv[2]
	s[9] = k[1] ^ ones ^ iv[3]
	s[8] = k[0] ^ ones
	s[7] = k[3]
	s[6] = k[2]
	s[5] = k[1]
	s[4] = k[0]
	s[3] = k[3] ^ ones
	s[2] = k[2] ^ ones
	s[1] = k[1] ^ ones
	s[0] = k[0] ^ ones
	g.p = 0
	g.r1, g.r2, g.r3 = 0, 0, 0
	// Initialisation mode: 32 clocks with the FSM output fed back (§3.4.1).
	for range 32 {
		f := g.clockFSM()
		g.clockLFSR(f)
	}
	// Keystream mode starts with one discarded FSM output (§3.4.2).
	g.clockFSM()
	g.clockLFSR(0)
}

// Clone returns an independent copy of g at the same keystream position.
func (g *Generator) Clone() *Generator {
	c := *g
	return &c
}

// clockFSM implements ClockFSM (§3.3): F = (s15 ⊞ R1) ⊕ R2, then the
// registers update through S1 and S2.
func (g *Generator) clockFSM() uint32 {
	p := g.p
	s15 := g.s[(p+15)&15]
	s5 := g.s[(p+5)&15]
	f := (s15 + g.r1) ^ g.r2
	r := g.r2 + (g.r3 ^ s5)
	g.r3 = s2(g.r2)
	g.r2 = s1(g.r1)
	g.r1 = r
	return f
}

// clockLFSR implements ClockLFSRInitializationMode(F) (§3.4.4) and, with
// f = 0, ClockLFSRKeyStreamMode (§3.4.5):
// v = (s0 ≪ 8) ⊕ MULα(s0,0) ⊕ s2 ⊕ (s11 ≫ 8) ⊕ DIVα(s11,3) ⊕ F.
func (g *Generator) clockLFSR(f uint32) {
	p := g.p
	s0 := g.s[p&15]
	s2 := g.s[(p+2)&15]
	s11 := g.s[(p+11)&15]
	v := (s0 << 8) ^ mulAlpha[s0>>24] ^ s2 ^ (s11 >> 8) ^ divAlpha[s11&0xff] ^ f
	g.s[p&15] = v // the old s0 slot becomes the new s15
	g.p = (p + 1) & 15
}

// Keystream fills dst with the next len(dst) keystream words. It does not
// allocate.
func (g *Generator) Keystream(dst []uint32) {
	s := &g.s
	p, r1, r2, r3 := g.p, g.r1, g.r2, g.r3
	for i := range dst {
		// ClockFSM then z = F ⊕ s0, then ClockLFSRKeyStreamMode (§3.4.2).
		s0 := s[p&15]
		f := (s[(p+15)&15] + r1) ^ r2
		r := r2 + (r3 ^ s[(p+5)&15])
		r3 = s2(r2)
		r2 = s1(r1)
		r1 = r
		dst[i] = f ^ s0
		s11 := s[(p+11)&15]
		s[p&15] = (s0 << 8) ^ mulAlpha[s0>>24] ^ s[(p+2)&15] ^ (s11 >> 8) ^ divAlpha[s11&0xff]
		p = (p + 1) & 15
	}
	g.p, g.r1, g.r2, g.r3 = p, r1, r2, r3
}

// KeystreamBytes fills dst with the next len(dst)/4 keystream words, each
// written big-endian (z1's most significant byte first, as the 3GPP bit
// order requires). len(dst) must be a multiple of 4 or KeystreamBytes panics.
// It does not allocate.
func (g *Generator) KeystreamBytes(dst []byte) {
	if len(dst)%4 != 0 {
		panic("snow3g: KeystreamBytes length not a multiple of 4")
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

// s1 is the 32×32 S-box S1 (§3.3.1): the AES S-box on each byte followed by
// the AES MixColumns, as four 256-entry T-tables.
func s1(w uint32) uint32 {
	return s1T[0][w>>24] ^ s1T[1][(w>>16)&0xff] ^ s1T[2][(w>>8)&0xff] ^ s1T[3][w&0xff]
}

// s2 is the 32×32 S-box S2 (§3.3.2): the S-box SQ on each byte followed by a
// MixColumns over GF(2^8) with reduction polynomial 0x69.
func s2(w uint32) uint32 {
	return s2T[0][w>>24] ^ s2T[1][(w>>16)&0xff] ^ s2T[2][(w>>8)&0xff] ^ s2T[3][w&0xff]
}
