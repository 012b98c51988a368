package link

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
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
// Against Model 1 she receives the transport block on her own channel and
// undoes everything that needs no key: demodulation, descrambling (the
// sequence is public, TS 38.211 §7.3.1.1) and, by default, LDPC decoding.
// Her observation is the decoded PDU — the length byte in clear, the NEA2
// ciphertext of payload ‖ MAC-I, the zero padding — as its first byte
// one-hot followed by ±1 per bit (EveConfig.Model1 "decoded"), or the
// descrambled channel LLRs of the coded bits as soft bits tanh(LLR/2)
// ("llr"). The training PDUs are
// ciphered under the run's keys (she never learns them) with COUNTs of
// their own, so no keystream of the test images is reused. The ciphertext
// is AES-CTR output; what she can learn comes from the length (the header
// field and where the padding starts) and from which images are not sent at
// all (the codec cannot fit them): both depend on the image.
// ClassicalConfig.ConcealLength closes both channels.
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
	// Model1 is her observation of Model 1's transport block: "decoded"
	// (the default) or "llr" (see above).
	Model1 string
}

// Eve's observations of Model 1 (EveConfig.Model1).
const (
	EveDecoded = "decoded"
	EveLLR     = "llr"
)

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

// eveCount offsets the COUNT of the Model 1 PDUs Eve trains on: the link
// uses COUNT = test image index, so her training PDUs never share a
// keystream with the test images' (that would be a different attack, on the
// link's key management, not on what the ciphertext reveals).
const eveCount = 1 << 31

// classicalEve is Eve's receiver against Model 1 at one point, with the
// transmitter whose PDUs she observes (it holds the keys; she does not).
type classicalEve struct {
	tx   *classicalWorker
	l    classicalLayout
	chn  *classicalChain // nil when no MCS carries a PDU
	mode string
	pdu  []byte
}

