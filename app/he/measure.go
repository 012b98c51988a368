package he

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/tuneinsight/lattigo/v5/core/rlwe"
	"github.com/tuneinsight/lattigo/v5/he/hefloat"
)

// BenchConfig configures Measure.
type BenchConfig struct {
	Params  ParamsLiteral  `json:"params"`
	Workers int            `json:"workers"` // 0: GOMAXPROCS
	Batches int            `json:"batches"` // timed full batches after one warm-up; 0 means 1
	Mode    EncryptionMode `json:"mode"`
	// SlotImages is the number of images timed in slot-packed mode (after one
	// warm-up); 0 means 4, negative skips slot-packed.
	SlotImages int `json:"slot_images"`
	// Reps is the repetitions per primitive; 0 means 20.
	Reps int `json:"reps"`
	// N0 is the slot-channel noise variance used during the run.
	N0   float64 `json:"n0"`
	Seed uint64  `json:"seed"`
}

// Primitives are single-core costs in nanoseconds, measured in the same run.
type Primitives struct {
	Encode        float64 `json:"encode_ns"`         // slot encoding of N/2 values
	EncryptPK     float64 `json:"encrypt_pk_ns"`     // public-key encryption of a plaintext
	EncryptSK     float64 `json:"encrypt_sk_ns"`     // secret-key encryption of a plaintext
	MulAdd        float64 `json:"mul_add_ns"`        // lazy scalar multiply-add, degree-1 ciphertext
	MulAdd2       float64 `json:"mul_add2_ns"`       // lazy scalar multiply-add, degree-2 ciphertext
	Square        float64 `json:"square_ns"`         // tensor square accumulated into a degree-2 ciphertext
	Reduce        float64 `json:"reduce_ns"`         // final 128-bit reduction of one polynomial
	Lift          float64 `json:"lift_ns"`           // plaintext × integer added to one polynomial (noise)
	MulPt         float64 `json:"mul_pt_ns"`         // ciphertext × plaintext (Lattigo)
	Add           float64 `json:"add_ns"`            // ciphertext + ciphertext (Lattigo)
	MulRelin      float64 `json:"mul_relin_ns"`      // ciphertext × ciphertext + relinearise (Lattigo)
	Relinearize   float64 `json:"relinearize_ns"`    // degree 2 → 1 (Lattigo)
	Rescale       float64 `json:"rescale_ns"`        // degree-1 rescale (Lattigo)
	Rotate        float64 `json:"rotate_ns"`         // one rotation (Lattigo)
	RotateHoisted float64 `json:"rotate_hoisted_ns"` // per rotation of a hoisted group
	Decrypt       float64 `json:"decrypt_ns"`        // level-0 decryption
	Decode        float64 `json:"decode_ns"`         // slot decoding of N/2 values
}

// ModeReport is the timing of one packing against its primitive lower bound.
type ModeReport struct {
	Images     int                `json:"images"`
	MsPerImage float64            `json:"ms_per_image"`
	BoundMs    float64            `json:"bound_ms_per_image"` // Σ count × primitive cost (÷ workers for batch-major)
	Ratio      float64            `json:"ratio"`              // measured / bound
	Target     float64            `json:"target_ms_per_image"`
	Counts     map[string]int     `json:"op_counts"` // per batch (batch-major) or per image (slot-packed)
	PhasesMs   map[string]float64 `json:"phases_ms,omitempty"`
}

// Sizes are bytes on the air and key sizes.
type Sizes struct {
	FeatureBytesPerImage      float64 `json:"feature_bytes_per_image"`      // batch-major, full batch, wire format
	PlainFeatureBytes         int     `json:"plain_feature_bytes"`          // 196 float32 features
	Expansion                 float64 `json:"expansion"`                    // ciphertext / plaintext feature bytes
	SlotFeatureBytes          int     `json:"slot_feature_bytes_per_image"` // one degree-1 ciphertext
	PublicBundleBytes         int     `json:"public_bundle_bytes"`
	SlotPackedBundleBytes     int     `json:"slot_packed_bundle_bytes"`
	KeyGenMs                  float64 `json:"keygen_ms"`             // one rotation: sk, pk, rlk
	KeyGenSlotPackedMs        float64 `json:"keygen_slot_packed_ms"` // plus rotation keys
	FeatureBytesPerChannelUse float64 `json:"feature_bytes_per_channel_use"`
}

