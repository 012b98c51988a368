package link

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
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

func TestHybridLostFeatures(t *testing.T) {
	// 100 bits per feature in 16-byte (128-bit) frames: feature f spans
	// bits [100f, 100f+100), frame k bits [128k, 128k+128).
	for _, tc := range []struct {
		lost []int // lost frames
		want []int // features erased
	}{
		{nil, nil},
		{[]int{0}, []int{0, 1}},       // bits 0–127: features 0 and 1 (100–199)
		{[]int{1}, []int{1, 2}},       // bits 128–255
		{[]int{152}, []int{194, 195}}, // bits 19456–19583: the last two features
		{[]int{0, 152}, []int{0, 1, 194, 195}},
	} {
		lost := make([]bool, (he.Features*100+127)/128)
		for _, k := range tc.lost {
			lost[k] = true
		}
		var got []int
		for f, l := range hybridLostFeatures(lost, 100, 16) {
			if l {
				got = append(got, f)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("lost frames %v: features %v, want %v", tc.lost, got, tc.want)
		}
	}
}

func TestPowerSplit(t *testing.T) {
	for _, tc := range []struct {
		rho    float64
		nd, na int64
	}{{0, 100, 10}, {10, 16737, 196}, {-10, 16737, 196}, {30, 1, 1}, {-30, 5, 500}} {
		d, a := powerSplit(tc.rho, tc.nd, tc.na)
		ed, ea := math.Pow(10, float64(d)/10), math.Pow(10, float64(a)/10)
		// The total energy is unchanged and the ratio is ρ.
		if tot := ed*float64(tc.nd) + ea*float64(tc.na); math.Abs(tot-float64(tc.nd+tc.na)) > 1e-9*float64(tc.nd+tc.na) {
			t.Errorf("%+v: total energy %v, want %d", tc, tot, tc.nd+tc.na)
		}
		if r := float64(a - d); math.Abs(r-tc.rho) > 1e-9 {
			t.Errorf("%+v: analog − digital = %v dB", tc, r)
		}
	}
	// Equal power is exactly no offset (bit-identical to the old link).
	if d, a := powerSplit(0, 7, 3); d != 0 || a != 0 {
		t.Errorf("ρ = 0 dB: offsets %v, %v", d, a)
	}
}

func TestTransportOptions(t *testing.T) {
	good := TransportOptions{Bits: 50, Qm: 6, Rate: 0.75, FrameBytes: 512, Loss: "erase", HARQ: 4, AnalogBits: 10, AnalogPowerDB: -3, PerfectCSI: true}
	d, h, q, err := good.Configs()
	if err != nil {
		t.Fatal(err)
	}
	if d.Bits != 50 || d.Qm != 6 || d.Rate != 0.75 || d.FrameBytes != 512 || d.Loss != LossErase || d.HARQ != 4 || h.AnalogBits != 10 || h.AnalogPowerDB != -3 || !q.PerfectCSI {
		t.Errorf("configs %+v %+v %+v", d, h, q)
	}
	for _, bad := range []TransportOptions{
		{Bits: 1}, {Qm: 5}, {Rate: 0.99}, {FrameBytes: 9000}, {Loss: "drop"}, {HARQ: MaxHARQ + 1}, {HARQ: -1}, {AnalogBits: 17}, {AnalogBits: -1}, {AnalogPowerDB: 31}, {AnalogPowerDB: math.NaN()},
	} {
		if _, _, _, err := bad.Configs(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	// A scenario checks them too.
	s := DefaultScenario()
	s.Qm = 3
	if _, err := s.Sweep(); err == nil {
		t.Error("scenario with qm 3 accepted")
	}
}

// TestHybridErase: far below the code's threshold every frame is lost; with
// LossErase the hybrid receiver zeroes all 196 features (and classifies the
// all-zero features) instead of losing the batch.
func TestHybridErase(t *testing.T) {
	if testing.Short() {
		t.Skip("CKKS batch and LDPC blocks: skipped with -short")
	}
	models := fittedModels(t)
	hp := he.MustParams(testInsecureLogN10)
	const items = 100
	for _, loss := range []LossPolicy{LossBatch, LossErase} {
		s := sim.Sweep{Points: []sim.Point{{Dataset: "mnist", Model: Model4, Channel: "awgn", SNR: -5, Transport: "hybrid"}}, Items: items, Realisations: 1, Seed: 3, Chunk: items}
		f := NewFactory(Config{Models: models, Datasets: offset, HE: &hp, Digital: DigitalConfig{Qm: 8, Rate: 0.8, Loss: loss}, Hybrid: HybridConfig{AnalogPowerDB: 10}})
		res, err := sim.Run(context.Background(), s, f, sim.Options{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		c := res.Points[0].Counts
		x := c.Extra
		t.Logf("%s: accuracy %.2f, %d/%d frames lost, %d features erased", loss, res.Points[0].Accuracy, x[XFramesLost], x[XFrames], x[XFeatsErased])
		switch loss {
		case LossBatch:
			if c.Correct != 0 || x[XBatchesLost] != 1 || x[XFeatsErased] != 0 {
				t.Errorf("batch: %+v", c)
			}
		case LossErase:
			if x[XFramesLost] != x[XFrames] || x[XFeatsErased] != he.Features || x[XBatchesLost] != 1 || c.Items != items {
				t.Errorf("erase: %+v", c)
			}
		}
	}
}
