package link

import (
	"context"
	"testing"

	"github.com/hesemcom/hesemcom/app/he"
	"github.com/hesemcom/hesemcom/sim"
)

func TestDigitalConfig(t *testing.T) {
	for _, bad := range []DigitalConfig{{Bits: 1}, {Bits: 64}, {Qm: 3}, {Rate: 1}, {Rate: -0.1}, {FrameBytes: 8}, {Iterations: 101}} {
		if _, err := newDigitalChain(bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	for in, want := range map[string]LossPolicy{"": LossBatch, "batch": LossBatch, "erase": LossErase} {
		if got, err := ParseLossPolicy(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	if _, err := ParseLossPolicy("drop"); err == nil {
		t.Error("loss policy drop accepted")
	}
}

// TestDigitalTransport runs Model 4 over the digital transport on one small
// (insecure, N = 2^10) CKKS batch: above the code's threshold every frame
// arrives and the decisions are Model 3's without channel noise (only the
// compression noise, ≈ 2^-14 of a feature here, separates them); far below
// it every batch is lost (LossBatch) and no image is right; with LossErase
// the lost features are zeroed instead.
func TestDigitalTransport(t *testing.T) {
	if testing.Short() {
		t.Skip("CKKS batch and ~2600 LDPC blocks: skipped with -short")
	}
	models := fittedModels(t)
	hp := he.MustParams(testInsecureLogN10)
	const items = 300
	var frames []int64
	capture := func(sample int64, data []byte) error {
		frames = append(frames, sample)
		return nil
	}
	pts := []sim.Point{
		{Dataset: "mnist", Model: Model3, Channel: "awgn", SNR: 60},
		{Dataset: "mnist", Model: Model4, Channel: "awgn", SNR: 20, Transport: "digital"},
		{Dataset: "mnist", Model: Model4, Channel: "awgn", SNR: -5, Transport: "digital"},
	}
	s := sim.Sweep{Points: pts, Items: items, Realisations: 1, Seed: 3, Chunk: items}
	per := map[string][]bool{}
	f := NewFactory(Config{Models: models, Datasets: offset, HE: &hp, Digital: DigitalConfig{Capture: capture}})
	rec := func(w int) (sim.Evaluator, error) {
		ev, err := f(w)
		return recorder{ev.(*evaluator), per}, err
	}
	res, err := sim.Run(context.Background(), s, rec, sim.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	clean, hi, lo := res.Points[0], res.Points[1], res.Points[2]
	x := hi.Counts.Extra
	t.Logf("model3 60 dB %.3f; digital 20 dB %.3f (%d/%d frames lost), -5 dB %.3f (%d batches lost)",
		clean.Accuracy, hi.Accuracy, x[XFramesLost], x[XFrames], lo.Accuracy, lo.Counts.Extra[XBatchesLost])
	t.Logf("per image: %d channel uses, %d payload bits (%d bits/coefficient, %d uncompressed wire bits)",
		x[XChannelUses]/items, x[XPayloadBits]/items, x[XPayloadBits]/x[XCoefficients], x[XWireBits]/items)
	// 196 features × 2 polynomials × N coefficients × 54 bits, in 1024-byte frames.
	wantCoeffs := int64(he.Features * 2 * 1024)
	if x[XCoefficients] != wantCoeffs || x[XPayloadBits] != wantCoeffs*DefaultDigitalBits {
		t.Errorf("coefficients %d, payload bits %d", x[XCoefficients], x[XPayloadBits])
	}
	wantFrames := (wantCoeffs*DefaultDigitalBits/8 + 1023) / 1024
	if x[XFrames] != wantFrames || x[XFramesLost] != 0 || int64(len(frames)) != 2*wantFrames {
		t.Fatalf("frames %d (want %d), lost %d, captured %d", x[XFrames], wantFrames, x[XFramesLost], len(frames))
	}
	agree := 0
	for i := range per[Model3] {
		if per[Model3][i] == per[Model4][i] {
			agree++
		}
	}
	if agree < items-2 {
		t.Errorf("digital at 20 dB agrees with noiseless model 3 on %d/%d images", agree, items)
	}
	if lo.Counts.Correct != 0 || lo.Counts.Extra[XBatchesLost] != 1 {
		t.Errorf("-5 dB: %d correct, %d batches lost", lo.Counts.Correct, lo.Counts.Extra[XBatchesLost])
	}
	// Every frame is still sent (and counted) after the batch is lost.
	if lo.Counts.Extra[XChannelUses] != x[XChannelUses] || lo.Counts.Extra[XFramesTried] != 1 {
		t.Errorf("-5 dB: %d channel uses, %d frames decoded", lo.Counts.Extra[XChannelUses], lo.Counts.Extra[XFramesTried])
	}
}
