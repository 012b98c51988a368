package pipebench

import (
	"context"
	"fmt"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestChainSmall(t *testing.T) {
	for _, n := range []int{0, 1, 4} {
		t.Run(fmt.Sprintf("N=%d", n), func(t *testing.T) {
			cfg := Config{Blocks: n, FrameLen: 1000, Samples: 12345}
			if n == 0 {
				cfg.Blocks = 0 // zero takes the default of 1 block
			}
			res, err := Chain(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			sink := res.Blocks[len(res.Blocks)-1]
			if sink.ItemsIn != 12345 || sink.FramesIn != 13 {
				t.Fatalf("sink saw %d items in %d frames", sink.ItemsIn, sink.FramesIn)
			}
			if res.ChainSps <= 0 || res.FusedSps <= 0 || res.Ratio <= 0 {
				t.Fatalf("bad rates %+v", res)
			}
			// Multiplying by 1 keeps the source's first samples: the sink's
			// checksum is the sum of the first sample of each frame.
			vec := sourceVector()
			var want complex128
			for off := 0; off < 12345; off += 1000 {
				want += complex128(vec[off%vectorLen])
			}
			if res.Checksum != want {
				t.Fatalf("checksum %v, want %v", res.Checksum, want)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []Config{{Blocks: -1}, {FrameLen: -5}, {Samples: -1}, {Buffer: -1}} {
		if _, err := Chain(context.Background(), cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

func TestFill(t *testing.T) {
	vec := sourceVector()
	dst := make([]complex64, 3*vectorLen+5)
	fill(dst, vec, 7)
	for i := range dst {
		if dst[i] != vec[(i+7)%vectorLen] {
			t.Fatalf("sample %d", i)
		}
	}
}

// BenchmarkChain measures the pipeline on GNU Radio's framework chain with
// 4096-sample frames; compare samples/s with the anchor (100/50/38 Msps for
// N = 1/4/16) and the ratio to the fused loop.
func BenchmarkChain(b *testing.B) {
	for _, n := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			cfg := Config{Blocks: n, FrameLen: 4096, Samples: 4 << 20}
			var chain, fused float64
			for b.Loop() {
				res, err := Chain(context.Background(), cfg)
				if err != nil {
					b.Fatal(err)
				}
				chain += res.ChainSps
				fused += res.FusedSps
			}
			b.ReportMetric(chain/float64(b.N), "samples/s")
			b.ReportMetric(fused/float64(b.N), "fused-samples/s")
			b.ReportMetric(chain/fused, "chain/fused")
			b.ReportMetric(chain/float64(b.N)/GNURadioSps[n], "x-gnuradio")
		})
	}
}
