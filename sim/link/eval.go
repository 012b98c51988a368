package link

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/hesemcom/hesemcom/app/he"
	"github.com/hesemcom/hesemcom/app/source"
	"github.com/hesemcom/hesemcom/internal/nn"
	"github.com/hesemcom/hesemcom/internal/units"
	"github.com/hesemcom/hesemcom/phy/jscc"
	"github.com/hesemcom/hesemcom/sim"
)

// Config configures the evaluators of a sweep.
type Config struct {
	// Models supplies the JSCC models; nil means Pretrained(PerSNR).
	Models ModelSource
	// HE is the CKKS parameter set of Model 4; the zero value means
	// he.PresetLogN13.
	HE *he.Params
	// Keys configures the receiver's key chain (rotation) for Model 4.
	Keys he.KeyConfig
	// Datasets returns a dataset by name; nil means the embedded test sets.
	Datasets func(source.Name) (*source.Dataset, error)
	// Eve configures the eavesdroppers of "<model>+eve" points.
	Eve EveConfig
	// Classical configures Model 1, the classical secure link (classical.go).
	Classical ClassicalConfig
	// IQ configures the iq level (iq.go).
	IQ IQConfig
	// Digital configures Model 4's digital transport (transport.go).
	Digital DigitalConfig
	// Hybrid configures the hybrid transport (transport_hybrid.go).
	Hybrid HybridConfig

	eves      *eves            // trained eavesdroppers, shared by the workers
	classical *classicalShared // Model 1 payload cache and oracle choices
}

// NewFactory returns the sim.Factory whose evaluators run the points of a
// sweep. Each worker builds its own models, keys and HE evaluators.
func NewFactory(cfg Config) sim.Factory {
	if cfg.Models == nil {
		cfg.Models = Pretrained(PerSNR)
	}
	if cfg.Datasets == nil {
		cfg.Datasets = source.LoadTest
	}
	cfg.eves = &eves{cfg: cfg.Eve, models: cfg.Models}
	cfg.classical = newClassicalShared()
	return func(int) (sim.Evaluator, error) {
		return &evaluator{cfg: cfg, models: map[modelKey]*jscc.Model{}, heModels: map[*jscc.Model]*heLink{}}, nil
	}
}

type modelKey struct {
	dataset string
	arch    jscc.Arch
	snr     units.DB
}

type heLink struct {
	tx   *he.Transmitter
	rx   *he.Receiver
	slot *he.SlotChannel
	px   *he.Tensor
	feat *he.Tensor
}

// evaluator runs units on one goroutine; it caches per-worker clones.
type evaluator struct {
	cfg      Config
	models   map[modelKey]*jscc.Model
	heModels map[*jscc.Model]*heLink
	params   he.Params
	keys     *he.KeyChain
	batches  uint64

	feats, noise, logits []float32
	imgs, noise64        []float64
	labels               []uint8
	eveNets              map[nn.Layer]nn.Layer // per-worker clones
	model1               *classicalWorker
	iq                   *iqState       // iq level (iq.go)
	digitalW             *digitalWorker // digital transport (transport.go)
	hybridW              *hybridWorker  // hybrid transport (transport_hybrid.go)
}

func (e *evaluator) model(dataset string, model string, snr units.DB) (*jscc.Model, error) {
	arch, err := Arch(model)
	if err != nil {
		return nil, err
	}
	k := modelKey{dataset, arch, snr}
	if m := e.models[k]; m != nil {
		return m, nil
	}
	m, err := e.cfg.Models(dataset, arch, snr)
	if err != nil {
		return nil, err
	}
	m = m.Clone()
	e.models[k] = m
	return m, nil
}

// Eval runs one unit: items [u.From, u.To) of the point's test set.
func (e *evaluator) Eval(ctx context.Context, u sim.Unit) (sim.Counts, error) {
	name, err := source.ParseName(u.Point.Dataset)
	if err != nil {
		return sim.Counts{}, err
	}
	ds, err := e.cfg.Datasets(name)
	if err != nil {
		return sim.Counts{}, err
	}
	if u.To > ds.Len() {
		return sim.Counts{}, fmt.Errorf("link: %d items requested, the %s test set has %d", u.To, name, ds.Len())
	}
	ch, err := e.channelFor(u.Point) // symbol or iq level (iq.go)
	if err != nil {
		return sim.Counts{}, err
	}
	if target, ok := eveTarget(u.Point.Model); ok {
		return e.evalEve(ctx, u, ds, target, ch)
	}
	snr := units.DB(u.Point.SNR)
	if u.Point.Model == Model1 {
		return e.classical(ctx, u, ds, ch, snr)
	}
	m, err := e.model(string(name), u.Point.Model, snr)
	if err != nil {
		return sim.Counts{}, err
	}
	switch u.Point.Model {
	case Model2, Model3, HEWide:
		return e.withIQ(e.plain(ctx, u, ds, m, ch, snr))
	case Model4:
		switch u.Point.Transport {
		case "", "slot":
			return e.withIQ(e.encrypted(ctx, u, ds, m, ch, snr))
		case "digital":
			return e.digital(ctx, u, ds, m, ch, snr) // transport.go
		case "hybrid":
			return e.hybrid(ctx, u, ds, m, ch, snr) // transport_hybrid.go
		}
		return sim.Counts{}, fmt.Errorf("link: transport %q: want slot, digital or hybrid", u.Point.Transport)
	}
	return sim.Counts{}, fmt.Errorf("link: model %q is not available in sweeps", u.Point.Model)
}

