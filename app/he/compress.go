package he

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
	"github.com/tuneinsight/lattigo/v5/ring"
)

// Ciphertext compression for the digital transport (issue 9): modulus
// switching of the encrypted features from Q = q0·q1 down to 2^Bits, as
// Kyber compresses its ciphertexts. Each coefficient c ∈ Z_Q of every
// polynomial becomes v = round(c·2^Bits/Q) mod 2^Bits; the receiver lifts it
// back to c̃ = round(v·Q/2^Bits) ∈ Z_Q. The decryption phase
// (c0 + c1·s + c2·s²)/Q mod 1 keeps the message and gains the rounding
// errors r_i ∈ [−1/2, 1/2]·Q/2^Bits, i.e. in the slots (real values, r_i
// uniform, σ_r² = 1/12) a noise of standard deviation about
//
//	σ_r·(Q/2^Bits)/Δ·√(N/2·(1 + h + E‖s²‖²/N))
//
// with Δ the feature scale and h the Hamming weight of the ternary secret.
// The ratio Q/Δ is preserved by the switch (the message keeps its place
// relative to the modulus), so Bits must cover log2(Q/Δ) of headroom plus
// the rounding noise's growth through s plus the precision the decoder
// needs; TestCompressPrecision measures it.
//
// Relinearising the degree-2 features first (CompressConfig.Relinearize)
// drops c2 and the s² term at the cost of one key switch per feature.

// CompressConfig configures Compress.
type CompressConfig struct {
	// Bits kept per coefficient, in [2, 63].
	Bits int `json:"bits"`
	// Relinearize turns the degree-2 features into degree-1 ciphertexts
	// with this relinearisation key before switching (two polynomials
	// instead of three, and no s² noise growth). Nil keeps degree 2.
	Relinearize *RelinKey `json:"-"`
}

// RelinKey is a public relinearisation key (an evaluation key: public
// under the usual circular-security assumption of CKKS) that the receiver
// hands the transmitter so it can relinearise features before compression.
type RelinKey struct {
	id  uint32
	fp  uint64
	rlk *rlwe.RelinearizationKey
}

// ID returns the id of the key set the relinearisation key belongs to.
func (k *RelinKey) ID() uint32 { return k.id }

// RelinKey returns the relinearisation key of the held key set id.
func (kc *KeyChain) RelinKey(id uint32) (*RelinKey, error) {
	ks, err := kc.lookup(id)
	if err != nil {
		return nil, err
	}
	if ks.evk == nil || ks.evk.RelinearizationKey == nil {
		return nil, fmt.Errorf("he: key set %d has no relinearisation key", id)
	}
	return &RelinKey{id: id, fp: kc.params.Fingerprint(), rlk: ks.evk.RelinearizationKey}, nil
}

// Compressed is a feature tensor modulus-switched to 2^Bits: Features
// ciphertexts of Polys() polynomials of N coefficients, each < 2^Bits.
type Compressed struct {
	params Params
	keyID  uint32
	n      int
	bits   int
	polys  int
	coeffs []uint64 // [feature][poly][coefficient], coefficient domain
}

// Bits returns the bits per coefficient.
func (c *Compressed) Bits() int { return c.bits }

// Polys returns the polynomials per ciphertext (2 after relinearisation, else 3).
func (c *Compressed) Polys() int { return c.polys }

// Images returns the number of images of the batch.
func (c *Compressed) Images() int { return c.n }

// KeyID returns the id of the key the features are encrypted under.
func (c *Compressed) KeyID() uint32 { return c.keyID }

// Coeffs returns the compressed coefficients, feature-major then polynomial
// then coefficient index (the slice is c's own storage).
func (c *Compressed) Coeffs() []uint64 { return c.coeffs }

// PackedLen returns the bytes Pack writes: ⌈Features·Polys·N·Bits/8⌉.
func (c *Compressed) PackedLen() int { return (len(c.coeffs)*c.bits + 7) / 8 }

// Pack appends the coefficients to dst, Bits each, least significant bit
// first, and returns it.
func (c *Compressed) Pack(dst []byte) []byte {
	var acc uint64
	var have int
	for _, v := range c.coeffs {
		// Feed v in two halves so acc never needs more than 64 bits.
		lo, hi := v&(1<<32-1), v>>32
		for _, part := range [2]struct {
			v uint64
			n int
		}{{lo, min(c.bits, 32)}, {hi, max(c.bits-32, 0)}} {
			acc |= part.v << have
			have += part.n
			for have >= 8 {
				dst = append(dst, byte(acc))
				acc >>= 8
				have -= 8
			}
		}
	}
	if have > 0 {
		dst = append(dst, byte(acc))
	}
	return dst
}

