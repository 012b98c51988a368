package link

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hesemcom/hesemcom/app/codec"
	"github.com/hesemcom/hesemcom/app/source"
	"github.com/hesemcom/hesemcom/modem/ofdm"
	"github.com/hesemcom/hesemcom/modem/qam"
	"github.com/hesemcom/hesemcom/phy/classifier"
	"github.com/hesemcom/hesemcom/sim"
)

// tinyClassifier is an untrained (seeded) network: the link tests check the
// link's bookkeeping against a direct computation, which holds for any
// deterministic classifier.
func tinyClassifier(t testing.TB) func(string) (*classifier.Model, error) {
	t.Helper()
	m, err := classifier.New(classifier.Config{Width: 4, Blocks: 1}, 7)
	if err != nil {
		t.Fatal(err)
	}
	return func(string) (*classifier.Model, error) { return m, nil }
}

func runModel1(t *testing.T, cc ClassicalConfig, ch string, snrs []float64, items, workers int) []sim.PointResult {
	t.Helper()
	var pts []sim.Point
	for _, s := range snrs {
		pts = append(pts, sim.Point{Dataset: "mnist", Model: Model1, Channel: ch, SNR: s, Level: "symbol"})
	}
	sw := sim.Sweep{Points: pts, Items: items, Realisations: 1, Seed: 3, Chunk: 16}
	res, err := sim.Run(context.Background(), sw, NewFactory(Config{Classical: cc}), sim.Options{Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	return res.Points
}

// checkBreakdown verifies the invariants every Model 1 count must satisfy.
func checkBreakdown(t *testing.T, p sim.PointResult, cc ClassicalConfig) {
	t.Helper()
	x, n := p.Counts.Extra, p.Counts.Items
	if got := x[XIntact] + x[XGuessed] + x[XDamaged]; got != n {
		t.Errorf("%v: intact %d + guessed %d + damaged %d = %d, want %d items", p.Point, x[XIntact], x[XGuessed], x[XDamaged], got, n)
	}
	if x[XChannelUses] != int64(cc.Uses)*n {
		t.Errorf("%v: %d channel uses for %d images, want %d each", p.Point, x[XChannelUses], n, cc.Uses)
	}
	// NEA2 is AES-CTR: a ciphertext bit error flips exactly one plaintext bit.
	if x[XCipherErrs] != x[XPlainErrs] {
		t.Errorf("%v: %d ciphertext bit errors became %d plaintext bit errors, want equal (CTR)", p.Point, x[XCipherErrs], x[XPlainErrs])
	}
	sent := n - x[XSourceFails]
	if x[XCRCFails] > sent || x[XIntact] > sent {
		t.Errorf("%v: %d CRC failures, %d intact of %d blocks sent", p.Point, x[XCRCFails], x[XIntact], sent)
	}
	switch cc.Policy {
	case Drop:
		if x[XDamaged] != 0 || x[XUndecodable] != x[XGuessed] {
			t.Errorf("%v: drop policy decoded %d damaged images, %d undecodable vs %d guessed", p.Point, x[XDamaged], x[XUndecodable], x[XGuessed])
		}
		if x[XGuessed] != x[XSourceFails]+x[XCRCFails]+x[XMACFails] {
			t.Errorf("%v: guessed %d, want source %d + CRC %d + MAC %d failures", p.Point, x[XGuessed], x[XSourceFails], x[XCRCFails], x[XMACFails])
		}
	case BestEffort:
		if x[XDamaged] > 0 && x[XDamagedPx] != x[XDamaged]*784 {
			t.Errorf("%v: %d damaged pixels for %d images", p.Point, x[XDamagedPx], x[XDamaged])
		}
	}
}

func TestClassicalHighSNRIsCleanAccuracy(t *testing.T) {
	clf := tinyClassifier(t)
	items := 48
	if testing.Short() {
		items = 16
	}
	cc := ClassicalConfig{Fixed: true, Modulation: qam.QAM256, Rate: 0.9, Codec: codec.Config{Kind: codec.JPEG}, Classifiers: clf}
	cc, _ = cc.withDefaults()
	// The reference: code, decode and classify each image directly.
	ds, err := source.LoadTest(source.MNIST)
	if err != nil {
		t.Fatal(err)
	}
	l := cc.layout(MCS{Index: -1, Qm: 8, Rate: 0.9})
	cd, err := codec.New(codec.Config{Kind: codec.JPEG, Budget: l.budget})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := clf("mnist")
	m = m.Clone()
	var want, fails int64
	for i := range items {
		p, err := cd.Encode(nil, ds.Image(i))
		if err != nil {
			fails++
			continue
		}
		rec, err := cd.Decode(nil, p)
		if err != nil {
			t.Fatal(err)
		}
		if k, _ := m.Classify(rec); k == int(ds.Labels[i]) {
			want++
		}
	}
	if fails > 0 {
		t.Fatalf("JPEG failed on %d of %d images at %d bytes", fails, items, l.budget)
	}
	for _, pol := range []FailurePolicy{Drop, BestEffort} {
		cc.Policy = pol
		p := runModel1(t, cc, "awgn", []float64{40}, items, 2)[0]
		checkBreakdown(t, p, cc)
		if p.Counts.Correct != want || p.Counts.Extra[XIntact] != int64(items) {
			t.Errorf("%v at 40 dB: %d correct, %d intact; want %d correct (the codec + classifier without a channel), %d intact",
				pol, p.Counts.Correct, p.Counts.Extra[XIntact], want, items)
		}
	}
}

func TestClassicalLowSNRIsChance(t *testing.T) {
	items := 400
	if testing.Short() {
		items = 100
	}
	cc := ClassicalConfig{Fixed: true, Modulation: qam.QAM16, Rate: 0.75, Codec: codec.Config{Kind: codec.JPEG}, Classifiers: tinyClassifier(t)}
	cc, _ = cc.withDefaults()
	p := runModel1(t, cc, "awgn", []float64{-10}, items, 2)[0]
	checkBreakdown(t, p, cc)
	x := p.Counts.Extra
	if x[XGuessed] != int64(items) {
		t.Errorf("at -10 dB %d of %d images guessed, want all (breakdown %v)", x[XGuessed], items, x)
	}
	// Uniform guesses over 10 classes: accuracy 0.1 ± 4 standard deviations
	// of a binomial proportion over the items.
	tol := 4 * math.Sqrt(0.1*0.9/float64(items))
	if math.Abs(p.Accuracy-0.1) > tol {
		t.Errorf("accuracy %.3f at -10 dB, want 0.1 ± %.3f", p.Accuracy, tol)
	}
}

func TestClassicalBestEffortBreakdown(t *testing.T) {
	items := 96
	if testing.Short() {
		items = 32
	}
	for _, ch := range []string{"awgn", "rayleigh"} {
		t.Run(ch, func(t *testing.T) {
			cc := ClassicalConfig{Fixed: true, Modulation: qam.QAM256, Rate: 0.9, Policy: BestEffort, Codec: codec.Config{Kind: codec.JPEG}, Classifiers: tinyClassifier(t)}
			cc, _ = cc.withDefaults()
			// On the waterfall of 256-QAM r=0.9 with 98 uses (measured: about
			// 24 dB on AWGN, 30 dB on Rayleigh), so both intact and damaged
			// blocks occur.
			snr := 24.0
			if ch == "rayleigh" {
				snr = 30
			}
			p := runModel1(t, cc, ch, []float64{snr}, items, 2)[0]
			checkBreakdown(t, p, cc)
			x := p.Counts.Extra
			t.Logf("%s %v dB: accuracy %.3f, %v", ch, snr, p.Accuracy, x)
			if x[XCRCFails] == 0 || x[XIntact] == 0 {
				t.Fatalf("want both failed and intact blocks at %v dB: %v", snr, x)
			}
			// Every payload that did not arrive intact fails its MAC-I (but for
			// a 2^-32 forgery); an intact payload may still fail when only its
			// MAC-I was hit, and a failed CRC may hide an intact payload when
			// only the padding was hit.
			if notIntact := p.Counts.Items - x[XSourceFails] - x[XIntact]; x[XMACFails] < notIntact {
				t.Errorf("%d MAC failures for %d payloads not intact", x[XMACFails], notIntact)
			}
			if x[XCipherErrs] == 0 {
				t.Errorf("no ciphertext bit errors counted with %d CRC failures", x[XCRCFails])
			}
		})
	}
}

func TestClassicalDeterministicAcrossWorkers(t *testing.T) {
	cc := ClassicalConfig{Fixed: true, Modulation: qam.QAM16, Rate: 0.75, Policy: BestEffort, Codec: codec.Config{Kind: codec.JPEG}, Classifiers: tinyClassifier(t)}
	cc, _ = cc.withDefaults()
	a := runModel1(t, cc, "awgn", []float64{9}, 32, 1)[0]
	b := runModel1(t, cc, "awgn", []float64{9}, 32, 2)[0]
	if a.Counts.Correct != b.Counts.Correct || len(a.Counts.Extra) != len(b.Counts.Extra) {
		t.Fatalf("1 worker %+v, 2 workers %+v", a.Counts, b.Counts)
	}
	for k, v := range a.Counts.Extra {
		if b.Counts.Extra[k] != v {
			t.Errorf("%s: %d with 1 worker, %d with 2", k, v, b.Counts.Extra[k])
		}
	}
}

func TestClassicalOracle(t *testing.T) {
	cc := ClassicalConfig{OracleTrials: 50}
	snrs := []float64{0, 10, 20, 30}
	if testing.Short() {
		snrs = []float64{10, 30}
	}
	prev := -1.0
	for _, s := range snrs {
		m, budget, tb, err := ClassicalMCS(cc, "awgn", s, 1)
		if err != nil {
			t.Fatal(err)
		}
		se := float64(m.Qm) * m.Rate
		t.Logf("%v dB: %v (index %d), budget %d bytes, TB %d bits", s, m, m.Index, budget, tb)
		if se < prev {
			t.Errorf("%v dB: spectral efficiency %.3f below %.3f at a lower SNR", s, se, prev)
		}
		prev = se
		if tb != 8*(budget+pduOverhead) || float64(tb+16) > m.Rate*float64(98*m.Qm) {
			t.Errorf("%v dB: TB %d bits, budget %d: inconsistent with %v on 98 uses", s, tb, budget, m)
		}
	}
	// 30 dB is far above the waterfall of the highest MCS (256-QAM r=0.93).
	if m, _, _, _ := ClassicalMCS(cc, "awgn", 30, 1); m.Index != len(MCSTable)-1 {
		t.Errorf("30 dB: oracle picked index %d, want the highest %d", m.Index, len(MCSTable)-1)
	}
}

func TestClassicalConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  ClassicalConfig
	}{
		{"bpsk", ClassicalConfig{Fixed: true, Modulation: qam.BPSK}},
		{"rate 1", ClassicalConfig{Fixed: true, Rate: 1}},
		{"negative rate", ClassicalConfig{Fixed: true, Rate: -0.5}},
		{"few uses", ClassicalConfig{Uses: 4}},
		{"no payload room", ClassicalConfig{Fixed: true, Modulation: qam.QPSK, Rate: 0.1}},
		{"iterations", ClassicalConfig{Iterations: -1}},
		{"bler target", ClassicalConfig{BLERTarget: 1.5}},
		{"policy", ClassicalConfig{Policy: 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.cfg.Check(); err == nil {
				t.Errorf("Check(%+v) = nil, want an error", tc.cfg)
			}
		})
	}
	if err := (ClassicalConfig{}).Check(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	for _, s := range []string{"drop", "best-effort"} {
		p, err := ParseFailurePolicy(s)
		if err != nil || p.String() != s {
			t.Errorf("ParseFailurePolicy(%q) = %v, %v", s, p, err)
		}
	}
	if _, err := ParseFailurePolicy("retry"); err == nil {
		t.Error("ParseFailurePolicy(retry) = nil error")
	}
}

func TestClassicalScenario(t *testing.T) {
	sc := DefaultScenario()
	sc.Models, sc.Datasets, sc.SNRs, sc.Images, sc.Realisations = []string{"1"}, []string{"mnist"}, []float64{40}, 8, 1
	sw, err := sc.Sweep()
	if err != nil {
		t.Fatal(err)
	}
	cc := ClassicalConfig{Fixed: true, Modulation: qam.QAM256, Rate: 0.9, Codec: codec.Config{Kind: codec.JPEG}, Classifiers: tinyClassifier(t)}
	res, err := sim.Run(context.Background(), sw, NewFactory(Config{Classical: cc}), sim.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Points[0].Counts; c.Items != 8 || c.Extra[XIntact] != 8 {
		t.Errorf("model 1 in a scenario sweep: %+v", c)
	}
}

func BenchmarkClassicalImage(b *testing.B) {
	for _, snr := range []float64{15, 25} {
		b.Run(fmt.Sprintf("oracle/SNR=%gdB", snr), func(b *testing.B) {
			cc := ClassicalConfig{Classifiers: tinyClassifier(b), Codec: codec.Config{Kind: codec.JPEG}}
			f := NewFactory(Config{Classical: cc})
			ev, err := f(0)
			if err != nil {
				b.Fatal(err)
			}
			u := sim.Unit{Point: sim.Point{Dataset: "mnist", Model: Model1, Channel: "awgn", SNR: snr}, From: 0, To: 256, Seed: 1}
			if _, err := ev.Eval(context.Background(), u); err != nil { // fills the payload cache
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := ev.Eval(context.Background(), u); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*(u.To-u.From))/b.Elapsed().Seconds(), "images/s")
		})
	}
}

// The channel part of a trial (coding, mapping, channel, demapping,
// decoding) reuses its buffers: no allocation per image in steady state.
func TestClassicalChainDoesNotAllocate(t *testing.T) {
	cc, _ := ClassicalConfig{}.withDefaults()
	for _, chName := range []string{"awgn", "rayleigh"} {
		ch, _ := ParseChannel(chName)
		c, err := newClassicalChain(cc.layout(MCSTable[20]), cc.Iterations)
		if err != nil {
			t.Fatal(err)
		}
		pdu := make([]byte, c.l.a/8)
		rx := make([]byte, len(pdu))
		r := rand.New(rand.NewPCG(1, 2))
		send := func() {
			if _, err := c.send(rx, pdu, ch, 18, r); err != nil {
				t.Fatal(err)
			}
		}
		send()
		if n := testing.AllocsPerRun(50, send); n != 0 {
			t.Errorf("%s: %v allocations per transport block, want 0", chName, n)
		}
	}
}

// BenchmarkClassicalChain measures one transport block through coding,
// 98-symbol QAM, AWGN, demapping and LDPC decoding.
func BenchmarkClassicalChain(b *testing.B) {
	cc, _ := ClassicalConfig{}.withDefaults()
	ch, _ := ParseChannel("awgn")
	for _, idx := range []int{3, 10, 20, 27} {
		l := cc.layout(MCSTable[idx])
		b.Run(fmt.Sprintf("MCS%d/%s", idx, l.mcs), func(b *testing.B) {
			c, err := newClassicalChain(l, cc.Iterations)
			if err != nil {
				b.Fatal(err)
			}
			pdu := make([]byte, l.a/8)
			rx := make([]byte, len(pdu))
			r := rand.New(rand.NewPCG(1, 2))
			for b.Loop() {
				if _, err := c.send(rx, pdu, ch, 30, r); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "blocks/s")
			b.ReportMetric(float64(b.N*l.a)/b.Elapsed().Seconds()/1e6, "Mbit/s")
		})
	}
}

// TestGoldSequence cross-checks the scrambling generator against the vectors
// of modem/ofdm's copy (TS 38.211 §5.2.1).
func TestGoldSequence(t *testing.T) {
	for cinit, want := range map[uint32]string{
		0:         "0000001000011010000100100111101000100101100101010000001101010110",
		1:         "0000001010000011000000110111010000101011100110101111110111100010",
		0x1234567: "0000011001010011100001101001010001011010111101011001000010100111",
	} {
		got := make([]byte, 0, 64)
		for _, b := range ofdm.GoldSequence(cinit, 64) {
			got = append(got, '0'+b)
		}
		if string(got) != want {
			t.Errorf("c_init %#x:\n got %s\nwant %s", cinit, got, want)
		}
	}
}

// With scrambling the block error rate does not depend on the data: random
// and all-zero PDUs fail equally often (binomial tolerance).
func TestClassicalScramblingWhitens(t *testing.T) {
	cc, _ := ClassicalConfig{}.withDefaults()
	ch, _ := ParseChannel("awgn")
	c, err := newClassicalChain(cc.layout(MCSTable[17]), cc.Iterations)
	if err != nil {
		t.Fatal(err)
	}
	n := 400
	if testing.Short() {
		n = 150
	}
	pdu := make([]byte, c.l.a/8)
	rx := make([]byte, len(pdu))
	var bler [2]float64
	for mode := range 2 {
		data := rand.New(rand.NewPCG(5, 5))
		noise := rand.New(rand.NewPCG(6, 6))
		fails := 0
		for range n {
			for j := range pdu {
				pdu[j] = byte(data.Uint32()) * byte(1-mode) // mode 1: all zeros
			}
			o, err := c.send(rx, pdu, ch, 15, noise)
			if err != nil {
				t.Fatal(err)
			}
			if !o.crcOK {
				fails++
			}
		}
		bler[mode] = float64(fails) / float64(n)
	}
	p := (bler[0] + bler[1]) / 2
	tol := 4 * math.Sqrt(2*p*(1-p)/float64(n))
	t.Logf("BLER random %.3f, all-zero %.3f (tolerance %.3f)", bler[0], bler[1], tol)
	if math.Abs(bler[0]-bler[1]) > tol {
		t.Errorf("BLER random %.3f vs all-zero %.3f differ by more than %.3f", bler[0], bler[1], tol)
	}
}

// The oracle's MCS for Model 1 at two SNRs with Table III's bandwidth (98
// complex channel uses per image), the codec's payload budget left after the
// length byte and MAC-I, and the transport-block size.
func ExampleClassicalMCS() {
	for _, snr := range []float64{10, 30} {
		m, budget, tb, err := ClassicalMCS(ClassicalConfig{}, "awgn", snr, 1)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%g dB: MCS %d (%v), %d payload bytes, TB %d bits\n", snr, m.Index, m, budget, tb)
	}
	// Output:
	// 10 dB: MCS 10 (16qam r=0.643), 24 payload bytes, TB 232 bits
	// 30 dB: MCS 27 (256qam r=0.926), 83 payload bytes, TB 704 bits
}

// TestClassicalConcealLength: ciphering the whole PDU changes nothing for the
// receiver — the same decisions on a clean channel, the same breakdown
// invariants on the waterfall.
func TestClassicalConcealLength(t *testing.T) {
	items := 48
	if testing.Short() {
		items = 16
	}
	for _, pol := range []FailurePolicy{Drop, BestEffort} {
		cc := ClassicalConfig{Fixed: true, Modulation: qam.QAM256, Rate: 0.9, Policy: pol, Codec: codec.Config{Kind: codec.JPEG}, Classifiers: tinyClassifier(t)}
		cc, _ = cc.withDefaults()
		inClear := runModel1(t, cc, "awgn", []float64{40, 24}, items, 2)
		cc.ConcealLength = true
		hidden := runModel1(t, cc, "awgn", []float64{40, 24}, items, 2)
		for _, p := range hidden {
			checkBreakdown(t, p, cc)
		}
		if hidden[0].Counts.Correct != inClear[0].Counts.Correct || hidden[0].Counts.Extra[XIntact] != int64(items) {
			t.Errorf("%v at 40 dB: %d correct (%d intact) concealed, %d in clear", pol, hidden[0].Counts.Correct, hidden[0].Counts.Extra[XIntact], inClear[0].Counts.Correct)
		}
		if x := hidden[1].Counts.Extra; x[XCRCFails] == 0 || x[XIntact] == 0 {
			t.Errorf("%v at 24 dB: want failed and intact blocks: %v", pol, x)
		}
	}
}
