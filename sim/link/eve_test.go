package link

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hesemcom/hesemcom/app/codec"
	"github.com/hesemcom/hesemcom/app/source"
	"github.com/hesemcom/hesemcom/modem/qam"
	"github.com/hesemcom/hesemcom/sim"
)

// model1EveConfig is a fast Model 1 (JPEG, fixed 256-QAM r=0.9: an 80-byte
// payload budget) for the eavesdropper tests.
func model1EveConfig(t *testing.T) ClassicalConfig {
	return ClassicalConfig{Fixed: true, Modulation: qam.QAM256, Rate: 0.9, Codec: codec.Config{Kind: codec.JPEG}, Classifiers: tinyClassifier(t)}
}

// TestEveModel1Observation checks what Eve decodes from a Model 1 transport
// block without the key: at high SNR the LDPC-decoded PDU is exactly the
// sent one — the payload length in clear, then ciphertext, then zero
// padding — and the ciphertext is not the payload; her soft bits (llr)
// agree in sign with the same coded bits.
func TestEveModel1Observation(t *testing.T) {
	ds, err := source.LoadTest(source.MNIST)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Classical: model1EveConfig(t), classical: newClassicalShared()}
	ch, _ := ParseChannel("awgn")
	p := sim.Point{Dataset: "mnist", Model: EveModel(Model1), Channel: "awgn", SNR: 40}
	// eve builds Eve for cfg and the payloads of ds under cache key key.
	eve := func(key string) (*classicalEve, *payloadSet) {
		t.Helper()
		v, err := newClassicalEve(context.Background(), &cfg, p, 1)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := v.payloads(&cfg, key, ds)
		if err != nil {
			t.Fatal(err)
		}
		return v, ps
	}
	// decodePDU packs the decoded PDU bits of an observation (±1, after the
	// 256 one-hot length values) into bytes.
	decodePDU := func(obs []float32, a int) []byte {
		bits := make([]byte, a)
		for k, x := range obs[256:] {
			bits[k] = byte((1 - x) / 2)
		}
		b := make([]byte, a/8)
		packBits(b, bits)
		return b
	}
	for _, mode := range []string{"", EveLLR} {
		cfg.Eve.Model1 = mode
		v, ps := eve("mnist")
		r := rand.New(rand.NewPCG(1, 2))
		for i := range 5 {
			obs, err := v.observe(nil, ps, ds, i, uint32(i), ch, 40, r)
			if err != nil {
				t.Fatal(err)
			}
			if len(obs) != v.dim() {
				t.Fatalf("%d values, want %d", len(obs), v.dim())
			}
			pay := ps.payload[i]
			if mode == EveLLR {
				if len(obs) != v.l.g {
					t.Fatalf("llr observation of %d values, want G = %d", len(obs), v.l.g)
				}
				for k, c := range v.chn.cw { // the scrambled coded bits just sent
					if (obs[k] < 0) != (c^v.chn.scr[k] == 1) {
						t.Fatalf("image %d: soft bit %d = %v, sent coded bit %d", i, k, obs[k], c^v.chn.scr[k])
					}
				}
				continue
			}
			if len(obs) != 256+v.l.a {
				t.Fatalf("decoded observation of %d values, want 256 + A = %d", len(obs), 256+v.l.a)
			}
			for k, x := range obs[256:] {
				if x != 1 && x != -1 {
					t.Fatalf("decoded bit %d = %v, want ±1", k, x)
				}
			}
			pdu := decodePDU(obs, v.l.a)
			n := len(pay)
			for k, x := range obs[:256] {
				want := float32(0)
				if k == n {
					want = 1
				}
				if x != want {
					t.Fatalf("image %d: one-hot length %d = %v with a %d-byte payload", i, k, x, n)
				}
			}
			if int(pdu[0]) != n {
				t.Fatalf("image %d: length byte %d, payload %d bytes", i, pdu[0], n)
			}
			if string(pdu[1:1+n]) == string(pay) {
				t.Fatalf("image %d: payload in clear", i)
			}
			for _, b := range pdu[1+n+4:] {
				if b != 0 {
					t.Fatalf("image %d: padding %x", i, pdu[1+n+4:])
				}
			}
		}
	}
	// Concealed, the length byte and the padding are ciphertext too.
	cfg.Eve.Model1 = ""
	cfg.Classical.ConcealLength = true
	v, ps := eve("mnist-concealed")
	lengths, zeros := 0, 0
	for i := range 20 {
		obs, err := v.observe(nil, ps, ds, i, uint32(i), ch, 40, rand.New(rand.NewPCG(1, uint64(i))))
		if err != nil {
			t.Fatal(err)
		}
		pdu := decodePDU(obs, v.l.a)
		n := len(ps.payload[i])
		if int(pdu[0]) == n {
			lengths++
		}
		if pdu[len(pdu)-1] == 0 && n+5 < len(pdu) {
			zeros++
		}
	}
	if lengths > 2 || zeros > 2 {
		t.Fatalf("concealed PDUs: %d/20 show the payload length, %d/20 end in a zero byte", lengths, zeros)
	}
	cfg.Classical.ConcealLength = false
	cfg.Eve.Model1 = "plaintext"
	if _, err := newClassicalEve(context.Background(), &cfg, p, 1); err == nil || !strings.Contains(err.Error(), "llr") {
		t.Fatalf("bad observation kind: %v", err)
	}
}

