package sim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// coin is an evaluator whose outcome per item depends only on the item's
// seed: correct with probability 1 − 0.5·10^(−SNR/10).
type coin struct{ calls int }

func (c *coin) Eval(ctx context.Context, u Unit) (Counts, error) {
	c.calls++
	var n Counts
	pcg := rand.NewPCG(0, 0)
	r := rand.New(pcg)
	for i := u.From; i < u.To; i++ {
		pcg.Seed(u.ItemSeed(i))
		n.Items++
		if r.Float64() < 1-0.5*math.Pow(10, -u.Point.SNR/10) {
			n.Correct++
		}
		if r.IntN(10) == 0 {
			if n.Extra == nil {
				n.Extra = map[string]int64{}
			}
			n.Extra["rare"]++
		}
	}
	return n, nil
}

func testSweep() Sweep {
	var pts []Point
	for _, m := range []string{"model2", "model3"} {
		for _, snr := range []float64{0, 5, 10} {
			pts = append(pts, Point{Dataset: "mnist", Model: m, Channel: "awgn", SNR: snr})
		}
	}
	return Sweep{Points: pts, Items: 1000, Realisations: 3, Seed: 42, Chunk: 128}
}

func coins(int) (Evaluator, error) { return &coin{}, nil }

func countsOf(r *Result) []Counts {
	var cs []Counts
	for _, p := range r.Points {
		cs = append(cs, p.Counts)
	}
	return cs
}

func TestResultsIndependentOfWorkersAndChunks(t *testing.T) {
	base, err := Run(context.Background(), testSweep(), coins, Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ workers, chunk int }{{2, 128}, {5, 128}, {3, 7}, {2, 1000}} {
		t.Run(fmt.Sprintf("workers=%d/chunk=%d", tc.workers, tc.chunk), func(t *testing.T) {
			s := testSweep()
			s.Chunk = tc.chunk
			r, err := Run(context.Background(), s, coins, Options{Workers: tc.workers})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(countsOf(r), countsOf(base)) {
				t.Fatal("counts differ")
			}
			if r.SweepID != base.SweepID {
				t.Fatal("chunk size changed the sweep id")
			}
		})
	}
	// The evaluator is not trivially right: accuracy rises with SNR.
	if !(base.Points[0].Accuracy < base.Points[1].Accuracy && base.Points[1].Accuracy < base.Points[2].Accuracy) {
		t.Fatalf("accuracies %v %v %v", base.Points[0].Accuracy, base.Points[1].Accuracy, base.Points[2].Accuracy)
	}
}

func TestShardedMergedEqualsUnsharded(t *testing.T) {
	s := testSweep()
	whole, err := Run(context.Background(), s, coins, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{2, 3, 7} {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			var parts []*Result
			for i := n - 1; i >= 0; i-- { // any order
				r, err := Run(context.Background(), s, coins, Options{Shard: Shard{i, n}})
				if err != nil {
					t.Fatal(err)
				}
				if r.Complete {
					t.Fatal("a shard claims to be complete")
				}
				// Through the file format, as `hesemcom merge` does.
				var buf bytes.Buffer
				if err := r.WriteJSON(&buf); err != nil {
					t.Fatal(err)
				}
				back, err := ReadResult(&buf)
				if err != nil {
					t.Fatal(err)
				}
				parts = append(parts, back)
			}
			m, err := Merge(parts...)
			if err != nil {
				t.Fatal(err)
			}
			if !m.Complete {
				t.Fatal("merged result incomplete")
			}
			for i := range whole.Points {
				a, b := whole.Points[i], m.Points[i]
				if !reflect.DeepEqual(a.Counts, b.Counts) || a.Accuracy != b.Accuracy || a.CI95 != b.CI95 {
					t.Fatalf("point %s: merged %+v, unsharded %+v", a.Point, b, a)
				}
			}
		})
	}
}

func TestMergeRejects(t *testing.T) {
	s := testSweep()
	a, _ := Run(context.Background(), s, coins, Options{Shard: Shard{0, 2}})
	b, _ := Run(context.Background(), s, coins, Options{Shard: Shard{1, 3}})
	s2 := s
	s2.Seed = 43
	c, _ := Run(context.Background(), s2, coins, Options{Shard: Shard{1, 2}})
	for name, parts := range map[string][]*Result{
		"duplicate":       {a, a},
		"different count": {a, b},
		"different sweep": {a, c},
		"none":            nil,
	} {
		if _, err := Merge(parts...); err == nil {
			t.Errorf("%s: merged", name)
		}
	}
	if m, err := Merge(a); err != nil || m.Complete {
		t.Errorf("one of two shards: complete=%v err=%v", m != nil && m.Complete, err)
	}
}

func TestEvaluatorErrorStopsRun(t *testing.T) {
	boom := errors.New("boom")
	_, err := Run(context.Background(), testSweep(), func(int) (Evaluator, error) { return failing{boom}, nil }, Options{Workers: 2})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "mnist/model2") {
		t.Fatalf("got %v", err)
	}
	_, err = Run(context.Background(), testSweep(), func(int) (Evaluator, error) { return nil, boom }, Options{Workers: 2})
	if !errors.Is(err, boom) {
		t.Fatalf("factory error: got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, testSweep(), coins, Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: got %v", err)
	}
}

