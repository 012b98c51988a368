package nia

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"strconv"
	"testing"
)

// vectorFile is the reference file of testvectors/nea (see its README).
const vectorFile = "../../testvectors/nea/nea_nia_ts33401_ts35217_ts35223.json"

type vector struct {
	Algorithm  string `json:"algorithm"`
	TestSet    int    `json:"test_set"`
	Family     string `json:"test_set_family"`
	Key        string `json:"key"`
	Count      string `json:"count"`
	Bearer     uint8  `json:"bearer"`
	Direction  uint8  `json:"direction"`
	LengthBits int    `json:"length_bits"`
	Message    string `json:"message"`
	MAC        string `json:"mac"`
}

func (v vector) name() string { return v.Algorithm + "/" + v.Family + "/set" + strconv.Itoa(v.TestSet) }

func (v vector) count(t testing.TB) uint32 {
	c, err := strconv.ParseUint(v.Count, 16, 32)
	if err != nil {
		t.Fatal(err)
	}
	return uint32(c)
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// loadVectors returns the reference vectors of the named algorithm.
func loadVectors(t testing.TB, alg string) []vector {
	t.Helper()
	b, err := os.ReadFile(vectorFile)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Vectors []vector `json:"vectors"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	var out []vector
	for _, v := range f.Vectors {
		if v.Algorithm == alg {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no vectors for %s", alg)
	}
	return out
}
