package paillier

import (
	"encoding/binary"
	"fmt"
	"math/big"
)

// Binary formats (all integers big-endian, lengths as uint32):
//
//	public key:  "PPK1" | len(n) | n | len(hs) | hs
//	private key: "PSK1" | len(p) | p | len(q) | q | len(hs) | hs
//	ciphertext:  exactly ⌈bits(n²)/8⌉ bytes, big-endian, value in (0, n²)
const (
	magicPublic  = "PPK1"
	magicPrivate = "PSK1"
	maxFieldLen  = 1 << 12 // 32768-bit fields: far above any sensible key
)

func appendField(b []byte, x *big.Int) []byte {
	v := x.Bytes()
	b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
	return append(b, v...)
}

func readField(b []byte) (*big.Int, []byte, error) {
	if len(b) < 4 {
		return nil, nil, fmt.Errorf("%w: truncated length", ErrKey)
	}
	l := binary.BigEndian.Uint32(b)
	b = b[4:]
	if l == 0 || l > maxFieldLen || int(l) > len(b) {
		return nil, nil, fmt.Errorf("%w: field length %d", ErrKey, l)
	}
	if b[0] == 0 {
		return nil, nil, fmt.Errorf("%w: non-minimal integer encoding", ErrKey)
	}
	return new(big.Int).SetBytes(b[:l]), b[l:], nil
}

// MarshalBinary encodes the public key.
func (pk *PublicKey) MarshalBinary() ([]byte, error) {
	b := []byte(magicPublic)
	b = appendField(b, pk.n)
	return appendField(b, pk.hs), nil
}

// ParsePublicKey decodes and validates a public key from MarshalBinary.
func ParsePublicKey(b []byte) (*PublicKey, error) {
	if len(b) < 4 || string(b[:4]) != magicPublic {
		return nil, fmt.Errorf("%w: bad public-key header", ErrKey)
	}
	n, rest, err := readField(b[4:])
	if err != nil {
		return nil, err
	}
	hs, rest, err := readField(rest)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrKey, len(rest))
	}
	return newPublicKey(n, hs)
}

// MarshalBinary encodes the private key (it contains the factors of n:
// store it with restrictive permissions, never log it).
func (sk *PrivateKey) MarshalBinary() ([]byte, error) {
	b := []byte(magicPrivate)
	b = appendField(b, sk.p)
	b = appendField(b, sk.q)
	return appendField(b, sk.hs), nil
}

// ParsePrivateKey decodes and validates a private key from MarshalBinary:
// p and q must be distinct primes giving an n of at least 512 bits.
func ParsePrivateKey(b []byte) (*PrivateKey, error) {
	if len(b) < 4 || string(b[:4]) != magicPrivate {
		return nil, fmt.Errorf("%w: bad private-key header", ErrKey)
	}
	p, rest, err := readField(b[4:])
	if err != nil {
		return nil, err
	}
	q, rest, err := readField(rest)
	if err != nil {
		return nil, err
	}
	hs, rest, err := readField(rest)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrKey, len(rest))
	}
	if p.BitLen()+q.BitLen() < minBits-1 || p.BitLen() > maxFieldLen*4 || q.BitLen() > maxFieldLen*4 {
		return nil, fmt.Errorf("%w: factors too small", ErrKey)
	}
	return newPrivateKey(p, q, hs)
}

// CiphertextSize returns the encoded size of a ciphertext in bytes.
func (pk *PublicKey) CiphertextSize() int { return (pk.n2.BitLen() + 7) / 8 }

// AppendCiphertext appends the fixed-length encoding of ct to b.
func (pk *PublicKey) AppendCiphertext(b []byte, ct *Ciphertext) []byte {
	size := pk.CiphertextSize()
	start := len(b)
	b = append(b, make([]byte, size)...)
	ct.c.FillBytes(b[start:])
	return b
}

// ParseCiphertext decodes a fixed-length ciphertext and checks that it is a
// unit modulo n² (ErrCiphertext otherwise).
func (pk *PublicKey) ParseCiphertext(b []byte) (*Ciphertext, error) {
	if len(b) != pk.CiphertextSize() {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrCiphertext, len(b), pk.CiphertextSize())
	}
	ct := &Ciphertext{}
	ct.c.SetBytes(b)
	if err := pk.CheckCiphertext(ct); err != nil {
		return nil, err
	}
	return ct, nil
}
