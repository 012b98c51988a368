package paillier

import (
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"
)

// Key sizes (bits of n).
const (
	// Preset2048 gives about 112-bit security (NIST SP 800-57 Pt 1 Rev 5, Table 2).
	Preset2048 = 2048
	// Preset3072 gives about 128-bit security (same table).
	Preset3072 = 3072
	// TestInsecure512 is for fast tests only: factorable with public tools.
	TestInsecure512 = 512
	// minBits is the smallest modulus GenerateKey and the parsers accept.
	minBits = 512
)

// Errors returned by this package; callers branch on them with errors.Is.
var (
	ErrPlaintextRange  = errors.New("paillier: plaintext out of range [0, n)")
	ErrCiphertext      = errors.New("paillier: malformed ciphertext")
	ErrKey             = errors.New("paillier: malformed key")
	ErrKeySize         = errors.New("paillier: key size must be even and at least 512 bits")
	ErrNotInvertible   = errors.New("paillier: ciphertext not invertible modulo n²")
	ErrLengthMismatch  = errors.New("paillier: bases and exponents differ in length")
	ErrNegativeWeight  = errors.New("paillier: negative exponent in multi-exponentiation")
	errShortRandomness = errors.New("paillier: randomness source failed")
)

var one = big.NewInt(1)

// PublicKey is a Paillier public key with g = n+1 and the DJN fixed base
// hs = h^n mod n². It is immutable and safe for concurrent use; the
// fixed-base table is built on first use of Encrypt (or by Precompute).
type PublicKey struct {
	n, n2  *big.Int
	hs     *big.Int // h^n mod n², h = −x² mod n (DJN §4)
	bits   int      // bit length of n
	alphaB int      // bits of the DJN exponent α: ⌈bits/2⌉

	once  sync.Once
	table *fixedBase
}

// PrivateKey is a Paillier secret key with the CRT decryption constants.
type PrivateKey struct {
	PublicKey
	p, q     *big.Int
	p2, q2   *big.Int // p², q²
	pm1, qm1 *big.Int // p−1, q−1
	hp, hq   *big.Int // L_p(g^{p−1} mod p²)^{-1} mod p, same for q
	qInvP    *big.Int // q^{-1} mod p (CRT recombination)
}

// N returns a copy of the modulus n.
func (pk *PublicKey) N() *big.Int { return new(big.Int).Set(pk.n) }

// N2 returns a copy of n².
func (pk *PublicKey) N2() *big.Int { return new(big.Int).Set(pk.n2) }

// Bits returns the bit length of n.
func (pk *PublicKey) Bits() int { return pk.bits }

// PlaintextBits returns the number of bits a non-negative plaintext can use
// without reaching n: bits(n) − 1.
func (pk *PublicKey) PlaintextBits() int { return pk.bits - 1 }

// Public returns the public half of sk.
func (sk *PrivateKey) Public() *PublicKey { return &sk.PublicKey }

// GenerateKey returns a key pair with an n of exactly bits bits (even, ≥ 512),
// drawing all randomness from random.
func GenerateKey(random io.Reader, bits int) (*PrivateKey, error) {
	if bits < minBits || bits%2 != 0 {
		return nil, fmt.Errorf("%w: got %d", ErrKeySize, bits)
	}
	for {
		p, err := randomPrime(random, bits/2)
		if err != nil {
			return nil, err
		}
		q, err := randomPrime(random, bits/2)
		if err != nil {
			return nil, err
		}
		if p.Cmp(q) == 0 {
			continue
		}
		n := new(big.Int).Mul(p, q)
		if n.BitLen() != bits {
			continue // both top bits are set, so this does not happen; kept as a guard
		}
		hs, err := djnBase(random, n)
		if err != nil {
			return nil, err
		}
		return newPrivateKey(p, q, hs)
	}
}

// smallPrimesProduct is 3·5·7·…·53, for a cheap trial division before Miller–Rabin.
var smallPrimesProduct = new(big.Int).SetUint64(16294579238595022365)

