package sim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// A Point is one cell of a sweep grid. Its fields are labels the evaluator
// interprets; sim only compares and prints them.
type Point struct {
	Dataset   string  `json:"dataset"`
	Model     string  `json:"model"`
	Channel   string  `json:"channel"`
	Transport string  `json:"transport,omitempty"`
	Level     string  `json:"level,omitempty"`
	SNR       float64 `json:"snr_db"`
}

// String names the point compactly, e.g. "mnist/model3/awgn/10dB".
func (p Point) String() string {
	parts := []string{p.Dataset, p.Model, p.Channel}
	if p.Transport != "" {
		parts = append(parts, p.Transport)
	}
	if p.Level != "" {
		parts = append(parts, p.Level)
	}
	return strings.Join(parts, "/") + "/" + strconv.FormatFloat(p.SNR, 'g', -1, 64) + "dB"
}

// A Sweep describes a whole experiment.
type Sweep struct {
	Points       []Point `json:"points"`
	Items        int     `json:"items"`        // items (images) per point and realisation
	Realisations int     `json:"realisations"` // independent noise realisations per point
	Seed         uint64  `json:"seed"`
	// Chunk is the number of items in one unit of work; zero means 500.
	// It changes scheduling only, never results.
	Chunk int `json:"chunk,omitempty"`
}

// Check validates the sweep.
func (s Sweep) Check() error {
	switch {
	case len(s.Points) == 0:
		return errors.New("sim: sweep has no points")
	case s.Items <= 0:
		return fmt.Errorf("sim: items per point %d must be positive", s.Items)
	case s.Realisations <= 0:
		return fmt.Errorf("sim: realisations %d must be positive", s.Realisations)
	case s.Chunk < 0:
		return fmt.Errorf("sim: negative chunk %d", s.Chunk)
	}
	seen := map[Point]bool{}
	for _, p := range s.Points {
		if seen[p] {
			return fmt.Errorf("sim: point %s listed twice", p)
		}
		if math.IsNaN(p.SNR) || math.IsInf(p.SNR, 0) {
			return fmt.Errorf("sim: point %s has a non-finite SNR", p)
		}
		seen[p] = true
	}
	return nil
}

