package qam_test

import (
	"fmt"

	"github.com/hesemcom/hesemcom/modem/qam"
)

// Map four bits to one 16-QAM point (TS 38.211 §5.1.4) and demap it.
func Example() {
	c, err := qam.New(qam.QAM16)
	if err != nil {
		panic(err)
	}
	syms, _ := c.Map(nil, []byte{0, 0, 1, 1})
	fmt.Printf("%.4f\n", syms[0]) // (3 + 3j)/√10

	bits, _ := c.Decide(nil, syms)
	llr, _ := c.LLR(nil, syms, 0.1, qam.MaxLog)
	fmt.Println(bits)
	fmt.Printf("%.1f\n", llr)
	// Output:
	// (0.9487+0.9487i)
	// [0 0 1 1]
	// [16.0 16.0 -4.0 -4.0]
}
