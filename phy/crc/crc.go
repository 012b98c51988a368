package crc

import (
	"errors"
	"fmt"
	"hash"
)

// Poly is one CRC of TS 38.212 §5.1: its length L in bits and generator
// polynomial, with a 256-entry table for byte-at-a-time processing. A Poly is
// immutable and safe for concurrent use.
type Poly struct {
	name  string
	width uint   // L
	poly  uint32 // generator coefficients D^{L−1}..D^0 (the D^L term implied)
	table [256]uint32
}

// The CRCs of TS 38.212 §5.1, with the generator polynomials given there.
var (
	// CRC24A: D^24+D^23+D^18+D^17+D^14+D^11+D^10+D^7+D^6+D^5+D^4+D^3+D+1 (transport blocks).
	CRC24A = newPoly("CRC24A", 24, 0x864cfb)
	// CRC24B: D^24+D^23+D^6+D^5+D+1 (LDPC code blocks after segmentation).
	CRC24B = newPoly("CRC24B", 24, 0x800063)
	// CRC24C: D^24+D^23+D^21+D^20+D^17+D^15+D^13+D^12+D^8+D^4+D^2+D+1 (polar-coded BCH/DCI).
	CRC24C = newPoly("CRC24C", 24, 0xb2b117)
	// CRC16: D^16+D^12+D^5+1 (small transport blocks).
	CRC16 = newPoly("CRC16", 16, 0x1021)
	// CRC11: D^11+D^10+D^9+D^5+1 (polar-coded UCI).
	CRC11 = newPoly("CRC11", 11, 0x621)
	// CRC6: D^6+D^5+1 (polar-coded UCI).
	CRC6 = newPoly("CRC6", 6, 0x21)
)

// All lists the CRCs of TS 38.212 §5.1.
var All = []*Poly{CRC24A, CRC24B, CRC24C, CRC16, CRC11, CRC6}

func newPoly(name string, width uint, poly uint32) *Poly {
	p := &Poly{name: name, width: width, poly: poly}
	// The table works on a register left-aligned in 32 bits, so one loop
	// serves every width ≤ 24.
	top := poly << (32 - width)
	for b := range 256 {
		r := uint32(b) << 24
		for range 8 {
			if r&0x80000000 != 0 {
				r = r<<1 ^ top
			} else {
				r <<= 1
			}
		}
		p.table[b] = r
	}
	return p
}

// String returns the 3GPP name, for example "CRC24A".
func (p *Poly) String() string { return p.name }

// Len returns L, the number of parity bits.
func (p *Poly) Len() int { return int(p.width) }

// Polynomial returns the generator coefficients of D^{L−1}..D^0 (the D^L
// term is implied), for example 0x1021 for CRC16.
func (p *Poly) Polynomial() uint32 { return p.poly }

// ByName returns the CRC with the given name ("CRC24A", …, case-sensitive).
func ByName(name string) (*Poly, error) {
	for _, p := range All {
		if p.name == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf("crc: unknown CRC %q", name)
}

func (p *Poly) update(reg uint32, data []byte) uint32 {
	t := &p.table
	for _, b := range data {
		reg = reg<<8 ^ t[byte(reg>>24)^b]
	}
	return reg
}

func (p *Poly) updateBit(reg uint32, bit byte) uint32 {
	top := p.poly << (32 - p.width)
	msb := reg>>31 ^ uint32(bit&1)
	reg <<= 1
	if msb != 0 {
		reg ^= top
	}
	return reg
}

func (p *Poly) result(reg uint32) uint32 { return reg >> (32 - p.width) }

// Checksum returns the L parity bits of data (bytes, MSB-first) as a number,
// p_0 in bit L−1. It does not allocate.
func (p *Poly) Checksum(data []byte) uint32 { return p.result(p.update(0, data)) }

// ErrBit reports a bit-sequence entry other than 0 or 1.
var ErrBit = errors.New("crc: bit sequence entry is not 0 or 1")

// ChecksumBits returns the L parity bits of a bit sequence given one bit per
// byte (each 0 or 1), a_0 first. It does not allocate.
func (p *Poly) ChecksumBits(bits []byte) (uint32, error) {
	var reg uint32
	i := 0
	// Whole bytes through the table, the rest bit by bit.
	for ; i+8 <= len(bits); i += 8 {
		var b byte
		for _, v := range bits[i : i+8] {
			if v > 1 {
				return 0, ErrBit
			}
			b = b<<1 | v
		}
		reg = reg<<8 ^ p.table[byte(reg>>24)^b]
	}
	for _, v := range bits[i:] {
		if v > 1 {
			return 0, ErrBit
		}
		reg = p.updateBit(reg, v)
	}
	return p.result(reg), nil
}

// AppendBits attaches the parity bits (TS 38.212 §5.1: b_k = a_k for k < A,
// then p_0..p_{L−1}) to the bit sequence bits, one bit per byte, appending to
// dst[:0] and returning it (growing only when capacity is short). dst may be
// bits itself when it has spare capacity.
func (p *Poly) AppendBits(dst, bits []byte) ([]byte, error) {
	c, err := p.ChecksumBits(bits)
	if err != nil {
		return dst[:0], err
	}
	dst = append(dst[:0], bits...)
	for k := int(p.width) - 1; k >= 0; k-- {
		dst = append(dst, byte(c>>k)&1)
	}
	return dst, nil
}

// CheckBits reports whether a bit sequence ends in its own valid CRC, that
// is, whether the CRC of the whole sequence is zero.
func (p *Poly) CheckBits(bits []byte) (bool, error) {
	if len(bits) < int(p.width) {
		return false, fmt.Errorf("crc: %d bits are fewer than the %d parity bits", len(bits), p.width)
	}
	c, err := p.ChecksumBits(bits)
	return c == 0, err
}

// New returns a hash.Hash32 computing p over bytes written to it.
func (p *Poly) New() hash.Hash32 { return &digest{p: p} }

type digest struct {
	p   *Poly
	reg uint32
}

func (d *digest) Write(b []byte) (int, error) {
	d.reg = d.p.update(d.reg, b)
	return len(b), nil
}

func (d *digest) Sum32() uint32 { return d.p.result(d.reg) }

// Sum appends the parity bits as ceil(L/8) big-endian bytes, right-aligned:
// for L = 24 and 16 this is exactly the bit sequence to append to a
// byte-aligned message.
func (d *digest) Sum(b []byte) []byte {
	s := d.Sum32()
	for i := (int(d.p.width)+7)/8 - 1; i >= 0; i-- {
		b = append(b, byte(s>>(8*i)))
	}
	return b
}

func (d *digest) Reset()         { d.reg = 0 }
func (d *digest) Size() int      { return (int(d.p.width) + 7) / 8 }
func (d *digest) BlockSize() int { return 1 }
