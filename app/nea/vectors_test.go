package nea

import (
	"encoding/hex"
	"testing"

	"github.com/hesemcom/hesemcom/testvectors"
)

type vector = testvectors.NEANIAVector

func count(t testing.TB, v vector) uint32 {
	t.Helper()
	c, err := v.CountValue()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// loadVectors returns the reference vectors of the named algorithm
// (testvectors/nea, see its README).
func loadVectors(t testing.TB, alg string) []vector {
	t.Helper()
	vs, err := testvectors.NEANIA(alg)
	if err != nil {
		t.Fatal(err)
	}
	return vs
}