func newClassicalEve(ctx context.Context, cfg *Config, p sim.Point, seed uint64) (*classicalEve, error) {
	if cfg.classical == nil {
		return nil, errors.New("link: model 1 needs a factory made by NewFactory")
	}
	mode := cfg.Eve.Model1
	switch mode {
	case "":
		mode = EveDecoded
	case EveDecoded, EveLLR:
	default:
		return nil, fmt.Errorf("link: eavesdropper observation %q of model 1: want %s or %s", mode, EveDecoded, EveLLR)
	}
	ch, err := ParseChannel(p.Channel)
	if err != nil {
		return nil, err
	}
	tx, err := newClassicalWorker(cfg.Classical, seed)
	if err != nil {
		return nil, err
	}
	// The MCS is the link's (signalled in clear in a real system).
	l, _, err := tx.pick(ctx, cfg.classical, ch, p.SNR, seed)
	if err != nil {
		return nil, err
	}
	v := &classicalEve{tx: tx, l: l, mode: mode}
	if l.budget >= 1 {
		if v.chn, err = tx.chain(l); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// dim is the length of one observation.
func (v *classicalEve) dim() int {
	if v.mode == EveLLR {
		return v.l.g
	}
	return 256 + v.l.a
}

// payloads returns the link's payload cache of ds at the point's budget (nil
// when nothing is sent); key names the cache.
func (v *classicalEve) payloads(cfg *Config, key string, ds *source.Dataset) (*payloadSet, error) {
	if v.chn == nil {
		return nil, nil
	}
	return cfg.classical.set(v.tx.cfg, key, ds.Len(), v.l.budget)
}

// observe appends Eve's observation of image i of ds, sent under COUNT
// count (all zeros if nothing is sent: no usable MCS, or a source failure
// without ConcealLength), with her channel noise drawn from r.
func (v *classicalEve) observe(dst []float32, ps *payloadSet, ds *source.Dataset, i int, count uint32, ch Channel, snr units.DB, r *rand.Rand) ([]float32, error) {
	start := len(dst)
	dst = slices.Grow(dst, v.dim())[:start+v.dim()]
	clear(dst[start:])
	if ps == nil {
		return dst, nil
	}
	if err := ps.code(i, ds.Image(i)); err != nil {
		return dst, err
	}
	if ps.srcErr[i] && !v.tx.cfg.ConcealLength {
		return dst, nil // nothing sent
	}
	v.pdu = growB(v.pdu, v.l.a/8)
	if err := v.tx.seal(v.pdu, ps.payload[i], count); err != nil {
		return dst, err
	}
	llr, err := v.chn.llrs(v.pdu, ch, snr, r)
	if err != nil {
		return dst, err
	}
	out := dst[start:]
	if v.mode == EveLLR {
		for k, x := range llr {
			out[k] = float32(math.Tanh(float64(x) / 2))
		}
		return dst, nil
	}
	c := v.chn
	if c.out, err = c.dec.Decode(c.out, llr); err != nil {
		return dst, err
	}
	// The first byte one-hot (the length field of the PDCP layout: an MLP
	// on its 8 bits alone reaches 13.4 % on MNIST at 25 dB where a table of
	// the classes per length reaches 16.3 %), then the PDU's bits as ±1.
	var first byte
	for _, b := range c.out[:8] {
		first = first<<1 | b&1
	}
	out[first] = 1
	for k, b := range c.out {
		out[256+k] = 1 - 2*float32(b)
	}
	return dst, nil
}

// get returns the trained eavesdropper for a point, training it on first use.
func (e *eves) get(ctx context.Context, cfg *Config, p sim.Point, target string, seed uint64) (nn.Layer, error) {
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
	n.once.Do(func() { n.net, n.err = e.train(ctx, cfg, p, target, seed) })
	return n.net, n.err
}

func (e *eves) train(ctx context.Context, cfg *Config, p sim.Point, target string, seed uint64) (nn.Layer, error) {
	switch target {
	case Model1, Model2, Model3, HEWide, Model4:
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
	ch, err := ParseChannel(p.Channel)
	if err != nil {
		return nil, err
	}
	n := e.cfg.Images
	if n == 0 {
		n = 20000
	}
	n = min(n, train.Len())
	obs := &observations{y: append([]byte(nil), train.Labels[:n]...)}
	if target == Model1 {
		v, err := newClassicalEve(ctx, cfg, p, seed)
		if err != nil {
			return nil, err
		}
		ps, err := v.payloads(cfg, string(train.Name)+"/eve-training", train)
		if err != nil {
			return nil, err
		}
		obs.dim = v.dim()
		pcg := rand.NewPCG(0, 0)
		r := rand.New(pcg)
		for i := range n {
			if i%64 == 0 && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			pcg.Seed(sim.ItemSeed(seed^eveSalt, p.SNR, 0, i))
			if obs.x, err = v.observe(obs.x, ps, train, i, uint32(eveCount+i), ch, units.DB(p.SNR), r); err != nil {
				return nil, err
			}
		}
		return e.fitClassical(ctx, obs, v.mode, seed)
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
	obs.dim = m.Features()
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
	return e.fit(ctx, obs, seed)
}

// fit trains Eve's MLP on her labelled observations.
func (e *eves) fit(ctx context.Context, obs *observations, seed uint64) (nn.Layer, error) {
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

// fitClassical trains Eve against Model 1. On the decoded observation she
// fits two classifiers on 90 % of her training observations — her MLP on
// the whole observation, and a table of the classes per value of the PDU's
// first byte (the length field, one-hot in the observation; all-zero when
// nothing is sent) — and keeps whichever classifies the other 10 % better.
// The ciphered bits are uniform, so the MLP spends its capacity on noise and
// gets only part of what the length tells (on MNIST at 25 dB 13.4 % from the
// length byte alone, where the table of classes per length reaches 16.3 %).
func (e *eves) fitClassical(ctx context.Context, obs *observations, mode string, seed uint64) (nn.Layer, error) {
	if mode != EveDecoded || obs.Len() < 20 {
		return e.fit(ctx, obs, seed)
	}
	m := obs.Len() - obs.Len()/10
	fitSet := &observations{dim: obs.dim, x: obs.x[:m*obs.dim], y: obs.y[:m]}
	val := &observations{dim: obs.dim, x: obs.x[m*obs.dim:], y: obs.y[m:]}
	mlp, err := e.fit(ctx, fitSet, seed)
	if err != nil {
		return nil, err
	}
	table, err := lengthTable(fitSet, seed)
	if err != nil {
		return nil, err
	}
	if accuracy(table, val) > accuracy(mlp, val) {
		return table, nil
	}
	return mlp, nil
}

// lengthTable returns the maximum-a-posteriori classifier of the class
// given the first byte of a decoded PDU (one-hot in the first 256 inputs;
// none hot: nothing sent), with add-one smoothing, as a dense layer whose
// output for value j is log P(class | j).
func lengthTable(obs *observations, seed uint64) (nn.Layer, error) {
	const values, classes = 257, 10 // 256 byte values and "nothing sent"
	var count [values][classes]float64
	for i := range obs.Len() {
		v := values - 1
		for j, x := range obs.x[i*obs.dim : i*obs.dim+256] {
			if x != 0 {
				v = j
				break
			}
		}
		count[v][obs.y[i]]++
	}
	logPost := func(v, c int) float32 {
		var n float64
		for _, k := range count[v] {
			n += k
		}
		return float32(math.Log((count[v][c] + 1) / (n + classes)))
	}
	d, err := nn.NewDense(obs.dim, classes, rand.New(rand.NewPCG(seed, eveSalt)))
	if err != nil {
		return nil, err
	}
	clear(d.W.W)
	for c := range classes {
		d.B.W[c] = logPost(values-1, c)
		for v := range values - 1 {
			d.W.W[c*obs.dim+v] = logPost(v, c) - d.B.W[c]
		}
	}
	return d, nil
}

// accuracy is the fraction of obs that net classifies correctly.
func accuracy(net nn.Layer, obs *observations) float64 {
	x := nn.NewTensor(obs.Len(), obs.Shape())
	copy(x.Data, obs.x)
	out := net.Forward(x, false)
	k := out.Shape.Size()
	correct := 0
	for i, y := range obs.y {
		if nn.Argmax(out.Data[i*k:(i+1)*k]) == int(y) {
			correct++
		}
	}
	return float64(correct) / float64(obs.Len())
}

// evalEve scores Eve on the unit's test images (with her own noise).
func (e *evaluator) evalEve(ctx context.Context, u sim.Unit, ds *source.Dataset, target string, ch Channel) (sim.Counts, error) {
	if e.cfg.eves == nil {
		return sim.Counts{}, errors.New("link: eavesdropper points need Config.Eve")
	}
	net, err := e.cfg.eves.get(ctx, &e.cfg, u.Point, target, u.Seed)
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
	if target == Model1 {
		return e.evalEveClassical(ctx, u, ds, ch, local)
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

// evalEveClassical scores Eve against Model 1 on the unit's test images:
// she observes the very PDUs the link sends (COUNT = image index) with her
// own noise.
func (e *evaluator) evalEveClassical(ctx context.Context, u sim.Unit, ds *source.Dataset, ch Channel, net nn.Layer) (sim.Counts, error) {
	v, err := newClassicalEve(ctx, &e.cfg, u.Point, u.Seed)
	if err != nil {
		return sim.Counts{}, err
	}
	ps, err := v.payloads(&e.cfg, string(ds.Name), ds)
	if err != nil {
		return sim.Counts{}, err
	}
	pcg := rand.NewPCG(0, 0)
	r := rand.New(pcg)
	n := u.To - u.From
	batch := nn.NewTensor(n, nn.Shape{C: v.dim(), H: 1, W: 1})
	x := batch.Data[:0]
	for i := u.From; i < u.To; i++ {
		if (i-u.From)%64 == 0 && ctx.Err() != nil {
			return sim.Counts{}, ctx.Err()
		}
		pcg.Seed(sim.ItemSeed(u.Seed^eveSalt, u.Point.SNR, u.Realisation+1, i))
		if x, err = v.observe(x, ps, ds, i, uint32(i), ch, units.DB(u.Point.SNR), r); err != nil {
			return sim.Counts{}, err
		}
	}
	out := net.Forward(batch, false)
	k := out.Shape.Size()
	var c sim.Counts
	for i := range n {
		c.Items++
		if nn.Argmax(out.Data[i*k:(i+1)*k]) == int(ds.Labels[u.From+i]) {
			c.Correct++
		}
	}
	return c, nil
}
