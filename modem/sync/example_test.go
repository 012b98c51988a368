package sync_test

import (
	"fmt"
	"math"
	"math/cmplx"

	"github.com/hesemcom/hesemcom/modem/sync"
)

// Build a burst, delay it by 300 symbols, rotate it by an unknown phase and
// frequency offset, then find it and recover the data.
func Example() {
	s, err := sync.New(sync.Config{})
	if err != nil {
		panic(err)
	}
	data := []complex64{1, 1i, -1, -1i, 1, 1i, -1, -1i}
	burst, _ := s.Burst(nil, data)

	rx := make([]complex64, 300+len(burst)+s.TailLen())
	for k, v := range burst {
		t := float64(300 + k)
		rx[300+k] = v * complex64(cmplx.Rect(0.5, 2+2*math.Pi*0.005*t)) // gain 0.5, phase 2 rad, CFO 0.005 cycles/symbol
	}
	d, found, _ := s.Detect(rx, 0)
	fmt.Println(found, d.Start, fmt.Sprintf("%.4f", d.CFO/(2*math.Pi)))
	got, _ := s.Symbols(nil, rx, d, len(data), len(data))
	worst := 0.0
	for i, v := range got {
		worst = math.Max(worst, cmplx.Abs(complex128(v-data[i])))
	}
	fmt.Println(len(got), worst < 0.01)
	// Output:
	// true 300 0.0050
	// 8 true
}
