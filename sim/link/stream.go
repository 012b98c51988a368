package link

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
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
	// Link is the model whose link runs: Model4 (default: CKKS), or the
	// plaintext Model2 / Model3 / HEWide, whose stages are the JSCC encoder,
	// the channel and the decoder.
	Link    string
	Dataset source.Name
	Images  int      // first Images of the test set; 0 means all
	SNR     units.DB // Es/N0 per complex symbol
	Channel string   // awgn, rayleigh, rician-K<k>; at the iq level also tdl-a|b|c (ParseIQChannel)
	Seed    uint64
	// Level is "symbol" (default: the source draws each image's effective
	// channel noise) or "iq": the symbols cross the OFDM modem and a
	// sample-level channel (iq.go) as blocks of their own — map, OFDM
	// modulate, channel, OFDM demodulate and equalise — with the sweep's
	// per-image seeds, so the decisions equal the iq-level sweep's.
	Level string
	// IQ configures the iq level (perfect CSI is not offered: the channel
	// block would have to hand its state to the receiver's).
	IQ IQConfig
	// Model is the JSCC model (a Table II model for Model4); nil means the
	// embedded one for the dataset and SNR (per-SNR if embedded, else
	// SNR-agnostic).
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
	Link     string     `json:"link"`
	Dataset  string     `json:"dataset"`
	SNR      float64    `json:"snr_db"`
	Channel  string     `json:"channel"`
	Level    string     `json:"level"`
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
	IQSamples         int                   `json:"iq_samples_per_image,omitempty"` // iq level: with pilots, pads and cyclic prefixes
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
	images    []byte      // the batch's pixels (aliases the dataset)
	feats     []float32   // the batch's plaintext features
	syms      []complex64 // iq level: the features as complex symbols
	iq        []complex64 // iq level: the batch's frames of IQ samples
	px, feat  *he.Tensor
	pred      []uint8
}

