package link

import (
	"context"
	"fmt"
	"time"

	"github.com/hesemcom/hesemcom/app/he"
	"github.com/hesemcom/hesemcom/app/source"
	"github.com/hesemcom/hesemcom/phy/jscc"
	"github.com/hesemcom/hesemcom/sim"
)

// BitsConfig configures CompressionSweep: how many bits per ciphertext
// coefficient the digital transport must keep (issue 9, "the smallest
// modulus that keeps the precision the decoder needs").
type BitsConfig struct {
	Model   *jscc.Model     // a Table II model
	Dataset *source.Dataset // test images [From, From+Images)
	From    int
	Images  int   // ≤ one batch (N/2)
	Bits    []int // bits per coefficient to try
	Degree2 bool  // compress the degree-2 features (no relinearisation)
	HE      *he.Params
}

// BitsResult is one row of CompressionSweep.
type BitsResult struct {
	Bits  int `json:"bits"`
	Polys int `json:"polys"`
	// Accuracy of the decisions after compression, with the 95 % Wilson
	// interval, and Agreement: images whose decision equals the
	// uncompressed ciphertext's.
	Accuracy  float64    `json:"accuracy"`
	CI95      [2]float64 `json:"ci95"`
	Agreement int        `json:"agreement"`
	// Bits on the air per image at a full batch (N/2 images share the
	// ciphertexts), and per image and feature.
	BitsPerImage   float64 `json:"bits_per_image"`
	BitsPerFeature float64 `json:"bits_per_feature"`
	Seconds        float64 `json:"seconds"` // compress + lift
}

// BitsReport is CompressionSweep's result.
type BitsReport struct {
	Params string `json:"params"`
	Images int    `json:"images"`
	// Uncompressed: accuracy and the wire format's bits per image and
	// feature (he.Tensor.BinarySize, degree 2, all residues).
	Accuracy           float64      `json:"accuracy_uncompressed"`
	WireBitsPerImage   float64      `json:"wire_bits_per_image"`
	WireBitsPerFeature float64      `json:"wire_bits_per_feature"`
	LogHeadroom        float64      `json:"log2_q_over_delta"`
	Rows               []BitsResult `json:"rows"`
}

// CompressionSweep encrypts one batch, runs the JSCC encoder on it, and for
// each bit count compresses, lifts and classifies the features with no
// channel noise: the accuracy cost of the compression alone.
func CompressionSweep(ctx context.Context, cfg BitsConfig) (*BitsReport, error) {
	p := he.MustParams(he.PresetLogN13)
	if cfg.HE != nil {
		p = *cfg.HE
	}
	if cfg.Images < 1 || cfg.Images > p.Slots() || cfg.From < 0 || cfg.From+cfg.Images > cfg.Dataset.Len() {
		return nil, fmt.Errorf("link: images [%d, %d) out of range (one batch of ≤ %d from a set of %d)", cfg.From, cfg.From+cfg.Images, p.Slots(), cfg.Dataset.Len())
	}
	w, err := TableII(cfg.Model)
	if err != nil {
		return nil, err
	}
	kc, err := he.NewKeyChain(p, he.KeyConfig{})
	if err != nil {
		return nil, err
	}
	tx, err := he.NewTransmitter(p, w, he.TxConfig{})
	if err != nil {
		return nil, err
	}
	rx, err := he.NewReceiver(p, w, kc, he.RxConfig{})
	if err != nil {
		return nil, err
	}
	b, err := kc.ForBatch(0)
	if err != nil {
		return nil, err
	}
	if err := tx.UsePublicKey(b); err != nil {
		return nil, err
	}
	px := cfg.Dataset.ImageSize()
	imgs := make([]float64, cfg.Images*px)
	for i, v := range cfg.Dataset.Pixels[cfg.From*px : (cfg.From+cfg.Images)*px] {
		imgs[i] = float64(v) / 255
	}
	ct, err := tx.Encrypt(nil, imgs)
	if err != nil {
		return nil, err
	}
	feat, err := tx.Encode(nil, ct)
	if err != nil {
		return nil, err
	}
	ref, err := rx.Classify(nil, feat)
	if err != nil {
		return nil, err
	}
	labels := cfg.Dataset.Labels[cfg.From : cfg.From+cfg.Images]
	correct := func(l []uint8) int64 {
		n := int64(0)
		for i, v := range l {
			if v == labels[i] {
				n++
			}
		}
		return n
	}
	slots := float64(p.Slots())
	rep := &BitsReport{Params: p.String(), Images: cfg.Images, Accuracy: float64(correct(ref)) / float64(cfg.Images),
		WireBitsPerImage: float64(feat.BinarySize()) * 8 / slots, LogHeadroom: p.LogHeadroom()}
	rep.WireBitsPerFeature = rep.WireBitsPerImage / he.Features
	var rk *he.RelinKey
	if !cfg.Degree2 {
		if rk, err = kc.RelinKey(b.ID()); err != nil {
			return nil, err
		}
	}
	var comp *he.Compressed
	var lifted *he.Tensor
	for _, bits := range cfg.Bits {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		start := time.Now()
		if comp, err = feat.Compress(comp, he.CompressConfig{Bits: bits, Relinearize: rk}); err != nil {
			return rep, err
		}
		if lifted, err = comp.Lift(lifted); err != nil {
			return rep, err
		}
		secs := time.Since(start).Seconds()
		got, err := rx.Classify(nil, lifted)
		if err != nil {
			return rep, err
		}
		agree := 0
		for i := range got {
			if got[i] == ref[i] {
				agree++
			}
		}
		k := correct(got)
		lo, hi := sim.Wilson(k, int64(cfg.Images), 1.959963984540054)
		perImage := float64(len(comp.Coeffs())*bits) / slots
		rep.Rows = append(rep.Rows, BitsResult{Bits: bits, Polys: comp.Polys(), Accuracy: float64(k) / float64(cfg.Images), CI95: [2]float64{lo, hi},
			Agreement: agree, BitsPerImage: perImage, BitsPerFeature: perImage / he.Features, Seconds: secs})
	}
	return rep, nil
}
