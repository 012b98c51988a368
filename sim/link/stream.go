package link

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/hesemcom/hesemcom/app/he"
	"github.com/hesemcom/hesemcom/app/source"
	"github.com/hesemcom/hesemcom/internal/units"
	"github.com/hesemcom/hesemcom/phy/jscc"
	"github.com/hesemcom/hesemcom/pipeline"
	"github.com/hesemcom/hesemcom/sim"
)

// StreamConfig configures the encrypted link run as a pipeline graph (the
// main job): images → CKKS encrypt → JSCC encoder on ciphertext → channel
// (slot) → JSCC decoder on ciphertext → decrypt → class.
type StreamConfig struct {
	Dataset source.Name
	Images  int      // first Images of the test set; 0 means all
	SNR     units.DB // Es/N0 per complex symbol
	Channel string   // awgn, rayleigh, rician-K<k>
	Seed    uint64
	// Model is the Table II model; nil means the embedded one for the
	// dataset and SNR (per-SNR if embedded, else SNR-agnostic).
	Model *jscc.Model
	// HE is the parameter set; nil means he.PresetLogN13.
	HE *he.Params
	// Keys configures key rotation.
	Keys he.KeyConfig
	// Batch is the images per CKKS batch; 0 means all slots (N/2).
	Batch int
	// Progress, if set, is called with images done and the total.
	Progress func(done, total int64)
}

// StreamResult is the outcome of a streaming run.
type StreamResult struct {
	Dataset  string     `json:"dataset"`
	SNR      float64    `json:"snr_db"`
	Channel  string     `json:"channel"`
	Images   int        `json:"images"`
	Batches  int        `json:"batches"`
	Correct  int        `json:"correct"`
	Accuracy float64    `json:"accuracy"`
	CI95     [2]float64 `json:"ci95"`
	// Plaintext Model 3 on the same images and noise, and how many
	// decisions the encrypted link shares with it.
	PlainAccuracy float64 `json:"plaintext_model3_accuracy"`
	Agreement     int     `json:"decisions_agreeing_with_plaintext"`
	Seconds       float64 `json:"seconds"`
	ImagesPerSec  float64 `json:"images_per_s"`
	// AirBytesPerImage is the size of the encrypted features one image puts
	// on the air (serialised ciphertexts / images per batch), against
	// PlainFeatureBytes for the 196 features as float32.
	AirBytesPerImage  float64               `json:"air_bytes_per_image"`
	PlainFeatureBytes int                   `json:"plain_feature_bytes"`
	ChannelUses       int                   `json:"channel_uses_per_image"`
	Params            string                `json:"he_params"`
	Model             string                `json:"model"`
	KeySets           int                   `json:"key_sets"`
	KeyGenSeconds     float64               `json:"keygen_s"`
	Stages            []pipeline.BlockStats `json:"stages"`
}

// batch travels through the graph; frames hold exactly one. Its tensors are
// reused from one batch to the next (they are large: first-touching fresh
// memory is expensive).
type batch struct {
	index     uint64
	from, n   int
	pixels    []float64
	noise     []float64
	labels    []byte
	plainPred []byte
	px, feat  *he.Tensor
	pred      []uint8
}

