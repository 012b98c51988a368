package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"
)

// ResultVersion is the version of the result file format.
const ResultVersion = 1

// A Result is the outcome of a run or of merged shards.
type Result struct {
	Version  int               `json:"version"`
	SweepID  string            `json:"sweep_id"`
	Sweep    Sweep             `json:"sweep"`
	Shards   []string          `json:"shards"`   // "i/n" of the shards included
	Complete bool              `json:"complete"` // every unit of the sweep is included
	Points   []PointResult     `json:"points"`
	Env      Env               `json:"env"`
	Meta     map[string]string `json:"meta,omitempty"`
	Started  time.Time         `json:"started"`
	Seconds  float64           `json:"seconds"` // wall time (sum over shards when merged)
}

// PointResult is one grid point's outcome.
type PointResult struct {
	Point    Point   `json:"point"`
	Counts   Counts  `json:"counts"`
	Accuracy float64 `json:"accuracy"`
	// CI95 is the 95 % Wilson score interval of the accuracy.
	CI95 [2]float64 `json:"ci95"`
	// BusySeconds is the evaluators' time on this point, summed over
	// workers; SecondsPerItem divides it by the items.
	BusySeconds    float64 `json:"busy_s"`
	SecondsPerItem float64 `json:"s_per_item"`
}

func newPointResult(p Point, c Counts, busy time.Duration) PointResult {
	pr := PointResult{Point: p, Counts: c, BusySeconds: busy.Seconds()}
	pr.fill()
	return pr
}

func (pr *PointResult) fill() {
	c := pr.Counts
	if c.Items > 0 {
		pr.Accuracy = float64(c.Correct) / float64(c.Items)
		pr.SecondsPerItem = pr.BusySeconds / float64(c.Items)
	}
	lo, hi := Wilson(c.Correct, c.Items, 1.959963984540054)
	pr.CI95 = [2]float64{lo, hi}
}

// Wilson returns the Wilson score interval for k successes in n trials at
// normal quantile z (1.96 for 95 %). n = 0 gives [0, 1].
func Wilson(k, n int64, z float64) (lo, hi float64) {
	if n <= 0 {
		return 0, 1
	}
	nf := float64(n)
	p := float64(k) / nf
	z2 := z * z
	den := 1 + z2/nf
	center := (p + z2/(2*nf)) / den
	half := z / den * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return math.Max(0, center-half), math.Min(1, center+half)
}

