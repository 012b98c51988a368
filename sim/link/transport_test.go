package link

import (
	"bytes"
	"context"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/hesemcom/hesemcom/app/he"
	"github.com/hesemcom/hesemcom/modem/iqfile"
	"github.com/hesemcom/hesemcom/phy/frame"
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
// transport, iq level, TDL-A) with a Recorder — SigMF, sidecar, key file —
// over two CKKS batches (700 images, 512 per batch at N = 2^10), replays the
// files through a receiver of its own (a fresh key chain importing the key
// file) and gets the live run's decisions, image by image. LossErase and a
// fading channel make some frames fail, so the replay also has to lose
// exactly the live run's frames.
func TestDigitalSigMFReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("two CKKS batches and ~5000 LDPC blocks over OFDM: skipped with -short")
	}
	models := fittedModels(t)
	hp := he.MustParams(testInsecureLogN10)
	base := filepath.Join(t.TempDir(), "model4-digital")
	const items, snr = 700, 20
	// 50 bits: slot noise ≈ 0.01 at N = 2^10; 64-QAM rate 3/4 keeps the
	// test short. Two HARQ transmissions: the replay must also read the
	// retransmissions the live receiver asked for, and only those.
	dcfg := DigitalConfig{Loss: LossErase, Bits: 50, Qm: 6, Rate: 0.75, HARQ: 2}
	rec, err := NewRecorder(base, Recording{HEParams: hp.String(), Dataset: "mnist", Channel: "tdl-a", SNR: snr, Weights: "per-snr", Digital: dcfg})
	if err != nil {
		t.Fatal(err)
	}
	rec.Hook(&dcfg)
	cfg := Config{Models: models, Datasets: offset, HE: &hp, Digital: dcfg}
	s := sim.Sweep{Points: []sim.Point{{Dataset: "mnist", Model: Model4, Channel: "tdl-a", SNR: snr, Level: "iq", Transport: "digital"}}, Items: items, Realisations: 1, Seed: 9, Chunk: items}
	res, err := sim.Run(context.Background(), s, NewFactory(cfg), sim.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := rec.Close()
	if err != nil {
		t.Fatal(err)
	}
	x := res.Points[0].Counts.Extra
	t.Logf("live: accuracy %.3f, %d/%d frames lost, %d retransmissions, %d features erased, %d IQ samples per image",
		res.Points[0].Accuracy, x[XFramesLost], x[XFrames], x[XRetransmit], x[XFeatsErased], x[XIQSamples]/items)
	if len(r.Batches) != 2 || r.Batches[1].From != 512 || r.Batches[1].Images != items-512 {
		t.Fatalf("batches %+v", r.Batches)
	}
	if x[XFramesLost] == 0 || x[XRetransmit] <= x[XFramesLost] {
		t.Error("no frame lost, or none saved by a retransmission: the test does not exercise both")
	}
	var retx int
	for _, b := range r.Batches {
		retx += b.Retransmissions
	}
	file, err := iqfile.Open(base)
	if err != nil {
		t.Fatal(err)
	}
	file.Close()
	meta := file.Meta
	var annotated int
	for _, a := range meta.Annotations {
		if a.Label == "retransmission" {
			annotated++
		}
	}
	if int64(retx) != x[XRetransmit] || int64(annotated) != x[XRetransmit] || int64(len(meta.Annotations)) != x[XFrames]+x[XRetransmit] {
		t.Errorf("recording: %d retransmissions in the sidecar, %d annotated, %d annotations; live %d frames, %d retransmissions", retx, annotated, len(meta.Annotations), x[XFrames], x[XRetransmit])
	}
	if fi, err := os.Stat(base + KeyExt); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v", fi, err)
	}

	got, err := ReplayDigital(context.Background(), Config{Models: models, Datasets: offset, HE: &hp}, base)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("replay: accuracy %.3f, %d/%d frames lost, %d retransmissions, %d/%d decisions as live", got.Accuracy, got.FramesLost, got.Frames, got.Retransmissions, got.Agree, got.Images)
	if int64(got.FramesLost) != x[XFramesLost] || int64(got.Frames) != x[XFrames] || int64(got.Retransmissions) != x[XRetransmit] {
		t.Errorf("replay lost %d/%d frames after %d retransmissions, live %d/%d after %d", got.FramesLost, got.Frames, got.Retransmissions, x[XFramesLost], x[XFrames], x[XRetransmit])
	}
	if got.Images != items || got.Agree != items || int64(got.Correct) != res.Points[0].Counts.Correct {
		t.Errorf("replay: %d images, %d decisions as live, %d correct (live %d)", got.Images, got.Agree, got.Correct, res.Points[0].Counts.Correct)
	}

	// A recording cut short, or one under another key, is an error.
	data := base + iqfile.DataExt
	b, _ := os.ReadFile(data)
	os.WriteFile(data, b[:len(b)-8*1000], 0o644)
	if _, err := ReplayDigital(context.Background(), Config{Models: models, Datasets: offset, HE: &hp}, base); err == nil {
		t.Error("a truncated recording replayed")
	}
	os.WriteFile(data, b, 0o644)
	other, _ := he.NewKeyChain(hp, he.KeyConfig{})
	k, _ := other.SharedKey(0)
	if err := he.WriteSharedKeyFile(base+KeyExt, k); err != nil {
		t.Fatal(err)
	}
	if got, err := ReplayDigital(context.Background(), Config{Models: models, Datasets: offset, HE: &hp}, base); err == nil && got.Agree == items {
		t.Error("replay under another secret key gave the live decisions")
	}
}

