package ldpc

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hesemcom/hesemcom/internal/units"
)

// TestEncodeRV: EncodeRV with the Config's redundancy version is Encode, and
// the other versions read other parts of the circular buffer.
func TestEncodeRV(t *testing.T) {
	tb, err := NewTB(TBConfig{A: 5000, G: 9000, Qm: 2})
	if err != nil {
		t.Fatal(err)
	}
	enc := tb.Encoder()
	payload := randBits(rand.New(rand.NewPCG(1, 2)), 5000)
	want, err := enc.Encode(nil, payload)
	if err != nil {
		t.Fatal(err)
	}
	var versions [4][]byte
	for rv := range versions {
		if versions[rv], err = enc.EncodeRV(nil, payload, rv); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(versions[0], want) {
		t.Fatal("EncodeRV(rv 0) differs from Encode")
	}
	for rv := 1; rv < 4; rv++ {
		if bytes.Equal(versions[rv], versions[0]) {
			t.Errorf("rv %d sends the same bits as rv 0", rv)
		}
	}
	for _, rv := range []int{-1, 4} {
		if _, err := enc.EncodeRV(nil, payload, rv); err == nil || !strings.Contains(err.Error(), "redundancy version") {
			t.Errorf("rv %d: got %v", rv, err)
		}
	}
}

// harqLLR sends coded bits as BPSK per real dimension over AWGN at Eb/N0
// ebn0 (for code rate rate) and returns their LLRs.
func harqLLR(llr []float32, coded []byte, ebn0 units.DB, rate float64, rng *rand.Rand) []float32 {
	llr = llr[:len(coded)]
	qpskAWGN(llr, coded, units.EbN0ToN0(ebn0, 2, rate), rng)
	return llr
}

// TestSoftBufferOneTransmissionIsDecode: a soft buffer holding one
// transmission decodes exactly as Decode, bits, CRC verdict and statistics,
// on noisy input around the threshold (two code blocks).
func TestSoftBufferOneTransmissionIsDecode(t *testing.T) {
	tb, err := NewTB(TBConfig{A: 12000, G: 18006, Qm: 6})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	enc := tb.Encoder()
	dec, soft := tb.Decoder(NormalizedMinSum, 20), tb.Decoder(NormalizedMinSum, 20)
	buf := tb.NewSoftBuffer()
	llr := make([]float32, 18006)
	fails := 0
	for i := range 12 {
		payload := randBits(rng, 12000)
		coded, err := enc.Encode(nil, payload)
		if err != nil {
			t.Fatal(err)
		}
		harqLLR(llr, coded, units.DB(0.8+0.1*float64(i)), 12000.0/18006, rng)
		want, err := dec.Decode(nil, llr)
		if err != nil {
			t.Fatal(err)
		}
		buf.Reset()
		if err := buf.Add(llr, 0); err != nil {
			t.Fatal(err)
		}
		got, err := soft.DecodeSoft(nil, buf)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) || soft.LastCRCOK() != dec.LastCRCOK() {
			t.Fatalf("block %d: DecodeSoft differs from Decode", i)
		}
		if !dec.LastCRCOK() {
			fails++
		}
	}
	if soft.Stats() != dec.Stats() {
		t.Fatalf("stats %+v, Decode's %+v", soft.Stats(), dec.Stats())
	}
	if fails == 0 || fails == 12 {
		t.Fatalf("%d/12 failures: the SNRs should straddle the threshold", fails)
	}
	t.Logf("%d/12 transport blocks failed", fails)
}