// ID is a digest of everything that determines the results (points, items,
// realisations, seed), so partial results of different sweeps never merge.
func (s Sweep) ID() string {
	c := s
	c.Chunk = 0
	b, _ := json.Marshal(c)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

func (s Sweep) chunk() int {
	if s.Chunk == 0 {
		return 500
	}
	return s.Chunk
}

// A Unit is one piece of work: items [From, To) of one point in one
// realisation.
type Unit struct {
	Point       Point
	PointIndex  int
	Realisation int
	From, To    int
	Seed        uint64 // the sweep's run seed
}

// ItemSeed returns the two PCG seed words for one item of the unit, derived
// from (run seed, SNR, realisation, item) only (DESIGN.md §3) — never from
// the schedule, the shard or the model — so every model at the same SNR sees
// the same noise realisation and Model 3 and Model 4 compare pair by pair.
// Use rand.NewPCG(u.ItemSeed(i)) or (*rand.PCG).Seed.
func (u Unit) ItemSeed(item int) (uint64, uint64) {
	return ItemSeed(u.Seed, u.Point.SNR, u.Realisation, item)
}

// ItemSeed mixes its arguments with SplitMix64 (Steele et al., 2014) into two
// independent 64-bit words.
func ItemSeed(run uint64, snr float64, realisation, item int) (uint64, uint64) {
	x := splitmix(run ^ splitmix(math.Float64bits(snr)+0x9e3779b97f4a7c15))
	x = splitmix(x ^ uint64(realisation)*0xbf58476d1ce4e5b9)
	x = splitmix(x ^ uint64(item)*0x94d049bb133111eb)
	return x, splitmix(x ^ 0x2545f4914f6cdd1d)
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Units lists the sweep's work in a fixed order: point, realisation, chunk.
func (s Sweep) Units() []Unit {
	var us []Unit
	c := s.chunk()
	for pi, p := range s.Points {
		for r := range s.Realisations {
			for from := 0; from < s.Items; from += c {
				us = append(us, Unit{Point: p, PointIndex: pi, Realisation: r, From: from, To: min(from+c, s.Items), Seed: s.Seed})
			}
		}
	}
	return us
}

// Counts are the exact, mergeable outcome of some units. Extra holds
// evaluator-specific counters (LDPC block errors, CRC and MAC failures,
// channel uses …), summed like the rest.
type Counts struct {
	Items   int64            `json:"items"`
	Correct int64            `json:"correct"`
	Extra   map[string]int64 `json:"extra,omitempty"`
}

// Add accumulates o into c.
func (c *Counts) Add(o Counts) {
	c.Items += o.Items
	c.Correct += o.Correct
	for k, v := range o.Extra {
		if c.Extra == nil {
			c.Extra = map[string]int64{}
		}
		c.Extra[k] += v
	}
}

// An Evaluator runs units. It is used by one goroutine at a time; Run asks a
// Factory for one evaluator per worker.
type Evaluator interface {
	Eval(ctx context.Context, u Unit) (Counts, error)
}

// A Factory makes the evaluator of one worker (clone non-thread-safe state
// here).
type Factory func(worker int) (Evaluator, error)

// Shard selects the units with index ≡ Index (mod Count). The zero value
// means the whole sweep.
type Shard struct {
	Index, Count int
}

// ParseShard parses "i/n" (0 ≤ i < n).
func ParseShard(s string) (Shard, error) {
	i, n, ok := strings.Cut(s, "/")
	if !ok {
		return Shard{}, fmt.Errorf("sim: shard %q: want i/n", s)
	}
	a, err1 := strconv.Atoi(i)
	b, err2 := strconv.Atoi(n)
	if err1 != nil || err2 != nil || b < 1 || a < 0 || a >= b {
		return Shard{}, fmt.Errorf("sim: shard %q: want i/n with 0 ≤ i < n", s)
	}
	return Shard{a, b}, nil
}

// ShardFromEnv returns the shard given by a Slurm job array
// (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT; task ids are taken relative
// to SLURM_ARRAY_TASK_MIN) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX
// with the count in HESEMCOM_SHARDS), and whether one was found.
func ShardFromEnv(getenv func(string) string) (Shard, bool, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if id, cnt := getenv("SLURM_ARRAY_TASK_ID"), getenv("SLURM_ARRAY_TASK_COUNT"); id != "" && cnt != "" {
		i, err1 := strconv.Atoi(id)
		n, err2 := strconv.Atoi(cnt)
		lo := 0
		if m := getenv("SLURM_ARRAY_TASK_MIN"); m != "" {
			lo, _ = strconv.Atoi(m)
		}
		if err1 != nil || err2 != nil || n < 1 || i-lo < 0 || i-lo >= n {
			return Shard{}, false, fmt.Errorf("sim: bad Slurm array variables (id %q, count %q)", id, cnt)
		}
		return Shard{i - lo, n}, true, nil
	}
	if id := getenv("JOB_COMPLETION_INDEX"); id != "" {
		i, err1 := strconv.Atoi(id)
		n, err2 := strconv.Atoi(getenv("HESEMCOM_SHARDS"))
		if err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
			return Shard{}, false, fmt.Errorf("sim: JOB_COMPLETION_INDEX=%q needs HESEMCOM_SHARDS > index", id)
		}
		return Shard{i, n}, true, nil
	}
	return Shard{}, false, nil
}

func (s Shard) whole() bool { return s.Count <= 1 }

func (s Shard) String() string {
	if s.whole() {
		return "0/1"
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Options tune a run without changing its results.
type Options struct {
	Workers  int                     // default GOMAXPROCS
	Shard    Shard                   // default: everything
	Progress func(done, total int64) // items done of total, called from one goroutine at a time
	Now      func() time.Time        // for tests; default time.Now
	Meta     map[string]string       // extra metadata copied into the result
	OnUnit   func(u Unit, c Counts)  // optional per-unit hook
	_        struct{}                // keep the literal keyed
}

// Run evaluates the sweep's units (those of opts.Shard) on opts.Workers
// goroutines and returns the per-point counts. The first error cancels the
// run.
func Run(ctx context.Context, s Sweep, newEval Factory, opts Options) (*Result, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	if opts.Shard.Count > 1 && (opts.Shard.Index < 0 || opts.Shard.Index >= opts.Shard.Count) {
		return nil, fmt.Errorf("sim: shard %d/%d out of range", opts.Shard.Index, opts.Shard.Count)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var units []Unit
	var total int64
	for i, u := range s.Units() {
		if opts.Shard.whole() || i%opts.Shard.Count == opts.Shard.Index {
			units = append(units, u)
			total += int64(u.To - u.From)
		}
	}
	workers = max(1, min(workers, len(units)))
	start := now()

	counts := make([]Counts, len(s.Points))
	busy := make([]time.Duration, len(s.Points))
	var mu sync.Mutex
	var done int64
	next := make(chan Unit)
	eg, ctx := errgroup.WithContext(ctx)
	eg.Go(func() error {
		defer close(next)
		for _, u := range units {
			select {
			case next <- u:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	for w := range workers {
		ev, err := newEval(w)
		if err != nil {
			// Let the dispatcher stop; report the factory error.
			eg.Go(func() error { return fmt.Errorf("sim: worker %d: %w", w, err) })
			break
		}
		eg.Go(func() error {
			for u := range next {
				t0 := time.Now()
				c, err := ev.Eval(ctx, u)
				if err != nil {
					return fmt.Errorf("sim: %s realisation %d items [%d,%d): %w", u.Point, u.Realisation, u.From, u.To, err)
				}
				if c.Items != int64(u.To-u.From) {
					return fmt.Errorf("sim: %s: evaluator counted %d items for a unit of %d", u.Point, c.Items, u.To-u.From)
				}
				mu.Lock()
				counts[u.PointIndex].Add(c)
				busy[u.PointIndex] += time.Since(t0)
				done += c.Items
				if opts.OnUnit != nil {
					opts.OnUnit(u, c)
				}
				if opts.Progress != nil {
					opts.Progress(done, total)
				}
				mu.Unlock()
			}
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	res := &Result{
		Version:  ResultVersion,
		SweepID:  s.ID(),
		Sweep:    s,
		Shards:   []string{opts.Shard.String()},
		Complete: opts.Shard.whole(),
		Env:      environment(workers),
		Meta:     opts.Meta,
		Started:  start.UTC(),
		Seconds:  now().Sub(start).Seconds(),
	}
	for i, p := range s.Points {
		res.Points = append(res.Points, newPointResult(p, counts[i], busy[i]))
	}
	return res, nil
}

// sortedKeys returns m's keys in order (for stable output).
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
