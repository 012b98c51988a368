package testvectors

import (
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
)

//go:embed nea/nea_nia_ts33401_ts35217_ts35223.json
var neaFS embed.FS

// NEANIAVector is one 3GPP ciphering or integrity test set (nea/README.md):
// hex fields MSB first, data fields of ceil(LengthBits/8) bytes.
type NEANIAVector struct {
	Algorithm  string `json:"algorithm"`
	TestSet    int    `json:"test_set"`
	Family     string `json:"test_set_family"`
	Key        string `json:"key"`
	Count      string `json:"count"`
	Bearer     uint8  `json:"bearer"`
	Direction  uint8  `json:"direction"`
	LengthBits int    `json:"length_bits"`
	Plaintext  string `json:"plaintext"`  // NEA
	Ciphertext string `json:"ciphertext"` // NEA
	Message    string `json:"message"`    // NIA
	MAC        string `json:"mac"`        // NIA: MAC-I
}

// Name identifies the vector, e.g. "128-NEA2/TS 33.401 C.1/set1".
func (v NEANIAVector) Name() string {
	return v.Algorithm + "/" + v.Family + "/set" + strconv.Itoa(v.TestSet)
}

// CountValue parses the hexadecimal COUNT.
func (v NEANIAVector) CountValue() (uint32, error) {
	c, err := strconv.ParseUint(v.Count, 16, 32)
	return uint32(c), err
}

// NEANIA returns the reference vectors of one algorithm ("128-NEA1", …,
// "128-NIA3").
func NEANIA(algorithm string) ([]NEANIAVector, error) {
	b, err := neaFS.ReadFile("nea/nea_nia_ts33401_ts35217_ts35223.json")
	if err != nil {
		return nil, err
	}
	var f struct {
		Vectors []NEANIAVector `json:"vectors"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	var out []NEANIAVector
	for _, v := range f.Vectors {
		if v.Algorithm == algorithm {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("testvectors: no vectors for %q", algorithm)
	}
	return out, nil
}

// LoadNEANIA is NEANIA for tests: it fails tb on error.
func LoadNEANIA(tb testing.TB, algorithm string) []NEANIAVector {
	tb.Helper()
	vs, err := NEANIA(algorithm)
	if err != nil {
		tb.Fatal(err)
	}
	return vs
}

// CountFor is CountValue for tests: it fails tb on error.
func (v NEANIAVector) CountFor(tb testing.TB) uint32 {
	tb.Helper()
	c, err := v.CountValue()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// Unhex decodes a hex field of a vector, failing tb on error.
func Unhex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
