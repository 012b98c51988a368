package pulse_test

import (
	"fmt"

	"github.com/hesemcom/hesemcom/modem/pulse"
)

// Shape three BPSK symbols with an RRC pulse (β = 0.35, 4 samples per
// symbol) and recover them with the matched filter, Span symbols later.
func Example() {
	cfg := pulse.Config{Rolloff: 0.35, Span: 12, SPS: 4}
	tx, err := pulse.NewRRCShaper(cfg)
	if err != nil {
		panic(err)
	}
	rx, _ := pulse.NewRRCMatchedFilter(cfg)

	sym := make([]complex64, 3+pulse.Delay(cfg)) // trailing zeros flush the filters
	copy(sym, []complex64{1, -1, 1})
	wave, _ := tx.Shape(nil, sym)
	out, _ := rx.Filter(nil, wave)
	fmt.Println(len(wave), len(out))
	for _, v := range out[pulse.Delay(cfg):] {
		fmt.Printf("%+.2f ", real(v))
	}
	fmt.Println()
	// Output:
	// 60 15
	// +1.00 -1.00 +1.00
}
