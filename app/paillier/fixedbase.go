package paillier

import "math/big"

// fixedBaseWindow is the window width w of the fixed-base table: a k-bit
// exponent costs ⌈k/w⌉ multiplications with (2^w − 1)·⌈k/w⌉ stored powers.
// w = 8 keeps the 2048-bit table at 16.7 MB (128 windows × 255 × 512 bytes)
// and makes one DJN randomiser 128 multiplications modulo n².
const fixedBaseWindow = 8

// fixedBase holds pow[i][j-1] = base^(j·2^(w·i)) mod m for j = 1..2^w−1
// (the "fixed-base windowing" method, Menezes et al., Handbook of Applied
// Cryptography, Algorithm 14.109 in its simplest one-table-per-window form).
type fixedBase struct {
	pow [][]big.Int
}

// Precompute builds the DJN fixed-base table now instead of on the first
// Encrypt. It is safe to call more than once and from several goroutines.
func (pk *PublicKey) Precompute() {
	pk.once.Do(func() { pk.table = newFixedBase(pk.hs, pk.n2, pk.alphaB) })
}

func newFixedBase(base, mod *big.Int, expBits int) *fixedBase {
	windows := (expBits + fixedBaseWindow - 1) / fixedBaseWindow
	const digits = 1<<fixedBaseWindow - 1
	fb := &fixedBase{pow: make([][]big.Int, windows)}
	cur := new(big.Int).Set(base) // base^(2^(w·i))
	for i := range windows {
		row := make([]big.Int, digits)
		row[0].Set(cur)
		for j := 1; j < digits; j++ {
			row[j].Mul(&row[j-1], cur)
			row[j].Mod(&row[j], mod)
		}
		fb.pow[i] = row
		cur.Mul(&row[digits-1], cur) // base^(2^w · 2^(w·i))
		cur.Mod(cur, mod)
	}
	return fb
}

// exp sets dst = base^e mod m for the big-endian exponent e, which must have
// at most len(fb.pow) bytes (w = 8: one window per byte).
func (fb *fixedBase) exp(dst *big.Int, e []byte, mod *big.Int) {
	dst.SetInt64(1)
	var q big.Int
	for i := range e {
		digit := e[len(e)-1-i]
		if digit == 0 {
			continue
		}
		dst.Mul(dst, &fb.pow[i][digit-1])
		q.QuoRem(dst, mod, dst)
	}
}