// Env records where a result was computed.
type Env struct {
	GoVersion string `json:"go"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	CPU       string `json:"cpu"`
	Cores     int    `json:"cores"`
	Workers   int    `json:"workers"`
	Module    string `json:"module_version"`
	Host      string `json:"host"`
}

func environment(workers int) Env {
	e := Env{GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH, Cores: runtime.NumCPU(), Workers: workers}
	if bi, ok := debug.ReadBuildInfo(); ok {
		e.Module = bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				e.Module += " " + s.Value
			}
		}
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				if _, v, ok := strings.Cut(l, ":"); ok {
					e.CPU = strings.TrimSpace(v)
				}
				break
			}
		}
	}
	e.Host, _ = os.Hostname()
	return e
}

// Lookup returns the result of point p.
func (r *Result) Lookup(p Point) (PointResult, bool) {
	for _, pr := range r.Points {
		if pr.Point == p {
			return pr, true
		}
	}
	return PointResult{}, false
}

// Merge combines partial results of the same sweep (disjoint shards of one
// shard count) by adding counts; the merged result of all shards equals the
// unsharded run's counts and accuracies exactly.
func Merge(parts ...*Result) (*Result, error) {
	if len(parts) == 0 {
		return nil, errors.New("sim: nothing to merge")
	}
	first := parts[0]
	out := &Result{
		Version: ResultVersion, SweepID: first.SweepID, Sweep: first.Sweep,
		Env: first.Env, Meta: first.Meta, Started: first.Started,
	}
	counts := make([]Counts, len(first.Sweep.Points))
	busy := make([]float64, len(first.Sweep.Points))
	seen := map[int]bool{}
	shardCount := -1
	for _, p := range parts {
		if p.Version != ResultVersion {
			return nil, fmt.Errorf("sim: result version %d, want %d", p.Version, ResultVersion)
		}
		if p.SweepID != first.SweepID || p.Sweep.ID() != first.SweepID {
			return nil, fmt.Errorf("sim: results of different sweeps (%s, %s)", first.SweepID, p.SweepID)
		}
		for _, s := range p.Shards {
			sh, err := ParseShard(s)
			if err != nil {
				return nil, err
			}
			if shardCount == -1 {
				shardCount = sh.Count
			}
			if sh.Count != shardCount {
				return nil, fmt.Errorf("sim: shards of different counts (%d, %d)", shardCount, sh.Count)
			}
			if seen[sh.Index] {
				return nil, fmt.Errorf("sim: shard %s included twice", s)
			}
			seen[sh.Index] = true
			out.Shards = append(out.Shards, s)
		}
		if len(p.Points) != len(first.Sweep.Points) {
			return nil, fmt.Errorf("sim: result has %d points, sweep %d", len(p.Points), len(first.Sweep.Points))
		}
		for i, pr := range p.Points {
			if pr.Point != first.Sweep.Points[i] {
				return nil, fmt.Errorf("sim: point %d is %s, want %s", i, pr.Point, first.Sweep.Points[i])
			}
			counts[i].Add(pr.Counts)
			busy[i] += pr.BusySeconds
		}
		out.Seconds += p.Seconds
		if p.Started.Before(out.Started) {
			out.Started = p.Started
		}
	}
	slices.Sort(out.Shards)
	out.Complete = len(seen) == shardCount
	for i, p := range first.Sweep.Points {
		pr := PointResult{Point: p, Counts: counts[i], BusySeconds: busy[i]}
		pr.fill()
		out.Points = append(out.Points, pr)
	}
	return out, nil
}

// WriteJSON writes r as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ReadResult parses a result file, rejecting other versions and
// inconsistent content.
func ReadResult(rd io.Reader) (*Result, error) {
	var r Result
	dec := json.NewDecoder(io.LimitReader(rd, 256<<20))
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("sim: result: %w", err)
	}
	if r.Version != ResultVersion {
		return nil, fmt.Errorf("sim: result version %d, want %d", r.Version, ResultVersion)
	}
	if err := r.Sweep.Check(); err != nil {
		return nil, err
	}
	if r.SweepID != r.Sweep.ID() {
		return nil, fmt.Errorf("sim: result's sweep id %s does not match its sweep (%s)", r.SweepID, r.Sweep.ID())
	}
	if len(r.Points) != len(r.Sweep.Points) {
		return nil, fmt.Errorf("sim: result has %d points, its sweep %d", len(r.Points), len(r.Sweep.Points))
	}
	return &r, nil
}

// WriteCSV writes one row per point: the point's labels, items, correct,
// accuracy, its 95 % interval, seconds per item, then the extra counters.
func (r *Result) WriteCSV(w io.Writer) error {
	extra := map[string]bool{}
	for _, p := range r.Points {
		for k := range p.Counts.Extra {
			extra[k] = true
		}
	}
	keys := sortedKeys(extra)
	head := append([]string{"dataset", "model", "channel", "transport", "level", "snr_db", "items", "correct", "accuracy", "ci95_low", "ci95_high", "s_per_item"}, keys...)
	if _, err := fmt.Fprintln(w, strings.Join(head, ",")); err != nil {
		return err
	}
	for _, p := range r.Points {
		row := []string{p.Point.Dataset, p.Point.Model, p.Point.Channel, p.Point.Transport, p.Point.Level,
			fmt.Sprint(p.Point.SNR), fmt.Sprint(p.Counts.Items), fmt.Sprint(p.Counts.Correct),
			fmt.Sprintf("%.6f", p.Accuracy), fmt.Sprintf("%.6f", p.CI95[0]), fmt.Sprintf("%.6f", p.CI95[1]),
			fmt.Sprintf("%.6g", p.SecondsPerItem)}
		for _, k := range keys {
			row = append(row, fmt.Sprint(p.Counts.Extra[k]))
		}
		if _, err := fmt.Fprintln(w, strings.Join(row, ",")); err != nil {
			return err
		}
	}
	return nil
}
