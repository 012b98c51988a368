package snow3g

// The tables are computed once from their definitions in the specification
// rather than transcribed, so a typo cannot hide in 4 KiB of hex; the test
// vectors then check the whole construction.
var (
	s1T, s2T           [4][256]uint32
	mulAlpha, divAlpha [256]uint32
)

func init() {
	sr := aesSBox()
	sq := sqSBox()
	for x := range 256 {
		s1T[0][x], s1T[1][x], s1T[2][x], s1T[3][x] = mixColumn(sr[x], 0x1b)
		s2T[0][x], s2T[1][x], s2T[2][x], s2T[3][x] = mixColumn(sq[x], 0x69)
		c := byte(x)
		// §3.4.2 and §3.4.3: MULα and DIVα as byte-wise MULxPOW with c = 0xA9.
		mulAlpha[x] = uint32(mulxPow(c, 23, 0xa9))<<24 | uint32(mulxPow(c, 245, 0xa9))<<16 |
			uint32(mulxPow(c, 48, 0xa9))<<8 | uint32(mulxPow(c, 239, 0xa9))
		divAlpha[x] = uint32(mulxPow(c, 16, 0xa9))<<24 | uint32(mulxPow(c, 39, 0xa9))<<16 |
			uint32(mulxPow(c, 6, 0xa9))<<8 | uint32(mulxPow(c, 64, 0xa9))
	}
}

// mulx is MULx(V, c) of §3.1.1.
func mulx(v, c byte) byte {
	if v&0x80 != 0 {
		return v<<1 ^ c
	}
	return v << 1
}

// mulxPow is MULxPOW(V, i, c) of §3.1.2.
func mulxPow(v byte, i int, c byte) byte {
	for range i {
		v = mulx(v, c)
	}
	return v
}

// mixColumn returns the contribution of an S-box output b at byte positions
// 0..3 (most significant first) to r = r0‖r1‖r2‖r3 of §3.3.1/§3.3.2:
// r0 = 2·w0 ⊕ w1 ⊕ w2 ⊕ 3·w3, r1 = 3·w0 ⊕ 2·w1 ⊕ w2 ⊕ w3, … with 2·x = MULx(x, c).
func mixColumn(b, c byte) (t0, t1, t2, t3 uint32) {
	m2 := mulx(b, c)
	m3 := m2 ^ b
	word := func(r0, r1, r2, r3 byte) uint32 {
		return uint32(r0)<<24 | uint32(r1)<<16 | uint32(r2)<<8 | uint32(r3)
	}
	t0 = word(m2, m3, b, b) // byte w0
	t1 = word(b, m2, m3, b) // byte w1
	t2 = word(b, b, m2, m3) // byte w2
	t3 = word(m3, b, b, m2) // byte w3
	return
}

// gfMul multiplies in GF(2^8) with the reduction polynomial poly (without x^8).
func gfMul(a, b byte, poly byte) byte {
	var r byte
	for b != 0 {
		if b&1 != 0 {
			r ^= a
		}
		a = mulx(a, poly)
		b >>= 1
	}
	return r
}

// aesSBox is SR of §2.4.1, the Rijndael S-box: inversion in GF(2^8) mod
// x^8+x^4+x^3+x+1 followed by the FIPS-197 §5.1.1 affine map.
func aesSBox() (t [256]byte) {
	for x := range 256 {
		inv := byte(0)
		if x != 0 {
			inv = gfPow(byte(x), 254, 0x1b)
		}
		b := inv
		rot := func(v byte, n uint) byte { return v<<n | v>>(8-n) }
		t[x] = b ^ rot(b, 1) ^ rot(b, 2) ^ rot(b, 3) ^ rot(b, 4) ^ 0x63
	}
	return t
}

// sqSBox is SQ of §2.4.2: the Dickson polynomial
// g49(x) = x + x^9 + x^13 + x^15 + x^33 + x^41 + x^45 + x^47 + x^49 over
// GF(2^8) mod x^8+x^6+x^5+x^3+1, plus the constant 0x25.
func sqSBox() (t [256]byte) {
	for x := range 256 {
		v := byte(0x25)
		for _, e := range [...]int{1, 9, 13, 15, 33, 41, 45, 47, 49} {
			v ^= gfPow(byte(x), e, 0x69)
		}
		t[x] = v
	}
	return t
}

func gfPow(a byte, e int, poly byte) byte {
	r := byte(1)
	for range e {
		r = gfMul(r, a, poly)
	}
	return r
}
