package link

import (
	"context"
	"testing"

	"github.com/hesemcom/hesemcom/app/source"
	"github.com/hesemcom/hesemcom/pipeline"
	"github.com/hesemcom/hesemcom/sim"
)

// BenchmarkStream measures end-to-end images/s of each model's link as a
// pipeline graph on the embedded models (AWGN 10 dB) at the symbol level and
// at the iq level (OFDM modem and sample-level channel as blocks of their
// own), and reports the bottleneck block's busy time per worker as a share of
// the run (pipeline.Bottleneck); -v logs its name.
func BenchmarkStream(b *testing.B) {
	for _, tc := range []struct {
		link   string
		images int
	}{{Model2, 10000}, {Model3, 10000}, {Model4, 10000}} {
		for _, level := range []string{"symbol", "iq"} {
			b.Run(tc.link+"/"+level, func(b *testing.B) {
				var ips, busy float64
				var bottleneck string
				for b.Loop() {
					res, err := RunStream(context.Background(), StreamConfig{Link: tc.link, Dataset: source.MNIST, Images: tc.images, SNR: 10, Channel: "awgn", Level: level, Seed: 1})
					if err != nil {
						b.Fatal(err)
					}
					ips += res.ImagesPerSec
					var share float64
					bottleneck, share = pipeline.Bottleneck(res.Stages)
					busy += share
				}
				b.ReportMetric(ips/float64(b.N), "images/s")
				b.ReportMetric(busy/float64(b.N), "bottleneck-busy")
				b.Logf("bottleneck: %s", bottleneck)
			})
		}
	}
}

// BenchmarkSweep measures images/s of the synchronous Monte Carlo trials
// (what sweeps and table3 run) per model, on all cores.
func BenchmarkSweep(b *testing.B) {
	for _, tc := range []struct {
		model  string
		images int
	}{{Model2, 10000}, {Model3, 10000}, {Model4, 8192}} {
		b.Run(tc.model, func(b *testing.B) {
			s := sim.Sweep{Points: []sim.Point{{Dataset: "mnist", Model: tc.model, Channel: "awgn", SNR: 10}}, Items: tc.images, Realisations: 1, Seed: 1, Chunk: 4096}
			f := NewFactory(Config{})
			for b.Loop() {
				if _, err := sim.Run(context.Background(), s, f, sim.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(tc.images)*float64(b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}
