package pipeline

import (
	"context"
	"fmt"
	"time"
)

// Emit hands a frame to the block's output; it returns the context's error
// when the graph is being cancelled (the frame is then released).
type Emit[T any] func(*Frame[T]) error

// Source declares a block that produces frames by calling gen once; gen emits
// frames with emit and returns when the stream ends (nil) or fails. Frames
// may come from any Pool. The output channel is closed when gen returns.
func Source[T any](g *Graph, name string, gen func(ctx context.Context, emit Emit[T]) error) <-chan *Frame[T] {
	out := make(chan *Frame[T], g.chanCap())
	g.add(name, "source", 1, func(ctx context.Context, c *counters) error {
		defer close(out)
		busyFrom := time.Now()
		emit := func(f *Frame[T]) error {
			t := time.Now()
			c.busy.Add(int64(t.Sub(busyFrom)))
			err := send(ctx, c, out, f)
			busyFrom = time.Now()
			return err
		}
		err := gen(ctx, emit)
		c.busy.Add(int64(time.Since(busyFrom)))
		return err
	})
	return out
}

// FromSlice declares a source that streams items in frames of frameLen
// (the last may be shorter), numbering them and setting their offsets. The
// items are copied into pooled frames; items itself is not modified.
func FromSlice[T any](g *Graph, name string, items []T, frameLen int) <-chan *Frame[T] {
	if frameLen <= 0 {
		panic("pipeline: frame length must be positive")
	}
	pool := NewPool[T](frameLen)
	return Source(g, name, func(ctx context.Context, emit Emit[T]) error {
		for seq, off := uint64(0), 0; off < len(items); seq++ {
			n := min(frameLen, len(items)-off)
			f := pool.Get()
			f.Seq, f.Offset = seq, int64(off)
			f.Items = append(f.Items, items[off:off+n]...)
			if err := emit(f); err != nil {
				return err
			}
			off += n
		}
		return nil
	})
}

// Map declares a 1→1 frame block that runs kernel on every frame: the output
// frame comes from pool (nil: a pool sized like the input frames), carries
// the input's Seq, Offset and Tags, and holds kernel(out.Items[:0], in.Items).
// The input frame is released after the kernel ran; the kernel must not
// retain src. A kernel error stops the graph and names the frame.
func Map[In, Out any](g *Graph, name string, in <-chan *Frame[In], pool *Pool[Out], kernel func(dst []Out, src []In) ([]Out, error)) <-chan *Frame[Out] {
	out := make(chan *Frame[Out], g.chanCap())
	g.add(name, "map", 1, func(ctx context.Context, c *counters) error {
		defer close(out)
		defer drain(in)
		for {
			f, ok, err := recv(ctx, c, in)
			if err != nil || !ok {
				return err
			}
			t0 := time.Now()
			if pool == nil {
				pool = NewPool[Out](cap(f.Items))
			}
			o := pool.Get()
			o.CopyMeta(f.Seq, f.Offset, f.Tags)
			o.Items, err = kernel(o.Items[:0], f.Items)
			f.Release()
			c.busy.Add(int64(time.Since(t0)))
			if err != nil {
				o.Release()
				return fmt.Errorf("frame %d: %w", o.Seq, err)
			}
			if err := send(ctx, c, out, o); err != nil {
				return err
			}
		}
	})
	return out
}

// MapInPlace declares a 1→1 block whose kernel may write its output over its
// input (dst and src are the same slice, as for a gain or a channel that
// documents aliasing). The frame itself is forwarded, so no pool is involved.
func MapInPlace[T any](g *Graph, name string, in <-chan *Frame[T], kernel func(dst, src []T) ([]T, error)) <-chan *Frame[T] {
	out := make(chan *Frame[T], g.chanCap())
	g.add(name, "map", 1, func(ctx context.Context, c *counters) error {
		defer close(out)
		defer drain(in)
		for {
			f, ok, err := recv(ctx, c, in)
			if err != nil || !ok {
				return err
			}
			t0 := time.Now()
			f.Items, err = kernel(f.Items[:0], f.Items)
			c.busy.Add(int64(time.Since(t0)))
			if err != nil {
				f.Release()
				return fmt.Errorf("frame %d: %w", f.Seq, err)
			}
			if err := send(ctx, c, out, f); err != nil {
				return err
			}
		}
	})
	return out
}