// BenchReport is the result of Measure.
type BenchReport struct {
	Params     string      `json:"params"`
	LogN       int         `json:"log_n"`
	LogQP      float64     `json:"log_qp"`
	Workers    int         `json:"workers"`
	Mode       string      `json:"mode"`
	Primitives Primitives  `json:"primitives"`
	Batch      ModeReport  `json:"batch_major"`
	Slot       *ModeReport `json:"slot_packed,omitempty"`
	Sizes      Sizes       `json:"sizes"`
	// Agreement of the batch-major labels with the plaintext model on the
	// timed images (same weights, same noise).
	ArgMaxAgreement float64 `json:"argmax_agreement"`
}

// Targets of issue 4 (ms per image).
const (
	TargetBatchMs = 0.5
	TargetSlotMs  = 60
)

// Measure times the primitives, the batch-major pipeline (encode + encrypt +
// encoder + slot channel + FC + decrypt) and the slot-packed latency on the
// given weights and images (n·784 pixels in [0, 1]; they are reused
// cyclically to fill the batches), and returns them with their lower bounds.
func Measure(ctx context.Context, w *TableII, imgs []float64, cfg BenchConfig) (*BenchReport, error) {
	p, err := NewParams(cfg.Params)
	if err != nil {
		return nil, err
	}
	if len(imgs) < Pixels || len(imgs)%Pixels != 0 {
		return nil, errors.New("he: measure needs at least one 784-pixel image")
	}
	if cfg.Batches == 0 {
		cfg.Batches = 1
	}
	if cfg.SlotImages == 0 {
		cfg.SlotImages = 4
	}
	if cfg.Reps == 0 {
		cfg.Reps = 20
	}
	if cfg.Batches < 0 || cfg.Reps < 0 || cfg.Workers < 0 || cfg.N0 < 0 {
		return nil, fmt.Errorf("he: bad bench config %+v", cfg)
	}
	workers := defaultWorkers(cfg.Workers)
	rep := &BenchReport{Params: p.String(), LogN: p.LogN(), LogQP: p.LogQP(), Workers: workers, Mode: cfg.Mode.String()}
	if rep.Primitives, err = measurePrimitives(p, cfg.Reps); err != nil {
		return nil, err
	}
	pr := rep.Primitives

	// batch-major
	slotsN := p.Slots()
	batch := make([]float64, slotsN*Pixels)
	for i := 0; i < slotsN*Pixels; i += len(imgs) {
		copy(batch[i:], imgs)
	}
	kcfg := KeyConfig{}
	kc, err := NewKeyChain(p, kcfg)
	if err != nil {
		return nil, err
	}
	tx, err := NewTransmitter(p, w, TxConfig{Workers: workers})
	if err != nil {
		return nil, err
	}
	rx, err := NewReceiver(p, w, kc, RxConfig{Workers: workers})
	if err != nil {
		return nil, err
	}
	ch := NewSlotChannel(p, workers)
	rng := rand.New(rand.NewPCG(cfg.Seed, 1))
	noise := GaussianNoise(nil, rng, slotsN*Features, cfg.N0)
	var px, ft *Tensor
	var labels []uint8
	phases := map[string]float64{}
	var total time.Duration
	for b := 0; b <= cfg.Batches; b++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		switch cfg.Mode {
		case SharedKeyMode:
			k, err := kc.SharedKey(uint64(b))
			if err != nil {
				return nil, err
			}
			err = tx.UseSharedKey(k)
			if err != nil {
				return nil, err
			}
		default:
			bd, err := kc.ForBatch(uint64(b))
			if err != nil {
				return nil, err
			}
			if err := tx.UsePublicKey(bd); err != nil {
				return nil, err
			}
		}
		t0 := time.Now()
		if px, err = tx.Encrypt(px, batch); err != nil {
			return nil, err
		}
		t1 := time.Now()
		if ft, err = tx.Encode(ft, px); err != nil {
			return nil, err
		}
		t2 := time.Now()
		if err := ch.Apply(ft, noise); err != nil {
			return nil, err
		}
		t3 := time.Now()
		if labels, err = rx.Classify(labels, ft); err != nil {
			return nil, err
		}
		t4 := time.Now()
		if b == 0 {
			continue // warm-up: first touch of the tensors
		}
		total += t4.Sub(t0)
		phases["encrypt"] += ms(t1.Sub(t0))
		phases["encoder"] += ms(t2.Sub(t1))
		phases["channel"] += ms(t3.Sub(t2))
		phases["decoder_decrypt"] += ms(t4.Sub(t3))
	}
	for k := range phases {
		phases[k] /= float64(cfg.Batches)
	}
	counts := batchCounts(tx.model)
	enc := pr.EncryptPK
	if cfg.Mode == SharedKeyMode {
		enc = pr.EncryptSK
	}
	boundNS := float64(counts["encode"])*pr.Encode + float64(counts["encrypt"])*enc +
		float64(counts["mul_add"])*pr.MulAdd + float64(counts["square"])*pr.Square +
		float64(counts["mul_add2"])*pr.MulAdd2 + float64(counts["reduce"])*pr.Reduce +
		float64(counts["lift"])*pr.Lift + float64(counts["relinearize"])*pr.Relinearize +
		float64(counts["rescale"])*pr.Rescale + float64(counts["decrypt"])*pr.Decrypt +
		float64(counts["decode"])*pr.Decode
	rep.Batch = ModeReport{
		Images:     slotsN * cfg.Batches,
		MsPerImage: ms(total) / float64(slotsN*cfg.Batches),
		BoundMs:    boundNS / 1e6 / float64(workers) / float64(slotsN),
		Target:     TargetBatchMs,
		Counts:     counts,
		PhasesMs:   phases,
	}
	rep.Batch.Ratio = rep.Batch.MsPerImage / rep.Batch.BoundMs
	// agreement on the last batch
	feat := make([]float64, Features)
	logit := make([]float64, Classes)
	agree := 0
	for i := 0; i < slotsN; i++ {
		w.Features(feat, batch[i*Pixels:(i+1)*Pixels])
		for f := range feat {
			feat[f] += noise[i*Features+f]
		}
		w.Logits(logit, feat)
		if ArgMax(logit) == int(labels[i]) {
			agree++
		}
	}
	rep.ArgMaxAgreement = float64(agree) / float64(slotsN)

	// sizes and key rotation cost (K = 1: a new key set per batch)
	b0, err := kc.ForBatch(0)
	if err != nil {
		return nil, err
	}
	kr, err := NewKeyChain(p, KeyConfig{RotateEvery: 1})
	if err != nil {
		return nil, err
	}
	for i := 0; i < 3; i++ {
		if _, err := kr.ForBatch(uint64(i)); err != nil {
			return nil, err
		}
	}
	n1, t1 := kr.Generations()
	rep.Sizes = Sizes{
		FeatureBytesPerImage: float64(ft.BinarySize()) / float64(slotsN),
		PlainFeatureBytes:    Features * 4,
		PublicBundleBytes:    b0.BinarySize(),
		KeyGenMs:             ms(t1) / float64(n1),
	}
	rep.Sizes.Expansion = rep.Sizes.FeatureBytesPerImage / float64(rep.Sizes.PlainFeatureBytes)
	rep.Sizes.FeatureBytesPerChannelUse = rep.Sizes.FeatureBytesPerImage / (Features / 2)

	// slot-packed latency
	if cfg.SlotImages > 0 && p.Slots() >= 4*slotBlock {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ks, err := NewKeyChain(p, KeyConfig{SlotPackedKernel: w.K})
		if err != nil {
			return nil, err
		}
		t0 := time.Now()
		sb, err := ks.ForBatch(0)
		if err != nil {
			return nil, err
		}
		rep.Sizes.KeyGenSlotPackedMs = ms(time.Since(t0))
		rep.Sizes.SlotPackedBundleBytes = sb.BinarySize()
		stx, err := NewSlotTransmitter(p, w)
		if err != nil {
			return nil, err
		}
		if err := stx.UsePublicKey(sb); err != nil {
			return nil, err
		}
		srx, err := NewSlotReceiver(p, w, ks)
		if err != nil {
			return nil, err
		}
		nimg := len(imgs) / Pixels
		var fr *SlotFrame
		var el time.Duration
		for i := 0; i <= cfg.SlotImages; i++ {
			img := imgs[(i%nimg)*Pixels : (i%nimg+1)*Pixels]
			t0 := time.Now()
			if fr, err = stx.Transmit(fr, img); err != nil {
				return nil, err
			}
			if err := ch.ApplySlot(fr, noise[:Features]); err != nil {
				return nil, err
			}
			if _, err := srx.Classify(fr); err != nil {
				return nil, err
			}
			if i > 0 {
				el += time.Since(t0)
			}
		}
		rep.Sizes.SlotFeatureBytes = 2 * (circuitLevel + 1) * p.p.N() * 8
		sc := slotCounts(w.K)
		bound := float64(sc["encode"])*pr.Encode + float64(sc["encrypt"])*pr.EncryptPK +
			float64(sc["rotate_hoisted"])*pr.RotateHoisted + float64(sc["rotate"])*pr.Rotate +
			float64(sc["mul_pt"])*pr.MulPt + float64(sc["add"])*pr.Add + float64(sc["mul_relin"])*pr.MulRelin +
			float64(sc["lift"])*pr.Lift + float64(sc["rescale"])*pr.Rescale + float64(sc["decrypt"])*pr.Decrypt +
			float64(sc["decode"])*pr.Decode
		rep.Slot = &ModeReport{
			Images:     cfg.SlotImages,
			MsPerImage: ms(el) / float64(cfg.SlotImages),
			BoundMs:    bound / 1e6,
			Target:     TargetSlotMs,
			Counts:     sc,
		}
		rep.Slot.Ratio = rep.Slot.MsPerImage / rep.Slot.BoundMs
	}
	return rep, nil
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// batchCounts returns the operation counts of one batch-major batch.
func batchCounts(m *compiled) map[string]int {
	k, h := m.k, m.k/2
	conv := 0
	for r := 0; r < Rows; r++ {
		for c := 0; c < Cols; c++ {
			for a := 0; a < k; a++ {
				for b := 0; b < k; b++ {
					rr, cc := r+a-h, c+b-h
					if rr >= 0 && rr < Rows && cc >= 0 && cc < Cols && m.conv[a*k+b] != 0 {
						conv++
					}
				}
			}
		}
	}
	fc := 0
	for _, c := range m.fc {
		if c != 0 {
			fc++
		}
	}
	return map[string]int{
		"encode": Pixels + Features, "encrypt": Pixels,
		"mul_add": conv, "square": Pixels, "mul_add2": fc,
		"reduce": 2*Pixels + 3*Features + 3*Classes, "lift": Features,
		"relinearize": Classes, "rescale": Classes, "decrypt": Classes, "decode": Classes,
	}
}

