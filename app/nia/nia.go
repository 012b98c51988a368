package nia

import (
	"crypto/aes"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
	"strings"

	"github.com/hesemcom/hesemcom/app/internal/cmac"
	"github.com/hesemcom/hesemcom/app/internal/snow3g"
	"github.com/hesemcom/hesemcom/app/internal/zuc"
)

// Algorithm identifies a 5G integrity algorithm (TS 33.501 §5.11.1.2).
type Algorithm uint8

// The four algorithms; the values are the 4-bit algorithm identities.
const (
	NIA0 Algorithm = iota // null integrity (MAC-I all zeros)
	NIA1                  // SNOW 3G based
	NIA2                  // AES-128-CMAC
	NIA3                  // ZUC-128 based
)

// String returns the 3GPP name, for example "128-NIA2" (NIA0 is just "NIA0").
func (a Algorithm) String() string {
	switch a {
	case NIA0:
		return "NIA0"
	case NIA1, NIA2, NIA3:
		return fmt.Sprintf("128-NIA%d", a)
	}
	return fmt.Sprintf("Algorithm(%d)", a)
}

// MarshalText implements encoding.TextMarshaler.
func (a Algorithm) MarshalText() ([]byte, error) {
	if a > NIA3 {
		return nil, fmt.Errorf("nia: unknown algorithm %d", a)
	}
	return []byte(a.String()), nil
}

// UnmarshalText accepts "nia0".."nia3", "128-nia1".."128-nia3" in any case.
func (a *Algorithm) UnmarshalText(b []byte) error {
	s := strings.TrimPrefix(strings.ToLower(string(b)), "128-")
	for v := NIA0; v <= NIA3; v++ {
		if s == fmt.Sprintf("nia%d", v) {
			*a = v
			return nil
		}
	}
	return fmt.Errorf("nia: unknown algorithm %q (want nia0..nia3)", b)
}

// Size is the length of MAC-I in bytes.
const Size = 4

// KeySize is the key length of all four algorithms in bytes.
const KeySize = 16

// MAC computes MAC-I over one message. It is not safe for concurrent use;
// Clone gives an independent copy.
type MAC struct {
	alg       Algorithm
	key       [KeySize]byte
	count     uint32
	bearer    uint8
	direction uint8
	cm        *cmac.CMAC // NIA2

	msg   []byte // message bits, MSB-first; bits beyond nbits are zero
	nbits int
	z     []uint32 // NIA3 keystream scratch
	pre   []byte   // NIA2 prefixed-message scratch
	tag   []byte   // NIA2 tag scratch
	snow  snow3g.Generator
	zuc   zuc.Generator
}