// randomPrime draws odd candidates of exactly bits bits with the two top bits
// set (so p·q has exactly 2·bits bits) until one passes 20 Miller–Rabin rounds
// plus Baillie–PSW (math/big ProbablyPrime).
func randomPrime(random io.Reader, bits int) (*big.Int, error) {
	buf := make([]byte, (bits+7)/8)
	p := new(big.Int)
	r := new(big.Int)
	for {
		if _, err := io.ReadFull(random, buf); err != nil {
			return nil, fmt.Errorf("%w: %v", errShortRandomness, err)
		}
		if excess := len(buf)*8 - bits; excess > 0 {
			buf[0] &= byte(0xff >> excess)
		}
		p.SetBytes(buf)
		p.SetBit(p, bits-1, 1)
		p.SetBit(p, bits-2, 1)
		p.SetBit(p, 0, 1)
		r.GCD(nil, nil, r.Mod(p, smallPrimesProduct), smallPrimesProduct)
		if r.Cmp(one) != 0 {
			continue
		}
		if p.ProbablyPrime(20) {
			return p, nil
		}
	}
}

// djnBase returns hs = h^n mod n² with h = −x² mod n for a random unit x (DJN §4).
func djnBase(random io.Reader, n *big.Int) (*big.Int, error) {
	x, err := randomUnit(random, n)
	if err != nil {
		return nil, err
	}
	h := new(big.Int).Mul(x, x)
	h.Neg(h).Mod(h, n)
	n2 := new(big.Int).Mul(n, n)
	return h.Exp(h, n, n2), nil
}

// randomUnit returns a uniform element of Z_n^* by rejection sampling.
func randomUnit(random io.Reader, n *big.Int) (*big.Int, error) {
	buf := make([]byte, (n.BitLen()+7)/8)
	x := new(big.Int)
	g := new(big.Int)
	for {
		if _, err := io.ReadFull(random, buf); err != nil {
			return nil, fmt.Errorf("%w: %v", errShortRandomness, err)
		}
		if excess := len(buf)*8 - n.BitLen(); excess > 0 {
			buf[0] &= byte(0xff >> excess)
		}
		x.SetBytes(buf)
		if x.Sign() == 0 || x.Cmp(n) >= 0 {
			continue
		}
		if g.GCD(nil, nil, x, n).Cmp(one) == 0 {
			return x, nil
		}
	}
}

// newPublicKey validates n and hs and builds the key.
func newPublicKey(n, hs *big.Int) (*PublicKey, error) {
	if n == nil || hs == nil || n.Sign() <= 0 || n.Bit(0) == 0 {
		return nil, fmt.Errorf("%w: n must be odd and positive", ErrKey)
	}
	bits := n.BitLen()
	if bits < minBits {
		return nil, fmt.Errorf("%w: n has %d bits, want at least %d", ErrKey, bits, minBits)
	}
	n2 := new(big.Int).Mul(n, n)
	if hs.Sign() <= 0 || hs.Cmp(n2) >= 0 {
		return nil, fmt.Errorf("%w: DJN base outside (0, n²)", ErrKey)
	}
	if new(big.Int).GCD(nil, nil, hs, n).Cmp(one) != 0 {
		return nil, fmt.Errorf("%w: DJN base shares a factor with n", ErrKey)
	}
	return &PublicKey{n: new(big.Int).Set(n), n2: n2, hs: new(big.Int).Set(hs), bits: bits, alphaB: (bits + 1) / 2}, nil
}

