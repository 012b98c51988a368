package cmac_test

import (
	"crypto/aes"
	"encoding/hex"
	"fmt"

	"github.com/hesemcom/hesemcom/app/internal/cmac"
)

// AES-CMAC of the empty message under the RFC 4493 §4 key.
func ExampleCMAC_Sum() {
	key, _ := hex.DecodeString("2b7e151628aed2a6abf7158809cf4f3c")
	b, _ := aes.NewCipher(key)
	m, _ := cmac.New(b)
	tag, _ := m.Sum(nil, nil, 0)
	fmt.Printf("%x\n", tag)
	// Output: bb1d6929e95937287fa37d129b756746
}
