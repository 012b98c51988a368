package pipebench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/hesemcom/hesemcom/pipeline"
)

// Config describes one chain measurement. Zero fields take the defaults.
type Config struct {
	Blocks   int   `json:"blocks"`    // multiply-by-constant blocks, default 1
	FrameLen int   `json:"frame_len"` // samples per frame, default 4096
	Samples  int64 `json:"samples"`   // samples streamed, default 20,000,000
	Buffer   int   `json:"buffer"`    // channel capacity, default pipeline.DefaultBuffer
}

func (c Config) withDefaults() (Config, error) {
	if c.Blocks == 0 {
		c.Blocks = 1
	}
	if c.FrameLen == 0 {
		c.FrameLen = 4096
	}
	if c.Samples == 0 {
		c.Samples = 20_000_000
	}
	switch {
	case c.Blocks < 0 || c.Blocks > 1024:
		return c, fmt.Errorf("pipebench: blocks %d out of range [0, 1024]", c.Blocks)
	case c.FrameLen < 1 || c.FrameLen > 1<<24:
		return c, fmt.Errorf("pipebench: frame length %d out of range [1, 2^24]", c.FrameLen)
	case c.Samples < 1:
		return c, fmt.Errorf("pipebench: samples %d must be positive", c.Samples)
	case c.Buffer < 0:
		return c, fmt.Errorf("pipebench: negative buffer %d", c.Buffer)
	}
	return c, nil
}

// Result is one measurement.
type Result struct {
	Config      Config                `json:"config"`
	ChainSec    float64               `json:"chain_s"`
	ChainSps    float64               `json:"chain_samples_per_s"`
	FusedSps    float64               `json:"fused_samples_per_s"`
	Ratio       float64               `json:"chain_over_fused"`
	GNURadioSps float64               `json:"gnuradio_samples_per_s,omitempty"`
	Checksum    complex128            `json:"-"`
	Cores       int                   `json:"cores"`
	Blocks      []pipeline.BlockStats `json:"block_stats"`
}

// GNURadioSps is GNU Radio 3.10's measured rate on this chain on the
// project's 2-core machines, by number of multiply blocks
// (shared/anchors/README.md).
var GNURadioSps = map[int]float64{1: 100e6, 4: 50e6, 16: 38e6}

// vectorLen is the length of the repeating source vector, as in the anchor
// script (8192 random unit-magnitude QPSK points).
const vectorLen = 8192

func sourceVector() []complex64 {
	r := rand.New(rand.NewPCG(1, 1))
	v := make([]complex64, vectorLen)
	for i := range v {
		ph := math.Pi / 4 * float64(2*r.IntN(4)+1)
		v[i] = complex(float32(math.Cos(ph)), float32(math.Sin(ph)))
	}
	return v
}

// fill copies the repeating vector into dst starting at stream offset off.
func fill(dst, vec []complex64, off int64) {
	p := int(off % int64(len(vec)))
	for n := 0; n < len(dst); {
		k := copy(dst[n:], vec[p:])
		n += k
		p = 0
	}
}

// Chain runs source → cfg.Blocks × multiply-by-constant(1) → null sink through
// the pipeline and returns the rate and the per-block counters.
func Chain(ctx context.Context, cfg Config) (Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Result{}, err
	}
	vec := sourceVector()
	g := pipeline.New()
	g.Buffer = cfg.Buffer
	pool := pipeline.NewPool[complex64](cfg.FrameLen)
	src := pipeline.Source(g, "source", func(ctx context.Context, emit pipeline.Emit[complex64]) error {
		var seq uint64
		for off := int64(0); off < cfg.Samples; seq++ {
			n := int(min(int64(cfg.FrameLen), cfg.Samples-off))
			f := pool.Get()
			f.Seq, f.Offset = seq, off
			f.Items = f.Items[:n]
			fill(f.Items, vec, off)
			if err := emit(f); err != nil {
				return err
			}
			off += int64(n)
		}
		return nil
	})
	s := src
	k := Scaler{C: 1}
	for i := range cfg.Blocks {
		s = pipeline.MapInPlace(g, fmt.Sprintf("multiply%d", i+1), s, k.Kernel)
	}
	var sum complex128
	pipeline.Sink(g, "null_sink", s, func(f *pipeline.Frame[complex64]) error {
		sum += complex128(f.Items[0]) // touch the data so nothing is optimised away
		return nil
	})
	t0 := time.Now()
	if err := g.Run(ctx); err != nil {
		return Result{}, err
	}
	el := time.Since(t0).Seconds()
	res := Result{
		Config: cfg, ChainSec: el, ChainSps: float64(cfg.Samples) / el,
		Checksum: sum, Cores: runtime.GOMAXPROCS(0), Blocks: g.Stats(),
		GNURadioSps: GNURadioSps[cfg.Blocks],
	}
	res.FusedSps = Fused(cfg)
	res.Ratio = res.ChainSps / res.FusedSps
	return res, nil
}

// Fused does the chain's work — fill each frame from the source vector, then
// cfg.Blocks multiplications per sample — as one loop per frame, the frames
// split over GOMAXPROCS goroutines (the same cores the chain may use), and
// returns its rate in samples/s: the lower bound of the chain's cost.
func Fused(cfg Config) float64 {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return math.NaN()
	}
	vec := sourceVector()
	workers := runtime.GOMAXPROCS(0)
	frames := (cfg.Samples + int64(cfg.FrameLen) - 1) / int64(cfg.FrameLen)
	var wg sync.WaitGroup
	t0 := time.Now()
	sums := make([]complex64, workers)
	for w := range workers {
		wg.Go(func() {
			buf := make([]complex64, cfg.FrameLen)
			k := Scaler{C: 1}
			for fi := int64(w); fi < frames; fi += int64(workers) {
				off := fi * int64(cfg.FrameLen)
				n := int(min(int64(cfg.FrameLen), cfg.Samples-off))
				x := buf[:n]
				fill(x, vec, off)
				// Block after block over a frame that stays in L1 cache: the
				// same arithmetic as the chain, without channels or goroutine
				// hand-offs. (Applying all N multiplications per sample in
				// one pass is slower: it serialises on the multiply latency.)
				for range cfg.Blocks {
					k.Scale(x, x)
				}
				sums[w] += x[0]
			}
		})
	}
	wg.Wait()
	return float64(cfg.Samples) / time.Since(t0).Seconds()
}
