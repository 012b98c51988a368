package channel_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/hesemcom/hesemcom/internal/units"
	"github.com/hesemcom/hesemcom/phy/channel"
)

// A TDL-A channel with the nominal 100 ns delay spread on a 30.72 MHz
// sample grid, followed by AWGN at Es/N0 = 20 dB.
func Example() {
	rng := rand.New(rand.NewPCG(1, 2))
	tdl, err := channel.NewTDL(channel.TDLConfig{Profile: channel.TDLA, SampleRate: 30.72e6}, rng)
	if err != nil {
		panic(err)
	}
	awgn := channel.NewAWGN(rng)
	x := make([]complex64, 1024)
	for i := range x {
		x[i] = 1
	}
	y, _ := tdl.Apply(nil, x)
	y, _ = awgn.Apply(y, y, units.N0(20))
	fmt.Println(len(y), tdl.Delays())
	fmt.Printf("largest delay %d samples, noise variance %.2f\n", tdl.MaxDelay(), units.N0(20))
	// Output:
	// 1024 [0 1 2 5 6 7 8 9 13 14 15 16 30]
	// largest delay 30 samples, noise variance 0.01
}
