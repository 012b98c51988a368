package pipeline

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// DefaultBuffer is the capacity of the channels between blocks: enough to
// decouple neighbours, small enough that backpressure, not buffering, bounds
// memory.
const DefaultBuffer = 4

// A Graph is a set of blocks connected by channels. Declare the blocks with
// the constructors of this package, then call Run once. A Graph is not safe
// for concurrent declaration.
type Graph struct {
	// Buffer is the capacity of channels created after it is set; zero
	// means DefaultBuffer.
	Buffer int

	mu      sync.Mutex
	blocks  []*block
	started bool
}

// New returns an empty graph.
func New() *Graph { return &Graph{} }

type block struct {
	name    string
	kind    string
	workers int
	run     func(ctx context.Context, c *counters) error
	c       counters
}

// counters are updated by the block's goroutines with atomics so that Stats
// can be read while the graph runs.
type counters struct {
	framesIn, framesOut atomic.Int64
	itemsIn, itemsOut   atomic.Int64
	busy, waitIn        atomic.Int64 // nanoseconds
	waitOut             atomic.Int64
	start, end          atomic.Int64 // unix nanoseconds
}

func (g *Graph) chanCap() int {
	if g.Buffer > 0 {
		return g.Buffer
	}
	return DefaultBuffer
}

func (g *Graph) add(name, kind string, workers int, run func(ctx context.Context, c *counters) error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.started {
		panic("pipeline: block " + name + " declared after Run")
	}
	g.blocks = append(g.blocks, &block{name: name, kind: kind, workers: workers, run: run})
}

// Run starts every block, waits until all have finished and returns the
// first error. An error in any block cancels the others; cancelling ctx stops
// the graph and Run then returns ctx's error. Run may be called only once.
func (g *Graph) Run(ctx context.Context) error {
	g.mu.Lock()
	if g.started {
		g.mu.Unlock()
		return errors.New("pipeline: graph already run")
	}
	g.started = true
	blocks := g.blocks
	g.mu.Unlock()

	eg, gctx := errgroup.WithContext(ctx)
	for _, b := range blocks {
		eg.Go(func() (err error) {
			b.c.start.Store(time.Now().UnixNano())
			defer func() {
				b.c.end.Store(time.Now().UnixNano())
				if r := recover(); r != nil {
					err = fmt.Errorf("pipeline: block %q panicked: %v\n%s", b.name, r, debug.Stack())
				}
			}()
			if err := b.run(gctx, &b.c); err != nil {
				if errors.Is(err, context.Canceled) && gctx.Err() != nil {
					return context.Cause(gctx)
				}
				return fmt.Errorf("pipeline: block %q: %w", b.name, err)
			}
			return nil
		})
	}
	err := eg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// recv receives the next frame from in, counting the wait. ok is false when
// in is closed; err is the context's error when it is cancelled first.
// Cancellation wins over a waiting frame: select picks among ready cases at
// random, so without the check a cancelled block could start one more frame.
func recv[T any](ctx context.Context, c *counters, in <-chan *Frame[T]) (f *Frame[T], ok bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	t0 := time.Now()
	select {
	case f, ok = <-in:
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
	c.waitIn.Add(int64(time.Since(t0)))
	if ok {
		c.framesIn.Add(1)
		c.itemsIn.Add(int64(len(f.Items)))
	}
	return f, ok, nil
}

// send hands f to out, counting the wait. On cancellation f is released and
// the context's error returned.
func send[T any](ctx context.Context, c *counters, out chan<- *Frame[T], f *Frame[T]) error {
	if err := ctx.Err(); err != nil {
		f.Release()
		return err
	}
	n := len(f.Items)
	t0 := time.Now()
	select {
	case out <- f:
	case <-ctx.Done():
		f.Release()
		return ctx.Err()
	}
	c.waitOut.Add(int64(time.Since(t0)))
	c.framesOut.Add(1)
	c.itemsOut.Add(int64(n))
	return nil
}

// drain releases every frame still queued on in after the block stopped
// early, so pooled frames are not lost. It never blocks.
func drain[T any](in <-chan *Frame[T]) {
	for {
		select {
		case f, ok := <-in:
			if !ok {
				return
			}
			f.Release()
		default:
			return
		}
	}
}