// itemNoise draws the effective channel noise of item i into e.noise.
func (e *evaluator) itemNoise(u sim.Unit, ch Channel, snr units.DB, features int, pcg *rand.PCG, r *rand.Rand, i int) []float32 {
	pcg.Seed(u.ItemSeed(i))
	e.noise = grow(e.noise, features)
	ch.Noise(e.noise, snr, r)
	return e.noise
}

func (e *evaluator) plain(ctx context.Context, u sim.Unit, ds *source.Dataset, m *jscc.Model, ch Channel, snr units.DB) (sim.Counts, error) {
	var c sim.Counts
	pcg := rand.NewPCG(0, 0)
	r := rand.New(pcg)
	for i := u.From; i < u.To; i++ {
		if (i-u.From)%256 == 0 && ctx.Err() != nil {
			return c, ctx.Err()
		}
		var err error
		e.feats, err = m.Encode(e.feats[:0], ds.Image(i))
		if err != nil {
			return c, err
		}
		noise, err := e.effNoise(u, ch, snr, m, nil, e.feats, pcg, r, i)
		if err != nil {
			return c, err
		}
		for k := range e.feats {
			e.feats[k] += noise[k]
		}
		e.logits, err = m.Decode(e.logits[:0], e.feats)
		if err != nil {
			return c, err
		}
		c.Items++
		if argmax32(e.logits) == int(ds.Labels[i]) {
			c.Correct++
		}
	}
	c.Extra = map[string]int64{"channel_uses": int64(m.ChannelUses()) * c.Items}
	return c, nil
}

func (e *evaluator) heFor(m *jscc.Model) (*heLink, error) {
	if l := e.heModels[m]; l != nil {
		return l, nil
	}
	if e.keys == nil {
		e.params = he.MustParams(he.PresetLogN13)
		if e.cfg.HE != nil {
			e.params = *e.cfg.HE
		}
		kc, err := he.NewKeyChain(e.params, e.cfg.Keys)
		if err != nil {
			return nil, err
		}
		e.keys = kc
	}
	w, err := TableII(m)
	if err != nil {
		return nil, err
	}
	// One goroutine per HE object: the sweep already runs one evaluator per core.
	tx, err := he.NewTransmitter(e.params, w, he.TxConfig{Workers: 1})
	if err != nil {
		return nil, err
	}
	rx, err := he.NewReceiver(e.params, w, e.keys, he.RxConfig{Workers: 1})
	if err != nil {
		return nil, err
	}
	l := &heLink{tx: tx, rx: rx, slot: he.NewSlotChannel(e.params, 1)}
	e.heModels[m] = l
	return l, nil
}

func (e *evaluator) encrypted(ctx context.Context, u sim.Unit, ds *source.Dataset, m *jscc.Model, ch Channel, snr units.DB) (sim.Counts, error) {
	l, err := e.heFor(m)
	if err != nil {
		return sim.Counts{}, err
	}
	var c sim.Counts
	pcg := rand.NewPCG(0, 0)
	r := rand.New(pcg)
	slots := e.params.Slots()
	for from := u.From; from < u.To; from += slots {
		if err := ctx.Err(); err != nil {
			return c, err
		}
		to := min(from+slots, u.To)
		n := to - from
		f := m.Features()
		e.noise64 = growF64(e.noise64, n*f)
		for i := from; i < to; i++ {
			noise, err := e.effNoise(u, ch, snr, m, ds.Image(i), nil, pcg, r, i)
			if err != nil {
				return c, err
			}
			for k, v := range noise {
				e.noise64[(i-from)*f+k] = float64(v)
			}
		}
		if _, err := e.encryptBatch(l, ds, from, to); err != nil {
			return c, err
		}
		if err := l.slot.Apply(l.feat, e.noise64); err != nil {
			return c, err
		}
		if e.labels, err = l.rx.Classify(e.labels, l.feat); err != nil {
			return c, err
		}
		for i := range n {
			c.Items++
			if int(e.labels[i]) == int(ds.Labels[from+i]) {
				c.Correct++
			}
		}
	}
	c.Extra = map[string]int64{"channel_uses": int64(m.ChannelUses()) * c.Items}
	return c, nil
}

// encryptBatch encrypts images [from, to) of ds under the key set of the
// evaluator's next batch and evaluates the JSCC encoder on them, leaving the
// encrypted features in l.feat; it returns the public bundle used.
func (e *evaluator) encryptBatch(l *heLink, ds *source.Dataset, from, to int) (*he.PublicBundle, error) {
	px := ds.ImageSize()
	e.imgs = growF64(e.imgs, (to-from)*px)
	for i, v := range ds.Pixels[from*px : to*px] {
		e.imgs[i] = float64(v) / 255
	}
	bundle, err := e.keys.ForBatch(e.batches)
	if err != nil {
		return nil, err
	}
	e.batches++
	if err := l.tx.UsePublicKey(bundle); err != nil {
		return nil, err
	}
	if l.px, err = l.tx.Encrypt(l.px, e.imgs); err != nil {
		return nil, err
	}
	if l.feat, err = l.tx.Encode(l.feat, l.px); err != nil {
		return nil, err
	}
	return bundle, nil
}

func argmax32(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

func growF64(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}