// Process declares an n→m block for rate-changing work (framing, deframing,
// modulation with a preamble): fn receives each input frame, owns it (it must
// release or forward it) and emits any number of output frames. At the end of
// the input fn is called once with a nil frame, so that a block holding
// partial state can flush it.
func Process[In, Out any](g *Graph, name string, in <-chan *Frame[In], fn func(f *Frame[In], emit Emit[Out]) error) <-chan *Frame[Out] {
	out := make(chan *Frame[Out], g.chanCap())
	g.add(name, "process", 1, func(ctx context.Context, c *counters) error {
		defer close(out)
		defer drain(in)
		var busyFrom time.Time
		emit := func(o *Frame[Out]) error {
			c.busy.Add(int64(time.Since(busyFrom)))
			err := send(ctx, c, out, o)
			busyFrom = time.Now()
			return err
		}
		for {
			f, ok, err := recv(ctx, c, in)
			if err != nil {
				return err
			}
			busyFrom = time.Now()
			var seq uint64
			if ok {
				seq = f.Seq
			} else {
				f = nil
			}
			err = fn(f, emit)
			c.busy.Add(int64(time.Since(busyFrom)))
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if ok {
					return fmt.Errorf("frame %d: %w", seq, err)
				}
				return fmt.Errorf("flush: %w", err)
			}
			if !ok {
				return nil
			}
		}
	})
	return out
}

// ParallelMap declares an order-preserving 1→1 block with k workers, for
// expensive frames (homomorphic evaluation, decoding). newWorker is called
// once per worker, before any frame, to build that worker's function — the
// place to clone non-thread-safe state (Lattigo evaluators' ShallowCopy,
// decoders' Clone). Each function owns its input frame and returns the output
// frame (it may return the input frame itself). Output order equals input
// order whatever the workers' timing, so results are identical for any k.
func ParallelMap[In, Out any](g *Graph, name string, in <-chan *Frame[In], k int, newWorker func(worker int) func(*Frame[In]) (*Frame[Out], error)) <-chan *Frame[Out] {
	if k <= 0 {
		panic("pipeline: ParallelMap needs at least one worker")
	}
	out := make(chan *Frame[Out], g.chanCap())
	type result struct {
		f   *Frame[Out]
		err error
		seq uint64
	}
	type job struct {
		f   *Frame[In]
		res chan result
	}
	g.add(name, "parallel", k, func(ctx context.Context, c *counters) error {
		defer close(out)
		defer drain(in)
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		jobs := make(chan job)
		// order holds the result slots in input order; its capacity bounds
		// the frames in flight.
		order := make(chan chan result, 2*k)
		done := make(chan struct{})
		for w := range k {
			fn := newWorker(w)
			go func() {
				defer func() { done <- struct{}{} }()
				for j := range jobs {
					if err := ctx.Err(); err != nil {
						// Cancelled while the job was handed over: do not start it.
						j.f.Release()
						j.res <- result{err: err}
						continue
					}
					t0 := time.Now()
					seq := j.f.Seq
					var r result
					func() {
						defer func() {
							if p := recover(); p != nil {
								r = result{err: fmt.Errorf("worker %d panicked: %v", w, p)}
							}
						}()
						o, err := fn(j.f)
						r = result{f: o, err: err}
					}()
					r.seq = seq
					c.busy.Add(int64(time.Since(t0)))
					j.res <- r // buffered: never blocks
				}
			}()
		}
		// The dispatcher reads input and hands out jobs.
		go func() {
			defer close(order)
			defer close(jobs)
			for {
				f, ok, err := recv(ctx, c, in)
				if err != nil || !ok {
					return
				}
				res := make(chan result, 1)
				select {
				case order <- res:
				case <-ctx.Done():
					f.Release()
					return
				}
				select {
				case jobs <- job{f, res}:
				case <-ctx.Done():
					f.Release()
					res <- result{err: ctx.Err()}
					return
				}
			}
		}()
		var firstErr error
		for res := range order {
			var r result
			select {
			case r = <-res:
			case <-ctx.Done():
				// Workers still answer; collect below.
				r = <-res
			}
			if firstErr != nil {
				if r.f != nil {
					r.f.Release()
				}
				continue
			}
			if r.err != nil {
				firstErr = fmt.Errorf("frame %d: %w", r.seq, r.err)
				cancel()
				continue
			}
			if err := send(ctx, c, out, r.f); err != nil {
				firstErr = err
				cancel()
			}
		}
		for range k {
			<-done
		}
		if firstErr == nil && ctx.Err() != nil {
			firstErr = ctx.Err()
		}
		return firstErr
	})
	return out
}

