package nea_test

import (
	"encoding/hex"
	"fmt"

	"github.com/hesemcom/hesemcom/app/nea"
)

// Encipher and decipher a 253-bit message with 128-NEA2 (TS 33.401 C.1 test set 1).
func ExampleCipher_XOR() {
	key, _ := hex.DecodeString("d3c5d592327fb11c4035c6680af8c6d1")
	pt, _ := hex.DecodeString("981ba6824c1bfb1ab485472029b71d808ce33e2cc3c0b5fc1f3de8a6dc66b1f0")
	c, err := nea.NewCipher(nea.Config{Algorithm: nea.NEA2, Key: key, Bearer: 21, Direction: 1})
	if err != nil {
		panic(err)
	}
	ct, _ := c.XOR(nil, pt, 0x398a59b4, 253)
	fmt.Printf("%x\n", ct)
	back, _ := c.XOR(nil, ct, 0x398a59b4, 253)
	fmt.Println(hex.EncodeToString(back) == hex.EncodeToString(pt))
	// Output:
	// e9fed8a63d155304d71df20bf3e82214b20ed7dad2f233dc3c22d7bdeeed8e78
	// true
}
