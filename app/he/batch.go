package he

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
)

// circuitLevel is the level the whole circuit runs at (two Q primes, no
// rescale until the final one at the receiver).
const circuitLevel = 1

// logNoiseScale is the scale the channel noise is encoded at before it is
// lifted to the feature scale by an exact integer multiple (2^40: the
// encoding rounding, ~2^-40 per slot, is far below the CKKS noise).
const logNoiseScale = 40

// Kind says what a batch-major tensor holds.
type Kind uint8

const (
	// KindPixels: 784 degree-1 ciphertexts, ciphertext p holds pixel p of
	// every image (slot i = image i), at scale Δx.
	KindPixels Kind = 1
	// KindFeatures: 196 degree-2 ciphertexts, the encoder output (what goes
	// over the air), at scale (Δx·Δw)².
	KindFeatures Kind = 2
)

func (k Kind) String() string {
	switch k {
	case KindPixels:
		return "pixels"
	case KindFeatures:
		return "features"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

func (k Kind) shape() (count, degree int, ok bool) {
	switch k {
	case KindPixels:
		return Pixels, 1, true
	case KindFeatures:
		return Features, 2, true
	}
	return 0, 0, false
}

// Tensor is a batch-major encrypted tensor: one ciphertext per pixel or
// feature, slot i of every ciphertext belonging to image i. It carries the id
// of the key that encrypted it. A Tensor is reused as a destination to avoid
// reallocating (and first-touching) ~100 MB per batch.
type Tensor struct {
	params Params
	kind   Kind
	keyID  uint32
	n      int
	cts    []*rlwe.Ciphertext
}

// Kind returns what t holds.
func (t *Tensor) Kind() Kind { return t.kind }

// KeyID returns the id of the key t is encrypted under.
func (t *Tensor) KeyID() uint32 { return t.keyID }

// Images returns the number of images in the batch (≤ N/2).
func (t *Tensor) Images() int { return t.n }

// Len returns the number of ciphertexts.
func (t *Tensor) Len() int { return len(t.cts) }

// ensureTensor returns dst shaped for kind, allocating only what is missing.
func ensureTensor(p Params, dst *Tensor, kind Kind) *Tensor {
	count, degree, _ := kind.shape()
	if dst == nil {
		dst = &Tensor{}
	}
	dst.kind, dst.params = kind, p
	if len(dst.cts) != count {
		dst.cts = make([]*rlwe.Ciphertext, count)
	}
	for i, ct := range dst.cts {
		if ct == nil || ct.Degree() != degree || ct.Level() != circuitLevel {
			dst.cts[i] = hefloat.NewCiphertext(p.p, degree, circuitLevel)
		}
	}
	return dst
}

// setMeta sets the metadata implied by the kind (for tensors read from a frame).
func (t *Tensor) setMeta() {
	ls := t.params.lit.LogScaleInput
	if t.kind == KindFeatures {
		ls = t.params.LogScaleFeatures()
	}
	for _, ct := range t.cts {
		ct.IsNTT, ct.IsBatched = true, true
		ct.LogDimensions = t.params.p.LogMaxDimensions()
		ct.Scale = rlwe.NewScale(math.Exp2(float64(ls)))
	}
}

func (t *Tensor) check(p Params, kind Kind) error {
	count, degree, _ := kind.shape()
	if t == nil || t.kind != kind || len(t.cts) != count {
		return fmt.Errorf("he: want a %v tensor of %d ciphertexts", kind, count)
	}
	if t.params.Fingerprint() != p.Fingerprint() {
		return ErrWrongParams
	}
	for _, ct := range t.cts {
		if ct.Degree() != degree || ct.Level() != circuitLevel {
			return fmt.Errorf("he: %v ciphertext has degree %d level %d, want %d and %d", kind, ct.Degree(), ct.Level(), degree, circuitLevel)
		}
	}
	return nil
}

// TxConfig configures a transmitter.
type TxConfig struct {
	// Workers is the number of goroutines; 0 means GOMAXPROCS.
	Workers int `json:"workers"`
}

// Transmitter encrypts images and evaluates the JSCC encoder (conv, square,
// pool, gain) on the ciphertexts: the left half of Fig. 3(c). It is not safe
// for concurrent use; it parallelises internally, each worker holding its own
// Lattigo encoder and encryptor (ShallowCopy).
type Transmitter struct {
	params  Params
	model   *compiled
	workers int
	mods    []modulus
	keyID   uint32
	mode    EncryptionMode
	w       []*txWorker
}

type txWorker struct {
	ecd  *slotEncoder
	enc  *rlwe.Encryptor
	pt   *rlwe.Plaintext
	vals []float64
	acc  [10][blockLen]uint64 // y0, y1, d0, d1, d2 as (hi, lo)
	y    [2][blockLen]uint64
}

// NewTransmitter compiles the Table II weights to fixed point for p.
func NewTransmitter(p Params, w *TableII, cfg TxConfig) (*Transmitter, error) {
	if cfg.Workers < 0 {
		return nil, fmt.Errorf("he: workers %d must be >= 0", cfg.Workers)
	}
	m, err := compile(p, w)
	if err != nil {
		return nil, err
	}
	t := &Transmitter{params: p, model: m, workers: defaultWorkers(cfg.Workers), mods: moduli(p)}
	ecd := hefloat.NewEncoder(p.p)
	for i := 0; i < t.workers; i++ {
		t.w = append(t.w, &txWorker{
			ecd:  newSlotEncoder(p, ecd.ShallowCopy()),
			pt:   hefloat.NewPlaintext(p.p, circuitLevel),
			vals: make([]float64, p.Slots()),
		})
	}
	return t, nil
}

func moduli(p Params) []modulus {
	q := p.p.Q()[:circuitLevel+1]
	m := make([]modulus, len(q))
	for i, qi := range q {
		m[i] = newModulus(qi)
	}
	return m
}

// UsePublicKey makes t encrypt under b (public-key mode).
func (t *Transmitter) UsePublicKey(b *PublicBundle) error {
	if b == nil || b.pk == nil {
		return errors.New("he: nil public bundle")
	}
	if b.fp != t.params.Fingerprint() {
		return errors.New("he: public bundle is for other parameters")
	}
	t.setKey(b.id, b.pk, PublicKeyMode)
	return nil
}

// UseSharedKey makes t encrypt under k (shared-key mode).
func (t *Transmitter) UseSharedKey(k *SharedKey) error {
	if k == nil || k.sk == nil {
		return errors.New("he: nil shared key")
	}
	if k.fp != t.params.Fingerprint() {
		return errors.New("he: shared key is for other parameters")
	}
	t.setKey(k.id, k.sk, SharedKeyMode)
	return nil
}

func (t *Transmitter) setKey(id uint32, key rlwe.EncryptionKey, mode EncryptionMode) {
	for _, w := range t.w {
		if w.enc == nil || mode != t.mode {
			w.enc = newEncryptor(t.params, key)
		} else {
			// WithKey keeps the worker's buffers (no new allocation per rotation).
			w.enc = w.enc.WithKey(key)
		}
	}
	t.keyID, t.mode = id, mode
}

// newEncryptor returns a Lattigo encryptor for key. For a public key it is
// built on the parameters without P: Lattigo then samples the encryption of
// zero (u·pk + (e0, e1)) directly modulo Q instead of modulo QP followed by a
// division by P. Same samplers and security (pk, u, e unchanged), 6 instead
// of ~16 NTTs — about 1.7× cheaper — at the price of a larger fresh noise
// (≈2^15 instead of ≈2^11 in the slots, far below the input scale 2^26; the
// HE-vs-plaintext tests bound the effect on the logits).
func newEncryptor(p Params, key rlwe.EncryptionKey) *rlwe.Encryptor {
	if _, ok := key.(*rlwe.PublicKey); ok {
		return hefloat.NewEncryptor(p.noP, key)
	}
	return hefloat.NewEncryptor(p.p, key)
}

// KeyID returns the id of the key t currently encrypts under (0: none).
func (t *Transmitter) KeyID() uint32 { return t.keyID }

// Encrypt encrypts a batch of n images into dst and returns it. imgs holds
// n·784 pixels in [0, 1], image-major (image i is imgs[784i:784(i+1)], row
// major); 1 ≤ n ≤ N/2. dst is reused if non-nil.
func (t *Transmitter) Encrypt(dst *Tensor, imgs []float64) (*Tensor, error) {
	if t.keyID == 0 {
		return nil, errors.New("he: transmitter has no key (UsePublicKey or UseSharedKey)")
	}
	n := len(imgs) / Pixels
	if n < 1 || n*Pixels != len(imgs) || n > t.params.Slots() {
		return nil, fmt.Errorf("he: %d pixel values are not 1..%d images of %d pixels", len(imgs), t.params.Slots(), Pixels)
	}
	dst = ensureTensor(t.params, dst, KindPixels)
	dst.n, dst.keyID = n, t.keyID
	errs := make([]error, len(t.w))
	parallel(len(t.w), Pixels, func(wi, p int) {
		w := t.w[wi]
		for i := 0; i < n; i++ {
			w.vals[i] = imgs[i*Pixels+p]
		}
		if err := w.ecd.encode(w.vals[:n], t.params.lit.LogScaleInput, w.pt); err != nil {
			errs[wi] = err
			return
		}
		if err := w.enc.Encrypt(w.pt, dst.cts[p]); err != nil {
			errs[wi] = err
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("he: cannot encrypt: %w", err)
	}
	return dst, nil
}

// Encode evaluates the JSCC encoder on encrypted pixels and writes the 196
// encrypted features (degree 2, not relinearised) into dst: conv with
// sqrt(Gain/4) folded in, + bias, square, 2×2 sum. It uses no key.
func (t *Transmitter) Encode(dst *Tensor, px *Tensor) (*Tensor, error) {
	if err := px.check(t.params, KindPixels); err != nil {
		return nil, err
	}
	dst = ensureTensor(t.params, dst, KindFeatures)
	dst.n, dst.keyID = px.n, px.keyID
	scale := rlwe.NewScale(math.Exp2(float64(t.params.LogScaleFeatures())))
	for _, ct := range dst.cts {
		*ct.MetaData = *px.cts[0].MetaData
		ct.Scale = scale
	}
	nb := t.params.p.N() / blockLen
	parallel(len(t.w), len(t.mods)*nb, func(wi, task int) {
		t.encodeBlock(t.w[wi], dst, px, task/nb, (task%nb)*blockLen)
	})
	return dst, nil
}

func (t *Transmitter) encodeBlock(w *txWorker, dst, px *Tensor, i, j0 int) {
	m := &t.mods[i]
	q := m.q
	j1 := j0 + blockLen
	k, h := t.model.k, t.model.k/2
	yh0, yl0, yh1, yl1 := w.acc[0][:], w.acc[1][:], w.acc[2][:], w.acc[3][:]
	dh0, dl0, dh1, dl1, dh2, dl2 := w.acc[4][:], w.acc[5][:], w.acc[6][:], w.acc[7][:], w.acc[8][:], w.acc[9][:]
	y0, y1 := w.y[0][:], w.y[1][:]
	bias := t.model.convBias[i]
	for fi := 0; fi < Rows/2; fi++ {
		for fj := 0; fj < Cols/2; fj++ {
			for a := 4; a < 10; a++ {
				clear64(w.acc[a][:])
			}
			for d := 0; d < 4; d++ {
				r, c := 2*fi+d/2, 2*fj+d%2
				clear64(yh0)
				clear64(yl0)
				clear64(yh1)
				clear64(yl1)
				for a := 0; a < k; a++ {
					rr := r + a - h
					if rr < 0 || rr >= Rows {
						continue
					}
					for b := 0; b < k; b++ {
						cc := c + b - h
						wt := t.model.conv[a*k+b]
						if cc < 0 || cc >= Cols || wt == 0 {
							continue
						}
						x := px.cts[rr*Cols+cc]
						mac(yh0, yl0, x.Value[0].Coeffs[i][j0:j1], wt, q)
						mac(yh1, yl1, x.Value[1].Coeffs[i][j0:j1], wt, q)
					}
				}
				m.reduceTo(y0, yh0, yl0, bias)
				m.reduceTo(y1, yh1, yl1, 0)
				sqAcc(dh0, dl0, dh1, dl1, dh2, dl2, y0, y1)
			}
			out := dst.cts[fi*(Cols/2)+fj]
			m.reduceTo(out.Value[0].Coeffs[i][j0:j1], dh0, dl0, 0)
			m.reduceTo(out.Value[1].Coeffs[i][j0:j1], dh1, dl1, 0)
			m.reduceTo(out.Value[2].Coeffs[i][j0:j1], dh2, dl2, 0)
		}
	}
}

// SlotChannel is the `slot` channel of DESIGN.md §1: real noise added to the
// values inside the ciphertext slots (the paper's abstraction). The noise is
// a plaintext the caller draws (GaussianNoise), so the plaintext Model 3 run
// can use the same realisation. Not safe for concurrent use.
type SlotChannel struct {
	params Params
	mods   []modulus
	lift   []uint64 // 2^(feature scale − noise scale) mod q_i
	w      []*txWorker
}

// NewSlotChannel returns a slot channel for p using workers goroutines (0:
// GOMAXPROCS).
func NewSlotChannel(p Params, workers int) *SlotChannel {
	c := &SlotChannel{params: p, mods: moduli(p)}
	c.lift = residues(1, p.LogScaleFeatures()-logNoiseScale, p.p.Q()[:circuitLevel+1])
	ecd := hefloat.NewEncoder(p.p)
	for i := 0; i < defaultWorkers(workers); i++ {
		c.w = append(c.w, &txWorker{ecd: newSlotEncoder(p, ecd.ShallowCopy()), pt: hefloat.NewPlaintext(p.p, circuitLevel), vals: make([]float64, p.Slots())})
	}
	return c
}

// Apply adds noise to the encrypted features in place. noise holds
// Images()·196 values, image-major (noise[196i+f] is added to feature f of
// image i), exactly as for the plaintext model; nil adds nothing.
func (c *SlotChannel) Apply(t *Tensor, noise []float64) error {
	if err := t.check(c.params, KindFeatures); err != nil {
		return err
	}
	if noise == nil {
		return nil
	}
	if len(noise) != t.n*Features {
		return fmt.Errorf("he: %d noise values for %d images, want %d", len(noise), t.n, t.n*Features)
	}
	errs := make([]error, len(c.w))
	parallel(len(c.w), Features, func(wi, f int) {
		w := c.w[wi]
		for i := 0; i < t.n; i++ {
			w.vals[i] = noise[i*Features+f]
		}
		if err := w.ecd.encode(w.vals[:t.n], logNoiseScale, w.pt); err != nil {
			errs[wi] = err
			return
		}
		c0 := t.cts[f].Value[0]
		for i := range c.mods {
			c.mods[i].mulScalarAdd(c0.Coeffs[i], w.pt.Value.Coeffs[i], c.lift[i])
		}
	})
	return errors.Join(errs...)
}

// RxConfig configures a receiver.
type RxConfig struct {
	// Workers is the number of goroutines; 0 means GOMAXPROCS.
	Workers int `json:"workers"`
}

// Receiver evaluates the JSCC decoder (FC 196→10) on the encrypted features,
// decrypts the logits with its secret key and releases only the arg-max
// label: raw decrypted CKKS values would enable the Li–Micciancio key-recovery
// attack (IND-CPA-D). Not safe for concurrent use.
type Receiver struct {
	params Params
	model  *compiled
	keys   *KeyChain
	mods   []modulus
	logits []*rlwe.Ciphertext // degree 2, level 1
	w      []*rxWorker
	vals   [Classes][]float64
}

type rxWorker struct {
	ecd   *hefloat.Encoder
	eval  *hefloat.Evaluator
	keyID uint32
	dec   *rlwe.Decryptor
	ct1   *rlwe.Ciphertext
	pt    *rlwe.Plaintext
	acc   [6][blockLen]uint64
}

// NewReceiver compiles the FC weights of w for p; keys is the receiver's key
// chain (it holds the secret keys).
func NewReceiver(p Params, w *TableII, keys *KeyChain, cfg RxConfig) (*Receiver, error) {
	if keys == nil {
		return nil, errors.New("he: nil key chain")
	}
	if keys.params.Fingerprint() != p.Fingerprint() {
		return nil, errors.New("he: key chain is for other parameters")
	}
	if cfg.Workers < 0 {
		return nil, fmt.Errorf("he: workers %d must be >= 0", cfg.Workers)
	}
	m, err := compile(p, w)
	if err != nil {
		return nil, err
	}
	r := &Receiver{params: p, model: m, keys: keys, mods: moduli(p)}
	r.logits = make([]*rlwe.Ciphertext, Classes)
	for k := range r.logits {
		r.logits[k] = hefloat.NewCiphertext(p.p, 2, circuitLevel)
		r.vals[k] = make([]float64, p.Slots())
	}
	ecd := hefloat.NewEncoder(p.p)
	for i := 0; i < defaultWorkers(cfg.Workers); i++ {
		r.w = append(r.w, &rxWorker{
			ecd: ecd.ShallowCopy(),
			ct1: hefloat.NewCiphertext(p.p, 1, circuitLevel),
			pt:  hefloat.NewPlaintext(p.p, circuitLevel),
		})
	}
	return r, nil
}

// Classify runs the decoder on the encrypted features and writes the arg-max
// label of each image into dst[:Images()], growing it if needed.
func (r *Receiver) Classify(dst []uint8, feat *Tensor) ([]uint8, error) {
	if err := r.decode(feat, 0); err != nil {
		return nil, err
	}
	dst = dst[:0]
	var l [Classes]float64
	for i := 0; i < feat.n; i++ {
		for k := range l {
			l[k] = r.vals[k][i]
		}
		dst = append(dst, uint8(ArgMax(l[:])))
	}
	return dst, nil
}

// LogitsPublic runs the decoder and releases the logits of every image,
// image-major (dst[10i+k]), decoded with Lattigo's DecodePublic: each value
// is rounded to logPrec fractional bits after decryption, which is what may
// leave the receiver. logPrec must be in [1, 30].
func (r *Receiver) LogitsPublic(dst []float64, feat *Tensor, logPrec float64) ([]float64, error) {
	if !(logPrec >= 1 && logPrec <= 30) {
		return nil, fmt.Errorf("he: logprec %v out of range [1, 30]", logPrec)
	}
	if err := r.decode(feat, logPrec); err != nil {
		return nil, err
	}
	dst = dst[:0]
	for i := 0; i < feat.n; i++ {
		for k := 0; k < Classes; k++ {
			dst = append(dst, r.vals[k][i])
		}
	}
	return dst, nil
}

func (r *Receiver) decode(feat *Tensor, logPrec float64) error {
	if err := feat.check(r.params, KindFeatures); err != nil {
		return err
	}
	ks, err := r.keys.lookup(feat.keyID)
	if err != nil {
		return err
	}
	want := rlwe.NewScale(math.Exp2(float64(r.params.LogScaleFeatures())))
	if feat.cts[0].Scale.Cmp(want) != 0 {
		return fmt.Errorf("he: feature scale 2^%.1f, want 2^%d", math.Log2(feat.cts[0].Scale.Float64()), r.params.LogScaleFeatures())
	}
	scale := rlwe.NewScale(new(big.Float).SetMantExp(big.NewFloat(1), r.params.LogScaleLogits()))
	for _, ct := range r.logits {
		*ct.MetaData = *feat.cts[0].MetaData
		ct.Scale = scale
	}
	nb := r.params.p.N() / blockLen
	parallel(len(r.w), len(r.mods)*nb, func(wi, task int) {
		r.fcBlock(r.w[wi], feat, task/nb, (task%nb)*blockLen)
	})
	errs := make([]error, len(r.w))
	parallel(len(r.w), Classes, func(wi, k int) {
		w := r.w[wi]
		if w.keyID != ks.id {
			if w.eval == nil {
				w.eval = hefloat.NewEvaluator(r.params.p, ks.evk)
			} else {
				w.eval = w.eval.WithKey(ks.evk)
			}
			w.dec = ks.dec.ShallowCopy()
			w.keyID = ks.id
		}
		if err := r.finish(w, r.logits[k], r.vals[k], logPrec); err != nil {
			errs[wi] = err
		}
	})
	return errors.Join(errs...)
}

// finish relinearises, rescales, decrypts and decodes one logit ciphertext.
// Relinearising before the rescale keeps the rescale rounding error from
// being multiplied by s² on decryption.
func (r *Receiver) finish(w *rxWorker, ct *rlwe.Ciphertext, vals []float64, logPrec float64) error {
	if err := w.eval.Relinearize(ct, w.ct1); err != nil {
		return fmt.Errorf("he: relinearise: %w", err)
	}
	if err := w.eval.Rescale(w.ct1, w.ct1); err != nil {
		return fmt.Errorf("he: rescale: %w", err)
	}
	w.dec.Decrypt(w.ct1, w.pt)
	err := w.ecd.DecodePublic(w.pt, vals, logPrec)
	// Restore the level for the next batch (Rescale shrank the buffer).
	w.ct1.Resize(1, circuitLevel)
	w.pt.Resize(0, circuitLevel)
	return err
}

func (r *Receiver) fcBlock(w *rxWorker, feat *Tensor, i, j0 int) {
	m := &r.mods[i]
	q := m.q
	j1 := j0 + blockLen
	for k := 0; k < Classes; k++ {
		for a := range w.acc {
			clear64(w.acc[a][:])
		}
		row := r.model.fc[k*Features : (k+1)*Features]
		for f, c := range row {
			if c == 0 {
				continue
			}
			v := feat.cts[f].Value
			mac(w.acc[0][:], w.acc[1][:], v[0].Coeffs[i][j0:j1], c, q)
			mac(w.acc[2][:], w.acc[3][:], v[1].Coeffs[i][j0:j1], c, q)
			mac(w.acc[4][:], w.acc[5][:], v[2].Coeffs[i][j0:j1], c, q)
		}
		out := r.logits[k].Value
		m.reduceTo(out[0].Coeffs[i][j0:j1], w.acc[0][:], w.acc[1][:], r.model.fcBias[k][i])
		m.reduceTo(out[1].Coeffs[i][j0:j1], w.acc[2][:], w.acc[3][:], 0)
		m.reduceTo(out[2].Coeffs[i][j0:j1], w.acc[4][:], w.acc[5][:], 0)
	}
}

// GaussianNoise appends count samples of the slot-channel noise at complex
// noise variance n0 (units.N0 of the Es/N0) to dst and returns it: each real
// feature gets N(0, n0/2), since two real features make one complex symbol
// (DESIGN.md §3).
func GaussianNoise(dst []float64, rng *rand.Rand, count int, n0 float64) []float64 {
	sd := math.Sqrt(n0 / 2)
	for i := 0; i < count; i++ {
		dst = append(dst, sd*rng.NormFloat64())
	}
	return dst
}
