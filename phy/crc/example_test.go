package crc_test

import (
	"fmt"

	"github.com/hesemcom/hesemcom/phy/crc"
)

// Attach CRC16 to a bit sequence (TS 38.212 §5.1) and check it at the receiver.
func ExamplePoly_AppendBits() {
	a := []byte{1, 0, 1, 1, 0, 0, 1}
	b, _ := crc.CRC16.AppendBits(nil, a)
	fmt.Println(len(b), b[len(a):])
	ok, _ := crc.CRC16.CheckBits(b)
	fmt.Println(ok)
	b[3] ^= 1
	ok, _ = crc.CRC16.CheckBits(b)
	fmt.Println(ok)
	// Output:
	// 23 [1 1 0 0 1 0 1 1 1 1 0 1 1 1 0 0]
	// true
	// false
}