type failing struct{ err error }

func (f failing) Eval(context.Context, Unit) (Counts, error) { return Counts{}, f.err }

func TestSweepCheck(t *testing.T) {
	ok := testSweep()
	bad := []Sweep{{}, {Points: ok.Points, Items: 0, Realisations: 1}, {Points: ok.Points, Items: 1, Realisations: 0},
		{Points: []Point{{SNR: 1}, {SNR: 1}}, Items: 1, Realisations: 1}, {Points: []Point{{SNR: math.NaN()}}, Items: 1, Realisations: 1}}
	for i, s := range bad {
		if s.Check() == nil {
			t.Errorf("bad sweep %d accepted", i)
		}
	}
}

func TestWilson(t *testing.T) {
	// Reference values: Wilson score interval, z = 1.96 (e.g. statsmodels
	// proportion_confint(method="wilson")): 81/263 → [0.2553, 0.3662].
	lo, hi := Wilson(81, 263, 1.959963984540054)
	if math.Abs(lo-0.2553) > 5e-4 || math.Abs(hi-0.3662) > 5e-4 {
		t.Fatalf("got [%.4f, %.4f]", lo, hi)
	}
	if lo, hi := Wilson(10, 10, 1.96); hi != 1 || lo < 0.69 || lo > 0.73 {
		t.Fatalf("10/10: [%v, %v]", lo, hi)
	}
	if lo, hi := Wilson(0, 0, 1.96); lo != 0 || hi != 1 {
		t.Fatal("n = 0")
	}
}

func TestParseShardAndEnv(t *testing.T) {
	if s, err := ParseShard("2/5"); err != nil || s != (Shard{2, 5}) {
		t.Fatalf("got %v %v", s, err)
	}
	for _, bad := range []string{"5/5", "-1/2", "a/b", "3", "1/0"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		env  map[string]string
		want Shard
		ok   bool
	}{
		{map[string]string{"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4"}, Shard{3, 4}, true},
		{map[string]string{"SLURM_ARRAY_TASK_ID": "11", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "10"}, Shard{1, 4}, true},
		{map[string]string{"JOB_COMPLETION_INDEX": "2", "HESEMCOM_SHARDS": "8"}, Shard{2, 8}, true},
		{map[string]string{}, Shard{}, false},
	} {
		s, ok, err := ShardFromEnv(env(tc.env))
		if err != nil || ok != tc.ok || s != tc.want {
			t.Errorf("%v: got %v %v %v", tc.env, s, ok, err)
		}
	}
	if _, _, err := ShardFromEnv(env(map[string]string{"JOB_COMPLETION_INDEX": "2"})); err == nil {
		t.Error("index without count accepted")
	}
}

func TestItemSeedsDiffer(t *testing.T) {
	seen := map[[2]uint64]bool{}
	for _, snr := range []float64{0, 5, 10} {
		for r := range 3 {
			for i := range 100 {
				a, b := ItemSeed(1, snr, r, i)
				if seen[[2]uint64{a, b}] {
					t.Fatalf("collision at %v %d %d", snr, r, i)
				}
				seen[[2]uint64{a, b}] = true
			}
		}
	}
}

func TestWriters(t *testing.T) {
	r, err := Run(context.Background(), testSweep(), coins, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var csv, md bytes.Buffer
	if err := r.WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(csv.String()), "\n")
	if len(lines) != 1+len(r.Points) || !strings.HasSuffix(lines[0], ",rare") {
		t.Fatalf("csv:\n%s", csv.String())
	}
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	// The paper's MNIST Model 3 at 5 dB is 87.61 %.
	for _, want := range []string{"| 5 dB |", "(87.61)", "mnist model3", "Below the paper", "s/image"} {
		if !strings.Contains(md.String(), want) {
			t.Fatalf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	dir := t.TempDir()
	files, err := r.WritePlots(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || filepath.Base(files[0]) != "accuracy_mnist.png" {
		t.Fatalf("files %v", files)
	}
	if st, err := os.Stat(files[0]); err != nil || st.Size() < 1000 {
		t.Fatalf("plot: %v", err)
	}
}

func FuzzReadResult(f *testing.F) {
	r, _ := Run(context.Background(), Sweep{Points: []Point{{Dataset: "d", Model: "m", SNR: 1}}, Items: 3, Realisations: 1}, coins, Options{})
	var buf bytes.Buffer
	r.WriteJSON(&buf)
	f.Add(buf.Bytes())
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":1,"sweep":{"points":[{"snr_db":1}],"items":1,"realisations":1},"points":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ReadResult(bytes.NewReader(b))
		if err != nil {
			return
		}
		// Anything accepted merges and writes without panicking.
		if _, err := Merge(r); err != nil && len(r.Shards) == 0 {
			return
		}
		r.WriteCSV(&bytes.Buffer{})
		r.WriteMarkdown(&bytes.Buffer{})
	})
}