// NewCompressed returns an empty compressed tensor for the receiver to
// Unpack into: images in the batch, Bits and Polys as the transmitter's.
func NewCompressed(p Params, keyID uint32, images, bitsPer, polys int) (*Compressed, error) {
	if bitsPer < 2 || bitsPer > 63 {
		return nil, fmt.Errorf("he: %d bits per coefficient out of range [2, 63]", bitsPer)
	}
	if polys != 2 && polys != 3 {
		return nil, fmt.Errorf("he: %d polynomials per ciphertext, want 2 or 3", polys)
	}
	if images < 1 || images > p.Slots() {
		return nil, fmt.Errorf("he: %d images out of range [1, %d]", images, p.Slots())
	}
	return &Compressed{params: p, keyID: keyID, n: images, bits: bitsPer, polys: polys, coeffs: make([]uint64, Features*polys*p.p.N())}, nil
}

// Unpack reads the coefficients from src, the output of Pack; src must be
// exactly PackedLen bytes.
func (c *Compressed) Unpack(src []byte) error {
	if len(src) != c.PackedLen() {
		return fmt.Errorf("he: packed coefficients are %d bytes, want %d: %w", len(src), c.PackedLen(), ErrFormat)
	}
	var acc uint64
	var have, pos int
	mask := uint64(1)<<c.bits - 1
	for i := range c.coeffs {
		var v uint64
		got := 0
		for got < c.bits {
			if have == 0 {
				acc, have = uint64(src[pos]), 8
				pos++
			}
			take := min(have, c.bits-got)
			v |= (acc & (1<<take - 1)) << got
			acc >>= take
			have -= take
			got += take
		}
		c.coeffs[i] = v & mask
	}
	return nil
}

// compressor holds the per-parameter constants of the switch.
type compressor struct {
	ringQ  *ring.Ring
	q0, q1 uint64
	q0inv  uint64 // q0^{-1} mod q1
	tmp    ring.Poly
}

func newCompressor(p Params) (*compressor, error) {
	q := p.p.Q()
	if len(q) < circuitLevel+1 || circuitLevel != 1 {
		return nil, errors.New("he: compression needs the two-prime feature modulus")
	}
	c := &compressor{ringQ: p.p.RingQ().AtLevel(circuitLevel), q0: q[0], q1: q[1]}
	inv := new(big.Int).ModInverse(new(big.Int).SetUint64(q[0]), new(big.Int).SetUint64(q[1]))
	if inv == nil {
		return nil, errors.New("he: q0 has no inverse mod q1")
	}
	c.q0inv = inv.Uint64()
	c.tmp = c.ringQ.NewPoly()
	return c, nil
}

func mulMod(a, b, q uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	_, r := bits.Div64(hi, lo, q)
	return r
}

// switchDown writes round(c·2^b/Q) mod 2^b for every coefficient of the
// coefficient-domain poly x into dst.
func (k *compressor) switchDown(dst []uint64, x ring.Poly, b int) {
	r0s, r1s := x.Coeffs[0], x.Coeffs[1]
	mask := uint64(1)<<b - 1
	scale := math.Exp2(float64(b)) / float64(k.q0)
	fq1 := float64(k.q1)
	for j := range dst {
		r0, r1 := r0s[j], r1s[j]
		// Garner: c = r0 + q0·a1 with a1 = (r1 − r0)·q0^{-1} mod q1, and
		// c/Q = a1/q1 + r0/(q0·q1).
		r0q1 := r0 % k.q1
		d := r1 + k.q1 - r0q1
		if d >= k.q1 {
			d -= k.q1
		}
		a1 := mulMod(d, k.q0inv, k.q1)
		// a1·2^b / q1 exactly (a1 < q1, b < 64: the high word is < q1).
		hi, lo := a1>>(64-b), a1<<b
		quo, rem := bits.Div64(hi, lo, k.q1)
		frac := (float64(rem) + float64(r0)*scale) / fq1 // in [0, 2)
		dst[j] = (quo + uint64(frac+0.5)) & mask
	}
}