// slotCounts returns the operation counts of one slot-packed image.
func slotCounts(k int) map[string]int {
	taps := k * k
	return map[string]int{
		"encode": 2, "encrypt": 1, "rotate_hoisted": taps - 1,
		"mul_pt": taps + slotFCMasks, "add": taps + 2 + 2 + slotFCMasks*len(slotSumSteps),
		"mul_relin": 1, "rotate": 2 + 2 + slotFCMasks*len(slotSumSteps), "lift": 1,
		"rescale": slotFCMasks, "decrypt": slotFCMasks, "decode": slotFCMasks,
	}
}

// measurePrimitives times each primitive on one core.
func measurePrimitives(p Params, reps int) (Primitives, error) {
	var pr Primitives
	kc, err := NewKeyChain(p, KeyConfig{SlotPackedKernel: 3})
	if err != nil {
		return pr, err
	}
	b, err := kc.ForBatch(0)
	if err != nil {
		return pr, err
	}
	ks := kc.sets[b.id]
	ecd := hefloat.NewEncoder(p.p)
	se := newSlotEncoder(p, ecd)
	vals := make([]float64, p.Slots())
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range vals {
		vals[i] = rng.Float64()
	}
	pt := hefloat.NewPlaintext(p.p, circuitLevel)
	ct := hefloat.NewCiphertext(p.p, 1, circuitLevel)
	ct2 := hefloat.NewCiphertext(p.p, 2, circuitLevel)
	out := hefloat.NewCiphertext(p.p, 1, circuitLevel)
	encPK := newEncryptor(p, b.pk)
	encSK := hefloat.NewEncryptor(p.p, ks.sk)
	eval := hefloat.NewEvaluator(p.p, rlwe.NewMemEvaluationKeySet(b.rlk, b.gks...))
	timeIt := func(f func() error) (float64, error) {
		if err := f(); err != nil { // warm-up
			return 0, err
		}
		t0 := time.Now()
		for i := 0; i < reps; i++ {
			if err := f(); err != nil {
				return 0, err
			}
		}
		return float64(time.Since(t0).Nanoseconds()) / float64(reps), nil
	}
	must := func(v float64, e error) float64 {
		if e != nil && err == nil {
			err = e
		}
		return v
	}
	pr.Encode = must(timeIt(func() error { return se.encode(vals, p.lit.LogScaleInput, pt) }))
	pr.EncryptPK = must(timeIt(func() error { return encPK.Encrypt(pt, ct) }))
	pr.EncryptSK = must(timeIt(func() error { return encSK.Encrypt(pt, ct) }))
	mods := moduli(p)
	n := p.p.N()
	hi, lo := make([]uint64, n), make([]uint64, n)
	acc := make([][]uint64, 6)
	for i := range acc {
		acc[i] = make([]uint64, blockLen)
	}
	pr.MulAdd = must(timeIt(func() error {
		for d := 0; d < 2; d++ {
			for i, m := range mods {
				mac(hi, lo, ct.Value[d].Coeffs[i], 12345, m.q)
			}
		}
		return nil
	}))
	pr.MulAdd2 = pr.MulAdd * 3 / 2
	pr.Square = must(timeIt(func() error {
		for i := range mods {
			for j := 0; j < n; j += blockLen {
				sqAcc(acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], ct.Value[0].Coeffs[i][j:j+blockLen], ct.Value[1].Coeffs[i][j:j+blockLen])
			}
		}
		return nil
	}))
	pr.Reduce = must(timeIt(func() error {
		for i := range mods {
			clear(hi)
			mods[i].reduceTo(out.Value[0].Coeffs[i], hi, lo, 1)
		}
		return nil
	}))
	pr.Lift = must(timeIt(func() error {
		for i := range mods {
			mods[i].mulScalarAdd(out.Value[0].Coeffs[i], pt.Value.Coeffs[i], 3)
		}
		return nil
	}))
	pr.MulPt = must(timeIt(func() error { return eval.Mul(ct, pt, out) }))
	pr.Add = must(timeIt(func() error { return eval.Add(ct, out, out) }))
	pr.MulRelin = must(timeIt(func() error { return eval.MulRelin(ct, ct, out) }))
	pr.Relinearize = must(timeIt(func() error {
		if err := eval.Mul(ct, ct, ct2); err != nil {
			return err
		}
		return eval.Relinearize(ct2, out)
	}))
	mulOnly := must(timeIt(func() error { return eval.Mul(ct, ct, ct2) }))
	pr.Relinearize -= mulOnly
	resc := hefloat.NewCiphertext(p.p, 1, circuitLevel)
	pr.Rescale = must(timeIt(func() error {
		resc.Resize(1, circuitLevel)
		return eval.Rescale(ct, resc)
	}))
	pr.Rotate = must(timeIt(func() error { return eval.Rotate(ct, 1, out) }))
	rots := slotRotations(3)[:8]
	hm := map[int]*rlwe.Ciphertext{}
	for _, r := range rots {
		hm[r] = hefloat.NewCiphertext(p.p, 1, circuitLevel)
	}
	pr.RotateHoisted = must(timeIt(func() error { return eval.RotateHoisted(ct, rots, hm) })) / float64(len(rots))
	pt0 := hefloat.NewPlaintext(p.p, 0)
	pr.Decrypt = must(timeIt(func() error { ks.dec.Decrypt(resc, pt0); return nil }))
	pr.Decode = must(timeIt(func() error { return ecd.Decode(pt0, vals) }))
	if math.IsNaN(pr.Encode) {
		return pr, errors.New("he: primitive timing failed")
	}
	return pr, err
}
