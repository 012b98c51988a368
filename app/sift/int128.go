package sift

import (
	"encoding/binary"
	"math"
	"math/big"
	"math/bits"
)

// i128 is a two's-complement 128-bit integer: the exact arithmetic of the
// integer scale space (values reach about 107 bits for three octaves).
type i128 struct{ lo, hi uint64 }

func i128From(v int64) i128 { return i128{lo: uint64(v), hi: uint64(v >> 63)} }

func (a i128) add(b i128) i128 {
	lo, c := bits.Add64(a.lo, b.lo, 0)
	hi, _ := bits.Add64(a.hi, b.hi, c)
	return i128{lo, hi}
}

func (a i128) sub(b i128) i128 {
	lo, c := bits.Sub64(a.lo, b.lo, 0)
	hi, _ := bits.Sub64(a.hi, b.hi, c)
	return i128{lo, hi}
}

// shl returns a·2^n for 0 ≤ n < 64.
func (a i128) shl(n uint) i128 {
	if n == 0 {
		return a
	}
	return i128{lo: a.lo << n, hi: a.hi<<n | a.lo>>(64-n)}
}

func (a i128) neg() bool { return int64(a.hi) < 0 }

// float returns a·2^-e as a float64. The conversion is deterministic and is
// the only one used, so the plaintext and the decrypted scale spaces give
// bit-identical floats for identical integers.
func (a i128) float(e int) float64 {
	n := a.neg()
	if n {
		a = i128{}.sub(a)
	}
	f := float64(a.hi)*0x1p64 + float64(a.lo)
	if n {
		f = -f
	}
	return math.Ldexp(f, -e)
}

// i128FromBig converts an integer with |v| < 2^127.
func i128FromBig(v *big.Int) i128 {
	var abs big.Int
	abs.Abs(v)
	var buf [16]byte
	abs.FillBytes(buf[:]) // portable across word sizes; panics only if |v| ≥ 2^128
	x := i128{hi: binary.BigEndian.Uint64(buf[:8]), lo: binary.BigEndian.Uint64(buf[8:])}
	if v.Sign() < 0 {
		x = i128{}.sub(x)
	}
	return x
}

// big returns a as a *big.Int.
func (a i128) big() *big.Int {
	n := a.neg()
	if n {
		a = i128{}.sub(a)
	}
	v := new(big.Int).SetUint64(a.hi)
	v.Lsh(v, 64)
	v.Or(v, new(big.Int).SetUint64(a.lo))
	if n {
		v.Neg(v)
	}
	return v
}
