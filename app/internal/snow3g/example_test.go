package snow3g_test

import (
	"fmt"

	"github.com/hesemcom/hesemcom/app/internal/snow3g"
)

// The first two keystream words of SNOW 3G test set 1 (TS 35.217).
func ExampleGenerator_Keystream() {
	k := [4]uint32{0x2bd6459f, 0x82c5b300, 0x952c4910, 0x4881ff48}
	iv := [4]uint32{0xea024714, 0xad5c4d84, 0xdf1f9b25, 0x1c0bf45f}
	z := make([]uint32, 2)
	snow3g.New(&k, &iv).Keystream(z)
	fmt.Printf("%08x %08x\n", z[0], z[1])
	// Output: abee9704 7ac31373
}