// newPrivateKey validates the primes and precomputes the CRT constants.
func newPrivateKey(p, q, hs *big.Int) (*PrivateKey, error) {
	if p == nil || q == nil || p.Cmp(q) == 0 || !p.ProbablyPrime(20) || !q.ProbablyPrime(20) {
		return nil, fmt.Errorf("%w: p and q must be distinct primes", ErrKey)
	}
	if p.Cmp(q) < 0 {
		p, q = q, p
	}
	n := new(big.Int).Mul(p, q)
	pub, err := newPublicKey(n, hs)
	if err != nil {
		return nil, err
	}
	sk := &PrivateKey{p: new(big.Int).Set(p), q: new(big.Int).Set(q)}
	sk.PublicKey.n, sk.PublicKey.n2, sk.PublicKey.hs = pub.n, pub.n2, pub.hs
	sk.PublicKey.bits, sk.PublicKey.alphaB = pub.bits, pub.alphaB
	sk.p2 = new(big.Int).Mul(p, p)
	sk.q2 = new(big.Int).Mul(q, q)
	sk.pm1 = new(big.Int).Sub(p, one)
	sk.qm1 = new(big.Int).Sub(q, one)
	// gcd(n, (p−1)(q−1)) = 1 is required for g = n+1 to work (Paillier §3).
	phi := new(big.Int).Mul(sk.pm1, sk.qm1)
	if new(big.Int).GCD(nil, nil, n, phi).Cmp(one) != 0 {
		return nil, fmt.Errorf("%w: gcd(n, φ(n)) ≠ 1", ErrKey)
	}
	g := new(big.Int).Add(n, one)
	sk.hp = hConst(g, p, sk.p2, sk.pm1)
	sk.hq = hConst(g, q, sk.q2, sk.qm1)
	if sk.hp == nil || sk.hq == nil {
		return nil, fmt.Errorf("%w: degenerate CRT constant", ErrKey)
	}
	sk.qInvP = new(big.Int).ModInverse(q, p)
	return sk, nil
}

// hConst returns L_p(g^{p−1} mod p²)^{-1} mod p, where L_p(u) = (u−1)/p.
func hConst(g, p, p2, pm1 *big.Int) *big.Int {
	u := new(big.Int).Exp(g, pm1, p2)
	u.Sub(u, one).Quo(u, p)
	return u.ModInverse(u, p)
}

// Ciphertext is an element of Z*_{n²}. The zero value is not a valid
// ciphertext; obtain ciphertexts from Encrypt, an Evaluator or ParseCiphertext.
type Ciphertext struct{ c big.Int }

// Int returns a copy of the ciphertext as an integer in (0, n²).
func (ct *Ciphertext) Int() *big.Int { return new(big.Int).Set(&ct.c) }

// Set makes ct a copy of src and returns ct.
func (ct *Ciphertext) Set(src *Ciphertext) *Ciphertext { ct.c.Set(&src.c); return ct }

// Equal reports whether two ciphertexts are the same group element.
func (ct *Ciphertext) Equal(o *Ciphertext) bool { return ct.c.Cmp(&o.c) == 0 }

// Encode returns v mod n, the plaintext encoding of a signed integer v with
// |v| < n/2, or ErrPlaintextRange.
func (pk *PublicKey) Encode(v *big.Int) (*big.Int, error) {
	half := new(big.Int).Rsh(pk.n, 1)
	if new(big.Int).Abs(v).Cmp(half) >= 0 {
		return nil, fmt.Errorf("%w: |v| ≥ n/2", ErrPlaintextRange)
	}
	m := new(big.Int).Set(v)
	if m.Sign() < 0 {
		m.Add(m, pk.n)
	}
	return m, nil
}

// DecodeSigned maps a plaintext m in [0, n) to the signed integer it encodes:
// m if m < n/2, m − n otherwise. It returns a new integer.
func (pk *PublicKey) DecodeSigned(m *big.Int) *big.Int {
	v := new(big.Int).Set(m)
	if v.Cmp(new(big.Int).Rsh(pk.n, 1)) > 0 {
		v.Sub(v, pk.n)
	}
	return v
}