// TestHARQCombining: at an Eb/N0 far below a rate-3/4 code's threshold one
// transmission fails; four transmissions of rv 0, 2, 3, 1 (incremental
// redundancy: an effective rate of about 0.19 with four times the energy)
// decode, and do better than four of rv 0 (chase combining: the same rate
// with four times the energy, 6 dB, still short of the threshold).
func TestHARQCombining(t *testing.T) {
	const blocks = 20
	const a, g = 3000, 4000
	tb, err := NewTB(TBConfig{A: a, G: g, Qm: 2})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(6, 7))
	enc, dec := tb.Encoder(), tb.Decoder(NormalizedMinSum, 30)
	ir, chase := tb.NewSoftBuffer(), tb.NewSoftBuffer()
	ebn0 := units.DB(-4) // per transmission, at rate A/G
	rate := float64(a) / g
	llr := make([]float32, g)
	var single, irOK, chaseOK int
	for range blocks {
		payload := randBits(rng, a)
		ir.Reset()
		chase.Reset()
		for i, rv := range []int{0, 2, 3, 1} {
			coded, err := enc.EncodeRV(nil, payload, rv)
			if err != nil {
				t.Fatal(err)
			}
			if err := ir.Add(harqLLR(llr, coded, ebn0, rate, rng), rv); err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				if err := chase.Add(llr, 0); err != nil {
					t.Fatal(err)
				}
				got, err := dec.DecodeSoft(nil, ir)
				if err != nil {
					t.Fatal(err)
				}
				if dec.LastCRCOK() && bytes.Equal(got, payload) {
					single++
				}
				continue
			}
			rv0, err := enc.EncodeRV(nil, payload, 0)
			if err != nil {
				t.Fatal(err)
			}
			if err := chase.Add(harqLLR(llr, rv0, ebn0, rate, rng), 0); err != nil {
				t.Fatal(err)
			}
		}
		if ir.Transmissions() != 4 || chase.Transmissions() != 4 {
			t.Fatalf("transmissions %d, %d", ir.Transmissions(), chase.Transmissions())
		}
		for _, c := range []struct {
			buf *TBSoftBuffer
			ok  *int
		}{{ir, &irOK}, {chase, &chaseOK}} {
			got, err := dec.DecodeSoft(nil, c.buf)
			if err != nil {
				t.Fatal(err)
			}
			if dec.LastCRCOK() && bytes.Equal(got, payload) {
				*c.ok++
			}
		}
	}
	t.Logf("decoded of %d: one transmission %d, chase ×4 %d, incremental redundancy ×4 %d", blocks, single, chaseOK, irOK)
	if single > blocks/10 || irOK < blocks*9/10 || chaseOK >= irOK {
		t.Errorf("decoded of %d: one transmission %d (want almost none), chase %d, IR %d (want almost all, and more than chase)", blocks, single, chaseOK, irOK)
	}
}

func TestSoftBufferErrors(t *testing.T) {
	tb, err := NewTB(TBConfig{A: 100, G: 400, Qm: 2})
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewTB(TBConfig{A: 100, G: 400, Qm: 2})
	if err != nil {
		t.Fatal(err)
	}
	buf := tb.NewSoftBuffer()
	dec := tb.Decoder(NormalizedMinSum, 5)
	if _, err := dec.DecodeSoft(nil, buf); err == nil || !strings.Contains(err.Error(), "no transmission") {
		t.Errorf("empty buffer: got %v", err)
	}
	nan := make([]float32, 400)
	nan[7] = float32(math.NaN())
	for _, c := range []struct {
		llr  []float32
		rv   int
		want string
	}{
		{make([]float32, 399), 0, "want G = 400"},
		{make([]float32, 400), 4, "redundancy version"},
		{make([]float32, 400), -1, "redundancy version"},
		{nan, 0, "LLR 7 is NaN"},
	} {
		if err := buf.Add(c.llr, c.rv); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Add(len %d, rv %d): got %v, want %q", len(c.llr), c.rv, err, c.want)
		}
	}
	if buf.Transmissions() != 0 {
		t.Fatalf("rejected input was combined: %d transmissions", buf.Transmissions())
	}
	if err := buf.Add(make([]float32, 400), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Decoder(NormalizedMinSum, 5).DecodeSoft(nil, buf); err == nil || !strings.Contains(err.Error(), "another") {
		t.Errorf("foreign buffer: got %v", err)
	}
}