// lift writes round(v·Q/2^b) mod q_i into the coefficient-domain poly x.
func (k *compressor) lift(x ring.Poly, src []uint64, b int) {
	Q := new(big.Int).Mul(new(big.Int).SetUint64(k.q0), new(big.Int).SetUint64(k.q1))
	whole := new(big.Int).Rsh(Q, uint(b)) // ⌊Q/2^b⌋
	rest := new(big.Int).Sub(Q, new(big.Int).Lsh(whole, uint(b)))
	fracF, _ := new(big.Float).SetInt(rest).Float64()
	fracF /= math.Exp2(float64(b)) // (Q mod 2^b)/2^b ∈ [0, 1)
	for i, q := range []uint64{k.q0, k.q1} {
		kq := new(big.Int).Mod(whole, new(big.Int).SetUint64(q)).Uint64()
		out := x.Coeffs[i]
		for j, v := range src {
			t := mulMod(v%q, kq, q) + uint64(float64(v)*fracF+0.5)%q
			if t >= q {
				t -= q
			}
			out[j] = t
		}
	}
}

// Compress modulus-switches the encrypted features t into dst (reused if
// non-nil and of the same shape) and returns it. t is not modified.
func (t *Tensor) Compress(dst *Compressed, cfg CompressConfig) (*Compressed, error) {
	if err := t.check(t.params, KindFeatures); err != nil {
		return nil, err
	}
	if cfg.Bits < 2 || cfg.Bits > 63 {
		return nil, fmt.Errorf("he: %d bits per coefficient out of range [2, 63]", cfg.Bits)
	}
	k, err := newCompressor(t.params)
	if err != nil {
		return nil, err
	}
	polys := 3
	var eval *hefloat.Evaluator
	var ct1 *rlwe.Ciphertext
	if b := cfg.Relinearize; b != nil {
		if b.rlk == nil || b.fp != t.params.Fingerprint() {
			return nil, errors.New("he: relinearisation needs a key of these parameters")
		}
		if b.id != t.keyID {
			return nil, fmt.Errorf("he: features under key %d, relinearisation key %d", t.keyID, b.id)
		}
		eval = hefloat.NewEvaluator(t.params.p, rlwe.NewMemEvaluationKeySet(b.rlk))
		ct1 = hefloat.NewCiphertext(t.params.p, 1, circuitLevel)
		polys = 2
	}
	N := t.params.p.N()
	size := Features * polys * N
	if dst == nil || len(dst.coeffs) != size {
		dst = &Compressed{coeffs: make([]uint64, size)}
	}
	dst.params, dst.keyID, dst.n, dst.bits, dst.polys = t.params, t.keyID, t.n, cfg.Bits, polys
	for f, ct := range t.cts {
		src := ct
		if eval != nil {
			if err := eval.Relinearize(ct, ct1); err != nil {
				return nil, fmt.Errorf("he: relinearise: %w", err)
			}
			src = ct1
		}
		for i := range polys {
			k.ringQ.INTT(src.Value[i], k.tmp)
			k.switchDown(dst.coeffs[(f*polys+i)*N:(f*polys+i+1)*N], k.tmp, cfg.Bits)
		}
	}
	return dst, nil
}

// Lift turns c back into a feature tensor at the full modulus, in dst
// (reused if non-nil), ready for Receiver.Classify. A degree-1 (relinearised)
// c gets a zero third polynomial.
func (c *Compressed) Lift(dst *Tensor) (*Tensor, error) {
	if c == nil || len(c.coeffs) != Features*c.polys*c.params.p.N() {
		return nil, errors.New("he: malformed compressed tensor")
	}
	k, err := newCompressor(c.params)
	if err != nil {
		return nil, err
	}
	dst = ensureTensor(c.params, dst, KindFeatures)
	dst.keyID, dst.n = c.keyID, c.n
	dst.setMeta()
	N := c.params.p.N()
	for f, ct := range dst.cts {
		for i := range 3 {
			if i >= c.polys {
				for _, row := range ct.Value[i].Coeffs[:circuitLevel+1] {
					clear(row)
				}
				continue
			}
			k.lift(ct.Value[i], c.coeffs[(f*c.polys+i)*N:(f*c.polys+i+1)*N], c.bits)
			k.ringQ.NTT(ct.Value[i], ct.Value[i])
		}
	}
	return dst, nil
}

// LogHeadroom returns log2(Q/Δ) at the features: the bits above the feature
// scale that modulus switching cannot remove.
func (p Params) LogHeadroom() float64 {
	q := p.p.Q()
	l := 0.0
	for _, qi := range q[:circuitLevel+1] {
		l += math.Log2(float64(qi))
	}
	return l - float64(p.LogScaleFeatures())
}