// Encrypt returns a fresh encryption of m ∈ [0, n) under pk, drawing the DJN
// exponent from random. The first call builds the fixed-base table
// (see Precompute).
func (pk *PublicKey) Encrypt(random io.Reader, m *big.Int) (*Ciphertext, error) {
	rn, err := pk.NewRandomizer(random)
	if err != nil {
		return nil, err
	}
	return pk.EncryptWith(m, rn)
}

// Randomizer is a precomputed r^n mod n² (DJN: hs^α). Using one Randomizer
// for more than one encryption makes the scheme deterministic and breaks
// IND-CPA security; EncryptWith exists for the precomputed-randomness
// (online/offline) pattern and for experiments that show exactly that.
type Randomizer struct{ rn big.Int }

// NewRandomizer computes hs^α mod n² for a fresh α of ⌈|n|/2⌉ bits with the
// fixed-base table: about |n|/16 multiplications modulo n² (window 8).
func (pk *PublicKey) NewRandomizer(random io.Reader) (*Randomizer, error) {
	pk.Precompute()
	buf := make([]byte, (pk.alphaB+7)/8)
	if _, err := io.ReadFull(random, buf); err != nil {
		return nil, fmt.Errorf("%w: %v", errShortRandomness, err)
	}
	if excess := len(buf)*8 - pk.alphaB; excess > 0 {
		buf[0] &= byte(0xff >> excess)
	}
	r := &Randomizer{}
	pk.table.exp(&r.rn, buf, pk.n2)
	return r, nil
}

// RandomizerFromNonce returns r^n mod n² for a caller-chosen unit r ∈ Z_n^*
// (textbook Paillier randomness, e.g. to reproduce published test vectors).
func (pk *PublicKey) RandomizerFromNonce(r *big.Int) (*Randomizer, error) {
	if r.Sign() <= 0 || r.Cmp(pk.n) >= 0 || new(big.Int).GCD(nil, nil, r, pk.n).Cmp(one) != 0 {
		return nil, fmt.Errorf("%w: nonce must be a unit modulo n", ErrPlaintextRange)
	}
	rz := &Randomizer{}
	rz.rn.Exp(r, pk.n, pk.n2)
	return rz, nil
}

// EncryptWith returns (1 + m·n)·rn mod n², the encryption of m ∈ [0, n) with
// the precomputed randomiser rn: one multiplication modulo n².
func (pk *PublicKey) EncryptWith(m *big.Int, rn *Randomizer) (*Ciphertext, error) {
	if m == nil || m.Sign() < 0 || m.Cmp(pk.n) >= 0 {
		return nil, ErrPlaintextRange
	}
	ct := &Ciphertext{}
	// g^m = (1+n)^m = 1 + m·n mod n² (binomial theorem, Paillier §3 with g = n+1).
	ct.c.Mul(m, pk.n)
	ct.c.Add(&ct.c, one)
	ct.c.Mul(&ct.c, &rn.rn)
	ct.c.Mod(&ct.c, pk.n2)
	return ct, nil
}

// Trivial returns the deterministic, randomness-free encryption 1 + m·n of a
// public constant m ∈ [0, n); adding it to a ciphertext adds m.
func (pk *PublicKey) Trivial(m *big.Int) (*Ciphertext, error) {
	if m == nil || m.Sign() < 0 || m.Cmp(pk.n) >= 0 {
		return nil, ErrPlaintextRange
	}
	ct := &Ciphertext{}
	ct.c.Mul(m, pk.n)
	ct.c.Add(&ct.c, one)
	ct.c.Mod(&ct.c, pk.n2)
	return ct, nil
}

// CheckCiphertext reports whether ct is a unit of Z_{n²} under pk.
func (pk *PublicKey) CheckCiphertext(ct *Ciphertext) error {
	if ct == nil || ct.c.Sign() <= 0 || ct.c.Cmp(pk.n2) >= 0 {
		return fmt.Errorf("%w: outside (0, n²)", ErrCiphertext)
	}
	if new(big.Int).GCD(nil, nil, &ct.c, pk.n).Cmp(one) != 0 {
		return fmt.Errorf("%w: not a unit modulo n", ErrCiphertext)
	}
	return nil
}