// RunStream runs the encrypted link of Model 4 over the test set as a
// pipeline graph and reports accuracy, throughput, per-stage counters and
// sizes.
func RunStream(ctx context.Context, cfg StreamConfig) (*StreamResult, error) {
	ds, err := source.LoadTest(cfg.Dataset)
	if err != nil {
		return nil, err
	}
	n := cfg.Images
	if n == 0 {
		n = ds.Len()
	}
	if n < 1 || n > ds.Len() {
		return nil, fmt.Errorf("link: images %d out of range [1, %d]", n, ds.Len())
	}
	ch, err := ParseChannel(cfg.Channel)
	if err != nil {
		return nil, err
	}
	m := cfg.Model
	if m == nil {
		if m, err = Pretrained(PerSNR)(string(cfg.Dataset), jscc.HE, cfg.SNR); err != nil {
			return nil, err
		}
	}
	w, err := TableII(m)
	if err != nil {
		return nil, err
	}
	params := he.MustParams(he.PresetLogN13)
	if cfg.HE != nil {
		params = *cfg.HE
	}
	bsize := cfg.Batch
	if bsize == 0 || bsize > params.Slots() {
		bsize = params.Slots()
	}
	keys, err := he.NewKeyChain(params, cfg.Keys)
	if err != nil {
		return nil, err
	}
	tx, err := he.NewTransmitter(params, w, he.TxConfig{})
	if err != nil {
		return nil, err
	}
	rx, err := he.NewReceiver(params, w, keys, he.RxConfig{})
	if err != nil {
		return nil, err
	}
	slot := he.NewSlotChannel(params, 0)

	res := &StreamResult{
		Dataset: string(cfg.Dataset), SNR: float64(cfg.SNR), Channel: ch.Name, Images: n,
		PlainFeatureBytes: 4 * m.Features(), ChannelUses: m.ChannelUses(), Params: params.String(), Model: m.Describe(),
	}
	pool := pipeline.NewPool[batch](1)
	g := pipeline.New()
	g.Buffer = 1 // batches are large; one in each queue is enough to overlap stages
	plain := m.Clone()
	src := pipeline.Source(g, "images", func(ctx context.Context, emit pipeline.Emit[batch]) error {
		pcg := rand.NewPCG(0, 0)
		r := rand.New(pcg)
		var feats, logits, noise []float32
		px := ds.ImageSize()
		f := m.Features()
		for bi, from := uint64(0), 0; from < n; bi, from = bi+1, from+bsize {
			fr := pool.Get()
			fr.Items = fr.Items[:1] // keep the recycled batch and its tensors
			b := &fr.Items[0]
			b.index, b.from, b.n = bi, from, min(bsize, n-from)
			fr.Seq = bi
			b.pixels = growF64(b.pixels, b.n*px)
			for i, v := range ds.Pixels[from*px : (from+b.n)*px] {
				b.pixels[i] = float64(v) / 255
			}
			b.labels = append(b.labels[:0], ds.Labels[from:from+b.n]...)
			b.noise = growF64(b.noise, b.n*f)
			b.plainPred = b.plainPred[:0]
			for i := range b.n {
				pcg.Seed(sim.ItemSeed(cfg.Seed, float64(cfg.SNR), 0, from+i))
				noise = grow(noise, f)
				ch.Noise(noise, cfg.SNR, r)
				for k, v := range noise {
					b.noise[i*f+k] = float64(v)
				}
				// The plaintext Model 3 decision on the same image and noise.
				var err error
				if feats, err = plain.Encode(feats[:0], ds.Image(from+i)); err != nil {
					return err
				}
				for k := range feats {
					feats[k] += noise[k]
				}
				if logits, err = plain.Decode(logits[:0], feats); err != nil {
					return err
				}
				b.plainPred = append(b.plainPred, byte(argmax32(logits)))
			}
			if err := emit(fr); err != nil {
				return err
			}
		}
		return nil
	})
	stage := func(name string, in <-chan *pipeline.Frame[batch], fn func(b *batch) error) <-chan *pipeline.Frame[batch] {
		return pipeline.MapInPlace(g, name, in, func(_, src []batch) ([]batch, error) {
			return src, fn(&src[0])
		})
	}
	enc := stage("he-encrypt", src, func(b *batch) error {
		bundle, err := keys.ForBatch(b.index)
		if err != nil {
			return err
		}
		if err := tx.UsePublicKey(bundle); err != nil {
			return err
		}
		b.px, err = tx.Encrypt(b.px, b.pixels)
		return err
	})
	feat := stage("jscc-encoder(ct)", enc, func(b *batch) (err error) {
		b.feat, err = tx.Encode(b.feat, b.px)
		if err == nil && res.AirBytesPerImage == 0 {
			res.AirBytesPerImage = float64(b.feat.BinarySize()) / float64(b.n)
		}
		return err
	})
	chOut := stage("channel(slot)", feat, func(b *batch) error { return slot.Apply(b.feat, b.noise) })
	dec := stage("jscc-decoder(ct)+decrypt", chOut, func(b *batch) (err error) {
		b.pred, err = rx.Classify(b.pred, b.feat)
		return err
	})
	var done int64
	var correct, plainCorrect, agree int
	pipeline.Sink(g, "classes", dec, func(f *pipeline.Frame[batch]) error {
		b := &f.Items[0]
		for i := range b.n {
			if b.pred[i] == b.labels[i] {
				correct++
			}
			if b.plainPred[i] == b.labels[i] {
				plainCorrect++
			}
			if b.pred[i] == b.plainPred[i] {
				agree++
			}
		}
		res.Batches++
		done += int64(b.n)
		if cfg.Progress != nil {
			cfg.Progress(done, int64(n))
		}
		return nil
	})
	t0 := time.Now()
	if err := g.Run(ctx); err != nil {
		return nil, err
	}
	res.Seconds = time.Since(t0).Seconds()
	res.Correct = correct
	res.Accuracy = float64(correct) / float64(n)
	lo, hi := sim.Wilson(int64(correct), int64(n), 1.959963984540054)
	res.CI95 = [2]float64{lo, hi}
	res.PlainAccuracy = float64(plainCorrect) / float64(n)
	res.Agreement = agree
	res.ImagesPerSec = float64(n) / res.Seconds
	gens, d := keys.Generations()
	res.KeySets, res.KeyGenSeconds = gens, d.Seconds()
	res.Stages = g.Stats()
	return res, nil
}
