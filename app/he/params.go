package he

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/tuneinsight/lattigo/v5/he/hefloat"
)

// ParamsLiteral is an unchecked, JSON-friendly description of a CKKS parameter
// set together with the fixed-point scales of the Table II circuit.
// NewParams checks it.
type ParamsLiteral struct {
	// LogN is log2 of the ring degree N; a batch holds N/2 images.
	LogN int `json:"log_n"`
	// LogQ are the bit sizes of the ciphertext primes q0, q1, ... Each must be
	// at most 60 bits: the lazy kernels accumulate products of residues in
	// 128 bits and need q < 2^61 (see kernels.go).
	LogQ []int `json:"log_q"`
	// LogP are the bit sizes of the key-switching primes (relinearisation,
	// rotations).
	LogP []int `json:"log_p"`
	// LogScaleInput is log2 of the scale Δx pixels are encoded at.
	LogScaleInput int `json:"log_scale_input"`
	// LogScaleWeight is log2 of the scale Δw the convolution weights (with the
	// power gain and pool factor folded in) are rounded to.
	LogScaleWeight int `json:"log_scale_weight"`
	// LogScaleFC is log2 of the scale Δf the FC weights are rounded to.
	LogScaleFC int `json:"log_scale_fc"`
	// Insecure allows a set above the HE Standard bound; only tests use it.
	Insecure bool `json:"insecure,omitempty"`
}

// PresetLogN13 is the default parameter set (DESIGN.md §3):
//   - LogN 13: 4096 slots, so 4096 images per batch-major batch;
//   - Q = two 60-bit primes: the circuit is conv (×Δw), square, FC (×Δf)
//     without any rescale until the end, so the whole scale
//     (Δx·Δw)²·Δf = 2^(2·(30+16)+18) = 2^110 must fit below Q/2 ≈ 2^119 with
//     room for logits up to 2^8 (NewParams keeps 8 bits of headroom);
//   - Δx = 2^30 keeps the fresh public-key encryption noise (≈2^15 in the
//     slots, see newEncryptor) at ≈2^-15 per pixel; Δw = 2^16 and Δf = 2^18
//     bound the weight rounding to 2^-17 and 2^-19;
//   - P = one 60-bit prime for the key-switching keys;
//   - log QP ≈ 180 ≤ 218, the HE Standard bound for N = 2^13 (ternary secret).
var PresetLogN13 = ParamsLiteral{
	LogN:           13,
	LogQ:           []int{60, 60},
	LogP:           []int{60},
	LogScaleInput:  30,
	LogScaleWeight: 16,
	LogScaleFC:     18,
}

// PresetLogN14 doubles the ring degree: 8192 images per batch, same moduli
// (log QP ≈ 180 ≤ 438), for runs that prefer fewer, larger batches.
var PresetLogN14 = ParamsLiteral{
	LogN:           14,
	LogQ:           []int{60, 60},
	LogP:           []int{60},
	LogScaleInput:  30,
	LogScaleWeight: 16,
	LogScaleFC:     18,
}

// Presets lists the shipped parameter sets by name.
var Presets = map[string]ParamsLiteral{
	"logn13": PresetLogN13,
	"logn14": PresetLogN14,
}

// heStandardLogQP is the largest log2(QP) giving 128-bit classical security
// for a uniform ternary secret, from the Homomorphic Encryption Standard
// (Albrecht et al., 2018), Table 1 (distribution "uniform ternary", 128 bits).
var heStandardLogQP = map[int]int{
	10: 27,
	11: 54,
	12: 109,
	13: 218,
	14: 438,
	15: 881,
}

// MaxLogQP128 returns the HE Standard's 128-bit bound on log2(QP) for ring
// degree 2^logN and a ternary secret, and false if the table has no entry.
func MaxLogQP128(logN int) (int, bool) {
	b, ok := heStandardLogQP[logN]
	return b, ok
}

// ErrInsecure is returned by NewParams for a set above the HE Standard bound.
var ErrInsecure = errors.New("he: parameters exceed the HE Standard 128-bit bound")

// Params is a checked, immutable CKKS parameter set with the circuit scales.
type Params struct {
	lit ParamsLiteral
	p   hefloat.Parameters
	noP hefloat.Parameters // same ring and Q without P (public-key encryption)
	fp  [8]byte
}

