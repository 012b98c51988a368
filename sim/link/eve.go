package link

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"

	"github.com/hesemcom/hesemcom/app/he"
	"github.com/hesemcom/hesemcom/app/source"
	"github.com/hesemcom/hesemcom/internal/nn"
	"github.com/hesemcom/hesemcom/internal/units"
	"github.com/hesemcom/hesemcom/phy/jscc"
	"github.com/hesemcom/hesemcom/sim"
)

// The eavesdropper. Eve listens on the same kind of channel at the same SNR
// (her own noise realisation), knows the architecture, and has the labelled
// training set. She is given the strongest position a passive attacker can
// have against these links: labelled observations — she sees what is sent
// for every training image and knows its class (a known-plaintext setting).
// She trains the best classifier she can on them (an MLP, 196 → 256 ReLU →
// 10) and is scored on the test images the legitimate receiver is scored on.
//
// Against Model 4 she sees the ciphertexts themselves, noise-free (stronger
// than any radio eavesdropper): the encrypted features of each batch,
// modulus-switched as the digital transport sends them; her observation of
// image i is coefficient i of the first polynomial of each of the 196
// feature ciphertexts, scaled to [0, 1). (In batch-major packing every
// coefficient depends on every image of the batch, so no per-image
// observation is better; IND-CPA says none is.)
//
// A point with model "<m>+eve" (e.g. "model3+eve") evaluates Eve against
// model m.

// EveSuffix marks an eavesdropper point's model label.
const EveSuffix = "+eve"

// EveModel returns the model label of the eavesdropper on model.
func EveModel(model string) string { return model + EveSuffix }

// eveTarget returns the model Eve attacks and whether the label is an Eve point.
func eveTarget(model string) (string, bool) {
	return strings.CutSuffix(model, EveSuffix)
}

// EveConfig configures the training of eavesdroppers.
type EveConfig struct {
	// Train returns Eve's labelled images for a dataset (normally the 60k
	// training set).
	Train func(source.Name) (*source.Dataset, error)
	// Images is how many training images she observes; 0 means 20000.
	Images int
	// Epochs of her training; 0 means 8.
	Epochs int
}

// eveSalt separates Eve's channel noise from the receiver's.
const eveSalt = 0x45564521

// eves caches the trained eavesdroppers of a sweep; shared read-only by
// the workers, each of which clones the network.
type eves struct {
	cfg    EveConfig
	models ModelSource
	mu     sync.Mutex
	nets   map[eveKey]*eveNet

	heMu   sync.Mutex // the CKKS side of Model 4's traffic, shared by the workers
	params he.Params
	keys   *he.KeyChain
	txs    map[*jscc.Model]*he.Transmitter
	batch  uint64
	px     *he.Tensor
	feat   *he.Tensor
	comp   *he.Compressed
}

// observeCiphertext encrypts n images (pixels n·784) as the transmitter of
// Model 4 does and returns Eve's observations, n × 196 values.
func (e *eves) observeCiphertext(m *jscc.Model, pixels []byte, n int) ([]float32, error) {
	e.heMu.Lock()
	defer e.heMu.Unlock()
	if e.keys == nil {
		e.params = he.MustParams(he.PresetLogN13)
		kc, err := he.NewKeyChain(e.params, he.KeyConfig{})
		if err != nil {
			return nil, err
		}
		e.keys, e.txs = kc, map[*jscc.Model]*he.Transmitter{}
	}
	tx := e.txs[m]
	if tx == nil {
		w, err := TableII(m)
		if err != nil {
			return nil, err
		}
		if tx, err = he.NewTransmitter(e.params, w, he.TxConfig{Workers: 1}); err != nil {
			return nil, err
		}
		e.txs[m] = tx
	}
	f := m.Features()
	px := len(pixels) / n
	slots := e.params.Slots()
	bits := DigitalBits(e.params, true)
	out := make([]float32, 0, n*f)
	imgs := make([]float64, 0, slots*px)
	for from := 0; from < n; from += slots {
		k := min(slots, n-from)
		imgs = imgs[:0]
		for _, v := range pixels[from*px : (from+k)*px] {
			imgs = append(imgs, float64(v)/255)
		}
		bundle, err := e.keys.ForBatch(e.batch)
		if err != nil {
			return nil, err
		}
		e.batch++
		if err := tx.UsePublicKey(bundle); err != nil {
			return nil, err
		}
		if e.px, err = tx.Encrypt(e.px, imgs); err != nil {
			return nil, err
		}
		if e.feat, err = tx.Encode(e.feat, e.px); err != nil {
			return nil, err
		}
		if e.comp, err = e.feat.Compress(e.comp, he.CompressConfig{Bits: bits}); err != nil {
			return nil, err
		}
		coeffs := e.comp.Coeffs()
		stride := len(coeffs) / f // polys × N per feature ciphertext
		scale := 1 / float32(uint64(1)<<uint(bits))
		for i := range k {
			for j := range f {
				out = append(out, float32(coeffs[j*stride+i])*scale)
			}
		}
	}
	return out, nil
}

