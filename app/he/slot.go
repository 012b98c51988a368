package he

import (
	"errors"
	"fmt"
	"math"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
)

// slotRotations returns the slot rotations the slot-packed evaluation of a
// model with a k×k kernel uses (Lattigo convention: Rotate(ct, r) moves slot
// i+r to slot i):
//   - conv: one per kernel tap offset (a−h)·28 + (b−h) except 0;
//   - pool: −1 and −28 (sum of the 2×2 window ending at each position; negative
//     rotations pull in zeros rather than wrapping garbage);
//   - FC: −1024 and −2048 replicate the pooled image into four 1024-slot
//     blocks; slotSumSteps then sum the 14×14 feature grid of each block.
func slotRotations(k int) []int {
	h := k / 2
	var r []int
	for a := 0; a < k; a++ {
		for b := 0; b < k; b++ {
			if d := (a-h)*Cols + (b - h); d != 0 {
				r = append(r, d)
			}
		}
	}
	r = append(r, -1, -Cols, -slotBlock, -2*slotBlock)
	return append(r, slotSumSteps[:]...)
}

// slotSumSteps sum the products over the feature grid of a block: the
// features sit at offsets 29 + 56i + 2j (i, j < 14), so rotate-and-add by 2,
// 4, 8, 16 sums a row (16 columns: columns 14 and 15 land on even rows,
// where the masks are zero) and 56, 112, 224, 448 sums the rows (rows 14 and
// 15 land beyond slot 783 of the block, also zero), leaving the block's sum
// at offset 29 = poolSlot(0): 8 rotations instead of the 10 of a plain
// 1024-slot rotate-and-sum.
var slotSumSteps = [8]int{2, 4, 8, 16, 2 * Cols, 4 * Cols, 8 * Cols, 16 * Cols}

// slotBlock is the block one replica of the image occupies in slot-packed FC.
const slotBlock = 1024

// Slot-packed scales: plaintext masks are rounded in the coefficient domain,
// which costs ~sqrt(N)·0.3/Δ per slot (≈2^4.7/Δ at N = 2^13) instead of the
// 1/(2Δ) of a scalar, so the conv masks get 4 more bits, taken from the input
// scale (slot-packed encrypts with P, whose fresh noise is ≈2^11, not 2^15):
// the conv output scale Δx·Δw is the batch-major one.
const slotMaskExtraBits = 4

func slotLogScales(p Params) (input, mask, conv, feat, logits int) {
	input = p.lit.LogScaleInput - slotMaskExtraBits
	mask = p.lit.LogScaleWeight + slotMaskExtraBits
	conv = input + mask
	feat = 2 * conv
	logits = feat + p.lit.LogScaleFC
	return
}

// poolSlot is the slot holding feature (i, j) after the pool sums: the sum
// of the 2×2 window ending at pixel (2i+1, 2j+1).
func poolSlot(f int) int {
	i, j := f/(Cols/2), f%(Cols/2)
	return (2*i+1)*Cols + 2*j + 1
}

// SlotFrame is one image's encrypted features in slot-packed form: one
// degree-1 ciphertext, feature f in slot poolSlot(f), other slots garbage
// that the decoder's masks ignore.
type SlotFrame struct {
	keyID uint32
	ct    *rlwe.Ciphertext
}

// KeyID returns the id of the key the frame is encrypted under.
func (f *SlotFrame) KeyID() uint32 { return f.keyID }

// SlotTransmitter encrypts one image per ciphertext and evaluates the
// encoder with rotations (hoisted for the conv taps): the latency mode.
// Not safe for concurrent use; give each goroutine its own.
type SlotTransmitter struct {
	params  Params
	w       *TableII
	rots    []int
	masks   map[int]*rlwe.Plaintext // conv tap offset → mask·weight at Δw·2^4
	bias    *rlwe.Plaintext
	ecd     *slotEncoder
	enc     *rlwe.Encryptor
	eval    *hefloat.Evaluator
	keyID   uint32
	pt      *rlwe.Plaintext
	ct      *rlwe.Ciphertext
	rotated map[int]*rlwe.Ciphertext
	tmp     *rlwe.Ciphertext
	acc     *rlwe.Ciphertext
}

