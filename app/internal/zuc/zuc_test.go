package zuc

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"testing"
)

// vectorFile is the reference file of testvectors/nea (see its README).
const vectorFile = "../../../testvectors/nea/nea_nia_ts33401_ts35217_ts35223.json"

type keystreamVector struct {
	Algorithm string            `json:"algorithm"`
	TestSet   int               `json:"test_set"`
	Key       string            `json:"key"`
	IV        string            `json:"iv"`
	Words     []string          `json:"keystream_words"`
	At        map[string]string `json:"keystream_word_at_index"`
}

func loadVectors(t testing.TB) []keystreamVector {
	t.Helper()
	b, err := os.ReadFile(vectorFile)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Keystream []keystreamVector `json:"keystream_vectors"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	var out []keystreamVector
	for _, v := range f.Keystream {
		if v.Algorithm == "ZUC" {
			out = append(out, v)
		}
	}
	if len(out) != 4 {
		t.Fatalf("found %d ZUC keystream sets, want 4", len(out))
	}
	return out
}

func key16(t testing.TB, h string) *[16]byte {
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != 16 {
		t.Fatalf("bad hex %q", h)
	}
	return (*[16]byte)(b)
}

func TestKeystreamVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(fmt.Sprintf("set%d", v.TestSet), func(t *testing.T) {
			n := len(v.Words)
			for idx := range v.At {
				i, _ := strconv.Atoi(idx)
				n = max(n, i)
			}
			g := New(key16(t, v.Key), key16(t, v.IV))
			z := make([]uint32, n)
			g.Keystream(z)
			for i, w := range v.Words {
				if got := fmt.Sprintf("%08x", z[i]); got != w {
					t.Errorf("z%d = %s, want %s", i+1, got, w)
				}
			}
			for idx, w := range v.At {
				i, _ := strconv.Atoi(idx) // 1-based index, z1 is the first word
				if got := fmt.Sprintf("%08x", z[i-1]); got != w {
					t.Errorf("z%d = %s, want %s", i, got, w)
				}
			}
		})
	}
}

// TestKeystreamSplit checks that word-at-a-time, byte and bulk generation
// agree, and that Clone continues the same stream.
func TestKeystreamSplit(t *testing.T) {
	k := &[16]byte{1, 2, 3, 4}
	iv := &[16]byte{5, 6, 7, 8}
	bulk := make([]uint32, 100)
	New(k, iv).Keystream(bulk)
	g := New(k, iv)
	one := make([]uint32, 1)
	for i := range 37 {
		g.Keystream(one)
		if one[0] != bulk[i] {
			t.Fatalf("word %d: %08x != %08x", i, one[0], bulk[i])
		}
	}
	c := g.Clone()
	b := make([]byte, 4*63)
	c.KeystreamBytes(b)
	for i := range 63 {
		if w := binary.BigEndian.Uint32(b[4*i:]); w != bulk[37+i] {
			t.Fatalf("clone word %d: %08x != %08x", 37+i, w, bulk[37+i])
		}
	}
}

func TestKeystreamNoAlloc(t *testing.T) {
	g := New(&[16]byte{}, &[16]byte{})
	dst := make([]uint32, 256)
	b := make([]byte, 1024)
	if n := testing.AllocsPerRun(100, func() { g.Keystream(dst); g.KeystreamBytes(b) }); n != 0 {
		t.Errorf("allocs per run = %v, want 0", n)
	}
}

func BenchmarkKeystream(b *testing.B) {
	g := New(&[16]byte{1, 2, 3, 4}, &[16]byte{5, 6, 7, 8})
	for _, n := range []int{16, 1024} {
		b.Run(fmt.Sprintf("bytes=%d", n), func(b *testing.B) {
			dst := make([]byte, n)
			b.SetBytes(int64(n))
			for b.Loop() {
				g.KeystreamBytes(dst)
			}
		})
	}
}

func BenchmarkInit(b *testing.B) {
	g := New(&[16]byte{}, &[16]byte{})
	k := &[16]byte{1, 2, 3, 4}
	iv := &[16]byte{5, 6, 7, 8}
	for b.Loop() {
		g.Reset(k, iv)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "inits/s")
}

func TestUnrolledMatchesGeneric(t *testing.T) {
	k, iv := &[16]byte{9, 8, 7}, &[16]byte{1, 2, 3}
	a, b := New(k, iv), New(k, iv)
	// Start the unrolled path at every LFSR offset.
	for offset := range 17 {
		x, y := make([]uint32, offset), make([]uint32, offset)
		a.keystreamGeneric(x)
		b.keystreamGeneric(y)
		var u [16]uint32
		g := make([]uint32, 16)
		a.keystream16(&u)
		b.keystreamGeneric(g)
		for i := range u {
			if u[i] != g[i] {
				t.Fatalf("offset %d word %d: unrolled %08x, generic %08x", offset, i, u[i], g[i])
			}
		}
	}
}

func BenchmarkKeystreamGeneric(b *testing.B) {
	g := New(&[16]byte{1, 2, 3, 4}, &[16]byte{5, 6, 7, 8})
	dst := make([]uint32, 256)
	b.SetBytes(4 * 256)
	for b.Loop() {
		g.keystreamGeneric(dst)
	}
}

func BenchmarkKeystreamWords(b *testing.B) {
	g := New(&[16]byte{1, 2, 3, 4}, &[16]byte{5, 6, 7, 8})
	dst := make([]uint32, 256)
	b.SetBytes(4 * 256)
	for b.Loop() {
		g.Keystream(dst)
	}
}