// TestEavesdropperOnModel1 runs Eve against Model 1 in a sweep: her counts
// are the same on 1 and 2 workers, and far below what reading the images
// would give (she sees ciphertext; only the payload length leaks).
func TestEavesdropperOnModel1(t *testing.T) {
	train := func(name source.Name) (*source.Dataset, error) {
		ds, err := source.LoadTest(name)
		if err != nil {
			return nil, err
		}
		return ds.Slice(0, 1500), nil // disjoint from the evaluated images (offset)
	}
	s := sweep([]string{EveModel(Model1)}, []float64{20}, 400, 1)
	s.Chunk = 100
	var acc []float64
	for _, tc := range []struct {
		mode    string
		workers int
	}{{EveDecoded, 1}, {EveDecoded, 2}, {EveLLR, 2}} {
		f := NewFactory(Config{Datasets: offset, Classical: model1EveConfig(t), Eve: EveConfig{Train: train, Epochs: 4, Model1: tc.mode}})
		res, err := sim.Run(context.Background(), s, f, sim.Options{Workers: tc.workers})
		if err != nil {
			t.Fatal(err)
		}
		p := res.Points[0]
		t.Logf("eve (%s) on model 1: %.3f (95%% CI %.3f–%.3f)", tc.mode, p.Accuracy, p.CI95[0], p.CI95[1])
		if p.Counts.Items != 400 || p.Accuracy > 0.3 {
			t.Fatalf("%d items, accuracy %.3f", p.Counts.Items, p.Accuracy)
		}
		acc = append(acc, p.Accuracy)
	}
	if acc[0] != acc[1] {
		t.Fatalf("1 worker %.4f, 2 workers %.4f", acc[0], acc[1])
	}
	// Without a training set the eavesdropper is an error, not a guess.
	_, err := sim.Run(context.Background(), s, NewFactory(Config{Datasets: offset, Classical: model1EveConfig(t)}), sim.Options{})
	if err == nil || !strings.Contains(err.Error(), "training set") {
		t.Fatalf("got %v", err)
	}
}

// TestEveModel1SourceFailures: an image the codec cannot fit is not sent in
// the PDCP layout — Eve sees silence, which depends on the image — while
// with ConcealLength a PDU without payload goes on the air for it, and the
// receiver still counts it undecodable.
func TestEveModel1SourceFailures(t *testing.T) {
	ds, err := source.LoadTest(source.MNIST)
	if err != nil {
		t.Fatal(err)
	}
	// QPSK r=0.44: 8 PDU bytes, a 3-byte budget no JPEG fits.
	cc := ClassicalConfig{Fixed: true, Modulation: qam.QPSK, Rate: 0.44, Codec: codec.Config{Kind: codec.JPEG}, Classifiers: tinyClassifier(t)}
	ch, _ := ParseChannel("awgn")
	p := sim.Point{Dataset: "mnist", Model: EveModel(Model1), Channel: "awgn", SNR: 30}
	for _, conceal := range []bool{false, true} {
		cc.ConcealLength = conceal
		cfg := Config{Classical: cc, classical: newClassicalShared()}
		v, err := newClassicalEve(context.Background(), &cfg, p, 1)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := v.payloads(&cfg, "mnist", ds)
		if err != nil {
			t.Fatal(err)
		}
		obs, err := v.observe(nil, ps, ds, 0, 0, ch, 30, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		if !ps.srcErr[0] {
			t.Fatalf("image 0 fits %d bytes", v.l.budget)
		}
		silent := true
		for _, x := range obs {
			silent = silent && x == 0
		}
		if silent == conceal {
			t.Errorf("conceal %v: Eve's observation of a source failure is silent: %v", conceal, silent)
		}
		res := runModel1(t, cc, "awgn", []float64{30}, 8, 1)[0]
		if x := res.Counts.Extra; x[XSourceFails] != 8 || x[XGuessed] != 8 {
			t.Errorf("conceal %v: %v", conceal, x)
		}
	}
}

// TestLengthTable checks Eve's table of classes per PDU first byte: where
// the byte determines the class it classifies every observation, "nothing
// sent" (no byte hot) included, whatever the uniform bits after it say.
func TestLengthTable(t *testing.T) {
	const dim = 256 + 32
	r := rand.New(rand.NewPCG(3, 4))
	obs := &observations{dim: dim}
	for i := range 2000 {
		c := byte(i % 10)
		x := make([]float32, dim)
		if c != 7 { // class 7 is never sent
			x[3*int(c)+1] = 1
		}
		for k := 256; k < dim; k++ {
			x[k] = float32(1 - 2*r.IntN(2))
		}
		obs.x, obs.y = append(obs.x, x...), append(obs.y, c)
	}
	net, err := lengthTable(obs, 1)
	if err != nil {
		t.Fatal(err)
	}
	if acc := accuracy(net, obs); acc != 1 {
		t.Errorf("table accuracy %.4f, want 1", acc)
	}
	// With the byte uninformative the table falls back to the prior.
	for i := range obs.Len() {
		clear(obs.x[i*dim : i*dim+256])
		obs.x[i*dim+5] = 1
	}
	if net, err = lengthTable(obs, 1); err != nil {
		t.Fatal(err)
	}
	if acc := accuracy(net, obs); acc != 0.1 {
		t.Errorf("uninformative byte: accuracy %.4f, want 0.1", acc)
	}
}
