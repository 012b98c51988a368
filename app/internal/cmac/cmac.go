package cmac

import (
	"crypto/cipher"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
)

// Size is the length of a CMAC tag in bytes (one AES block).
const Size = 16

// rb is R_128 of SP 800-38B §5.3, the reduction constant of the subkey
// doubling in GF(2^128).
const rb = 0x87

// CMAC computes the CMAC of bit strings under one block cipher key. It holds
// only the key schedule and the subkeys, so one CMAC may be used by many
// goroutines at once.
type CMAC struct {
	b      cipher.Block
	k1, k2 [Size]byte
}

// New returns a CMAC over the 128-bit block cipher b (normally
// aes.NewCipher(key)). It fails if b's block size is not 16 bytes.
func New(b cipher.Block) (*CMAC, error) {
	if b.BlockSize() != Size {
		return nil, fmt.Errorf("cmac: block size %d, want %d", b.BlockSize(), Size)
	}
	m := &CMAC{b: b}
	// Subkey generation, SP 800-38B §6.1: L = E(0), K1 = dbl(L), K2 = dbl(K1).
	var l [Size]byte
	b.Encrypt(l[:], l[:])
	m.k1 = dbl(l)
	m.k2 = dbl(m.k1)
	return m, nil
}

func dbl(x [Size]byte) [Size]byte {
	var y [Size]byte
	carry := x[0] >> 7
	for i := range Size - 1 {
		y[i] = x[i]<<1 | x[i+1]>>7
	}
	y[Size-1] = x[Size-1]<<1 ^ rb*carry
	return y
}

// ErrShort reports a message slice holding fewer than the announced bits.
var ErrShort = errors.New("cmac: message shorter than its bit length")

// Sum appends the 16-byte CMAC tag of the first nbits bits of msg (MSB-first:
// bit 0 is the most significant bit of msg[0]) to dst and returns the result.
// Bits of msg beyond nbits are ignored. It fails if nbits < 0 or msg holds
// fewer than ceil(nbits/8) bytes. Sum does not allocate when dst has room for
// the tag.
func (m *CMAC) Sum(dst, msg []byte, nbits int) ([]byte, error) {
	if nbits < 0 || len(msg) < (nbits+7)/8 {
		return dst, ErrShort
	}
	// The chaining value lives in dst's tail: a stack array would escape
	// through the cipher.Block interface call and allocate.
	dst = slices.Grow(dst, Size)
	x := dst[len(dst) : len(dst)+Size]
	clear(x)
	// n blocks; the last one is complete only when nbits is a positive multiple of 128.
	n := max((nbits+127)/128, 1)
	for i := range n - 1 {
		subtle.XORBytes(x, x, msg[i*Size:(i+1)*Size])
		m.b.Encrypt(x, x)
	}
	r := nbits - 128*(n-1) // bits in the last block, 0..128
	subtle.XORBytes(x, x, msg[(n-1)*Size:(n-1)*Size+(r+7)/8])
	if r == 128 {
		subtle.XORBytes(x, x, m.k1[:])
	} else {
		// Pad with a single 1 bit and zeros (SP 800-38B §6.2 step 3),
		// undoing any bits of msg beyond nbits first.
		if r%8 != 0 {
			x[r/8] ^= msg[(n-1)*Size+r/8] & (0xff >> (r % 8))
		}
		x[r/8] ^= 0x80 >> (r % 8)
		subtle.XORBytes(x, x, m.k2[:])
	}
	m.b.Encrypt(x, x)
	return dst[:len(dst)+Size], nil
}
