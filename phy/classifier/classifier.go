package classifier

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/hesemcom/hesemcom/internal/nn"
)

// Default values of Config fields.
const (
	DefaultRows    = 28
	DefaultCols    = 28
	DefaultWidth   = 16
	DefaultBlocks  = 2
	DefaultClasses = 10
)

// Config is an unchecked description of the network. Zero fields take the
// defaults above.
type Config struct {
	Rows    int `json:"rows"`    // image height, even, 8..256
	Cols    int `json:"cols"`    // image width, even, 8..256
	Width   int `json:"width"`   // channels of the stem and the first stage, 1..128
	Blocks  int `json:"blocks"`  // residual blocks, 1..6; the first one halves the resolution and doubles the width
	Classes int `json:"classes"` // output classes, 2..256
}

func (c Config) withDefaults() (Config, error) {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Rows, DefaultRows)
	def(&c.Cols, DefaultCols)
	def(&c.Width, DefaultWidth)
	def(&c.Blocks, DefaultBlocks)
	def(&c.Classes, DefaultClasses)
	switch {
	case c.Rows < 8 || c.Rows > 256 || c.Rows%2 != 0:
		return c, fmt.Errorf("classifier: rows %d not even in [8, 256]", c.Rows)
	case c.Cols < 8 || c.Cols > 256 || c.Cols%2 != 0:
		return c, fmt.Errorf("classifier: cols %d not even in [8, 256]", c.Cols)
	case c.Width < 1 || c.Width > 128:
		return c, fmt.Errorf("classifier: width %d out of range [1, 128]", c.Width)
	case c.Blocks < 1 || c.Blocks > 6:
		return c, fmt.Errorf("classifier: blocks %d out of range [1, 6]", c.Blocks)
	case c.Classes < 2 || c.Classes > 256:
		return c, fmt.Errorf("classifier: classes %d out of range [2, 256]", c.Classes)
	}
	return c, nil
}

// Meta records how a model was trained.
type Meta struct {
	Dataset   string  `json:"dataset"`
	Images    int     `json:"train_images"`
	Epochs    int     `json:"epochs"`
	BatchSize int     `json:"batch_size"`
	LR        float64 `json:"lr"`
	Seed      uint64  `json:"seed"`
	TestAcc   float64 `json:"test_accuracy"` // clean test-set accuracy measured after training
}

// Model is the residual CNN classifier. It is not safe for concurrent use;
// Clone gives each goroutine its own copy sharing the weights.
type Model struct {
	cfg  Config
	Meta Meta
	net  *nn.Sequential
	bns  []*nn.BatchNorm // in construction order, for the model file

	x nn.Tensor
}

// New validates cfg and returns an untrained model whose weights are drawn
// from a generator seeded with seed.
func New(cfg Config, seed uint64) (*Model, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x636c6173)) // stream "clas"
	m := &Model{cfg: cfg}
	conv := func(in, out, k, stride int) (nn.Layer, error) {
		return nn.NewConv2D(nn.Conv2DConfig{In: in, Out: out, Kernel: k, Stride: stride, Pad: k / 2, NoBias: true}, rng)
	}
	bn := func(c int) (nn.Layer, error) {
		b, err := nn.NewBatchNorm(c)
		if err == nil {
			m.bns = append(m.bns, b)
		}
		return b, err
	}
	var layers []nn.Layer
	var errs []error
	add := func(l nn.Layer, err error) nn.Layer {
		errs = append(errs, err)
		return l
	}
	w := cfg.Width
	stem, err := nn.NewConv2D(nn.Conv2DConfig{In: 1, Out: w, Kernel: 3, Pad: 1, NoBias: true, FirstLayer: true}, rng)
	if err != nil {
		return nil, err
	}
	layers = append(layers, stem, add(bn(w)), &nn.ReLU{}, &nn.MaxPool{Size: 2})
	h, wd := cfg.Rows/2, cfg.Cols/2
	for b := range cfg.Blocks {
		in, stride := w, 1
		// The first block opens a stage at half the resolution and twice the
		// width (14×14 → 7×7 for 28×28 images); later blocks keep the shape.
		// Measured: a full-resolution first stage costs 35 % more training
		// time for no gain we could afford to verify on 2 cores.
		if b == 0 && h >= 8 && wd >= 8 {
			stride, w = 2, 2*w
			h, wd = (h+1)/2, (wd+1)/2
		}
		body := &nn.Sequential{Layers: []nn.Layer{
			add(conv(in, w, 3, stride)), add(bn(w)), &nn.ReLU{},
			add(conv(w, w, 3, 1)), add(bn(w)),
		}}
		r := &nn.Residual{Body: body}
		if stride != 1 || in != w {
			r.Shortcut = &nn.Sequential{Layers: []nn.Layer{add(conv(in, w, 1, stride)), add(bn(w))}}
		}
		layers = append(layers, r, &nn.ReLU{})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	fc, err := nn.NewDense(w, cfg.Classes, rng)
	if err != nil {
		return nil, err
	}
	layers = append(layers, &nn.GlobalAvgPool{}, fc)
	if m.net, err = nn.NewSequential(nn.Shape{C: 1, H: cfg.Rows, W: cfg.Cols}, layers...); err != nil {
		return nil, err
	}
	return m, nil
}

