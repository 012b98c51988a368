package paillier

import (
	"fmt"
	"math/big"
)

// Evaluator performs homomorphic operations under one public key. It holds
// scratch space, so steady-state calls allocate little; it is not safe for
// concurrent use: Clone it for each goroutine. All methods write into dst
// and return it; dst may alias an operand.
type Evaluator struct {
	pk      *PublicKey
	t, q, u big.Int
}

// NewEvaluator returns an Evaluator for pk.
func (pk *PublicKey) NewEvaluator() *Evaluator { return &Evaluator{pk: pk} }

// Clone returns an Evaluator with the same key and its own scratch.
func (ev *Evaluator) Clone() *Evaluator { return &Evaluator{pk: ev.pk} }

// PublicKey returns the key ev works under.
func (ev *Evaluator) PublicKey() *PublicKey { return ev.pk }

// mulMod sets z = x·y mod n² (z may alias x or y).
func (ev *Evaluator) mulMod(z, x, y *big.Int) {
	ev.t.Mul(x, y)
	ev.q.QuoRem(&ev.t, ev.pk.n2, z)
}

// Add sets dst to an encryption of m_a + m_b (mod n): dst = a·b mod n².
func (ev *Evaluator) Add(dst, a, b *Ciphertext) *Ciphertext {
	ev.mulMod(&dst.c, &a.c, &b.c)
	return dst
}

// Neg sets dst to an encryption of −m_a (mod n): the inverse of a modulo n².
// It fails only for malformed ciphertexts (not units).
func (ev *Evaluator) Neg(dst, a *Ciphertext) (*Ciphertext, error) {
	if ev.u.ModInverse(&a.c, ev.pk.n2) == nil {
		return nil, ErrNotInvertible
	}
	dst.c.Set(&ev.u)
	return dst, nil
}

// Sub sets dst to an encryption of m_a − m_b (mod n).
func (ev *Evaluator) Sub(dst, a, b *Ciphertext) (*Ciphertext, error) {
	if ev.u.ModInverse(&b.c, ev.pk.n2) == nil {
		return nil, ErrNotInvertible
	}
	ev.mulMod(&dst.c, &a.c, &ev.u)
	return dst, nil
}

// MulScalar sets dst to an encryption of k·m_a (mod n) for any integer k:
// a^|k| mod n², inverted when k < 0.
func (ev *Evaluator) MulScalar(dst, a *Ciphertext, k *big.Int) (*Ciphertext, error) {
	base := &a.c
	if k.Sign() < 0 {
		if ev.u.ModInverse(&a.c, ev.pk.n2) == nil {
			return nil, ErrNotInvertible
		}
		base = &ev.u
	}
	ev.t.Abs(k)
	dst.c.Exp(base, &ev.t, ev.pk.n2)
	return dst, nil
}

// MulPow2 sets dst to an encryption of 2^e·m_a (mod n) with e squarings
// (a shift of a packed plaintext by e bits). e must be ≥ 0.
func (ev *Evaluator) MulPow2(dst, a *Ciphertext, e int) *Ciphertext {
	if e < 0 {
		panic("paillier: negative shift")
	}
	if dst != a {
		dst.c.Set(&a.c)
	}
	for range e {
		ev.mulMod(&dst.c, &dst.c, &dst.c)
	}
	return dst
}

// AddPlain sets dst to an encryption of m_a + m for a public m ∈ [0, n):
// one multiplication by the trivial encryption 1 + m·n.
func (ev *Evaluator) AddPlain(dst, a *Ciphertext, m *big.Int) (*Ciphertext, error) {
	if m.Sign() < 0 || m.Cmp(ev.pk.n) >= 0 {
		return nil, ErrPlaintextRange
	}
	ev.u.Mul(m, ev.pk.n)
	ev.u.Add(&ev.u, one)
	ev.mulMod(&dst.c, &a.c, &ev.u)
	return dst, nil
}

// MultiExp sets dst to an encryption of Σ wᵢ·mᵢ: Π basesᵢ^wᵢ mod n² for
// non-negative weights, evaluated with Straus' simultaneous method (one
// shared squaring chain of max bits(wᵢ) steps plus one multiplication per set
// weight bit), the cost of a Gaussian blur tap set with integer weights.
func (ev *Evaluator) MultiExp(dst *Ciphertext, bases []*Ciphertext, weights []*big.Int) (*Ciphertext, error) {
	if len(bases) != len(weights) {
		return nil, fmt.Errorf("%w: %d vs %d", ErrLengthMismatch, len(bases), len(weights))
	}
	maxBits := 0
	for _, w := range weights {
		if w.Sign() < 0 {
			return nil, ErrNegativeWeight
		}
		maxBits = max(maxBits, w.BitLen())
	}
	var acc big.Int
	acc.SetInt64(1)
	for bit := maxBits - 1; bit >= 0; bit-- {
		if acc.Cmp(one) != 0 {
			ev.mulMod(&acc, &acc, &acc)
		}
		for i, w := range weights {
			if w.Bit(bit) == 1 {
				ev.mulMod(&acc, &acc, &bases[i].c)
			}
		}
	}
	dst.c.Set(&acc)
	return dst, nil
}

// NegBatch sets dst[i] to the negation (inverse modulo n²) of src[i] with
// Montgomery's simultaneous-inversion trick: one modular inverse and
// 3(len−1) multiplications instead of len inverses. dst and src must have
// the same length (or NegBatch panics); dst[i] may alias src[i].
func (ev *Evaluator) NegBatch(dst, src []*Ciphertext) error {
	if len(dst) != len(src) {
		panic("paillier: NegBatch length mismatch")
	}
	if len(src) == 0 {
		return nil
	}
	prefix := make([]big.Int, len(src))
	prefix[0].Set(&src[0].c)
	for i := 1; i < len(src); i++ {
		ev.mulMod(&prefix[i], &prefix[i-1], &src[i].c)
	}
	var inv big.Int
	if inv.ModInverse(&prefix[len(src)-1], ev.pk.n2) == nil {
		return ErrNotInvertible
	}
	var tmp big.Int
	for i := len(src) - 1; i > 0; i-- {
		// inv = (Π_{j≤i} src_j)^{-1}; src_i^{-1} = inv · Π_{j<i} src_j.
		tmp.Set(&src[i].c)
		ev.mulMod(&dst[i].c, &inv, &prefix[i-1])
		ev.mulMod(&inv, &inv, &tmp)
	}
	dst[0].c.Set(&inv)
	return nil
}