// BenchmarkModel4IQ is issue 9's benchmark: encrypted images per second end
// to end at the iq level (CKKS encrypt → encoder on ciphertext → transport →
// FC on ciphertext → decrypt), one full N = 2^13 batch (4096 images) per
// iteration on one worker, pretrained MNIST model, AWGN at 20 dB. Run with
// -benchtime 1x: a digital or hybrid iteration moves ≈ 150–170 Mbit through
// LDPC and OFDM.
func BenchmarkModel4IQ(b *testing.B) {
	for _, tr := range []string{"slot", "digital", "hybrid"} {
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

// TestTransportsManyBatches runs 1100 images, more than two CKKS batches at
// N = 2^10 (512 slots; N = 2^13 holds 4096, so the full test set is 3
// batches), through each transport, in one unit and in units of a batch:
// every image is counted once, a partly filled last batch costs a whole
// batch's ciphertexts, and the accuracy is the noiseless Model 3's.
func TestTransportsManyBatches(t *testing.T) {
	if testing.Short() {
		t.Skip("six CKKS batches per transport: skipped with -short")
	}
	models := fittedModels(t)
	hp := he.MustParams(testInsecureLogN10)
	const items = 1100
	pts := []sim.Point{{Dataset: "mnist", Model: Model3, Channel: "awgn", SNR: 60}}
	for _, tr := range []string{"slot", "digital", "hybrid"} {
		pts = append(pts, sim.Point{Dataset: "mnist", Model: Model4, Channel: "awgn", SNR: 60, Transport: tr})
	}
	for _, chunk := range []int{items, 512} {
		s := sim.Sweep{Points: pts, Items: items, Realisations: 1, Seed: 5, Chunk: chunk}
		f := NewFactory(Config{Models: models, Datasets: offset, HE: &hp, Digital: DigitalConfig{Qm: 8, Rate: 0.8}})
		res, err := sim.Run(context.Background(), s, f, sim.Options{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		ref := res.Points[0].Counts.Correct
		for _, p := range res.Points {
			x := p.Counts.Extra
			if p.Counts.Items != items || p.Counts.Correct < ref-3 || p.Counts.Correct > ref+3 {
				t.Errorf("chunk %d, %s: %d/%d correct, noiseless Model 3 %d", chunk, p.Point, p.Counts.Correct, p.Counts.Items, ref)
			}
			if p.Point.Transport == "digital" {
				// Three batches of 196 features × 2 polynomials × N coefficients.
				if want := int64(3 * he.Features * 2 * 1024); x[XCoefficients] != want || x[XFramesLost] != 0 {
					t.Errorf("chunk %d, digital: %d coefficients (want %d), %d frames lost", chunk, x[XCoefficients], want, x[XFramesLost])
				}
			}
			if p.Point.Transport == "hybrid" && x[XAnalogUses] != 3*he.Features*1024/2 {
				t.Errorf("chunk %d, hybrid: %d analog uses", chunk, x[XAnalogUses])
			}
		}
	}
}

// TestDigitalHARQ: with hybrid ARQ the frames a single transmission loses
// are sent again and recovered. The first transmission of every frame meets
// the same channel as without HARQ, so (for the same payload) the frames
// retransmitted are exactly the frames the link without HARQ lost, and the
// channel uses grow by one frame per retransmission. The payload is fixed
// here: CKKS ciphertexts are not reproducible (app/he), and over QAM which
// frames fail depends on the bits they carry.
func TestDigitalHARQ(t *testing.T) {
	const frames, snr = 300, 8
	payload := make([]byte, frames*1024)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range payload {
		payload[i] = byte(rng.Uint32())
	}
	u := sim.Unit{Point: sim.Point{SNR: snr}, Seed: 11}
	ch, err := ParseChannel("rayleigh")
	if err != nil {
		t.Fatal(err)
	}
	run := func(harq int) (*digitalChain, digitalOutcome, map[uint32]int) {
		sent := map[uint32]int{} // transmissions per frame sequence number
		var fr frame.Frame
		capture := func(_ int64, data []byte) error {
			if err := fr.Decode(data); err != nil {
				return err
			}
			sent[fr.Seq]++
			return nil
		}
		d, err := newDigitalChain(DigitalConfig{Loss: LossErase, HARQ: harq, Capture: capture})
		if err != nil {
			t.Fatal(err)
		}
		d.tx = append(d.tx[:0], payload...)
		pcg := rand.NewPCG(0, 0)
		o, err := d.sendPayload(7, u, 0, ch, nil, snr, pcg, rand.New(pcg))
		if err != nil {
			t.Fatal(err)
		}
		return d, o, sent
	}
	one, o1, sentOne := run(0)
	four, o4, sentFour := run(4)
	t.Logf("without HARQ: %d/%d frames lost; HARQ ×4: %d lost after %d retransmissions", o1.lost, o1.frames, o4.lost, o4.retx)
	if o1.retx != 0 || len(sentOne) != frames || o1.frames != frames {
		t.Fatalf("without HARQ: %d retransmissions, %d distinct frames sent", o1.retx, len(sentOne))
	}
	if o1.lost == 0 || o4.lost != 0 || !bytes.Equal(four.rx, payload) {
		t.Fatalf("frames lost: %d without HARQ (want some), %d with (want none, and the payload back)", o1.lost, o4.lost)
	}
	retx := 0
	for seq, lost := range one.lost {
		if n := sentFour[uint32(seq)]; lost != (n > 1) {
			t.Errorf("frame %d: lost without HARQ %v, sent %d times with", seq, lost, n)
		}
		retx += sentFour[uint32(seq)] - 1
	}
	if retx != o4.retx || o4.retx < o1.lost {
		t.Errorf("%d retransmissions captured, %d counted, %d frames lost without HARQ", retx, o4.retx, o1.lost)
	}
	if o4.symbols != o1.symbols+int64(o4.retx*one.syms) {
		t.Errorf("channel uses %d with HARQ, %d without, %d per frame", o4.symbols, o1.symbols, one.syms)
	}
}
