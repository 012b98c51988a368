package pipeline

import (
	"math"
	"testing"
	"time"
)

// TestBottleneck: the limiting block has the most busy time per worker,
// whatever its busy share of its own lifetime.
func TestBottleneck(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		stages []BlockStats
		want   string
		share  float64
	}{
		{nil, "", 0},
		// A source that emits one batch: busy all its short life, not the limit.
		{[]BlockStats{
			{Name: "images", Workers: 1, Busy: 10 * ms, Wall: 10 * ms},
			{Name: "encrypt", Workers: 1, Busy: 60 * ms, Wall: 100 * ms},
			{Name: "encoder", Workers: 2, Busy: 100 * ms, Wall: 100 * ms},
		}, "encrypt", 0.6},
		{[]BlockStats{
			{Name: "encoder", Workers: 2, Busy: 180 * ms, Wall: 100 * ms},
			{Name: "decoder", Workers: 1, Busy: 50 * ms, Wall: 100 * ms},
		}, "encoder", 0.9},
	} {
		name, share := Bottleneck(tc.stages)
		if name != tc.want || math.Abs(share-tc.share) > 1e-12 {
			t.Errorf("%v: %s %.3f, want %s %.3f", tc.stages, name, share, tc.want, tc.share)
		}
	}
}
