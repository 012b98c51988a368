package testvectors

import (
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
)

//go:embed nea/nea_nia_ts33401_ts35217_ts35223.json
var neaJSON []byte

// neaFile is the part of the reference file the loaders read: the NEA/NIA
// test sets and the keystream-generator test sets.
type neaFile struct {
	Vectors   []NEANIAVector `json:"vectors"`
	Keystream []struct {
		Algorithm string            `json:"algorithm"`
		TestSet   int               `json:"test_set"`
		Key       string            `json:"key"`
		IV        string            `json:"iv"`
		Words     []string          `json:"keystream_words"`
		At        map[string]string `json:"keystream_word_at_index"`
	} `json:"keystream_vectors"`
}

func readNEA() (*neaFile, error) {
	var f neaFile
	if err := json.Unmarshal(neaJSON, &f); err != nil {
		return nil, fmt.Errorf("testvectors: %w", err)
	}
	return &f, nil
}

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
	f, err := readNEA()
	if err != nil {
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

// KeystreamVector is one keystream-generator test set of the same file
// (SNOW 3G: TS 35.217 / 35.222; ZUC: TS 35.223): the 128-bit key and IV and
// the expected 32-bit keystream words by 1-based index (z1 is the first).
type KeystreamVector struct {
	TestSet int
	Key, IV []byte
	Want    map[int]uint32
}

// Keystream returns the keystream test sets of one generator ("SNOW 3G" or
// "ZUC").
func Keystream(algorithm string) ([]KeystreamVector, error) {
	f, err := readNEA()
	if err != nil {
		return nil, err
	}
	word := func(s string) (uint32, error) {
		w, err := strconv.ParseUint(s, 16, 32)
		return uint32(w), err
	}
	var out []KeystreamVector
	for _, v := range f.Keystream {
		if v.Algorithm != algorithm {
			continue
		}
		kv := KeystreamVector{TestSet: v.TestSet, Want: make(map[int]uint32)}
		if kv.Key, err = hex.DecodeString(v.Key); err != nil {
			return nil, err
		}
		if kv.IV, err = hex.DecodeString(v.IV); err != nil {
			return nil, err
		}
		for i, s := range v.Words {
			if kv.Want[i+1], err = word(s); err != nil {
				return nil, err
			}
		}
		for idx, s := range v.At {
			i, err := strconv.Atoi(idx)
			if err != nil || i < 1 {
				return nil, fmt.Errorf("testvectors: bad keystream index %q", idx)
			}
			if kv.Want[i], err = word(s); err != nil {
				return nil, err
			}
		}
		out = append(out, kv)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("testvectors: no keystream vectors for %q", algorithm)
	}
	return out, nil
}

// LoadKeystream is Keystream for tests: it fails tb on error.
func LoadKeystream(tb testing.TB, algorithm string) []KeystreamVector {
	tb.Helper()
	vs, err := Keystream(algorithm)
	if err != nil {
		tb.Fatal(err)
	}
	return vs
}