// Tee declares a fan-out block: every input frame goes to n outputs (for
// example record IQ to a file while decoding it). The first output gets the
// frame itself, the others get copies from pools of the same frame size.
// Downstream of a Tee, a slow branch slows all branches (backpressure).
func Tee[T any](g *Graph, name string, in <-chan *Frame[T], n int) []<-chan *Frame[T] {
	if n < 1 {
		panic("pipeline: Tee needs at least one output")
	}
	outs := make([]chan *Frame[T], n)
	ro := make([]<-chan *Frame[T], n)
	for i := range outs {
		outs[i] = make(chan *Frame[T], g.chanCap())
		ro[i] = outs[i]
	}
	g.add(name, "tee", 1, func(ctx context.Context, c *counters) error {
		defer func() {
			for _, o := range outs {
				close(o)
			}
		}()
		defer drain(in)
		var pool *Pool[T]
		for {
			f, ok, err := recv(ctx, c, in)
			if err != nil || !ok {
				return err
			}
			if pool == nil {
				pool = NewPool[T](cap(f.Items))
			}
			t0 := time.Now()
			copies := make([]*Frame[T], n)
			copies[0] = f
			for i := 1; i < n; i++ {
				cp := pool.Get()
				cp.CopyMeta(f.Seq, f.Offset, f.Tags)
				cp.Items = append(cp.Items, f.Items...)
				copies[i] = cp
			}
			c.busy.Add(int64(time.Since(t0)))
			for i, o := range outs {
				if err := send(ctx, c, o, copies[i]); err != nil {
					for _, rest := range copies[i+1:] {
						rest.Release()
					}
					return err
				}
			}
		}
	})
	return ro
}

// Sink declares a block that calls fn on every frame and then releases the
// frame; fn must not retain the frame or its Items.
func Sink[T any](g *Graph, name string, in <-chan *Frame[T], fn func(*Frame[T]) error) {
	g.add(name, "sink", 1, func(ctx context.Context, c *counters) error {
		defer drain(in)
		for {
			f, ok, err := recv(ctx, c, in)
			if err != nil || !ok {
				return err
			}
			t0 := time.Now()
			seq := f.Seq
			err = fn(f)
			f.Release()
			c.busy.Add(int64(time.Since(t0)))
			if err != nil {
				return fmt.Errorf("frame %d: %w", seq, err)
			}
		}
	})
}

// Discard declares a sink that drops every frame (GNU Radio's null sink).
func Discard[T any](g *Graph, name string, in <-chan *Frame[T]) {
	Sink(g, name, in, func(*Frame[T]) error { return nil })
}

// Collected holds what a Collect sink received; read it after Run returns.
type Collected[T any] struct {
	Items []T   // all items, in order
	Tags  []Tag // all tags, offsets relative to the stream (Frame.Offset ignored)
	Seqs  []uint64
}

// Collect declares a sink that appends every item (and tag) it receives, for
// tests and small runs.
func Collect[T any](g *Graph, name string, in <-chan *Frame[T]) *Collected[T] {
	res := &Collected[T]{}
	Sink(g, name, in, func(f *Frame[T]) error {
		for _, t := range f.Tags {
			t.Offset += len(res.Items)
			res.Tags = append(res.Tags, t)
		}
		res.Items = append(res.Items, f.Items...)
		res.Seqs = append(res.Seqs, f.Seq)
		return nil
	})
	return res
}