type eveKey struct {
	dataset, model string
	snr            float64
	channel        string
}

type eveNet struct {
	once sync.Once
	net  nn.Layer
	err  error
}

// observations is an nn.Dataset of Eve's observation vectors.
type observations struct {
	dim int
	x   []float32
	y   []byte
}

func (o *observations) Len() int        { return len(o.y) }
func (o *observations) Shape() nn.Shape { return nn.Shape{C: o.dim, H: 1, W: 1} }
func (o *observations) Example(dst []float32, i int) byte {
	copy(dst, o.x[i*o.dim:(i+1)*o.dim])
	return o.y[i]
}

// observe writes Eve's observation of one image: what the transmitter of
// model sends (for the plaintext JSCC models, the features) plus her own
// channel noise.
func observe(dst []float32, m *jscc.Model, img []byte, ch Channel, snr units.DB, r *rand.Rand, noise []float32) ([]float32, []float32, error) {
	dst, err := m.Encode(dst[:0], img)
	if err != nil {
		return dst, noise, err
	}
	noise = grow(noise, len(dst))
	ch.Noise(noise, snr, r)
	for k := range dst {
		dst[k] += noise[k]
	}
	return dst, noise, nil
}

// get returns the trained eavesdropper for a point, training it on first use.
func (e *eves) get(ctx context.Context, p sim.Point, target string, seed uint64) (nn.Layer, error) {
	k := eveKey{p.Dataset, target, p.SNR, p.Channel}
	e.mu.Lock()
	if e.nets == nil {
		e.nets = map[eveKey]*eveNet{}
	}
	n := e.nets[k]
	if n == nil {
		n = &eveNet{}
		e.nets[k] = n
	}
	e.mu.Unlock()
	n.once.Do(func() { n.net, n.err = e.train(ctx, p, target, seed) })
	return n.net, n.err
}

