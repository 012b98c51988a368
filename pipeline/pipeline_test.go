package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func iota(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func double(dst, src []int) ([]int, error) {
	for _, v := range src {
		dst = append(dst, 2*v)
	}
	return dst, nil
}

func TestChainPreservesOrderAndMeta(t *testing.T) {
	for _, tc := range []struct{ n, frame int }{{0, 4}, {1, 4}, {10, 3}, {1000, 64}, {4096, 4096}} {
		t.Run(fmt.Sprintf("n=%d/frame=%d", tc.n, tc.frame), func(t *testing.T) {
			g := New()
			src := FromSlice(g, "src", iota(tc.n), tc.frame)
			a := Map(g, "double", src, NewPool[int](tc.frame), double)
			b := MapInPlace(g, "inc", a, func(dst, src []int) ([]int, error) {
				for i := range src {
					src[i]++
				}
				return src, nil
			})
			out := Collect(g, "sink", b)
			if err := g.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if len(out.Items) != tc.n {
				t.Fatalf("got %d items, want %d", len(out.Items), tc.n)
			}
			for i, v := range out.Items {
				if v != 2*i+1 {
					t.Fatalf("item %d = %d, want %d", i, v, 2*i+1)
				}
			}
			for i, s := range out.Seqs {
				if s != uint64(i) {
					t.Fatalf("frame %d has Seq %d", i, s)
				}
			}
			st := g.Stats()
			if st[0].ItemsOut != int64(tc.n) || st[len(st)-1].ItemsIn != int64(tc.n) {
				t.Fatalf("counters: %+v", st)
			}
		})
	}
}

func TestParallelMapOrderIndependentOfWorkers(t *testing.T) {
	want := []int(nil)
	for _, k := range []int{1, 2, 3, 8} {
		t.Run(fmt.Sprintf("k=%d", k), func(t *testing.T) {
			g := New()
			src := FromSlice(g, "src", iota(500), 7)
			pm := ParallelMap(g, "square", src, k, func(w int) func(*Frame[int]) (*Frame[int], error) {
				return func(f *Frame[int]) (*Frame[int], error) {
					// Uneven work so that workers finish out of order.
					if f.Seq%3 == 0 {
						time.Sleep(time.Millisecond)
					}
					for i, v := range f.Items {
						f.Items[i] = v * v
					}
					return f, nil
				}
			})
			out := Collect(g, "sink", pm)
			if err := g.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if want == nil {
				want = out.Items
				for i, v := range want {
					if v != i*i {
						t.Fatalf("item %d = %d", i, v)
					}
				}
				return
			}
			if !slices.Equal(out.Items, want) {
				t.Fatal("output differs from k=1")
			}
		})
	}
}

func TestProcessRateChangeAndFlush(t *testing.T) {
	// Re-frame a stream into frames of 5 items: the classic n→m block, which
	// must flush its partial frame at the end.
	g := New()
	src := FromSlice(g, "src", iota(23), 4)
	pool := NewPool[int](5)
	var cur *Frame[int]
	var seq uint64
	reframed := Process(g, "reframe", src, func(f *Frame[int], emit Emit[int]) error {
		if f == nil {
			if cur != nil && len(cur.Items) > 0 {
				return emit(cur)
			}
			return nil
		}
		defer f.Release()
		for _, v := range f.Items {
			if cur == nil {
				cur = pool.Get()
				cur.Seq = seq
				seq++
			}
			cur.Items = append(cur.Items, v)
			if len(cur.Items) == 5 {
				if err := emit(cur); err != nil {
					return err
				}
				cur = nil
			}
		}
		return nil
	})
	var sizes []int
	var items []int
	Sink(g, "sink", reframed, func(f *Frame[int]) error {
		sizes = append(sizes, len(f.Items))
		items = append(items, f.Items...)
		return nil
	})
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sizes, []int{5, 5, 5, 5, 3}) || !slices.Equal(items, iota(23)) {
		t.Fatalf("sizes %v items %v", sizes, items)
	}
}

func TestTeeCopiesToEveryBranch(t *testing.T) {
	g := New()
	src := FromSlice(g, "src", iota(100), 16)
	outs := Tee(g, "tee", src, 3)
	// Mutating one branch must not affect the others.
	mut := MapInPlace(g, "zero", outs[0], func(dst, src []int) ([]int, error) {
		clear(src)
		return src, nil
	})
	a, b, c := Collect(g, "a", mut), Collect(g, "b", outs[1]), Collect(g, "c", outs[2])
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(b.Items, iota(100)) || !slices.Equal(c.Items, iota(100)) || len(a.Items) != 100 {
		t.Fatal("branches differ")
	}
}

var errBoom = errors.New("boom")

