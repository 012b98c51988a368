package modelfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"slices"
	"testing"
)

var errTest = errors.New("test: malformed")

var testFormat = Format{Magic: "HSMTEST\n", Kind: "test model", Err: errTest}

type header struct {
	Name string `json:"name"`
	N    int    `json:"n"`
}

func TestRoundTrip(t *testing.T) {
	tensors := [][]float32{{1, -2.5, 3}, {}, {math.MaxFloat32}}
	b, err := testFormat.Marshal(header{"x", 3}, tensors)
	if err != nil {
		t.Fatal(err)
	}
	var h header
	p, err := testFormat.Parse(b, &h)
	if err != nil {
		t.Fatal(err)
	}
	if h != (header{"x", 3}) {
		t.Errorf("header %+v", h)
	}
	got := [][]float32{make([]float32, 3), {}, make([]float32, 1)}
	if err := testFormat.Fill(p, []string{"a", "b", "c"}, got); err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if !slices.Equal(got[i], tensors[i]) {
			t.Errorf("tensor %d = %v, want %v", i, got[i], tensors[i])
		}
	}
}

// reseal recomputes the trailing CRC so checks behind it are reached.
func reseal(b []byte) []byte {
	b = slices.Clone(b[:len(b)-4])
	return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

func TestMalformed(t *testing.T) {
	good, _ := testFormat.Marshal(header{"x", 1}, [][]float32{{1, 2}})
	mod := func(f func(b []byte) []byte) []byte { return f(slices.Clone(good)) }
	nan := mod(func(b []byte) []byte {
		binary.LittleEndian.PutUint32(b[len(b)-8:], math.Float32bits(float32(math.NaN())))
		return reseal(b)
	})
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"short", good[:10]},
		{"magic", mod(func(b []byte) []byte { b[0] = 'X'; return b })},
		{"version", mod(func(b []byte) []byte { b[8] = 2; return reseal(b) })},
		{"header length", mod(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[12:], 1<<30); return reseal(b) })},
		{"checksum", mod(func(b []byte) []byte { b[len(b)-6] ^= 1; return b })},
		{"unknown field", mod(func(b []byte) []byte { return reseal(bytes.Replace(b, []byte(`"n"`), []byte(`"m"`), 1)) })},
		{"short payload", mod(func(b []byte) []byte { return reseal(append(b[:len(b)-8], 0, 0, 0, 0)) })},
		{"long payload", mod(func(b []byte) []byte { return reseal(append(b, 0, 0, 0, 0)) })},
		{"nan", nan},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h header
			p, err := testFormat.Parse(tc.b, &h)
			if err == nil {
				err = testFormat.Fill(p, []string{"w"}, [][]float32{make([]float32, 2)})
			}
			if !errors.Is(err, errTest) {
				t.Errorf("error %v, want one wrapping %v", err, errTest)
			}
		})
	}
}

func TestReadAllLimit(t *testing.T) {
	_, err := testFormat.ReadAll(bytes.NewReader(make([]byte, MaxFile+1)))
	if !errors.Is(err, errTest) {
		t.Errorf("oversized file: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	good, _ := testFormat.Marshal(header{"x", 1}, [][]float32{{1, 2}})
	f.Add(good)
	f.Add(good[:20])
	f.Fuzz(func(t *testing.T, b []byte) {
		var h header
		p, err := testFormat.Parse(b, &h)
		if err == nil {
			err = testFormat.Fill(p, []string{"w"}, [][]float32{make([]float32, 2)})
		}
		if err != nil && !errors.Is(err, errTest) {
			t.Fatalf("error %v does not wrap the format's error", err)
		}
	})
}
