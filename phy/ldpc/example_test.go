package ldpc_test

import (
	"bytes"
	"fmt"

	"github.com/hesemcom/hesemcom/phy/ldpc"
)

// Encode one code block of 512 information bits to 1024 bits (rate 1/2,
// QPSK interleaving), turn the bits into noiseless LLRs and decode.
func Example() {
	code, err := ldpc.New(ldpc.Config{K: 512, E: 1024, Qm: 2})
	if err != nil {
		panic(err)
	}
	enc, dec := code.Encoder(), code.Decoder(ldpc.NormalizedMinSum, 20)

	info := make([]byte, code.K())
	for i := range info {
		info[i] = byte(i*7/3) & 1
	}
	coded, _ := enc.Encode(nil, info)
	llr := make([]float32, len(coded))
	for i, b := range coded {
		llr[i] = 1 - 2*float32(b) // L > 0 means bit 0
	}
	llr[10], llr[500] = -llr[10], -llr[500] // two hard errors
	got, _ := dec.Decode(nil, llr)

	fmt.Println(code)
	fmt.Println(len(coded), bytes.Equal(got, info), dec.Result().Converged)
	// Output:
	// BG2 Z=64 K=512 (F=128) E=1024 Qm=2 rv0
	// 1024 true true
}

// Segment a 10000-bit transport block (with its CRC) for base graph 1.
func ExampleSegment() {
	s, err := ldpc.Segment(10000, ldpc.BG1)
	if err != nil {
		panic(err)
	}
	fmt.Printf("C=%d K'=%d K=%d Z=%d F=%d\n", s.C, s.KPrime, s.K, s.Z, s.Filler())
	// Output:
	// C=2 K'=5024 K=5280 Z=240 F=256
}

func ExampleSelectBaseGraph() {
	fmt.Println(ldpc.SelectBaseGraph(200, 0.9), ldpc.SelectBaseGraph(4000, 0.5), ldpc.SelectBaseGraph(4000, 0.2))
	// Output:
	// BG2 BG1 BG2
}

// Hybrid ARQ: a transport block is sent with rv 0, but half its bits are
// erased on the way (zero LLRs) and it fails its CRC. The retransmission
// with rv 2, erased the same way, is combined with it in the soft buffer,
// and the two together decode.
func ExampleTBSoftBuffer() {
	tb, err := ldpc.NewTB(ldpc.TBConfig{A: 1000, G: 1600, Qm: 2})
	if err != nil {
		panic(err)
	}
	enc, dec := tb.Encoder(), tb.Decoder(ldpc.NormalizedMinSum, 20)
	buf := tb.NewSoftBuffer()
	payload := make([]byte, 1000)
	for i := range payload {
		payload[i] = byte(i*i/7) & 1
	}
	llr := make([]float32, 1600)
	for _, rv := range []int{0, 2} {
		coded, _ := enc.EncodeRV(nil, payload, rv)
		for i, b := range coded {
			llr[i] = 0 // erased
			if i%2 == 0 {
				llr[i] = 4 * (1 - 2*float32(b))
			}
		}
		if err := buf.Add(llr, rv); err != nil {
			panic(err)
		}
		got, _ := dec.DecodeSoft(nil, buf)
		fmt.Printf("after %d transmission(s): CRC ok %v, payload back %v\n", buf.Transmissions(), dec.LastCRCOK(), bytes.Equal(got, payload))
	}
	// Output:
	// after 1 transmission(s): CRC ok false, payload back false
	// after 2 transmission(s): CRC ok true, payload back true
}
