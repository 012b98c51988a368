package ldpc

import (
	"math/rand/v2"
	"testing"

	"github.com/hesemcom/hesemcom/phy/crc"
)

// TestCRCMatchesPhyCRC cross-checks the package's small bit-serial CRCs
// (kept here so phy/ldpc imports the standard library only) against the
// table-driven phy/crc on random bit sequences of many lengths.
func TestCRCMatchesPhyCRC(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	for _, tc := range []struct {
		poly uint32
		ref  *crc.Poly
	}{{crc24A, crc.CRC24A}, {crc24B, crc.CRC24B}, {crc16, crc.CRC16}} {
		for _, n := range []int{0, 1, 7, 8, 23, 24, 100, 1000, 3824} {
			bits := randBits(rng, n)
			want, err := tc.ref.ChecksumBits(bits)
			if err != nil {
				t.Fatal(err)
			}
			if got := crcBits(tc.poly, bits); got != want {
				t.Errorf("%v over %d bits: %#x, phy/crc says %#x", tc.ref, n, got, want)
			}
		}
	}
}
