package link

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"path/filepath"
	"testing"

	"github.com/hesemcom/hesemcom/app/he"
	"github.com/hesemcom/hesemcom/modem/iqfile"
	"github.com/hesemcom/hesemcom/phy/frame"
	"github.com/hesemcom/hesemcom/phy/jscc"
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
	// Frames of the encrypted link go to a pcap capture (link type USER0).
	var frames []int64
	var capBuf bytes.Buffer
	pw, err := frame.NewPcapWriter(&capBuf, frame.PcapConfig{SampleRate: DefaultIQSampleRate})
	if err != nil {
		t.Fatal(err)
	}
	capture := func(sample int64, data []byte) error {
		frames = append(frames, sample)
		return pw.WriteFrame(sample, data)
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
	// 196 features × 2 polynomials × N coefficients × DigitalBits, in
	// 1024-byte frames.
	wantCoeffs := int64(he.Features * 2 * 1024)
	bits := int64(DigitalBits(hp, false))
	if x[XCoefficients] != wantCoeffs || x[XPayloadBits] != wantCoeffs*bits {
		t.Errorf("coefficients %d, payload bits %d", x[XCoefficients], x[XPayloadBits])
	}
	wantFrames := (wantCoeffs*bits/8 + 1023) / 1024
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
	// Read the capture back: 24-byte pcap header, then 16-byte record
	// headers (incl_len at offset 8, little endian) and frames that decode
	// with a good CRC, the batch's key id and consecutive sequence numbers.
	pc := capBuf.Bytes()
	var fr frame.Frame
	seq := uint32(0)
	for off := 24; off < len(pc); seq++ {
		n := int(binary.LittleEndian.Uint32(pc[off+8:]))
		if err := fr.Decode(pc[off+16 : off+16+n]); err != nil || !fr.CRCOK || fr.Type != frame.TypeCiphertext || fr.Seq != seq%uint32(wantFrames) {
			t.Fatalf("captured frame %d: %v, %+v", seq, err, fr)
		}
		off += 16 + n
	}
	if int64(seq) != 2*wantFrames {
		t.Fatalf("%d frames in the pcap, want %d", seq, 2*wantFrames)
	}
	if lo.Counts.Correct != 0 || lo.Counts.Extra[XBatchesLost] != 1 {
		t.Errorf("-5 dB: %d correct, %d batches lost", lo.Counts.Correct, lo.Counts.Extra[XBatchesLost])
	}
	// Every frame is still sent (and counted) after the batch is lost.
	if lo.Counts.Extra[XChannelUses] != x[XChannelUses] || lo.Counts.Extra[XFramesTried] != 1 {
		t.Errorf("-5 dB: %d channel uses, %d frames decoded", lo.Counts.Extra[XChannelUses], lo.Counts.Extra[XFramesTried])
	}
}