// RunStream runs a link over the test set as a pipeline graph and reports
// accuracy, throughput, per-stage counters and sizes. For Model 4 the stages
// are CKKS encryption, the encoder on ciphertext, the slot channel and the
// decoder on ciphertext with decryption, and the plaintext Model 3 decision on
// the same image and noise is computed alongside for comparison. At the iq
// level the OFDM modem and the sample-level channel are blocks of their own
// (see iqAir.blocks), so the counters show what the modem costs.
func RunStream(ctx context.Context, cfg StreamConfig) (*StreamResult, error) {
	if cfg.Link == "" {
		cfg.Link = Model4
	}
	arch, err := Arch(cfg.Link)
	if err != nil {
		return nil, err
	}
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
	var ch Channel
	var ic IQChannel
	switch cfg.Level {
	case "", "symbol":
		cfg.Level = "symbol"
		if ch, err = ParseChannel(cfg.Channel); err != nil {
			return nil, err
		}
	case "iq":
		if cfg.IQ.PerfectCSI {
			return nil, fmt.Errorf("link: the streaming link has no perfect-CSI receiver")
		}
		if ic, err = ParseIQChannel(cfg.Channel); err != nil {
			return nil, err
		}
		ch = Channel{Name: ic.Name}
	default:
		return nil, fmt.Errorf("link: level %q: want symbol or iq", cfg.Level)
	}
	m := cfg.Model
	if m == nil {
		if m, err = Pretrained(PerSNR)(string(cfg.Dataset), arch, cfg.SNR); err != nil {
			return nil, err
		}
	}
	res := &StreamResult{
		Link: cfg.Link, Dataset: string(cfg.Dataset), SNR: float64(cfg.SNR), Channel: ch.Name, Level: cfg.Level, Images: n,
		PlainFeatureBytes: 4 * m.Features(), ChannelUses: m.ChannelUses(), Model: m.Describe(),
	}
	g := pipeline.New()
	g.Buffer = 1 // batches are large; one in each queue is enough to overlap stages
	encrypted := cfg.Link == Model4
	bsize := cfg.Batch
	var hs *heStages
	if encrypted {
		if hs, err = newHEStages(m, cfg, res); err != nil {
			return nil, err
		}
		if bsize == 0 || bsize > hs.params.Slots() {
			bsize = hs.params.Slots()
		}
	} else if bsize == 0 {
		bsize = 500
	}
	iq := cfg.Level == "iq"
	src := streamSource(g, ds, n, bsize, m, ch, cfg, encrypted)
	var air func(<-chan *pipeline.Frame[batch]) <-chan *pipeline.Frame[batch]
	if iq {
		ia, err := newIQAir(cfg, ic, m, encrypted)
		if err != nil {
			return nil, err
		}
		res.IQSamples = ia.samples
		air = func(in <-chan *pipeline.Frame[batch]) <-chan *pipeline.Frame[batch] { return ia.blocks(g, in) }
	}
	var out <-chan *pipeline.Frame[batch]
	if encrypted {
		out = hs.stages(g, src, res, air)
	} else {
		out = plainStages(g, src, m, air)
	}
	var done int64
	var correct, plainCorrect, agree int
	pipeline.Sink(g, "classes", out, func(f *pipeline.Frame[batch]) error {
		b := &f.Items[0]
		for i := range b.n {
			if b.pred[i] == b.labels[i] {
				correct++
			}
			if encrypted {
				if b.plainPred[i] == b.labels[i] {
					plainCorrect++
				}
				if b.pred[i] == b.plainPred[i] {
					agree++
				}
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
	if encrypted {
		res.PlainAccuracy = float64(plainCorrect) / float64(n)
		res.Agreement = agree
		gens, d := hs.keys.Generations()
		res.KeySets, res.KeyGenSeconds = gens, d.Seconds()
	}
	res.ImagesPerSec = float64(n) / res.Seconds
	res.Stages = g.Stats()
	return res, nil
}

// streamSource declares the source block: batches of bsize images with their
// labels and, at the symbol level, channel noise (drawn from the sweep's
// per-item seeds, realisation 0) and for the encrypted link the plaintext
// Model 3 decision on the same image and noise (at the iq level the modem's
// blocks draw the noise and the reference block decides).
func streamSource(g *pipeline.Graph, ds *source.Dataset, n, bsize int, m *jscc.Model, ch Channel, cfg StreamConfig, encrypted bool) <-chan *pipeline.Frame[batch] {
	pool := pipeline.NewPool[batch](1)
	plain := m.Clone()
	return pipeline.Source(g, "images", func(ctx context.Context, emit pipeline.Emit[batch]) error {
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
			b.labels = append(b.labels[:0], ds.Labels[from:from+b.n]...)
			b.noise = growF64(b.noise, b.n*f)
			b.plainPred = b.plainPred[:0]
			b.images = ds.Pixels[from*px : (from+b.n)*px]
			if encrypted {
				b.pixels = growF64(b.pixels, b.n*px)
				for i, v := range ds.Pixels[from*px : (from+b.n)*px] {
					b.pixels[i] = float64(v) / 255
				}
			}
			for i := range b.n {
				if cfg.Level == "iq" {
					break
				}
				pcg.Seed(sim.ItemSeed(cfg.Seed, float64(cfg.SNR), 0, from+i))
				noise = grow(noise, f)
				ch.Noise(noise, cfg.SNR, r)
				for k, v := range noise {
					b.noise[i*f+k] = float64(v)
				}
				if !encrypted {
					continue
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
}

// stage declares a block running fn on each batch in place.
func stage(g *pipeline.Graph, name string, in <-chan *pipeline.Frame[batch], fn func(b *batch) error) <-chan *pipeline.Frame[batch] {
	return pipeline.MapInPlace(g, name, in, func(_, src []batch) ([]batch, error) {
		return src, fn(&src[0])
	})
}

// encoderStage declares a block running the plaintext JSCC encoder on the
// batch's images into b.feats. It is the plaintext links' bottleneck (the
// per-block counters show it at 100 % busy), so it runs one worker per core,
// each with its own clone; the block keeps the batches in order.
func encoderStage(g *pipeline.Graph, name string, in <-chan *pipeline.Frame[batch], m *jscc.Model) <-chan *pipeline.Frame[batch] {
	f := m.Features()
	px := m.Config().Rows * m.Config().Cols
	return pipeline.ParallelMap(g, name, in, runtime.GOMAXPROCS(0), func(int) func(*pipeline.Frame[batch]) (*pipeline.Frame[batch], error) {
		enc := m.Clone()
		var one []float32
		return func(fr *pipeline.Frame[batch]) (*pipeline.Frame[batch], error) {
			b := &fr.Items[0]
			b.feats = grow(b.feats, b.n*f)
			for i := range b.n {
				var err error
				if one, err = enc.Encode(one[:0], b.images[i*px:(i+1)*px]); err != nil {
					return fr, err
				}
				copy(b.feats[i*f:], one)
			}
			return fr, nil
		}
	})
}

// plainStages declares the plaintext JSCC link: encoder, channel, decoder.
// air, if set, declares the iq level's blocks in place of the symbol-level
// channel; they leave the received features in b.feats.
func plainStages(g *pipeline.Graph, src <-chan *pipeline.Frame[batch], m *jscc.Model, air func(<-chan *pipeline.Frame[batch]) <-chan *pipeline.Frame[batch]) <-chan *pipeline.Frame[batch] {
	dec := m.Clone()
	f := m.Features()
	feats := encoderStage(g, "jscc-encoder", src, m)
	var noisy <-chan *pipeline.Frame[batch]
	if air != nil {
		noisy = air(feats)
	} else {
		noisy = stage(g, "channel", feats, func(b *batch) error {
			for k, v := range b.noise[:b.n*f] {
				b.feats[k] += float32(v)
			}
			return nil
		})
	}
	return stage(g, "jscc-decoder", noisy, func(b *batch) error {
		b.pred = b.pred[:0]
		var logits []float32
		for i := range b.n {
			var err error
			if logits, err = dec.Decode(logits[:0], b.feats[i*f:(i+1)*f]); err != nil {
				return err
			}
			b.pred = append(b.pred, uint8(argmax32(logits)))
		}
		return nil
	})
}

// heStages holds the CKKS side of the encrypted link.
type heStages struct {
	params he.Params
	keys   *he.KeyChain
	tx     *he.Transmitter
	rx     *he.Receiver
	slot   *he.SlotChannel
}

func newHEStages(m *jscc.Model, cfg StreamConfig, res *StreamResult) (*heStages, error) {
	w, err := TableII(m)
	if err != nil {
		return nil, err
	}
	h := &heStages{params: he.MustParams(he.PresetLogN13)}
	if cfg.HE != nil {
		h.params = *cfg.HE
	}
	if h.keys, err = he.NewKeyChain(h.params, cfg.Keys); err != nil {
		return nil, err
	}
	if h.tx, err = he.NewTransmitter(h.params, w, he.TxConfig{}); err != nil {
		return nil, err
	}
	if h.rx, err = he.NewReceiver(h.params, w, h.keys, he.RxConfig{}); err != nil {
		return nil, err
	}
	h.slot = he.NewSlotChannel(h.params, 0)
	res.Params = h.params.String()
	return h, nil
}

// stages declares encrypt → encoder on ciphertext → slot channel → decoder
// on ciphertext and decryption. air, if set, declares the iq level's blocks
// before the slot channel: they leave in b.noise the effective noise the
// modem puts on the plaintext-equivalent symbols, which the slot channel
// adds to the encrypted features (the slot transport at the iq level, as in
// the sweep), and the plaintext Model 3 decision in b.plainPred.
func (h *heStages) stages(g *pipeline.Graph, src <-chan *pipeline.Frame[batch], res *StreamResult, air func(<-chan *pipeline.Frame[batch]) <-chan *pipeline.Frame[batch]) <-chan *pipeline.Frame[batch] {
	enc := stage(g, "he-encrypt", src, func(b *batch) error {
		bundle, err := h.keys.ForBatch(b.index)
		if err != nil {
			return err
		}
		if err := h.tx.UsePublicKey(bundle); err != nil {
			return err
		}
		b.px, err = h.tx.Encrypt(b.px, b.pixels)
		return err
	})
	feat := stage(g, "jscc-encoder(ct)", enc, func(b *batch) (err error) {
		b.feat, err = h.tx.Encode(b.feat, b.px)
		if err == nil && res.AirBytesPerImage == 0 {
			res.AirBytesPerImage = float64(b.feat.BinarySize()) / float64(b.n)
		}
		return err
	})
	if air != nil {
		feat = air(feat)
	}
	chOut := stage(g, "channel(slot)", feat, func(b *batch) error { return h.slot.Apply(b.feat, b.noise) })
	return stage(g, "jscc-decoder(ct)+decrypt", chOut, func(b *batch) (err error) {
		b.pred, err = h.rx.Classify(b.pred, b.feat)
		return err
	})
}

// iqAir is the iq level of the streaming link.
type iqAir struct {
	cfg       StreamConfig
	ch        IQChannel
	m         *jscc.Model
	encrypted bool
	f         int // features per image
	samples   int // IQ samples per image's frame
}

func newIQAir(cfg StreamConfig, ch IQChannel, m *jscc.Model, encrypted bool) (*iqAir, error) {
	f := m.Features()
	if f%2 != 0 {
		return nil, fmt.Errorf("link: %d features do not pair into complex symbols", f)
	}
	q, err := newIQModem(cfg.IQ, ch)
	if err != nil {
		return nil, err
	}
	return &iqAir{cfg: cfg, ch: ch, m: m, encrypted: encrypted, f: f, samples: q.Samples(f / 2)}, nil
}

// blocks declares map → ofdm-modulate → channel(iq) → ofdm-demodulate (and
// for Model 4 the plaintext features before them and the reference Model 3
// decision after). Each block has its own modem: they run concurrently on
// different batches. Every step does what iqModem.Send does for one image,
// with the same per-image seed, so the results are bit-identical to the
// sweep's iq level (realisation 0).
func (a *iqAir) blocks(g *pipeline.Graph, in <-chan *pipeline.Frame[batch]) <-chan *pipeline.Frame[batch] {
	newModem := func() *iqModem {
		q, _ := newIQModem(a.cfg.IQ, a.ch) // checked by newIQAir
		return q
	}
	f, h, spi := a.f, a.f/2, a.samples
	if a.encrypted {
		// The slot transport's noise is the modem's on the plaintext-equivalent symbols.
		in = encoderStage(g, "jscc-encoder(plain)", in, a.m)
	}
	mapped := stage(g, "map", in, func(b *batch) error {
		b.syms = growC(b.syms, b.n*h)
		for k := range b.syms {
			b.syms[k] = complex(b.feats[2*k], b.feats[2*k+1])
		}
		return nil
	})
	mq := newModem()
	var frame []complex64
	modulated := stage(g, "ofdm-modulate", mapped, func(b *batch) error {
		b.iq = growC(b.iq, b.n*spi)
		for i := range b.n {
			var err error
			if frame, err = mq.modulate(frame, b.syms[i*h:(i+1)*h]); err != nil {
				return err
			}
			if len(frame) != spi {
				return fmt.Errorf("link: %d IQ samples per frame, want %d", len(frame), spi)
			}
			copy(b.iq[i*spi:], frame)
		}
		return nil
	})
	cq := newModem()
	pcg := rand.NewPCG(0, 0)
	r := rand.New(pcg)
	received := stage(g, "channel(iq)", modulated, func(b *batch) error {
		for i := range b.n {
			pcg.Seed(sim.ItemSeed(a.cfg.Seed, float64(a.cfg.SNR), 0, b.from+i))
			seg := b.iq[i*spi : (i+1)*spi]
			if err := cq.impair(seg, seg, a.cfg.SNR, r); err != nil {
				return err
			}
		}
		return nil
	})
	dq := newModem()
	out := stage(g, "ofdm-demodulate", received, func(b *batch) error {
		for i := range b.n {
			y, _, err := dq.receive(b.iq[i*spi:(i+1)*spi], h, a.cfg.SNR, false)
			if err != nil {
				return err
			}
			// The effective noise, received − sent, as the sweep computes it.
			x, fe := b.syms[i*h:(i+1)*h], b.feats[i*f:(i+1)*f]
			for k, v := range y {
				d := v - x[k]
				if a.encrypted {
					b.noise[i*f+2*k], b.noise[i*f+2*k+1] = float64(real(d)), float64(imag(d))
				} else {
					fe[2*k] += real(d)
					fe[2*k+1] += imag(d)
				}
			}
		}
		return nil
	})
	if !a.encrypted {
		return out
	}
	ref := a.m.Clone()
	var noisy, logits []float32
	return stage(g, "reference(model3)", out, func(b *batch) error {
		b.plainPred = b.plainPred[:0]
		for i := range b.n {
			noisy = append(noisy[:0], b.feats[i*f:(i+1)*f]...)
			for k := range noisy {
				noisy[k] += float32(b.noise[i*f+k])
			}
			var err error
			if logits, err = ref.Decode(logits[:0], noisy); err != nil {
				return err
			}
			b.plainPred = append(b.plainPred, byte(argmax32(logits)))
		}
		return nil
	})
}
