package link

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hesemcom/hesemcom/app/he"
	"github.com/hesemcom/hesemcom/internal/units"
	"github.com/hesemcom/hesemcom/modem/ofdm"
	"github.com/hesemcom/hesemcom/sim"
)

// testInsecureLogN10 is a fast, INSECURE CKKS set (log QP = 180 far above
// the 27-bit bound for N = 2^10) with the default set's moduli and scales:
// 512-image batches with the same arithmetic, for tests only.
var testInsecureLogN10 = he.ParamsLiteral{
	LogN: 10, LogQ: []int{60, 60}, LogP: []int{60},
	LogScaleInput: 26, LogScaleWeight: 16, LogScaleFC: 20,
	Insecure: true,
}

func TestParseIQChannel(t *testing.T) {
	for _, tc := range []struct{ in, name, kind string }{
		{"awgn", "awgn", "awgn"},
		{"AWGN", "awgn", "awgn"},
		{"rayleigh", "rayleigh", "flat"},
		{"rayleigh-fd100", "rayleigh-fd100", "flat"},
		{"rician", "rician-K4", "flat"},
		{"rician-K10-fd5", "rician-K10-fd5", "flat"},
		{"tdl-a", "tdl-a", "tdl"},
		{"TDL-C-ds300ns", "tdl-c-ds300ns", "tdl"},
		{"tdl-b-ds100ns-fd50", "tdl-b-fd50", "tdl"},
	} {
		c, err := ParseIQChannel(tc.in)
		if err != nil || c.Name != tc.name || c.Kind != tc.kind {
			t.Errorf("%q: got %+v, %v; want name %q kind %q", tc.in, c, err, tc.name, tc.kind)
			continue
		}
		// Canonical names parse to themselves.
		if d, err := ParseIQChannel(c.Name); err != nil || d != c {
			t.Errorf("%q: round trip %+v, %v", c.Name, d, err)
		}
	}
	for _, bad := range []string{"", "tdl", "tdl-d", "tdl-a-ds-3ns", "tdl-a-dsxns", "awgn-fd10", "rician-Kx", "rayleigh-ds100ns", "rayleigh-fd-1", "rayleigh-foo"} {
		if _, err := ParseIQChannel(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestIQNoisePower checks the SNR convention of the iq level on AWGN: with
// perfect CSI the equalised noise on a data subcarrier has variance N0 (the
// symbol level's), within 5 standard errors; with the pilot estimate it is
// larger by the estimation error, σ_e² ≤ N0·max((1−t)²+t²)/TimeAverage ≤
// N0/2 here, so at most 1.5·N0 for unit-power symbols.
func TestIQNoisePower(t *testing.T) {
	ch, _ := ParseIQChannel("awgn")
	const items = 400
	for _, perfect := range []bool{true, false} {
		q, err := newIQModem(IQConfig{PerfectCSI: perfect}, ch)
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(1, 2))
		x := make([]complex64, DefaultUses)
		var sum float64
		n := 0
		for range items {
			for k := range x {
				// Unit-power QPSK symbols.
				x[k] = complex(float32(1-2*r.IntN(2)), float32(1-2*r.IntN(2))) / math.Sqrt2
			}
			y, err := q.Send(x, 10, r)
			if err != nil {
				t.Fatal(err)
			}
			for k := range x {
				d := y[k] - x[k]
				sum += float64(real(d)*real(d) + imag(d)*imag(d))
				n++
			}
		}
		got := sum / float64(n) / units.N0(10)
		t.Logf("perfect CSI %v: noise power %.4f·N0 (%d IQ samples per image)", perfect, got, q.Samples(DefaultUses))
		if perfect {
			// |n|²/N0 ~ Exp(1): standard error 1/√n.
			if tol := 5 / math.Sqrt(float64(n)); math.Abs(got-1) > tol {
				t.Errorf("noise power %.4f·N0, want 1 ± %.4f", got, tol)
			}
		} else if got < 1 || got > 1.5 {
			t.Errorf("noise power %.4f·N0 with estimated CSI, want within [1, 1.5]", got)
		}
		if q.Samples(DefaultUses) != 2*144 {
			t.Errorf("%d samples per image, want 2 OFDM symbols of 144", q.Samples(DefaultUses))
		}
	}
}

// TestIQChannels runs every channel kind through the modem: multipath and
// Doppler must leave a finite, bounded effective noise with perfect CSI, and
// a CP shorter than the channel is an error.
func TestIQChannels(t *testing.T) {
	x := make([]complex64, DefaultUses)
	for k := range x {
		x[k] = complex(float32(k%3)-1, float32(k%2)) / math.Sqrt2
	}
	for _, name := range []string{"rayleigh", "rician-K4-fd200", "tdl-a", "tdl-b-ds300ns", "tdl-c-fd100"} {
		ch, err := ParseIQChannel(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, perfect := range []bool{true, false} {
			q, err := newIQModem(IQConfig{PerfectCSI: perfect}, ch)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(3, 4))
			var sum float64
			for range 50 {
				y, err := q.Send(x, 40, r)
				if err != nil {
					t.Fatal(err)
				}
				for k := range x {
					d := y[k] - x[k]
					sum += float64(real(d)*real(d) + imag(d)*imag(d))
				}
			}
			mse := sum / float64(50*len(x))
			t.Logf("%s perfect=%v: mse %.2e at 40 dB", name, perfect, mse)
			// At 40 dB a coherent receiver is limited by noise on faded
			// subcarriers; a median fade keeps the MSE far below 1.
			if math.IsNaN(mse) || mse > 0.3 {
				t.Errorf("%s perfect=%v: mse %v", name, perfect, mse)
			}
		}
	}
	ch, _ := ParseIQChannel("tdl-c-ds3000ns")
	q, err := newIQModem(IQConfig{}, ch)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Send(x, 10, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Fatal("a 26 µs channel passed a 4 µs cyclic prefix")
	}
	if _, err := newIQModem(IQConfig{OFDM: ofdm.Config{FFTSize: 100}}, ch); err == nil {
		t.Fatal("bad numerology accepted")
	}
}

// TestIQAgreesWithSymbolAWGN is issue 7's check: on AWGN the symbol and iq
// levels (estimated channel) agree within their 95 % Wilson intervals.
func TestIQAgreesWithSymbolAWGN(t *testing.T) {
	models := fittedModels(t)
	items := 800
	if testing.Short() {
		items = 300
	}
	var pts []sim.Point
	for _, lvl := range []string{"symbol", "iq"} {
		for _, m := range []string{Model2, Model3} {
			for _, snr := range []float64{5, 15} {
				pts = append(pts, sim.Point{Dataset: "mnist", Model: m, Channel: "awgn", SNR: snr, Level: lvl})
			}
		}
	}
	s := sim.Sweep{Points: pts, Items: items, Realisations: 1, Seed: 11, Chunk: 200}
	res, err := sim.Run(context.Background(), s, NewFactory(Config{Models: models, Datasets: offset}), sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	half := len(pts) / 2
	for i := range half {
		a, b := res.Points[i], res.Points[half+i]
		t.Logf("%s: symbol %.3f [%.3f, %.3f], iq %.3f [%.3f, %.3f]", a.Point, a.Accuracy, a.CI95[0], a.CI95[1], b.Accuracy, b.CI95[0], b.CI95[1])
		if a.Accuracy < b.CI95[0] || a.Accuracy > b.CI95[1] || b.Accuracy < a.CI95[0] || b.Accuracy > a.CI95[1] {
			t.Errorf("%s: symbol %.3f and iq %.3f disagree beyond their intervals", a.Point, a.Accuracy, b.Accuracy)
		}
		if got := b.Counts.Extra[XIQSamples]; got != 288*b.Counts.Items {
			t.Errorf("%s: %d IQ samples for %d images", b.Point, got, b.Counts.Items)
		}
	}
}

// TestModel4MatchesModel3IQ: at the iq level Model 4's slot transport adds
// the modem's effective noise to the encrypted features, so its decisions
// agree with Model 3's image by image (TDL-A, estimated channel).
func TestModel4MatchesModel3IQ(t *testing.T) {
	if testing.Short() {
		t.Skip("CKKS batch: skipped with -short")
	}
	models := fittedModels(t)
	var pts []sim.Point
	for _, m := range []string{Model3, Model4} {
		pts = append(pts, sim.Point{Dataset: "mnist", Model: m, Channel: "tdl-a", SNR: 10, Level: "iq"})
	}
	pts[1].Transport = "slot"
	s := sim.Sweep{Points: pts, Items: 300, Realisations: 1, Seed: 5, Chunk: 300}
	per := map[string][]bool{}
	hp := he.MustParams(testInsecureLogN10)
	f := NewFactory(Config{Models: models, Datasets: offset, HE: &hp})
	rec := func(w int) (sim.Evaluator, error) {
		ev, err := f(w)
		return recorder{ev.(*evaluator), per}, err
	}
	res, err := sim.Run(context.Background(), s, rec, sim.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	agree := 0
	for i := range per[Model3] {
		if per[Model3][i] == per[Model4][i] {
			agree++
		}
	}
	t.Logf("iq tdl-a 10 dB: model3 %.3f, model4 %.3f, agreement %d/%d", res.Points[0].Accuracy, res.Points[1].Accuracy, agree, len(per[Model3]))
	// CKKS error (≈ 2^-20 relative) flips at most images whose top logits tie.
	if len(per[Model4]) != 300 || agree < 298 {
		t.Fatalf("agreement %d/%d", agree, len(per[Model4]))
	}
}

func TestIQLevelErrors(t *testing.T) {
	e := &evaluator{}
	for _, p := range []sim.Point{
		{Model: Model1, Channel: "awgn", Level: "iq"},
		{Model: EveModel(Model3), Channel: "awgn", Level: "iq"},
		{Model: Model3, Channel: "tdl-z", Level: "iq"},
		{Model: Model3, Channel: "awgn", Level: "rf"},
	} {
		if _, err := e.channelFor(p); err == nil {
			t.Errorf("%+v accepted", p)
		}
	}
	if _, err := (Scenario{Datasets: []string{"mnist"}, Models: []string{"3"}, SNRs: []float64{5}, Channels: []string{"tdl-a"}, Level: "iq", Images: 10, Realisations: 1, Weights: "per-snr"}).Sweep(); err != nil {
		t.Errorf("iq scenario with tdl-a: %v", err)
	}
	if _, err := (Scenario{Datasets: []string{"mnist"}, Models: []string{"3"}, SNRs: []float64{5}, Channels: []string{"tdl-a"}, Level: "symbol", Images: 10, Realisations: 1, Weights: "per-snr"}).Sweep(); err == nil {
		t.Error("tdl-a accepted at the symbol level")
	}
}

func ExampleParseIQChannel() {
	for _, s := range []string{"awgn", "TDL-A-ds300ns-fd100", "rician-K10"} {
		c, err := ParseIQChannel(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s: %s, delay spread %.0f ns, Doppler %.0f Hz\n", c.Name, c.Kind, c.DelaySpread*1e9, c.Doppler)
	}
	// Output:
	// awgn: awgn, delay spread 0 ns, Doppler 0 Hz
	// tdl-a-ds300ns-fd100: tdl, delay spread 300 ns, Doppler 100 Hz
	// rician-K10: flat, delay spread 0 ns, Doppler 0 Hz
}

func TestIQScenarioRejects(t *testing.T) {
	base := Scenario{Datasets: []string{"mnist"}, Models: []string{"1"}, SNRs: []float64{5}, Channels: []string{"awgn"}, Level: "iq", Images: 10, Realisations: 1, Weights: "per-snr"}
	if _, err := base.Sweep(); err == nil {
		t.Error("model 1 accepted at the iq level")
	}
	base.Models, base.Eve = []string{"3"}, true
	if _, err := base.Sweep(); err == nil {
		t.Error("eavesdropper accepted at the iq level")
	}
	base.Eve, base.Transport = false, "pigeon"
	if _, err := base.Sweep(); err == nil {
		t.Error("unknown transport accepted")
	}
	base.Models, base.Transport = []string{"4"}, "hybrid"
	sw, err := base.Sweep()
	if err != nil || sw.Points[0].Transport != "hybrid" || sw.Points[0].Level != "iq" {
		t.Errorf("hybrid at iq: %+v, %v", sw.Points, err)
	}
}