// NewSlotTransmitter encodes the conv masks of w for p.
func NewSlotTransmitter(p Params, w *TableII) (*SlotTransmitter, error) {
	if err := w.Validate(); err != nil {
		return nil, err
	}
	_, _, conv, _, logits := slotLogScales(p)
	if float64(logits+8) > logQLevel(p.p, circuitLevel) {
		return nil, fmt.Errorf("he: slot-packed final scale 2^%d does not fit log Q = %.1f", logits, logQLevel(p.p, circuitLevel))
	}
	if p.Slots() < 4*slotBlock {
		return nil, fmt.Errorf("he: slot-packed packing needs %d slots, parameters have %d", 4*slotBlock, p.Slots())
	}
	t := &SlotTransmitter{
		params: p, w: w, masks: map[int]*rlwe.Plaintext{},
		ecd: newSlotEncoder(p, hefloat.NewEncoder(p.p)),
		pt:  hefloat.NewPlaintext(p.p, circuitLevel),
		ct:  hefloat.NewCiphertext(p.p, 1, circuitLevel), tmp: hefloat.NewCiphertext(p.p, 2, circuitLevel),
		acc: hefloat.NewCiphertext(p.p, 1, circuitLevel), rotated: map[int]*rlwe.Ciphertext{},
	}
	fold := math.Sqrt(w.Gain / 4)
	k, h := w.K, w.K/2
	vals := make([]float64, Pixels)
	for a := 0; a < k; a++ {
		for b := 0; b < k; b++ {
			d := (a-h)*Cols + (b - h)
			for r := 0; r < Rows; r++ {
				for c := 0; c < Cols; c++ {
					rr, cc := r+a-h, c+b-h
					v := 0.0
					if rr >= 0 && rr < Rows && cc >= 0 && cc < Cols {
						v = w.Conv[a*k+b] * fold
					}
					vals[r*Cols+c] = v
				}
			}
			pt := hefloat.NewPlaintext(p.p, circuitLevel)
			if err := t.ecd.encode(vals, p.lit.LogScaleWeight+slotMaskExtraBits, pt); err != nil {
				return nil, err
			}
			t.masks[d] = pt
			if d != 0 {
				t.rots = append(t.rots, d)
				t.rotated[d] = hefloat.NewCiphertext(p.p, 1, circuitLevel)
			}
		}
	}
	for i := range vals {
		vals[i] = w.ConvBias * fold
	}
	t.bias = hefloat.NewPlaintext(p.p, circuitLevel)
	if err := t.ecd.encode(vals, conv, t.bias); err != nil {
		return nil, err
	}
	return t, nil
}

// UsePublicKey makes t encrypt and evaluate under b, which must carry the
// slot-packed keys for this kernel size (KeyConfig.SlotPackedKernel).
func (t *SlotTransmitter) UsePublicKey(b *PublicBundle) error {
	if b == nil || b.pk == nil {
		return errors.New("he: nil public bundle")
	}
	if b.fp != t.params.Fingerprint() {
		return errors.New("he: public bundle is for other parameters")
	}
	if b.rlk == nil || b.kernel != t.w.K {
		return fmt.Errorf("he: bundle has no slot-packed keys for kernel %d", t.w.K)
	}
	evk := rlwe.NewMemEvaluationKeySet(b.rlk, b.gks...)
	if t.eval == nil {
		t.eval = hefloat.NewEvaluator(t.params.p, evk)
		t.enc = hefloat.NewEncryptor(t.params.p, b.pk)
	} else {
		t.eval = t.eval.WithKey(evk)
		t.enc = t.enc.WithKey(b.pk)
	}
	t.keyID = b.id
	return nil
}

