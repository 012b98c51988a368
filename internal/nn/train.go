package nn

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
)

// Dataset is a labelled training or test set.
type Dataset interface {
	// Len returns the number of examples.
	Len() int
	// Shape returns the per-example input shape.
	Shape() Shape
	// Example writes example i into dst (len Shape().Size()) and returns its
	// class label.
	Example(dst []float32, i int) byte
}

// TrainConfig configures Train. Zero fields take the documented defaults.
type TrainConfig struct {
	Epochs      int     // passes over the data, >= 1
	BatchSize   int     // examples per step, default 64; the remainder of an epoch is dropped
	LR          float64 // Adam step size at the start, default 1e-3
	LRFinal     float64 // step size at the end of a cosine decay, default LR/20
	WeightDecay float64 // AdamW decoupled weight decay, default 0
	Shards      int     // gradient shards per step computed concurrently, default 2
	Seed        uint64  // shuffling and layer noise
}

func (c *TrainConfig) defaults() error {
	if c.BatchSize == 0 {
		c.BatchSize = 64
	}
	if c.LR == 0 {
		c.LR = 1e-3
	}
	if c.LRFinal == 0 {
		c.LRFinal = c.LR / 20
	}
	if c.Shards == 0 {
		c.Shards = 2
	}
	switch {
	case c.Epochs < 1:
		return fmt.Errorf("nn: epochs %d < 1", c.Epochs)
	case c.BatchSize < 1 || c.Shards < 1 || c.BatchSize < c.Shards:
		return fmt.Errorf("nn: batch size %d with %d shards", c.BatchSize, c.Shards)
	case !(c.LR > 0) || !(c.LRFinal > 0) || c.WeightDecay < 0:
		return fmt.Errorf("nn: invalid learning rates %v→%v or weight decay %v", c.LR, c.LRFinal, c.WeightDecay)
	}
	return nil
}

// Progress reports the end of an epoch.
type Progress struct {
	Epoch, Epochs int
	Loss          float64 // mean training loss over the epoch
	Accuracy      float64 // training accuracy over the epoch (with layer noise)
}

// shard is one worker's replica of the network and its buffers.
type shard struct {
	net    Layer
	x, dl  Tensor
	labels []byte
	loss   float64
	right  int
}

func (s *shard) fill(data Dataset, idx []int) {
	s.x.Resize(len(idx), data.Shape())
	s.labels = s.labels[:0]
	for i, j := range idx {
		s.labels = append(s.labels, data.Example(s.x.Sample(i), j))
	}
}

func newShards(net Layer, n int) []*shard {
	sh := make([]*shard, n)
	for i := range sh {
		l := net
		if i > 0 {
			l = net.Clone()
		}
		sh[i] = &shard{net: l}
	}
	return sh
}

// noiseStream returns the PCG stream of the layer noise of one shard of one
// step; SeedAll adds the seeder index (< 16).
func noiseStream(step, shard int) uint64 { return uint64(step)<<12 | uint64(shard)<<4 }

// Train fits net to data with softmax cross-entropy and Adam (cosine-decayed
// step size). Each mini-batch is split into cfg.Shards contiguous shards whose
// gradients are computed concurrently on clones of net and summed in shard
// order, so the result depends on the seed and the shard count but not on
// GOMAXPROCS. progress, if non-nil, is called after every epoch.
func Train(ctx context.Context, net Layer, data Dataset, cfg TrainConfig, progress func(Progress)) error {
	if err := cfg.defaults(); err != nil {
		return err
	}
	if _, err := net.OutShape(data.Shape()); err != nil {
		return err
	}
	n := data.Len()
	if n < cfg.BatchSize {
		return fmt.Errorf("nn: %d examples for batch size %d", n, cfg.BatchSize)
	}
	shards := newShards(net, cfg.Shards)
	params := net.Params()
	adam := NewAdam(cfg.LR)
	adam.WeightDecay = cfg.WeightDecay
	steps := n / cfg.BatchSize
	total := steps * cfg.Epochs
	scale := 1 / float32(cfg.BatchSize)
	for epoch := 0; epoch < cfg.Epochs; epoch++ {
		perm := rand.New(rand.NewPCG(cfg.Seed, 1<<40+uint64(epoch))).Perm(n)
		var loss float64
		var right int
		for s := 0; s < steps; s++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			step := epoch*steps + s
			batch := perm[s*cfg.BatchSize : (s+1)*cfg.BatchSize]
			var wg sync.WaitGroup
			for k, sh := range shards {
				lo, hi := k*len(batch)/len(shards), (k+1)*len(batch)/len(shards)
				wg.Add(1)
				go func() {
					defer wg.Done()
					sh.fill(data, batch[lo:hi])
					SeedAll(sh.net, cfg.Seed, noiseStream(step, k))
					ZeroGrad(sh.net)
					out := sh.net.Forward(&sh.x, true)
					sh.loss, sh.right = SoftmaxCrossEntropy(out, sh.labels, &sh.dl, scale)
					sh.net.Backward(&sh.dl)
				}()
			}
			wg.Wait()
			for k := 1; k < len(shards); k++ {
				for i, p := range shards[k].net.Params() {
					g := params[i].G
					for j, v := range p.G {
						g[j] += v
					}
				}
			}
			for _, sh := range shards {
				loss += sh.loss
				right += sh.right
			}
			// Cosine decay (Loshchilov & Hutter 2017, eq. 5, one cycle).
			c := 0.5 * (1 + math.Cos(math.Pi*float64(step)/float64(total)))
			adam.LR = cfg.LRFinal + (cfg.LR-cfg.LRFinal)*c
			adam.Step(params)
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return errors.New("nn: training diverged (loss is not finite)")
		}
		if progress != nil {
			m := float64(steps * cfg.BatchSize)
			progress(Progress{Epoch: epoch + 1, Epochs: cfg.Epochs, Loss: loss / m, Accuracy: float64(right) / m})
		}
	}
	return nil
}

// Evaluate runs net in inference mode over data in chunks of batch examples
// and returns the mean loss and the number of correct top-1 predictions.
// Chunk c is handled by worker c mod shards, and before it runs every Seeder
// layer is seeded with (seed, stream + c·16 + i), so the result does not
// depend on the number of workers' scheduling. net is used by worker 0 and
// cloned for the others.
func Evaluate(ctx context.Context, net Layer, data Dataset, batch, shards int, seed, stream uint64) (loss float64, correct int, err error) {
	if batch < 1 || shards < 1 {
		return 0, 0, fmt.Errorf("nn: invalid evaluation batch %d or shards %d", batch, shards)
	}
	if _, err := net.OutShape(data.Shape()); err != nil {
		return 0, 0, err
	}
	n := data.Len()
	chunks := (n + batch - 1) / batch
	shards = min(shards, max(chunks, 1))
	sh := newShards(net, shards)
	var wg sync.WaitGroup
	for k, s := range sh {
		wg.Add(1)
		go func() {
			defer wg.Done()
			idx := make([]int, 0, batch)
			for c := k; c < chunks; c += shards {
				if ctx.Err() != nil {
					return
				}
				idx = idx[:0]
				for i := c * batch; i < min(n, (c+1)*batch); i++ {
					idx = append(idx, i)
				}
				s.fill(data, idx)
				SeedAll(s.net, seed, stream+uint64(c)<<4)
				out := s.net.Forward(&s.x, false)
				l, r := SoftmaxCrossEntropy(out, s.labels, nil, 1)
				s.loss += l
				s.right += r
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	for _, s := range sh {
		loss += s.loss
		correct += s.right
	}
	return loss / float64(max(n, 1)), correct, nil
}
