package zuc_test

import (
	"fmt"

	"github.com/hesemcom/hesemcom/app/internal/zuc"
)

// The first two keystream words of ZUC test set 1 (all-zero key and IV, TS 35.222).
func ExampleGenerator_Keystream() {
	var key, iv [16]byte
	z := make([]uint32, 2)
	zuc.New(&key, &iv).Keystream(z)
	fmt.Printf("%08x %08x\n", z[0], z[1])
	// Output: 27bede74 018082da
}