// New returns a MAC for the message with the given COUNT (32 bits), BEARER
// (5 bits) and DIRECTION (1 bit) under key (16 bytes). The error names the
// bad argument.
func New(alg Algorithm, key []byte, count uint32, bearer, direction uint8) (*MAC, error) {
	switch {
	case alg > NIA3:
		return nil, fmt.Errorf("nia: unknown algorithm %d", alg)
	case len(key) != KeySize:
		return nil, fmt.Errorf("nia: key is %d bytes, want %d", len(key), KeySize)
	case bearer > 31:
		return nil, fmt.Errorf("nia: bearer %d does not fit 5 bits", bearer)
	case direction > 1:
		return nil, fmt.Errorf("nia: direction %d, want 0 or 1", direction)
	}
	m := &MAC{alg: alg, count: count, bearer: bearer, direction: direction}
	copy(m.key[:], key)
	if alg == NIA2 {
		b, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		if m.cm, err = cmac.New(b); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// SetCount starts a new message with another COUNT (same key, bearer and
// direction), reusing the buffers.
func (m *MAC) SetCount(count uint32) {
	m.count = count
	m.Reset()
}

// Clone returns an independent MAC in the same state.
func (m *MAC) Clone() *MAC {
	c := *m
	c.msg = slices.Clone(m.msg)
	c.z, c.pre, c.tag = nil, nil, nil
	return &c
}

// Size returns 4, the length of MAC-I.
func (m *MAC) Size() int { return Size }

// BlockSize returns the algorithm's natural block: 16 bytes for NIA2, 8 for
// NIA1 (64-bit blocks of the polynomial evaluation), 4 for NIA0 and NIA3.
func (m *MAC) BlockSize() int {
	switch m.alg {
	case NIA1:
		return 8
	case NIA2:
		return 16
	}
	return 4
}

// Reset discards the message written so far.
func (m *MAC) Reset() {
	m.msg = m.msg[:0]
	m.nbits = 0
}

// Len returns the message length written so far, in bits.
func (m *MAC) Len() int { return m.nbits }

// Write appends p to the message. It never fails.
func (m *MAC) Write(p []byte) (int, error) {
	m.WriteBits(p, 8*len(p))
	return len(p), nil
}

// WriteBits appends the first nbits bits of p (MSB-first) to the message.
// It panics if p holds fewer than ceil(nbits/8) bytes or nbits < 0.
func (m *MAC) WriteBits(p []byte, nbits int) {
	nb := (nbits + 7) / 8
	if nbits < 0 || len(p) < nb {
		panic("nia: WriteBits beyond the end of p")
	}
	p = p[:nb]
	if sh := uint(m.nbits % 8); sh == 0 {
		m.msg = append(m.msg, p...)
	} else {
		// Each input byte straddles the last partial byte and a new one.
		last := len(m.msg) - 1
		for _, b := range p {
			m.msg[last] |= b >> sh
			m.msg = append(m.msg, b<<(8-sh))
			last++
		}
	}
	m.nbits += nbits
	m.msg = m.msg[:(m.nbits+7)/8]
	if r := m.nbits % 8; r != 0 {
		m.msg[len(m.msg)-1] &= 0xff << (8 - r)
	}
}

// Sum appends MAC-I (4 bytes, big-endian) of the message written so far to b.
// It does not change the state. After the first call for a given message
// size it does not allocate when b has room.
func (m *MAC) Sum(b []byte) []byte {
	var mac uint32
	switch m.alg {
	case NIA1:
		mac = m.nia1()
	case NIA2:
		mac = m.nia2()
	case NIA3:
		mac = m.nia3()
	}
	return binary.BigEndian.AppendUint32(b, mac)
}

// Sum32 returns MAC-I as a number.
func (m *MAC) Sum32() uint32 {
	var b [Size]byte
	return binary.BigEndian.Uint32(m.Sum(b[:0]))
}

// Verify reports whether mac (4 bytes) is the MAC-I of the message written
// so far, in constant time.
func (m *MAC) Verify(mac []byte) bool {
	var b [Size]byte
	return subtle.ConstantTimeCompare(m.Sum(b[:0]), mac) == 1
}

// nia1 is 128-NIA1 (TS 33.401 Annex B.2.2, via UIA2 f9 of TS 35.215 §4.4):
// five SNOW 3G words z1..z5, P = z1‖z2, Q = z3‖z4, EVAL over 64-bit message
// blocks in GF(2^64) mod x^64+x^4+x^3+x+1, MAC-I = high word of EVAL ⊕ z5.
func (m *MAC) nia1() uint32 {
	var k [4]uint32
	for i := range 4 {
		k[3-i] = binary.BigEndian.Uint32(m.key[4*i:])
	}
	b, d := uint32(m.bearer)<<27, uint32(m.direction)
	iv := [4]uint32{b ^ d<<15, m.count ^ d<<31, b, m.count}
	var z [5]uint32
	m.snow.Reset(&k, &iv)
	m.snow.Keystream(z[:])
	p := uint64(z[0])<<32 | uint64(z[1])
	q := uint64(z[2])<<32 | uint64(z[3])
	var eval uint64
	for i := 0; i < m.nbits; i += 64 {
		var blk [8]byte
		copy(blk[:], m.msg[i/8:]) // trailing bits are already zero
		eval = mul64(eval^binary.BigEndian.Uint64(blk[:]), p)
	}
	eval = mul64(eval^uint64(m.nbits), q)
	return uint32(eval>>32) ^ z[4]
}

// mul64 is MUL64(V, P, c) of TS 35.215 §4.3 with c = 0x1b: the product in
// GF(2^64) with reduction polynomial x^64 + x^4 + x^3 + x + 1.
func mul64(v, p uint64) uint64 {
	var r uint64
	for ; p != 0; p >>= 1 {
		if p&1 != 0 {
			r ^= v
		}
		v = v<<1 ^ (0x1b & -(v >> 63))
	}
	return r
}

// nia2 is 128-NIA2 (TS 33.401 Annex B.2.3): AES-CMAC over
// COUNT‖BEARER‖DIRECTION‖0^26‖MESSAGE, MAC-I = the first 32 bits of the tag.
func (m *MAC) nia2() uint32 {
	m.pre = binary.BigEndian.AppendUint32(m.pre[:0], m.count)
	m.pre = append(m.pre, m.bearer<<3|m.direction<<2, 0, 0, 0)
	m.pre = append(m.pre, m.msg...)
	m.tag, _ = m.cm.Sum(m.tag[:0], m.pre, 64+m.nbits) // lengths are consistent by construction
	return binary.BigEndian.Uint32(m.tag)
}

// nia3 is 128-NIA3 (TS 35.221 §4): L = ceil(LENGTH/32)+2 ZUC words;
// T = ⊕ z_i over the set message bits i (z_i the 32-bit keystream window
// starting at bit i), T ⊕= z_LENGTH, MAC-I = T ⊕ z_{32(L−1)}.
func (m *MAC) nia3() uint32 {
	var iv [16]byte
	binary.BigEndian.PutUint32(iv[:], m.count)
	iv[4] = m.bearer << 3
	copy(iv[8:], iv[:8])
	iv[8] ^= m.direction << 7
	iv[14] ^= m.direction << 7
	l := (m.nbits+31)/32 + 2
	m.z = slices.Grow(m.z[:0], l)[:l]
	m.zuc.Reset(&m.key, &iv)
	m.zuc.Keystream(m.z)
	window := func(i int) uint32 {
		w := uint64(m.z[i/32])<<32 | uint64(m.z[i/32+1])
		return uint32(w >> (32 - i%32))
	}
	var t uint32
	for j, b := range m.msg {
		for b != 0 {
			// Highest set bit first; msg holds no bits beyond nbits.
			k := 8 - bits.Len8(b)
			t ^= window(8*j + k)
			b &^= 0x80 >> k
		}
	}
	t ^= window(m.nbits)
	return t ^ m.z[l-1]
}
