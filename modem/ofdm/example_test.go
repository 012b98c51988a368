package ofdm_test

import (
	"fmt"

	"github.com/hesemcom/hesemcom/modem/ofdm"
)

// Modulate one OFDM symbol of a 64-point numerology and demodulate it.
func Example() {
	g, err := ofdm.New(ofdm.Config{FFTSize: 64, CPLen: 16})
	if err != nil {
		panic(err)
	}
	data := make([]complex64, g.DataCarriers())
	for i := range data {
		data[i] = 1
	}
	tx, _ := g.Modulator().Modulate(nil, data)
	rx, _ := g.Demodulator().Demodulate(nil, tx)
	fmt.Println(g.DataCarriers(), g.PilotCarriers(), len(tx))
	fmt.Printf("%.3f\n", rx[0])
	// Output:
	// 38 14 80
	// (1.000+0.000i)
}
