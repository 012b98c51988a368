package ldpc

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseGraph feeds arbitrary CSV to the base-graph parser: it must
// return an error or a structurally valid graph, never panic.
func FuzzParseGraph(f *testing.F) {
	ref, err := os.ReadFile(filepath.Join(tvDir, "bg2.csv"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ref)
	f.Add(ref[:len(ref)/2])
	f.Add([]byte("row,col,ils0,ils1,ils2,ils3,ils4,ils5,ils6,ils7\n0,0,1,2,3,4,5,6,7,8\n"))
	f.Add([]byte("ils,a,j,z\n0,2,0,2\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if g, err := parseGraph(bytes.NewReader(b), BG2.dims()); err == nil {
			for _, e := range g {
				if e.row >= 42 || e.col >= 52 {
					t.Fatalf("accepted entry outside the graph: %+v", e)
				}
			}
		}
		if ls, err := parseLiftingSizes(bytes.NewReader(b)); err == nil {
			for _, l := range ls {
				if l.z < 1 || l.z > 384 {
					t.Fatalf("accepted lifting size %d", l.z)
				}
			}
		}
	})
}

// FuzzDecode decodes arbitrary float32 LLRs (including NaN, ±Inf and
// denormals): the decoder must return an error for NaN and otherwise K
// bits, never panic.
func FuzzDecode(f *testing.F) {
	c, err := New(Config{K: 40, E: 96, Qm: 2})
	if err != nil {
		f.Fatal(err)
	}
	dec := c.Decoder(NormalizedMinSum, 5)
	seed := make([]byte, 4*c.E())
	f.Add(seed)
	for i := 0; i < len(seed); i += 4 {
		binary.LittleEndian.PutUint32(seed[i:], math.Float32bits(float32(i%7)-3))
	}
	f.Add(bytes.Clone(seed))
	binary.LittleEndian.PutUint32(seed[8:], math.Float32bits(float32(math.Inf(-1))))
	f.Add(bytes.Clone(seed))
	binary.LittleEndian.PutUint32(seed[12:], math.Float32bits(float32(math.NaN())))
	f.Add(bytes.Clone(seed))
	f.Fuzz(func(t *testing.T, b []byte) {
		llr := make([]float32, len(b)/4)
		nan := false
		for i := range llr {
			llr[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
			nan = nan || llr[i] != llr[i]
		}
		out, err := dec.Decode(nil, llr)
		switch {
		case len(llr)%c.E() != 0 || nan:
			if err == nil {
				t.Fatal("malformed input accepted")
			}
		case err != nil:
			t.Fatal(err)
		case len(out) != len(llr)/c.E()*c.K():
			t.Fatalf("%d bits out for %d LLRs", len(out), len(llr))
		}
		for _, v := range out {
			if v > 1 {
				t.Fatalf("output byte %d is not a bit", v)
			}
		}
	})
}