func (e *eves) train(ctx context.Context, p sim.Point, target string, seed uint64) (nn.Layer, error) {
	switch target {
	case Model2, Model3, HEWide, Model4:
	case Model1:
		return nil, fmt.Errorf("link: the eavesdropper on %s (encrypted coded bits) is not available in this build", target)
	default:
		return nil, fmt.Errorf("link: no eavesdropper for model %q", target)
	}
	if e.cfg.Train == nil {
		return nil, errors.New("link: the eavesdropper needs the training set (--data)")
	}
	name, err := source.ParseName(p.Dataset)
	if err != nil {
		return nil, err
	}
	train, err := e.cfg.Train(name)
	if err != nil {
		return nil, fmt.Errorf("link: the eavesdropper needs the training set: %w", err)
	}
	arch, err := Arch(target)
	if err != nil {
		return nil, err
	}
	m, err := e.models(p.Dataset, arch, units.DB(p.SNR))
	if err != nil {
		return nil, err
	}
	m = m.Clone()
	ch, err := ParseChannel(p.Channel)
	if err != nil {
		return nil, err
	}
	n := e.cfg.Images
	if n == 0 {
		n = 20000
	}
	n = min(n, train.Len())
	obs := &observations{dim: m.Features(), y: append([]byte(nil), train.Labels[:n]...)}
	if target == Model4 {
		if obs.x, err = e.observeCiphertext(m, train.Pixels[:n*train.ImageSize()], n); err != nil {
			return nil, err
		}
	} else {
		pcg := rand.NewPCG(0, 0)
		r := rand.New(pcg)
		var x, noise []float32
		for i := range n {
			pcg.Seed(sim.ItemSeed(seed^eveSalt, p.SNR, 0, i))
			if x, noise, err = observe(x, m, train.Image(i), ch, units.DB(p.SNR), r, noise); err != nil {
				return nil, err
			}
			obs.x = append(obs.x, x...)
		}
	}
	rng := rand.New(rand.NewPCG(seed, eveSalt))
	d1, err := nn.NewDense(obs.dim, 256, rng)
	if err != nil {
		return nil, err
	}
	d2, err := nn.NewDense(256, 10, rng)
	if err != nil {
		return nil, err
	}
	net, err := nn.NewSequential(obs.Shape(), d1, &nn.ReLU{}, d2)
	if err != nil {
		return nil, err
	}
	epochs := e.cfg.Epochs
	if epochs == 0 {
		epochs = 8
	}
	if err := nn.Train(ctx, net, obs, nn.TrainConfig{Epochs: epochs, BatchSize: 64, LR: 2e-3, Seed: seed}, nil); err != nil {
		return nil, err
	}
	return net, nil
}

// evalEve scores Eve on the unit's test images (with her own noise).
func (e *evaluator) evalEve(ctx context.Context, u sim.Unit, ds *source.Dataset, target string, ch Channel) (sim.Counts, error) {
	if e.cfg.eves == nil {
		return sim.Counts{}, errors.New("link: eavesdropper points need Config.Eve")
	}
	net, err := e.cfg.eves.get(ctx, u.Point, target, u.Seed)
	if err != nil {
		return sim.Counts{}, err
	}
	if e.eveNets == nil {
		e.eveNets = map[nn.Layer]nn.Layer{}
	}
	local := e.eveNets[net]
	if local == nil {
		local = net.Clone()
		e.eveNets[net] = local
	}
	m, err := e.model(u.Point.Dataset, target, units.DB(u.Point.SNR))
	if err != nil {
		return sim.Counts{}, err
	}
	var c sim.Counts
	pcg := rand.NewPCG(0, 0)
	r := rand.New(pcg)
	batch := nn.NewTensor(u.To-u.From, nn.Shape{C: m.Features(), H: 1, W: 1})
	if target == Model4 {
		px := ds.ImageSize()
		x, err := e.cfg.eves.observeCiphertext(m, ds.Pixels[u.From*px:u.To*px], u.To-u.From)
		if err != nil {
			return sim.Counts{}, err
		}
		copy(batch.Data, x)
	}
	var x []float32
	for i := u.From; i < u.To && target != Model4; i++ {
		// Eve's noise on the test images: a realisation of her own.
		pcg.Seed(sim.ItemSeed(u.Seed^eveSalt, u.Point.SNR, u.Realisation+1, i))
		if x, e.noise, err = observe(x, m, ds.Image(i), ch, units.DB(u.Point.SNR), r, e.noise); err != nil {
			return c, err
		}
		copy(batch.Data[(i-u.From)*len(x):], x)
	}
	out := local.Forward(batch, false)
	k := out.Shape.Size()
	for i := u.From; i < u.To; i++ {
		c.Items++
		if nn.Argmax(out.Data[(i-u.From)*k:(i-u.From+1)*k]) == int(ds.Labels[i]) {
			c.Correct++
		}
	}
	return c, nil
}
