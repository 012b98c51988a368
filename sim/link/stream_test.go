package link

import (
	"context"
	"testing"

	"go.uber.org/goleak"

	"github.com/hesemcom/hesemcom/app/source"
	"github.com/hesemcom/hesemcom/internal/units"
	"github.com/hesemcom/hesemcom/phy/jscc"
	"github.com/hesemcom/hesemcom/pipeline"
	"github.com/hesemcom/hesemcom/sim"
)

// iqSweepCorrect runs the sweep's iq level on the first n test images
// (realisation 0) and returns the correct decisions.
func iqSweepCorrect(t *testing.T, models ModelSource, model, channel string, snr float64, n int, seed uint64) int64 {
	t.Helper()
	s := sim.Sweep{Points: []sim.Point{{Dataset: "mnist", Model: model, Channel: channel, SNR: snr, Level: "iq"}}, Items: n, Realisations: 1, Seed: seed}
	res, err := sim.Run(context.Background(), s, NewFactory(Config{Models: models}), sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Points[0].Counts.Correct
}

// TestRunStreamIQ: at the iq level the streaming link runs the modem and the
// channel as blocks of their own, and its decisions are the sweep's, image
// for image (same per-image seeds): the correct counts are equal exactly, not
// just within intervals.
func TestRunStreamIQ(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	models := fittedModels(t)
	for _, tc := range []struct {
		link, channel string
		snr           float64
	}{
		{Model3, "awgn", 0},
		{Model2, "tdl-a", 5},
		{Model3, "rayleigh-fd100", 10},
	} {
		t.Run(tc.link+"/"+tc.channel, func(t *testing.T) {
			arch, _ := Arch(tc.link)
			m, _ := models("mnist", arch, 0)
			res, err := RunStream(context.Background(), StreamConfig{Link: tc.link, Dataset: source.MNIST, Images: 300, SNR: units.DB(tc.snr), Channel: tc.channel, Level: "iq", Seed: 9, Model: m, Batch: 128})
			if err != nil {
				t.Fatal(err)
			}
			want := iqSweepCorrect(t, models, tc.link, tc.channel, tc.snr, 300, 9)
			t.Logf("%s %s %g dB: stream %d/300, sweep %d/300, %.0f images/s, bottleneck %s", tc.link, tc.channel, tc.snr, res.Correct, want, res.ImagesPerSec, bottleneckOf(res))
			if int64(res.Correct) != want {
				t.Fatalf("stream %d correct, iq sweep %d", res.Correct, want)
			}
			names := []string{"images", "jscc-encoder", "map", "ofdm-modulate", "channel(iq)", "ofdm-demodulate", "jscc-decoder", "classes"}
			if len(res.Stages) != len(names) {
				t.Fatalf("%d blocks, want %v", len(res.Stages), names)
			}
			for i, s := range res.Stages {
				if s.Name != names[i] || s.ItemsIn != 3 && s.Kind != "source" {
					t.Errorf("block %d: %s with %d frames in, want %s with 3", i, s.Name, s.ItemsIn, names[i])
				}
			}
			if res.Level != "iq" || res.IQSamples != 288 || res.Batches != 3 {
				t.Fatalf("level %q, %d IQ samples per image, %d batches", res.Level, res.IQSamples, res.Batches)
			}
		})
	}
}

// TestRunStreamIQModel4: Model 4's slot transport at the iq level adds the
// modem's effective noise homomorphically; the reference Model 3 decisions
// equal the iq sweep's Model 3, and Model 4 agrees with them.
func TestRunStreamIQModel4(t *testing.T) {
	if testing.Short() {
		t.Skip("CKKS batch: skipped with -short")
	}
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	models := fittedModels(t)
	m, _ := models("mnist", jscc.HE, 5)
	res, err := RunStream(context.Background(), StreamConfig{Dataset: source.MNIST, Images: 200, SNR: 5, Channel: "tdl-a", Level: "iq", Seed: 4, Model: m, Batch: 100})
	if err != nil {
		t.Fatal(err)
	}
	want := iqSweepCorrect(t, models, Model3, "tdl-a", 5, 200, 4)
	t.Logf("model 4 %.3f, reference model 3 %.3f (sweep %d/200), agreement %d/200, bottleneck %s", res.Accuracy, res.PlainAccuracy, want, res.Agreement, bottleneckOf(res))
	if got := int64(res.PlainAccuracy*200 + 0.5); got != want {
		t.Fatalf("reference model 3 %d correct, iq sweep %d", got, want)
	}
	if res.Agreement < 198 {
		t.Fatalf("model 4 agrees with model 3 on %d/200", res.Agreement)
	}
	if len(res.Stages) != 12 || res.Stages[4].Name != "map" || res.Stages[9].Name != "channel(slot)" {
		t.Fatalf("blocks %+v", res.Stages)
	}
}

func TestRunStreamErrors(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, cfg := range []StreamConfig{
		{Link: Model3, Dataset: source.MNIST, Images: 10, Channel: "awgn", Level: "rf"},
		{Link: Model3, Dataset: source.MNIST, Images: 10, Channel: "tdl-a"}, // symbol level has no TDL
		{Link: Model3, Dataset: source.MNIST, Images: 10, Channel: "tdl-z", Level: "iq"},
		{Link: Model3, Dataset: source.MNIST, Images: 10, Channel: "awgn", Level: "iq", IQ: IQConfig{PerfectCSI: true}},
		{Link: Model1, Dataset: source.MNIST, Images: 10, Channel: "awgn"},
		{Link: Model3, Dataset: source.MNIST, Images: 10001, Channel: "awgn"},
	} {
		if _, err := RunStream(context.Background(), cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

func bottleneckOf(r *StreamResult) string { name, _ := pipeline.Bottleneck(r.Stages); return name }