// Transmit encrypts one image (784 pixels in [0, 1]) and evaluates the
// encoder, writing the encrypted features into dst (reused if non-nil).
func (t *SlotTransmitter) Transmit(dst *SlotFrame, img []float64) (*SlotFrame, error) {
	if t.keyID == 0 {
		return nil, errors.New("he: slot transmitter has no key")
	}
	if len(img) != Pixels {
		return nil, fmt.Errorf("he: image has %d pixels, want %d", len(img), Pixels)
	}
	if dst == nil {
		dst = &SlotFrame{ct: hefloat.NewCiphertext(t.params.p, 1, circuitLevel)}
	}
	in, _, _, _, _ := slotLogScales(t.params)
	if err := t.ecd.encode(img, in, t.pt); err != nil {
		return nil, err
	}
	if err := t.enc.Encrypt(t.pt, t.ct); err != nil {
		return nil, err
	}
	ev := t.eval
	// conv: one key-switch decomposition shared by all taps (hoisting)
	if len(t.rots) > 0 {
		if err := ev.RotateHoisted(t.ct, t.rots, t.rotated); err != nil {
			return nil, fmt.Errorf("he: conv rotations: %w", err)
		}
	}
	if err := ev.Mul(t.ct, t.masks[0], t.acc); err != nil {
		return nil, err
	}
	for _, d := range t.rots {
		if err := ev.MulThenAdd(t.rotated[d], t.masks[d], t.acc); err != nil {
			return nil, err
		}
	}
	if err := ev.Add(t.acc, t.bias, t.acc); err != nil {
		return nil, err
	}
	// square (relinearised: rotations follow), then the 2×2 window sum
	out := dst.ct
	if err := ev.MulRelin(t.acc, t.acc, out); err != nil {
		return nil, err
	}
	for _, r := range []int{-1, -Cols} {
		if err := ev.Rotate(out, r, t.acc); err != nil {
			return nil, err
		}
		if err := ev.Add(out, t.acc, out); err != nil {
			return nil, err
		}
	}
	dst.keyID = t.keyID
	return dst, nil
}

// ApplySlot adds the 196 noise values (the same realisation as the plaintext
// run) to the encrypted features of one slot-packed frame.
func (c *SlotChannel) ApplySlot(f *SlotFrame, noise []float64) error {
	if len(noise) != Features {
		return fmt.Errorf("he: %d noise values, want %d", len(noise), Features)
	}
	w := c.w[0]
	clear(w.vals)
	for i, v := range noise {
		w.vals[poolSlot(i)] = v
	}
	if err := w.ecd.encode(w.vals, logNoiseScale, w.pt); err != nil {
		return err
	}
	_, _, _, feat, _ := slotLogScales(c.params)
	lift := residues(1, feat-logNoiseScale, c.params.p.Q()[:circuitLevel+1])
	for i := range c.mods {
		c.mods[i].mulScalarAdd(f.ct.Value[0].Coeffs[i], w.pt.Value.Coeffs[i], lift[i])
	}
	return nil
}

// SlotReceiver evaluates the FC layer on a slot-packed frame, decrypts and
// releases the arg-max. The features are replicated into four 1024-slot
// blocks and multiplied by two complex masks: block c of mask m holds the
// weights of class 8m+2c in the real part and of class 8m+2c+1 in the
// imaginary part (the features are real, so the two do not mix), so 10
// classes need two masks and 2×10 block-sum rotations instead of 3×10.
// Not safe for concurrent use.
type SlotReceiver struct {
	params Params
	w      *TableII
	keys   *KeyChain
	fc     [slotFCMasks]*rlwe.Plaintext
	ecd    *hefloat.Encoder
	eval   *hefloat.Evaluator
	dec    *rlwe.Decryptor
	keyID  uint32
	r, u   *rlwe.Ciphertext
	tmp    *rlwe.Ciphertext
	pt     *rlwe.Plaintext
	vals   []complex128
}

// slotFCMasks is ceil(10 classes / (4 blocks × 2 parts)).
const slotFCMasks = 2

// slotClass returns mask, block and part (0 real, 1 imaginary) of class k.
func slotClass(k int) (m, c, part int) { return k / 8, (k % 8) / 2, k % 2 }

