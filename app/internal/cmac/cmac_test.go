package cmac

import (
	"bytes"
	"crypto/aes"
	"encoding/hex"
	"fmt"
	"testing"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// RFC 4493 §4 test vectors (AES-128, K = 2b7e1516…) — byte-aligned messages
// of 0, 16, 40 and 64 bytes, plus the subkeys of §4 "Subkey Generation".
func TestRFC4493(t *testing.T) {
	key := unhex("2b7e151628aed2a6abf7158809cf4f3c")
	msg := unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51" +
		"30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710")
	blk, _ := aes.NewCipher(key)
	m, err := New(blk)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(m.k1[:]); got != "fbeed618357133667c85e08f7236a8de" {
		t.Errorf("K1 = %s", got)
	}
	if got := hex.EncodeToString(m.k2[:]); got != "f7ddac306ae266ccf90bc11ee46d513b" {
		t.Errorf("K2 = %s", got)
	}
	for _, tc := range []struct {
		n   int
		tag string
	}{
		{0, "bb1d6929e95937287fa37d129b756746"},
		{16, "070a16b46b4d4144f79bdd9dd04a287c"},
		{40, "dfa66747de9ae63030ca32611497c827"},
		{64, "51f0bebf7e3b9d92fc49741779363cfe"},
	} {
		t.Run(fmt.Sprintf("len=%d", tc.n), func(t *testing.T) {
			got, err := m.Sum(nil, msg[:tc.n], 8*tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(got) != tc.tag {
				t.Errorf("tag = %x, want %s", got, tc.tag)
			}
		})
	}
}

// TestTrailingBitsIgnored checks the bit-length contract: bits beyond nbits
// do not change the tag, and every bit inside does.
func TestTrailingBitsIgnored(t *testing.T) {
	blk, _ := aes.NewCipher(make([]byte, 16))
	m, _ := New(blk)
	for _, nbits := range []int{1, 7, 58, 127, 128, 129, 255} {
		msg := make([]byte, (nbits+7)/8+1)
		want, _ := m.Sum(nil, msg, nbits)
		dirty := bytes.Clone(msg)
		for i := nbits; i < 8*len(dirty); i++ {
			dirty[i/8] |= 0x80 >> (i % 8)
		}
		if got, _ := m.Sum(nil, dirty, nbits); !bytes.Equal(got, want) {
			t.Errorf("nbits=%d: tag depends on bits beyond the length", nbits)
		}
		for i := range nbits {
			flip := bytes.Clone(msg)
			flip[i/8] ^= 0x80 >> (i % 8)
			if got, _ := m.Sum(nil, flip, nbits); bytes.Equal(got, want) {
				t.Errorf("nbits=%d: flipping bit %d leaves the tag unchanged", nbits, i)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	blk, _ := aes.NewCipher(make([]byte, 16))
	m, _ := New(blk)
	for _, tc := range []struct{ n, nbits int }{{0, 1}, {1, 9}, {3, -1}} {
		if _, err := m.Sum(nil, make([]byte, tc.n), tc.nbits); err == nil {
			t.Errorf("len %d, nbits %d: no error", tc.n, tc.nbits)
		}
	}
}

func TestSumNoAlloc(t *testing.T) {
	blk, _ := aes.NewCipher(make([]byte, 16))
	m, _ := New(blk)
	msg := make([]byte, 100)
	dst := make([]byte, 0, Size)
	if n := testing.AllocsPerRun(100, func() { m.Sum(dst, msg, 797) }); n != 0 {
		t.Errorf("allocs = %v, want 0", n)
	}
}

func BenchmarkSum(b *testing.B) {
	blk, _ := aes.NewCipher(make([]byte, 16))
	m, _ := New(blk)
	msg := make([]byte, 1024)
	dst := make([]byte, 0, Size)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		m.Sum(dst, msg, 8*len(msg))
	}
}
