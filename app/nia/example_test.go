package nia_test

import (
	"encoding/hex"
	"fmt"

	"github.com/hesemcom/hesemcom/app/nia"
)

// Compute the MAC-I of a 58-bit message with 128-NIA2 (TS 33.401 C.2 test set 1).
func ExampleMAC_WriteBits() {
	key, _ := hex.DecodeString("2bd6459f82c5b300952c49104881ff48")
	msg, _ := hex.DecodeString("3332346263393840")
	m, err := nia.New(nia.NIA2, key, 0x38a6f056, 24, 0)
	if err != nil {
		panic(err)
	}
	m.WriteBits(msg, 58)
	fmt.Printf("%x\n", m.Sum(nil))
	// Output: 118c6eb8
}