// NewSlotReceiver encodes the FC masks of w for p.
func NewSlotReceiver(p Params, w *TableII, keys *KeyChain) (*SlotReceiver, error) {
	if err := w.Validate(); err != nil {
		return nil, err
	}
	if keys == nil || keys.params.Fingerprint() != p.Fingerprint() {
		return nil, errors.New("he: key chain missing or for other parameters")
	}
	if p.Slots() < 4*slotBlock {
		return nil, fmt.Errorf("he: slot-packed packing needs %d slots, parameters have %d", 4*slotBlock, p.Slots())
	}
	r := &SlotReceiver{params: p, w: w, keys: keys, ecd: hefloat.NewEncoder(p.p),
		r: hefloat.NewCiphertext(p.p, 1, circuitLevel), u: hefloat.NewCiphertext(p.p, 1, circuitLevel),
		tmp: hefloat.NewCiphertext(p.p, 1, circuitLevel), pt: hefloat.NewPlaintext(p.p, circuitLevel),
		vals: make([]complex128, p.Slots())}
	se := newSlotEncoder(p, r.ecd)
	vals := make([]complex128, p.Slots())
	for m := range r.fc {
		clear(vals)
		for k := 0; k < Classes; k++ {
			km, c, part := slotClass(k)
			if km != m {
				continue
			}
			for f := 0; f < Features; f++ {
				v := w.FC[k*Features+f]
				if part == 0 {
					vals[c*slotBlock+poolSlot(f)] += complex(v, 0)
				} else {
					vals[c*slotBlock+poolSlot(f)] += complex(0, v)
				}
			}
		}
		r.fc[m] = hefloat.NewPlaintext(p.p, circuitLevel)
		if err := se.encodeComplex(vals, p.lit.LogScaleFC, r.fc[m]); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Classify returns the arg-max class of the frame's image.
func (r *SlotReceiver) Classify(f *SlotFrame) (uint8, error) {
	var l [Classes]float64
	if err := r.logits(&l, f); err != nil {
		return 0, err
	}
	return uint8(ArgMax(l[:])), nil
}

func (r *SlotReceiver) logits(dst *[Classes]float64, f *SlotFrame) error {
	if f == nil || f.ct == nil || f.ct.Degree() != 1 || f.ct.Level() != circuitLevel {
		return errors.New("he: malformed slot frame")
	}
	ks, err := r.keys.lookup(f.keyID)
	if err != nil {
		return err
	}
	if _, err := ks.evk.GetGaloisKey(r.params.p.GaloisElementForRotation(1)); err != nil {
		return fmt.Errorf("he: key set %d has no slot-packed keys (KeyConfig.SlotPackedKernel)", ks.id)
	}
	if r.keyID != ks.id {
		if r.eval == nil {
			r.eval = hefloat.NewEvaluator(r.params.p, ks.evk)
		} else {
			r.eval = r.eval.WithKey(ks.evk)
		}
		r.dec = ks.dec.ShallowCopy()
		r.keyID = ks.id
	}
	ev := r.eval
	// replicate into 4 blocks of 1024 slots
	if err := ev.Rotate(f.ct, -slotBlock, r.tmp); err != nil {
		return err
	}
	if err := ev.Add(f.ct, r.tmp, r.r); err != nil {
		return err
	}
	if err := ev.Rotate(r.r, -2*slotBlock, r.tmp); err != nil {
		return err
	}
	if err := ev.Add(r.r, r.tmp, r.r); err != nil {
		return err
	}
	for m := range r.fc {
		if err := ev.Mul(r.r, r.fc[m], r.u); err != nil {
			return err
		}
		for _, s := range slotSumSteps {
			if err := ev.Rotate(r.u, s, r.tmp); err != nil {
				return err
			}
			if err := ev.Add(r.u, r.tmp, r.u); err != nil {
				return err
			}
		}
		if err := ev.Rescale(r.u, r.tmp); err != nil {
			return err
		}
		r.dec.Decrypt(r.tmp, r.pt)
		if err := r.ecd.Decode(r.pt, r.vals); err != nil {
			return err
		}
		r.tmp.Resize(1, circuitLevel)
		r.pt.Resize(0, circuitLevel)
		for k := 0; k < Classes; k++ {
			km, c, part := slotClass(k)
			if km != m {
				continue
			}
			v := real(r.vals[c*slotBlock+poolSlot(0)])
			if part == 1 {
				v = imag(r.vals[c*slotBlock+poolSlot(0)])
			}
			// The FC bias is added after decryption, inside the receiver.
			dst[k] = v + r.w.FCBias[k]
		}
	}
	return nil
}
