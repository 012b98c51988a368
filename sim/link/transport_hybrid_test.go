package link

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/hesemcom/hesemcom/app/he"
	"github.com/hesemcom/hesemcom/sim"
)

func TestBitPacker(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	widths := []int{1, 7, 8, 13, 32, 46, 54, 63}
	var vals []uint64
	var ws []int
	var pk bitPacker
	var buf []byte
	for range 1000 {
		w := widths[r.IntN(len(widths))]
		v := r.Uint64() & (1<<w - 1)
		vals, ws = append(vals, v), append(ws, w)
		buf = pk.put(buf, v, w)
	}
	buf = pk.flush(buf)
	var up bitUnpacker
	for i, v := range vals {
		if got := up.get(buf, ws[i]); got != v {
			t.Fatalf("value %d (%d bits): got %#x, want %#x", i, ws[i], got, v)
		}
	}
	if (up.pos+7)/8 != len(buf) {
		t.Fatalf("read %d bits of %d bytes", up.pos, len(buf))
	}
}

// TestHybridTransport: at 30 dB the analog low bits of c0 add slot noise
// ≈ 2^8·√(N0/12)·2^(36−54)·√(N/2) ≈ 2·10^-4 at N = 2^10 (far below the
// features' own noise), so the decisions are the noiseless Model 3's; the
// channel uses are the digital frames' plus 196·N/2 analog uses per batch.
func TestHybridTransport(t *testing.T) {
	if testing.Short() {
		t.Skip("CKKS batch and ~2300 LDPC blocks: skipped with -short")
	}
	models := fittedModels(t)
	hp := he.MustParams(testInsecureLogN10)
	const items = 300
	pts := []sim.Point{
		{Dataset: "mnist", Model: Model3, Channel: "awgn", SNR: 60},
		{Dataset: "mnist", Model: Model4, Channel: "awgn", SNR: 30, Transport: "hybrid"},
	}
	s := sim.Sweep{Points: pts, Items: items, Realisations: 1, Seed: 3, Chunk: items}
	per := map[string][]bool{}
	f := NewFactory(Config{Models: models, Datasets: offset, HE: &hp, Digital: DigitalConfig{Qm: 8, Rate: 0.8}}) // 256-QAM rate 0.8: fewer symbols, a short test
	rec := func(w int) (sim.Evaluator, error) {
		ev, err := f(w)
		return recorder{ev.(*evaluator), per}, err
	}
	res, err := sim.Run(context.Background(), s, rec, sim.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	x := res.Points[1].Counts.Extra
	t.Logf("model3 60 dB %.3f, hybrid 30 dB %.3f; %d channel uses (%d analog), %d payload bits, %d/%d frames lost",
		res.Points[0].Accuracy, res.Points[1].Accuracy, x[XChannelUses], x[XAnalogUses], x[XPayloadBits], x[XFramesLost], x[XFrames])
	if x[XAnalogUses] != he.Features*1024/2 || x[XFramesLost] != 0 {
		t.Fatalf("analog uses %d, frames lost %d", x[XAnalogUses], x[XFramesLost])
	}
	// Digital payload: c0 at B−8 bits and c1 at B bits per coefficient.
	B := DigitalBits(hp, false)
	if want := int64(he.Features * 1024 * (2*B - DefaultAnalogBits)); x[XPayloadBits] < want || x[XPayloadBits] > want+7 {
		t.Errorf("payload %d bits, want %d", x[XPayloadBits], want)
	}
	agree := 0
	for i := range per[Model3] {
		if per[Model3][i] == per[Model4][i] {
			agree++
		}
	}
	if agree < items-2 {
		t.Errorf("hybrid at 30 dB agrees with noiseless model 3 on %d/%d images", agree, items)
	}
}
