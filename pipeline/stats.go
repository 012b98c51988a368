package pipeline

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// BlockStats are one block's performance counters. Durations are summed over
// the block's workers for a ParallelMap.
type BlockStats struct {
	Name      string        `json:"name"`
	Kind      string        `json:"kind"`
	Workers   int           `json:"workers"`
	FramesIn  int64         `json:"frames_in"`
	FramesOut int64         `json:"frames_out"`
	ItemsIn   int64         `json:"items_in"`
	ItemsOut  int64         `json:"items_out"`
	Busy      time.Duration `json:"busy_ns"`
	WaitIn    time.Duration `json:"wait_in_ns"`
	WaitOut   time.Duration `json:"wait_out_ns"`
	Wall      time.Duration `json:"wall_ns"` // from the block's start to its end (or now)
	// BusyFraction is Busy / (Wall × Workers): 1 means the block never waited.
	BusyFraction float64 `json:"busy_fraction"`
	// ItemsPerSec is the block's output rate over its wall time (input rate
	// for sinks).
	ItemsPerSec float64 `json:"items_per_s"`
}

// Stats returns the counters of every block in declaration order. It may be
// called while the graph runs.
func (g *Graph) Stats() []BlockStats {
	g.mu.Lock()
	blocks := g.blocks
	g.mu.Unlock()
	now := time.Now().UnixNano()
	st := make([]BlockStats, len(blocks))
	for i, b := range blocks {
		s := BlockStats{
			Name: b.name, Kind: b.kind, Workers: b.workers,
			FramesIn: b.c.framesIn.Load(), FramesOut: b.c.framesOut.Load(),
			ItemsIn: b.c.itemsIn.Load(), ItemsOut: b.c.itemsOut.Load(),
			Busy: time.Duration(b.c.busy.Load()), WaitIn: time.Duration(b.c.waitIn.Load()),
			WaitOut: time.Duration(b.c.waitOut.Load()),
		}
		if start := b.c.start.Load(); start != 0 {
			end := b.c.end.Load()
			if end == 0 {
				end = now
			}
			s.Wall = time.Duration(end - start)
		}
		if s.Wall > 0 {
			s.BusyFraction = float64(s.Busy) / (float64(s.Wall) * float64(max(1, s.Workers)))
			n := s.ItemsOut
			if b.kind == "sink" {
				n = s.ItemsIn
			}
			s.ItemsPerSec = float64(n) / s.Wall.Seconds()
		}
		st[i] = s
	}
	return st
}

// Bottleneck returns the block that limits the graph's throughput: the one
// with the most busy time per worker, and that time's share of the run (the
// longest block wall time). Ranking by each block's busy share of its own
// lifetime would crown a block that is busy all of its short life (a source
// that emits one large batch and ends) but bounds nothing; busy time per
// worker compares every block against the same run.
func Bottleneck(stats []BlockStats) (name string, share float64) {
	var best, wall time.Duration
	for _, s := range stats {
		wall = max(wall, s.Wall)
		if b := s.Busy / time.Duration(max(1, s.Workers)); b > best || name == "" {
			best, name = b, s.Name
		}
	}
	if wall > 0 {
		share = float64(best) / float64(wall)
	}
	return name, share
}

// Report writes stats as an aligned text table, marking the bottleneck.
func Report(w io.Writer, stats []BlockStats) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "block\tkind\tframes in\tframes out\titems in\titems out\tbusy\twait in\twait out\titems/s\t")
	bn, share := Bottleneck(stats)
	for _, s := range stats {
		wall := s.Wall.Seconds() * float64(max(1, s.Workers))
		pct := func(d time.Duration) string {
			if wall == 0 {
				return "-"
			}
			return fmt.Sprintf("%.0f%%", 100*d.Seconds()/wall)
		}
		name := s.Name
		if s.Name == bn {
			name = "*" + name
		}
		kind := s.Kind
		if s.Workers > 1 {
			kind = fmt.Sprintf("%s×%d", kind, s.Workers)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%.3g\t\n", name, kind, s.FramesIn, s.FramesOut,
			s.ItemsIn, s.ItemsOut, pct(s.Busy), pct(s.WaitIn), pct(s.WaitOut), s.ItemsPerSec)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "* bottleneck: %s (busy time per worker %.0f%% of the run)\n", bn, 100*share)
	return err
}
