package ldpc

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// tvDir holds the reference copies of the TS 38.212 tables (see its README).
const tvDir = "../../testvectors/ldpc"

// refGraph is a base graph read from the testvectors copy with a parser
// independent of the package's: entries as (row, col, V[ils]).
type refEntry struct {
	row, col int
	v        [8]int
}

func loadRefGraph(t testing.TB, bg BaseGraph) []refEntry {
	t.Helper()
	name := map[BaseGraph]string{BG1: "bg1.csv", BG2: "bg2.csv"}[bg]
	b, err := os.ReadFile(filepath.Join(tvDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var out []refEntry
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		f := strings.Split(strings.TrimSpace(line), ",")
		var e refEntry
		e.row, _ = strconv.Atoi(f[0])
		e.col, _ = strconv.Atoi(f[1])
		for i := range e.v {
			e.v[i], _ = strconv.Atoi(f[2+i])
		}
		out = append(out, e)
	}
	return out
}

// refSyndrome returns the number of unsatisfied lifted checks of cw under
// H of TS 38.212 §5.3.2: block (i,j) is I shifted right by V(i,j) mod Z, so
// check i·Z+r sums c[j·Z + (r+P) mod Z].
func refSyndrome(ents []refEntry, rows, z, ils int, cw []byte) int {
	bad := 0
	for i := 0; i < rows; i++ {
		for r := 0; r < z; r++ {
			var p byte
			for _, e := range ents {
				if e.row == i {
					p ^= cw[e.col*z+(r+e.v[ils]%z)%z]
				}
			}
			bad += int(p)
		}
	}
	return bad
}

func TestTablesMatchTestvectors(t *testing.T) {
	for _, name := range []string{"bg1.csv", "bg2.csv", "lifting_sizes.csv"} {
		emb, err := tableFS.ReadFile("tables/" + name)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := os.ReadFile(filepath.Join(tvDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(emb, ref) {
			t.Errorf("embedded %s differs from %s/%s", name, tvDir, name)
		}
	}
	if n := len(bgEntries[BG1]); n != 316 { // Table 5.3.2-2 has 316 nonzero entries
		t.Errorf("BG1 has %d entries, want 316", n)
	}
	if n := len(bgEntries[BG2]); n != 197 { // Table 5.3.2-3 has 197
		t.Errorf("BG2 has %d entries, want 197", n)
	}
	if n := len(LiftingSizes()); n != 51 { // Table 5.3.2-1
		t.Errorf("%d lifting sizes, want 51", n)
	}
}

// TestParityAllLiftingSizes encodes random information bits for every
// lifting size of both graphs and checks H·c = 0 with the reference parser.
func TestParityAllLiftingSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, bg := range []BaseGraph{BG1, BG2} {
		ents := loadRefGraph(t, bg)
		d := bg.dims()
		for _, z := range LiftingSizes() {
			if testing.Short() && z > 64 && z%3 != 0 {
				continue
			}
			t.Run(fmt.Sprintf("%v/Z=%d", bg, z), func(t *testing.T) {
				k := d.kb*z - rng.IntN(z) // a few filler bits
				c, err := New(Config{K: k, E: 2 * k, BaseGraph: bg, Z: z})
				if err != nil {
					t.Fatal(err)
				}
				info := randBits(rng, k)
				cw := c.Encoder().EncodeCodeword(nil, info)
				if !bytes.Equal(cw[:k], info) {
					t.Fatal("codeword is not systematic")
				}
				for i := k; i < d.kb*z; i++ {
					if cw[i] != 0 {
						t.Fatalf("filler bit %d = %d, want 0", i, cw[i])
					}
				}
				if bad := refSyndrome(ents, d.rows, z, setIndex(z), cw); bad != 0 {
					t.Fatalf("%d of %d parity checks fail", bad, d.rows*z)
				}
				// Decode the codeword with its 2Z punctured bits erased and
				// a few weak wrong LLRs, in fixed point and in float32.
				llr := make([]float32, len(cw))
				for i, b := range cw[2*z:] {
					llr[2*z+i] = 2 * (1 - 2*float32(b))
				}
				for i := 0; i < 3; i++ {
					llr[2*z+rng.IntN(len(cw)-2*z)] *= -0.25
				}
				for _, float := range []bool{false, true} {
					dec, _ := c.NewDecoder(DecoderConfig{Algorithm: NormalizedMinSum, MaxIterations: 20, Float: float})
					if got := dec.DecodeCodeword(nil, llr); !bytes.Equal(got, info) || !dec.Result().Converged {
						t.Fatalf("float=%v: decoding the codeword failed (%+v)", float, dec.Result())
					}
				}
			})
		}
	}
}

func randBits(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32() & 1)
	}
	return b
}
