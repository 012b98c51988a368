package ldpc

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestTransportBlockRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for _, tc := range []struct {
		cfg        TBConfig
		bg         BaseGraph
		c, crcLen  int
		distinctEs bool
	}{
		{TBConfig{A: 100, G: 400, Qm: 2}, BG2, 1, 16, false},
		{TBConfig{A: 3000, G: 9000, Qm: 4}, BG2, 1, 16, false}, // A ≤ 3824, R ≤ 0.67
		{TBConfig{A: 5000, G: 7504, Qm: 2}, BG1, 1, 24, false}, // A > 3824 and R > 0.25: BG1
		{TBConfig{A: 12000, G: 18006, Qm: 6}, BG1, 2, 24, true},
		{TBConfig{A: 6000, G: 30000, Qm: 2, Layers: 2}, BG2, 2, 24, false}, // R ≤ 0.25 → BG2
	} {
		t.Run(fmt.Sprintf("A=%d/G=%d", tc.cfg.A, tc.cfg.G), func(t *testing.T) {
			tb, err := NewTB(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			s := tb.Segmentation()
			if tb.Config().BaseGraph != tc.bg || s.C != tc.c || tb.CRCLen() != tc.crcLen {
				t.Fatalf("BG %v C %d CRC %d, want %v %d %d", tb.Config().BaseGraph, s.C, tb.CRCLen(), tc.bg, tc.c, tc.crcLen)
			}
			sum := 0
			es := map[int]bool{}
			for r := 0; r < s.C; r++ {
				sum += tb.BlockE(r)
				es[tb.BlockE(r)] = true
			}
			if sum != tc.cfg.G || (len(es) > 1) != tc.distinctEs {
				t.Fatalf("E_r sum %d (want G=%d), distinct values %v", sum, tc.cfg.G, es)
			}
			enc, dec := tb.Encoder(), tb.Decoder(NormalizedMinSum, 20)
			payload := randBits(rng, 2*tc.cfg.A)
			coded, err := enc.Encode(nil, payload)
			if err != nil {
				t.Fatal(err)
			}
			if len(coded) != 2*tc.cfg.G {
				t.Fatalf("%d coded bits, want %d", len(coded), 2*tc.cfg.G)
			}
			llr := make([]float32, len(coded))
			for i, b := range coded {
				llr[i] = 3 * (1 - 2*float32(b))
			}
			got, err := dec.Decode(nil, llr)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, payload) || !dec.LastCRCOK() {
				t.Fatal("noiseless transport block not recovered")
			}
			if st := dec.Stats(); st.TBs != 2 || st.TBCRCFails != 0 || st.Blocks != 2*s.C || st.Unconverged != 0 || st.CBCRCFails != 0 {
				t.Fatalf("stats %+v", st)
			}
			// Erase the first code block entirely: its CRC (if C > 1), the
			// LDPC decoder and the transport-block CRC must all notice.
			for i := 0; i < tb.BlockE(0); i++ {
				llr[i] = float32(rng.NormFloat64())
			}
			dec.ResetStats()
			if _, err := dec.Decode(nil, llr[:tc.cfg.G]); err != nil {
				t.Fatal(err)
			}
			st := dec.Stats()
			if st.TBCRCFails != 1 || st.Unconverged < 1 || (s.C > 1 && st.CBCRCFails != 1) || dec.LastCRCOK() {
				t.Fatalf("after erasing block 0: stats %+v", st)
			}
		})
	}
}

func TestTransportBlockErrors(t *testing.T) {
	for _, cfg := range []TBConfig{
		{A: 0, G: 100},
		{A: 100, G: 0},
		{A: 100, G: 101, Qm: 2},
		{A: 100, G: 50}, // rate > 1
		{A: 100, G: 400, Layers: 5},
		{A: 30000, G: 6, Qm: 2}, // fewer bits than code blocks
	} {
		if _, err := NewTB(cfg); err == nil {
			t.Errorf("NewTB(%+v) succeeded, want an error", cfg)
		}
	}
}