func TestErrorStopsGraphAndNamesBlock(t *testing.T) {
	for _, where := range []string{"map", "sink", "source", "parallel", "process"} {
		t.Run(where, func(t *testing.T) {
			g := New()
			// An endless source: only the error can stop the graph.
			pool := NewPool[int](8)
			src := Source(g, "src", func(ctx context.Context, emit Emit[int]) error {
				for i := 0; ; i++ {
					if where == "source" && i == 50 {
						return errBoom
					}
					f := pool.Get()
					f.Seq = uint64(i)
					f.Items = append(f.Items, i)
					if err := emit(f); err != nil {
						return err
					}
				}
			})
			fail := func(f *Frame[int]) bool { return f.Seq == 100 }
			m := Map(g, "m", src, nil, func(dst, src []int) ([]int, error) {
				if where == "map" && src[0] == 100 {
					return dst, errBoom
				}
				return append(dst, src...), nil
			})
			p := ParallelMap(g, "pm", m, 3, func(int) func(*Frame[int]) (*Frame[int], error) {
				return func(f *Frame[int]) (*Frame[int], error) {
					if where == "parallel" && fail(f) {
						f.Release()
						return nil, errBoom
					}
					return f, nil
				}
			})
			q := Process(g, "proc", p, func(f *Frame[int], emit Emit[int]) error {
				if f == nil {
					return nil
				}
				if where == "process" && fail(f) {
					f.Release()
					return errBoom
				}
				return emit(f)
			})
			Sink(g, "sink", q, func(f *Frame[int]) error {
				if where == "sink" && fail(f) {
					return errBoom
				}
				return nil
			})
			err := g.Run(context.Background())
			if !errors.Is(err, errBoom) {
				t.Fatalf("got %v, want errBoom", err)
			}
			want := map[string]string{"map": `"m"`, "sink": `"sink"`, "source": `"src"`, "parallel": `"pm"`, "process": `"proc"`}[where]
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("error %q does not name block %s", err, want)
			}
			if where != "source" && !strings.Contains(err.Error(), "frame 100") {
				t.Fatalf("error %q does not name the frame", err)
			}
		})
	}
}

func TestPanicBecomesError(t *testing.T) {
	g := New()
	src := FromSlice(g, "src", iota(10), 2)
	m := Map(g, "bad", src, nil, func(dst, src []int) ([]int, error) {
		var s []int
		_ = s[5] // index out of range
		return dst, nil
	})
	Discard(g, "sink", m)
	err := g.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), `"bad" panicked`) {
		t.Fatalf("got %v", err)
	}
}

func TestCancellationStopsPromptly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := New()
		pool := NewPool[int](4)
		src := Source(g, "src", func(ctx context.Context, emit Emit[int]) error {
			for {
				if err := emit(pool.Get()); err != nil {
					return err
				}
			}
		})
		slow := MapInPlace(g, "slow", src, func(dst, src []int) ([]int, error) {
			time.Sleep(10 * time.Millisecond)
			return src, nil
		})
		Discard(g, "sink", slow)
		ctx, cancel := context.WithTimeout(context.Background(), 105*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := g.Run(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v", err)
		}
		// The slow block finishes its current frame (10 ms) and stops.
		if el := time.Since(start); el > 120*time.Millisecond {
			t.Fatalf("stopped after %v", el)
		}
	})
}

func TestBackpressureBoundsFramesInFlight(t *testing.T) {
	// A sink that never finishes its first frame: the source can run ahead by
	// at most the channel buffers and the frames held by blocks.
	synctest.Test(t, func(t *testing.T) {
		g := New()
		g.Buffer = 2
		var produced atomic.Int64
		pool := NewPool[int](1)
		src := Source(g, "src", func(ctx context.Context, emit Emit[int]) error {
			for {
				produced.Add(1)
				if err := emit(pool.Get()); err != nil {
					return err
				}
			}
		})
		m := MapInPlace(g, "m", src, func(dst, src []int) ([]int, error) { return src, nil })
		ctx, cancel := context.WithCancel(context.Background())
		Sink(g, "sink", m, func(*Frame[int]) error {
			<-ctx.Done()
			return nil
		})
		done := make(chan error)
		go func() { done <- g.Run(ctx) }()
		synctest.Wait()
		// 2 buffers × 2 channels + 1 in the map + 1 in the sink + 1 being sent.
		if n := produced.Load(); n > 7 {
			t.Errorf("source produced %d frames with a blocked sink", n)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestRunTwiceFails(t *testing.T) {
	g := New()
	Discard(g, "sink", FromSlice(g, "src", iota(3), 1))
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := g.Run(context.Background()); err == nil {
		t.Fatal("second Run succeeded")
	}
}

func TestPoolReuse(t *testing.T) {
	p := NewPool[complex64](16)
	f := p.Get()
	if len(f.Items) != 0 || cap(f.Items) < 16 {
		t.Fatalf("len %d cap %d", len(f.Items), cap(f.Items))
	}
	f.Items = append(f.Items, 1, 2, 3)
	f.AddTag(1, TagSNR, 3.0)
	f.Seq = 9
	f.Release()
	g := p.Get()
	if len(g.Items) != 0 || len(g.Tags) != 0 || g.Seq != 0 {
		t.Fatal("recycled frame not reset")
	}
	if v, ok := (&Frame[int]{Tags: []Tag{{0, TagKeyID, 7}}}).Tag(TagKeyID); !ok || v != 7 {
		t.Fatal("Tag lookup")
	}
}

func TestStatsReport(t *testing.T) {
	g := New()
	m := MapInPlace(g, "gain", FromSlice(g, "src", iota(1000), 100), func(dst, src []int) ([]int, error) { return src, nil })
	Discard(g, "sink", m)
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	if err := Report(&sb, g.Stats()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"gain", "src", "sink", "bottleneck", "1000"} {
		if !strings.Contains(sb.String(), want) {
			t.Fatalf("report lacks %q:\n%s", want, sb.String())
		}
	}
	for _, s := range g.Stats() {
		if s.FramesIn+s.FramesOut == 0 || s.Wall <= 0 {
			t.Fatalf("empty counters for %s: %+v", s.Name, s)
		}
	}
}
