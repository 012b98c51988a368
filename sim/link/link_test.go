package link

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/hesemcom/hesemcom/app/he"
	"github.com/hesemcom/hesemcom/app/source"
	"github.com/hesemcom/hesemcom/internal/units"
	"github.com/hesemcom/hesemcom/phy/jscc"
	"github.com/hesemcom/hesemcom/sim"
)

// Small models fitted in the test on the first 3000 MNIST test images (the
// sweeps below evaluate images from 5000 on), so the tests neither depend on
// the embedded models nor on a training set.
var fitted struct {
	once   sync.Once
	models map[jscc.Arch]*jscc.Model
	err    error
}

func fittedModels(t *testing.T) ModelSource {
	t.Helper()
	fitted.once.Do(func() {
		ds, err := source.LoadTest(source.MNIST)
		if err != nil {
			fitted.err = err
			return
		}
		train := ds.Slice(0, 3000)
		imgs := &jscc.Images{Rows: 28, Cols: 28, Pixels: train.Pixels, Labels: train.Labels}
		fitted.models = map[jscc.Arch]*jscc.Model{}
		for _, a := range []jscc.Arch{jscc.Original, jscc.HE} {
			m, err := jscc.New(jscc.Config{Arch: a}, 7)
			if err != nil {
				fitted.err = err
				return
			}
			if err := m.Train(context.Background(), imgs, jscc.TrainConfig{Epochs: 6, Seed: 7}, nil); err != nil {
				fitted.err = err
				return
			}
			fitted.models[a] = m
		}
	})
	if fitted.err != nil {
		t.Fatal(fitted.err)
	}
	return func(_ string, arch jscc.Arch, _ units.DB) (*jscc.Model, error) {
		m := fitted.models[arch]
		if m == nil {
			return nil, fmt.Errorf("no fitted %s model", arch)
		}
		return m, nil
	}
}

// offset evaluates images [5000, 5000+items) of the test set.
func offset(name source.Name) (*source.Dataset, error) {
	ds, err := source.LoadTest(name)
	if err != nil {
		return nil, err
	}
	return ds.Slice(5000, ds.Len()), nil
}

func TestChannelNoiseStatistics(t *testing.T) {
	const n = 200000
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]float32, n)
	for _, tc := range []struct {
		channel string
		snr     units.DB
	}{{"awgn", 0}, {"awgn", 10}, {"rician-K1000", 10}} {
		t.Run(fmt.Sprintf("%s/%vdB", tc.channel, tc.snr), func(t *testing.T) {
			ch, err := ParseChannel(tc.channel)
			if err != nil {
				t.Fatal(err)
			}
			ch.Noise(buf, tc.snr, r)
			var sum, sq float64
			for _, v := range buf {
				sum += float64(v)
				sq += float64(v) * float64(v)
			}
			want := units.N0(tc.snr) / 2 // per real feature
			// Var of the sample variance of n normals: 2σ⁴/n; allow 5σ (and
			// 2 % for the K=1000 Rician channel's residual scattering).
			tol := 5*want*math.Sqrt(2.0/n) + 0.02*want
			if got := sq / n; math.Abs(got-want) > tol {
				t.Fatalf("noise power %v, want %v ± %v", got, want, tol)
			}
			if mean := sum / n; math.Abs(mean) > 5*math.Sqrt(want/n) {
				t.Fatalf("mean %v", mean)
			}
		})
	}
	// Rayleigh with zero forcing: E|n/h|² is infinite in theory, so the
	// median is the robust check: |h|² ~ Exp(1), median noise power is
	// well above AWGN's.
	ch, _ := ParseChannel("rayleigh")
	ch.Noise(buf, 10, r)
	big := 0
	for k := 0; k < n; k += 2 {
		if p := float64(buf[k])*float64(buf[k]) + float64(buf[k+1])*float64(buf[k+1]); p > units.N0(10) {
			big++
		}
	}
	// P(|n|²/|h|² > N0) = P(E1 > E2) = 1/2 for two unit exponentials.
	if frac := float64(big) / (n / 2); math.Abs(frac-0.5) > 0.01 {
		t.Fatalf("P(noise > N0) = %v, want 0.5", frac)
	}
}