// TestDigitalSigMFReplay records the encrypted link's received IQ (digital
// transport, iq level, TDL-A) to a SigMF recording, replays the file through
// the receiver and gets the live run's decisions, image by image. LossErase
// and a fading channel make some frames fail, so the replay also has to
// lose exactly the live run's frames.
func TestDigitalSigMFReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("CKKS batch and ~2600 LDPC blocks over OFDM: skipped with -short")
	}
	models := fittedModels(t)
	hp := he.MustParams(testInsecureLogN10)
	base := filepath.Join(t.TempDir(), "model4-digital")
	w, err := iqfile.Create(base, iqfile.Meta{Global: iqfile.Global{SampleRate: DefaultIQSampleRate, Description: "hesemcom model 4, digital transport, tdl-a"}})
	if err != nil {
		t.Fatal(err)
	}
	var sample uint64
	record := func(seq int, rx []complex64) error {
		s := uint32(seq)
		w.Annotate(iqfile.Annotation{SampleStart: sample, SampleCount: uint64(len(rx)), Label: "frame", HesemcomSeq: &s})
		sample += uint64(len(rx))
		return w.Write(rx)
	}
	const items, snr = 200, 27
	cfg := Config{Models: models, Datasets: offset, HE: &hp, Digital: DigitalConfig{RecordIQ: record, Loss: LossErase, Bits: 50, Qm: 6, Rate: 0.75}} // 50 bits: slot noise ≈ 0.01 at N = 2^10; 64-QAM rate 3/4 keeps the test short
	var ev *evaluator
	f := NewFactory(cfg)
	keep := func(wk int) (sim.Evaluator, error) {
		e, err := f(wk)
		ev = e.(*evaluator)
		return e, err
	}
	s := sim.Sweep{Points: []sim.Point{{Dataset: "mnist", Model: Model4, Channel: "tdl-a", SNR: snr, Level: "iq", Transport: "digital"}}, Items: items, Realisations: 1, Seed: 9, Chunk: items}
	res, err := sim.Run(context.Background(), s, keep, sim.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	live := append([]uint8(nil), ev.labels...)
	x := res.Points[0].Counts.Extra
	t.Logf("live: accuracy %.3f, %d/%d frames lost, %d features erased, %d IQ samples per image",
		res.Points[0].Accuracy, x[XFramesLost], x[XFrames], x[XFeatsErased], x[XIQSamples]/items)
	if uint64(x[XIQSamples]) != sample {
		t.Fatalf("recorded %d samples, sent %d", sample, x[XIQSamples])
	}

	file, err := iqfile.Open(base)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	var buf []complex64
	next := func(n int) ([]complex64, error) {
		buf = buf[:0]
		for len(buf) < n {
			blk, err := file.Read(make([]complex64, 0, n-len(buf)))
			if err != nil {
				return nil, err
			}
			buf = append(buf, blk...)
		}
		return buf, nil
	}
	m, _ := models("mnist", jscc.HE, snr)
	got, o, err := ev.replayDigital(m, "tdl-a", snr, items, ev.digitalW.chain.comp.KeyID(), next)
	if err != nil {
		t.Fatal(err)
	}
	if int64(o.lost) != x[XFramesLost] {
		t.Errorf("replay lost %d frames, live %d", o.lost, x[XFramesLost])
	}
	if len(got) != len(live) {
		t.Fatalf("%d replayed labels, %d live", len(got), len(live))
	}
	for i := range got {
		if got[i] != live[i] {
			t.Fatalf("image %d: replay %d, live %d", i, got[i], live[i])
		}
	}
	if _, err := next(1); err != io.EOF {
		t.Errorf("recording longer than the replay: %v", err)
	}
}

// BenchmarkModel4IQ is issue 9's benchmark: encrypted images per second end
// to end at the iq level (CKKS encrypt → encoder on ciphertext → transport →
// FC on ciphertext → decrypt), one full N = 2^13 batch (4096 images) per
// iteration on one worker, pretrained MNIST model, AWGN at 20 dB. Run with
// -benchtime 1x: a digital iteration moves ≈ 173 Mbit through LDPC and OFDM.
func BenchmarkModel4IQ(b *testing.B) {
	for _, tr := range []string{"slot", "digital"} {
		b.Run(tr, func(b *testing.B) {
			const items = 4096
			s := sim.Sweep{Points: []sim.Point{{Dataset: "mnist", Model: Model4, Channel: "awgn", SNR: 20, Level: "iq", Transport: tr}}, Items: items, Realisations: 1, Seed: 1, Chunk: items}
			f := NewFactory(Config{Models: Pretrained(PerSNR)})
			var res *sim.Result
			var err error
			for b.Loop() {
				if res, err = sim.Run(context.Background(), s, f, sim.Options{Workers: 1}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(items)*float64(b.N)/b.Elapsed().Seconds(), "images/s")
			x := res.Points[0].Counts.Extra
			b.ReportMetric(float64(x[XIQSamples])/items, "iq_samples/image")
			b.ReportMetric(res.Points[0].Accuracy, "accuracy")
		})
	}
}
