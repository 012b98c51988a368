package units

import (
	"math"
	"testing"
)

func TestConversions(t *testing.T) {
	tests := []struct {
		name string
		got  float64
		want float64
	}{
		{"N0(0dB)", N0(0), 1},
		{"N0(10dB)", N0(10), 0.1},
		{"N0(-3dB)", N0(-3), math.Pow(10, 0.3)},
		{"Linear(20dB)", DB(20).Linear(), 100},
		{"FromLinear(1000)", float64(FromLinear(1000)), 30},
		// QPSK uncoded: Es/N0 = Eb/N0 + 3.0103 dB.
		{"QPSK EbN0->EsN0", float64(EbN0ToEsN0(5, 2, 1)), 5 + 10*math.Log10(2)},
		// 16-QAM rate 1/2: 2 information bits per symbol.
		{"16QAM r1/2", float64(EbN0ToEsN0(5, 4, 0.5)), 5 + 10*math.Log10(2)},
		{"roundtrip", float64(EsN0ToEbN0(EbN0ToEsN0(7, 6, 0.75), 6, 0.75)), 7},
		{"EbN0ToN0", EbN0ToN0(0, 1, 1), 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if math.Abs(tc.got-tc.want) > 1e-12*math.Max(1, math.Abs(tc.want)) {
				t.Fatalf("got %v, want %v", tc.got, tc.want)
			}
		})
	}
}