// Config returns the checked configuration (defaults filled in).
func (m *Model) Config() Config { return m.cfg }

// Net returns the underlying network (shared with m).
func (m *Model) Net() nn.Layer { return m.net }

// ImageSize returns Rows×Cols, the pixels of one input image.
func (m *Model) ImageSize() int { return m.cfg.Rows * m.cfg.Cols }

// Clone returns a model sharing m's weights and batch-norm statistics with
// its own scratch space.
func (m *Model) Clone() *Model {
	return &Model{cfg: m.cfg, Meta: m.Meta, net: m.net.Clone().(*nn.Sequential), bns: m.bns}
}

// Images is a labelled set of 8-bit grayscale images, row-major, image after
// image, with pixels scaled to [0, 1] for training (see nn.Images).
type Images = nn.Images

func (m *Model) check(d *Images) error {
	if d.Rows != m.cfg.Rows || d.Cols != m.cfg.Cols {
		return fmt.Errorf("classifier: images are %d×%d, the model takes %d×%d", d.Rows, d.Cols, m.cfg.Rows, m.cfg.Cols)
	}
	if len(d.Pixels) != d.Len()*d.Rows*d.Cols {
		return fmt.Errorf("classifier: %d pixel bytes for %d images of %d×%d", len(d.Pixels), d.Len(), d.Rows, d.Cols)
	}
	for i, l := range d.Labels {
		if int(l) >= m.cfg.Classes {
			return fmt.Errorf("classifier: label %d of image %d ≥ %d classes", l, i, m.cfg.Classes)
		}
	}
	return nil
}

// TrainConfig configures Model.Train. Zero fields take the defaults.
type TrainConfig struct {
	Epochs    int     // default 4
	BatchSize int     // default 64
	LR        float64 // initial Adam step size, default 3e-3, cosine-decayed to LR/20
	Seed      uint64  // shuffling
	Shards    int     // concurrent gradient shards, default 2 (the result depends on it, not on GOMAXPROCS)
}

// Train fits the model to data (clean images) with softmax cross-entropy and
// Adam. It is deterministic for a seed and shard count. progress, if non-nil,
// is called after each epoch.
func (m *Model) Train(ctx context.Context, data *Images, tc TrainConfig, progress func(nn.Progress)) error {
	if err := m.check(data); err != nil {
		return err
	}
	if tc.Epochs == 0 {
		tc.Epochs = 4
	}
	if tc.BatchSize == 0 {
		tc.BatchSize = 64
	}
	if tc.LR == 0 {
		tc.LR = 3e-3
	}
	if err := nn.Train(ctx, m.net, data, nn.TrainConfig{Epochs: tc.Epochs, BatchSize: tc.BatchSize, LR: tc.LR, Seed: tc.Seed, Shards: tc.Shards}, progress); err != nil {
		return err
	}
	m.Meta.Images, m.Meta.Epochs, m.Meta.BatchSize, m.Meta.LR, m.Meta.Seed = data.Len(), tc.Epochs, tc.BatchSize, tc.LR, tc.Seed
	return nil
}

// Accuracy returns the fraction of data classified correctly, evaluated in
// batches of 256 on up to shards goroutines.
func (m *Model) Accuracy(ctx context.Context, data *Images, shards int) (float64, error) {
	if err := m.check(data); err != nil {
		return 0, err
	}
	if data.Len() == 0 {
		return 0, errors.New("classifier: accuracy of an empty set")
	}
	_, right, err := nn.Evaluate(ctx, m.net, data, 256, max(shards, 1), 0, 0)
	if err != nil {
		return 0, err
	}
	return float64(right) / float64(data.Len()), nil
}

// Classify returns the class of one image (Rows×Cols 8-bit pixels).
// It allocates only on its first call (scratch space kept in m).
func (m *Model) Classify(img []byte) (int, error) {
	if len(img) != m.ImageSize() {
		return 0, fmt.Errorf("classifier: image of %d bytes, want %d", len(img), m.ImageSize())
	}
	m.x.Resize(1, nn.Shape{C: 1, H: m.cfg.Rows, W: m.cfg.Cols})
	nn.ScalePixels(m.x.Data, img)
	return nn.Argmax(m.net.Forward(&m.x, false).Sample(0)), nil
}

// ClassifyBatch appends the classes of the images in pixels (a whole number
// of Rows×Cols images) to dst[:0] and returns it. Batching amortises the
// per-call overhead of the layers.
func (m *Model) ClassifyBatch(dst []byte, pixels []byte) ([]byte, error) {
	px := m.ImageSize()
	if len(pixels)%px != 0 {
		return dst[:0], fmt.Errorf("classifier: %d pixel bytes is not a whole number of %d-byte images", len(pixels), px)
	}
	dst = dst[:0]
	const batch = 256
	for from := 0; from < len(pixels); from += batch * px {
		chunk := pixels[from:min(len(pixels), from+batch*px)]
		n := len(chunk) / px
		m.x.Resize(n, nn.Shape{C: 1, H: m.cfg.Rows, W: m.cfg.Cols})
		nn.ScalePixels(m.x.Data, chunk)
		out := m.net.Forward(&m.x, false)
		for i := range n {
			dst = append(dst, byte(nn.Argmax(out.Sample(i))))
		}
	}
	return dst, nil
}