func TestParse(t *testing.T) {
	for _, bad := range []string{"tdl-a", "rician-Kx", "rician-K-1", ""} {
		if _, err := ParseChannel(bad); err == nil {
			t.Errorf("channel %q accepted", bad)
		}
	}
	for in, want := range map[string]string{"3": Model3, "model4": Model4, "original": Model2, "he-wide": HEWide} {
		if got, err := ParseModel(in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
}

func sweep(models []string, snrs []float64, items, reals int) sim.Sweep {
	var pts []sim.Point
	for _, m := range models {
		for _, s := range snrs {
			pts = append(pts, sim.Point{Dataset: "mnist", Model: m, Channel: "awgn", SNR: s})
		}
	}
	return sim.Sweep{Points: pts, Items: items, Realisations: reals, Seed: 3, Chunk: 150}
}

func TestPlaintextSweepDeterministic(t *testing.T) {
	models := fittedModels(t)
	s := sweep([]string{Model2, Model3}, []float64{0, 20}, 600, 2)
	f := NewFactory(Config{Models: models, Datasets: offset})
	a, err := sim.Run(context.Background(), s, f, sim.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := sim.Run(context.Background(), s, f, sim.Options{Workers: 2, Shard: sim.Shard{Index: 0, Count: 2}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := sim.Run(context.Background(), s, f, sim.Options{Workers: 2, Shard: sim.Shard{Index: 1, Count: 2}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := sim.Merge(b, c)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Points {
		if !reflect.DeepEqual(a.Points[i].Counts, m.Points[i].Counts) {
			t.Fatalf("%s: %+v vs %+v", a.Points[i].Point, a.Points[i].Counts, m.Points[i].Counts)
		}
	}
	for _, p := range a.Points {
		// Fitted on 3000 images for 6 epochs: far above chance (10 %) at
		// 0 dB, and a working classifier at 20 dB.
		t.Logf("%s: %.3f", p.Point, p.Accuracy)
		if min := map[float64]float64{0: 0.3, 20: 0.75}[p.Point.SNR]; p.Accuracy < min {
			t.Errorf("%s: accuracy %.3f < %.2f", p.Point, p.Accuracy, min)
		}
		if p.Counts.Extra["channel_uses"] != 98*p.Counts.Items {
			t.Errorf("%s: channel uses %d", p.Point, p.Counts.Extra["channel_uses"])
		}
	}
	if a.Points[0].Accuracy > a.Points[1].Accuracy+0.02 {
		t.Errorf("model2: 0 dB %.3f vs 20 dB %.3f", a.Points[0].Accuracy, a.Points[1].Accuracy)
	}
}

// TestModel4MatchesModel3 runs the same images and noise through the
// plaintext Table II model and through CKKS: the decisions must agree.
func TestModel4MatchesModel3(t *testing.T) {
	if testing.Short() {
		t.Skip("CKKS batch: skipped with -short")
	}
	models := fittedModels(t)
	s := sweep([]string{Model3, Model4}, []float64{5}, 400, 1)
	s.Chunk = 400
	var per = map[string][]bool{}
	f := NewFactory(Config{Models: models, Datasets: offset})
	// Record per-image decisions through a wrapper evaluator.
	rec := func(w int) (sim.Evaluator, error) {
		ev, err := f(w)
		return recorder{ev.(*evaluator), per}, err
	}
	res, err := sim.Run(context.Background(), s, rec, sim.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	m3, m4 := res.Points[0], res.Points[1]
	agree := 0
	for i := range per[Model3] {
		if per[Model3][i] == per[Model4][i] {
			agree++
		}
	}
	t.Logf("model3 %.4f, model4 %.4f, per-image agreement %d/%d", m3.Accuracy, m4.Accuracy, agree, len(per[Model3]))
	if len(per[Model4]) != 400 || agree < 399 {
		t.Fatalf("agreement %d/%d", agree, len(per[Model4]))
	}
}

// recorder keeps each image's correctness, unit by unit (one unit per point
// here), by evaluating single-image sub-units.
type recorder struct {
	*evaluator
	per map[string][]bool
}

func (r recorder) Eval(ctx context.Context, u sim.Unit) (sim.Counts, error) {
	if u.Point.Model == Model4 {
		// Whole batch at once (CKKS cost is per batch), then per image via
		// the labels the receiver released.
		c, err := r.evaluator.Eval(ctx, u)
		if err != nil {
			return c, err
		}
		ds, _ := offset(source.MNIST)
		for i := u.From; i < u.To; i++ {
			r.per[Model4] = append(r.per[Model4], int(r.evaluator.labels[i-u.From]) == int(ds.Labels[i]))
		}
		return c, nil
	}
	var total sim.Counts
	for i := u.From; i < u.To; i++ {
		v := u
		v.From, v.To = i, i+1
		c, err := r.evaluator.Eval(ctx, v)
		if err != nil {
			return total, err
		}
		r.per[u.Point.Model] = append(r.per[u.Point.Model], c.Correct == 1)
		total.Add(c)
	}
	return total, nil
}

func TestRunStream(t *testing.T) {
	if testing.Short() {
		t.Skip("CKKS batch: skipped with -short")
	}
	models := fittedModels(t)
	m, _ := models("mnist", jscc.HE, 10)
	var last int64
	res, err := RunStream(context.Background(), StreamConfig{
		Dataset: source.MNIST, Images: 200, SNR: 10, Channel: "awgn", Seed: 5, Model: m,
		Batch: 100, Keys: he.KeyConfig{RotateEvery: 1},
		Progress: func(done, total int64) { last = done },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("accuracy %.3f (plaintext %.3f), agreement %d/%d, %.0f images/s, %.0f bytes/image on air",
		res.Accuracy, res.PlainAccuracy, res.Agreement, res.Images, res.ImagesPerSec, res.AirBytesPerImage)
	if res.Batches != 2 || last != 200 || res.Images != 200 {
		t.Fatalf("batches %d, progress %d", res.Batches, last)
	}
	if res.Agreement < 199 || res.Accuracy < 0.6 {
		t.Fatalf("agreement %d/200, accuracy %.3f", res.Agreement, res.Accuracy)
	}
	// Two batches with a new key set for each.
	if res.KeySets != 2 {
		t.Fatalf("%d key sets, want 2", res.KeySets)
	}
	if len(res.Stages) != 6 || res.Stages[5].ItemsIn != 2 {
		t.Fatalf("stages %+v", res.Stages)
	}
	if res.AirBytesPerImage <= float64(res.PlainFeatureBytes) {
		t.Fatalf("ciphertext (%v B) smaller than the plaintext features (%d B)?", res.AirBytesPerImage, res.PlainFeatureBytes)
	}
}

// TestEavesdropperOnPlaintextJSCC: against the plaintext JSCC models Eve,
// trained on labelled observations, does about as well as the receiver.
func TestEavesdropperOnPlaintextJSCC(t *testing.T) {
	models := fittedModels(t)
	train := func(name source.Name) (*source.Dataset, error) {
		ds, err := source.LoadTest(name)
		if err != nil {
			return nil, err
		}
		return ds.Slice(0, 3000), nil // disjoint from the evaluated images (offset)
	}
	s := sweep([]string{Model3, EveModel(Model3)}, []float64{15}, 500, 1)
	res, err := sim.Run(context.Background(), s, NewFactory(Config{Models: models, Datasets: offset, Eve: EveConfig{Train: train, Epochs: 6}}), sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bob, eve := res.Points[0], res.Points[1]
	t.Logf("receiver %.3f, eavesdropper %.3f", bob.Accuracy, eve.Accuracy)
	if eve.Accuracy < bob.Accuracy-0.1 || eve.Accuracy < 0.5 {
		t.Fatalf("eve %.3f vs receiver %.3f", eve.Accuracy, bob.Accuracy)
	}
	// Without a training set the eavesdropper is an error, not a guess.
	_, err = sim.Run(context.Background(), s, NewFactory(Config{Models: models, Datasets: offset}), sim.Options{})
	if err == nil || !strings.Contains(err.Error(), "training set") {
		t.Fatalf("got %v", err)
	}
}

func TestRunStreamPlaintext(t *testing.T) {
	models := fittedModels(t)
	for _, link := range []string{Model2, Model3} {
		t.Run(link, func(t *testing.T) {
			arch, _ := Arch(link)
			m, _ := models("mnist", arch, 10)
			res, err := RunStream(context.Background(), StreamConfig{Link: link, Dataset: source.MNIST, Images: 1000, SNR: 10, Channel: "awgn", Seed: 5, Model: m, Batch: 128})
			if err != nil {
				t.Fatal(err)
			}
			// The streaming run and a sweep unit over the same images, seed
			// and SNR (realisation 0) make the same decisions.
			s := sim.Sweep{Points: []sim.Point{{Dataset: "mnist", Model: link, Channel: "awgn", SNR: 10}}, Items: 1000, Realisations: 1, Seed: 5}
			sw, err := sim.Run(context.Background(), s, NewFactory(Config{Models: models}), sim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if int64(res.Correct) != sw.Points[0].Counts.Correct || res.Batches != 8 || len(res.Stages) != 5 {
				t.Fatalf("stream %d correct in %d batches, sweep %d", res.Correct, res.Batches, sw.Points[0].Counts.Correct)
			}
		})
	}
}

// TestEavesdropperOnCiphertext: on Model 4's ciphertexts Eve, trained on
// labelled ciphertext observations of one full batch, is at chance.
func TestEavesdropperOnCiphertext(t *testing.T) {
	if testing.Short() {
		t.Skip("CKKS batches: skipped with -short")
	}
	models := fittedModels(t)
	train := func(name source.Name) (*source.Dataset, error) {
		ds, err := source.LoadTest(name)
		if err != nil {
			return nil, err
		}
		return ds.Slice(0, 4096), nil
	}
	s := sweep([]string{EveModel(Model4)}, []float64{15}, 1000, 1)
	s.Chunk = 1000
	res, err := sim.Run(context.Background(), s, NewFactory(Config{Models: models, Datasets: offset, Eve: EveConfig{Train: train, Epochs: 6}}), sim.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	eve := res.Points[0]
	t.Logf("eavesdropper on ciphertext: %.3f (95%% CI %.3f–%.3f)", eve.Accuracy, eve.CI95[0], eve.CI95[1])
	// Always answering the most frequent class of these 1000 images scores
	// 11.5 %; 16 % is more than 4 standard deviations (σ ≈ 1 % for 1000
	// trials) above it.
	if eve.Accuracy > 0.16 {
		t.Fatalf("eve %.3f on ciphertext", eve.Accuracy)
	}
}