// Decrypt returns the plaintext m ∈ [0, n) of ct using CRT (two
// exponentiations modulo p² and q² with exponents p−1 and q−1).
// A ciphertext outside (0, n²) or sharing a factor with n is ErrCiphertext.
// Decrypting a valid ciphertext made under another key returns an unrelated
// value (Paillier has no integrity); there is no way to detect it.
func (sk *PrivateKey) Decrypt(ct *Ciphertext) (*big.Int, error) {
	d := sk.NewDecrypter()
	m := new(big.Int)
	if err := d.Decrypt(m, ct); err != nil {
		return nil, err
	}
	return m, nil
}

// Decrypter decrypts with reusable scratch. Not safe for concurrent use:
// make one per goroutine with NewDecrypter.
type Decrypter struct {
	sk     *PrivateKey
	u, mp  big.Int
	mq, t  big.Int
	scrtch big.Int
}

// NewDecrypter returns a Decrypter for sk.
func (sk *PrivateKey) NewDecrypter() *Decrypter { return &Decrypter{sk: sk} }

// Decrypt writes the plaintext of ct into dst (allocation-light CRT decryption).
func (d *Decrypter) Decrypt(dst *big.Int, ct *Ciphertext) error {
	sk := d.sk
	if ct == nil || ct.c.Sign() <= 0 || ct.c.Cmp(sk.n2) >= 0 {
		return fmt.Errorf("%w: outside (0, n²)", ErrCiphertext)
	}
	if !d.half(&d.mp, &ct.c, sk.p, sk.p2, sk.pm1, sk.hp) || !d.half(&d.mq, &ct.c, sk.q, sk.q2, sk.qm1, sk.hq) {
		return fmt.Errorf("%w: not a unit modulo n", ErrCiphertext)
	}
	// Garner: m = mq + q·((mp − mq)·q^{-1} mod p).
	d.t.Sub(&d.mp, &d.mq)
	d.t.Mul(&d.t, sk.qInvP)
	d.t.Mod(&d.t, sk.p)
	dst.Mul(&d.t, sk.q)
	dst.Add(dst, &d.mq)
	return nil
}

// half computes m mod p = L_p(c^{p−1} mod p²)·hp mod p; false if p | c.
func (d *Decrypter) half(dst, c, p, p2, pm1, h *big.Int) bool {
	d.u.Mod(c, p2)
	if d.scrtch.Mod(&d.u, p).Sign() == 0 {
		return false
	}
	d.u.Exp(&d.u, pm1, p2)
	d.u.Sub(&d.u, one)
	d.u.Quo(&d.u, p)
	d.u.Mul(&d.u, h)
	dst.Mod(&d.u, p)
	return true
}

// NewRandomizers returns count fresh DJN randomisers. The exponents are read
// from random sequentially and the exponentiations run on workers
// goroutines (≤ 0 means 1), so the result depends only on the byte stream,
// never on the number of workers.
func (pk *PublicKey) NewRandomizers(random io.Reader, count, workers int) ([]*Randomizer, error) {
	pk.Precompute()
	size := (pk.alphaB + 7) / 8
	buf := make([]byte, size*count)
	if _, err := io.ReadFull(random, buf); err != nil {
		return nil, fmt.Errorf("%w: %v", errShortRandomness, err)
	}
	excess := size*8 - pk.alphaB
	out := make([]*Randomizer, count)
	workers = max(1, min(workers, count))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < count; i += workers {
				e := buf[i*size : (i+1)*size]
				if excess > 0 {
					e[0] &= byte(0xff >> excess)
				}
				r := &Randomizer{}
				pk.table.exp(&r.rn, e, pk.n2)
				out[i] = r
			}
		})
	}
	wg.Wait()
	return out, nil
}