// NewParams validates lit and builds the Lattigo parameters; the error names
// the bad field.
func NewParams(lit ParamsLiteral) (Params, error) {
	if lit.LogN < 10 || lit.LogN > 16 {
		return Params{}, fmt.Errorf("he: log_n %d out of range [10, 16]", lit.LogN)
	}
	if len(lit.LogQ) != 2 {
		// Level 1 holds the whole circuit (no rescale until the end), level 0
		// is what is left after the final rescale.
		return Params{}, fmt.Errorf("he: log_q needs exactly 2 primes, have %d", len(lit.LogQ))
	}
	for i, b := range lit.LogQ {
		if b < 30 || b > 60 {
			return Params{}, fmt.Errorf("he: log_q[%d] = %d out of range [30, 60]", i, b)
		}
	}
	if len(lit.LogP) < 1 {
		return Params{}, errors.New("he: log_p needs at least 1 prime")
	}
	for i, b := range lit.LogP {
		if b < 30 || b > 61 {
			return Params{}, fmt.Errorf("he: log_p[%d] = %d out of range [30, 61]", i, b)
		}
	}
	if lit.LogScaleInput < 10 || lit.LogScaleWeight < 4 || lit.LogScaleFC < 4 {
		return Params{}, fmt.Errorf("he: scales 2^%d, 2^%d, 2^%d too small", lit.LogScaleInput, lit.LogScaleWeight, lit.LogScaleFC)
	}
	if lit.LogScaleWeight > 30 || lit.LogScaleFC > 30 {
		// Weights are rounded to integers below 2^31 (they multiply 60-bit
		// residues in the 128-bit lazy accumulators).
		return Params{}, fmt.Errorf("he: weight scales 2^%d, 2^%d above 2^30", lit.LogScaleWeight, lit.LogScaleFC)
	}
	p, err := hefloat.NewParametersFromLiteral(hefloat.ParametersLiteral{
		LogN:            lit.LogN,
		LogQ:            lit.LogQ,
		LogP:            lit.LogP,
		LogDefaultScale: lit.LogScaleInput,
	})
	if err != nil {
		return Params{}, fmt.Errorf("he: cannot build parameters: %w", err)
	}
	noP, err := hefloat.NewParametersFromLiteral(hefloat.ParametersLiteral{
		LogN:            lit.LogN,
		Q:               p.Q(),
		LogDefaultScale: lit.LogScaleInput,
	})
	if err != nil {
		return Params{}, fmt.Errorf("he: cannot build parameters: %w", err)
	}
	pr := Params{lit: lit, p: p, noP: noP}
	// The final scale (before the last rescale) must leave headroom for the
	// logits below the level-1 modulus Q.
	if need := pr.LogScaleLogits() + 8; float64(need) > logQLevel(p, 1) {
		return Params{}, fmt.Errorf("he: final scale 2^%d (+8 bits of logit headroom) does not fit log Q = %.1f", pr.LogScaleLogits(), logQLevel(p, 1))
	}
	if bound, ok := heStandardLogQP[lit.LogN]; !ok || pr.LogQP() > float64(bound) {
		if !lit.Insecure {
			return Params{}, fmt.Errorf("%w: log QP = %.1f > %d for N = 2^%d", ErrInsecure, pr.LogQP(), bound, lit.LogN)
		}
	}
	b, err := p.MarshalBinary()
	if err != nil {
		return Params{}, fmt.Errorf("he: cannot marshal parameters: %w", err)
	}
	h := sha256.New()
	h.Write(b)
	var sc [13]byte
	sc[0] = byte(lit.LogScaleInput)
	sc[1] = byte(lit.LogScaleWeight)
	sc[2] = byte(lit.LogScaleFC)
	h.Write(sc[:])
	copy(pr.fp[:], h.Sum(nil))
	return pr, nil
}

// MustParams is NewParams for the shipped presets; it panics on error.
func MustParams(lit ParamsLiteral) Params {
	p, err := NewParams(lit)
	if err != nil {
		panic(err)
	}
	return p
}

func logQLevel(p hefloat.Parameters, level int) float64 {
	var s float64
	for _, q := range p.Q()[:level+1] {
		s += math.Log2(float64(q))
	}
	return s
}

// Literal returns the literal p was built from.
func (p Params) Literal() ParamsLiteral { return p.lit }

// LogN returns log2 of the ring degree.
func (p Params) LogN() int { return p.lit.LogN }

// Slots returns N/2, the number of images in a full batch-major batch.
func (p Params) Slots() int { return p.p.MaxSlots() }

// LogQP returns log2 of the product of all primes.
func (p Params) LogQP() float64 { return p.p.LogQP() }

// Insecure reports whether p exceeds the HE Standard 128-bit bound.
func (p Params) Insecure() bool {
	b, ok := heStandardLogQP[p.lit.LogN]
	return !ok || p.LogQP() > float64(b)
}

// LogScaleConv is log2 of the scale of a convolution output: Δx·Δw.
func (p Params) LogScaleConv() int { return p.lit.LogScaleInput + p.lit.LogScaleWeight }

// LogScaleFeatures is log2 of the scale of the encrypted features: (Δx·Δw)².
func (p Params) LogScaleFeatures() int { return 2 * p.LogScaleConv() }

// LogScaleLogits is log2 of the logit scale before the final rescale.
func (p Params) LogScaleLogits() int { return p.LogScaleFeatures() + p.lit.LogScaleFC }

// Fingerprint identifies the parameter set (Lattigo parameters and scales) in
// serialised frames.
func (p Params) Fingerprint() uint64 { return binary.LittleEndian.Uint64(p.fp[:]) }

// String summarises p.
func (p Params) String() string {
	return fmt.Sprintf("CKKS LogN=%d logQ=%v logP=%v logQP=%.1f scales 2^%d/2^%d/2^%d",
		p.lit.LogN, p.lit.LogQ, p.lit.LogP, p.LogQP(), p.lit.LogScaleInput, p.lit.LogScaleWeight, p.lit.LogScaleFC)
}
