package he

import (
	"fmt"
	"math"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
	"github.com/tuneinsight/lattigo/v5/ring"
)

// maxEncodeValue bounds the magnitude of values we encode. With scales up to
// 2^40 every coefficient round(x·Δ) then fits an int64 exactly and is below
// every 60-bit prime, so no big-number path is needed.
const maxEncodeValue = 1 << 20

// slotEncoder is the CKKS slot encoding of a real vector at the circuit
// level: Lattigo's special IFFT (Encoder.IFFT) followed by rounding and an
// NTT. It replaces Encoder.Encode on the hot path because v5.0.7's
// SingleFloat64ToFixedPointCRT allocates a Barrett constant per coefficient
// (ring.Ring.BRedConstants), which made encoding cost as much as encrypting.
// The result is bit-identical to Encoder.Encode (checked in a test).
type slotEncoder struct {
	ecd      *hefloat.Encoder
	ringQ    *ring.Ring
	q        []uint64
	buf      []complex128
	logSlots int
}

func newSlotEncoder(p Params, ecd *hefloat.Encoder) *slotEncoder {
	return &slotEncoder{
		ecd:      ecd,
		ringQ:    p.p.RingQ().AtLevel(circuitLevel),
		q:        p.p.Q()[:circuitLevel+1],
		buf:      make([]complex128, p.Slots()),
		logSlots: p.p.LogMaxSlots(),
	}
}

// encode writes vals (len ≤ slots, zero-padded) at scale 2^logScale into pt,
// which must be at the circuit level; pt's metadata is set (NTT, batched).
func (e *slotEncoder) encode(vals []float64, logScale int, pt *rlwe.Plaintext) error {
	if len(vals) > len(e.buf) {
		return fmt.Errorf("he: %d values for %d slots", len(vals), len(e.buf))
	}
	for i, v := range vals {
		if !(math.Abs(v) <= maxEncodeValue) {
			return fmt.Errorf("he: value %v at slot %d out of range [-2^20, 2^20]", v, i)
		}
		e.buf[i] = complex(v, 0)
	}
	clear(e.buf[len(vals):])
	return e.finish(logScale, pt)
}

// encodeComplex is encode for complex slot values (real and imaginary parts
// each bounded like encode's values).
func (e *slotEncoder) encodeComplex(vals []complex128, logScale int, pt *rlwe.Plaintext) error {
	if len(vals) > len(e.buf) {
		return fmt.Errorf("he: %d values for %d slots", len(vals), len(e.buf))
	}
	for i, v := range vals {
		if !(math.Abs(real(v)) <= maxEncodeValue && math.Abs(imag(v)) <= maxEncodeValue) {
			return fmt.Errorf("he: value %v at slot %d out of range", v, i)
		}
	}
	copy(e.buf, vals)
	clear(e.buf[len(vals):])
	return e.finish(logScale, pt)
}

func (e *slotEncoder) finish(logScale int, pt *rlwe.Plaintext) error {
	if err := e.ecd.IFFT(e.buf, e.logSlots); err != nil {
		return err
	}
	scale := math.Exp2(float64(logScale))
	slots := len(e.buf)
	c := pt.Value.Coeffs
	for j, z := range e.buf {
		re := int64(math.Round(real(z) * scale))
		im := int64(math.Round(imag(z) * scale))
		for i, q := range e.q {
			c[i][j] = signedResidue(re, q)
			c[i][j+slots] = signedResidue(im, q)
		}
	}
	e.ringQ.NTT(pt.Value, pt.Value)
	pt.IsNTT = true
	pt.IsBatched = true
	pt.LogDimensions = ring.Dimensions{Rows: 0, Cols: e.logSlots}
	pt.Scale = rlwe.NewScale(scale)
	return nil
}

// signedResidue returns v mod q for |v| < q.
func signedResidue(v int64, q uint64) uint64 {
	if v >= 0 {
		return uint64(v)
	}
	return q - uint64(-v)
}
