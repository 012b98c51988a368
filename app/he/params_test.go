package he

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuneinsight/lattigo/v5/he/hefloat"
)

// TestPresetsHEStandard checks every shipped parameter set against the HE
// Standard's 128-bit bound for a ternary secret.
func TestPresetsHEStandard(t *testing.T) {
	// HE Standard (Albrecht et al. 2018), Table 1, uniform ternary, 128-bit.
	want := map[int]int{12: 109, 13: 218, 14: 438, 15: 881}
	for n, b := range want {
		if got, ok := MaxLogQP128(n); !ok || got != b {
			t.Errorf("MaxLogQP128(%d) = %d, want %d", n, got, b)
		}
	}
	for name, lit := range Presets {
		t.Run(name, func(t *testing.T) {
			p, err := NewParams(lit)
			if err != nil {
				t.Fatal(err)
			}
			bound, _ := MaxLogQP128(p.LogN())
			if p.LogQP() > float64(bound) || p.Insecure() || lit.Insecure {
				t.Errorf("%v: log QP %.2f exceeds %d", p, p.LogQP(), bound)
			}
			t.Logf("%v (bound %d)", p, bound)
		})
	}
	lit := PresetLogN13
	lit.LogN = 12
	if _, err := NewParams(lit); !errors.Is(err, ErrInsecure) {
		t.Errorf("LogN 12 with log QP 180: err = %v, want ErrInsecure", err)
	}
}

func TestNewParamsRejects(t *testing.T) {
	base := PresetLogN13
	for _, tc := range []struct {
		name string
		mod  func(*ParamsLiteral)
	}{
		{"LogN=9", func(l *ParamsLiteral) { l.LogN = 9 }},
		{"threeQ", func(l *ParamsLiteral) { l.LogQ = []int{60, 60, 60} }},
		{"Q=61", func(l *ParamsLiteral) { l.LogQ = []int{61, 60} }},
		{"noP", func(l *ParamsLiteral) { l.LogP = nil }},
		{"scaleTooBig", func(l *ParamsLiteral) { l.LogScaleFC = 40 }},
		{"noHeadroom", func(l *ParamsLiteral) { l.LogScaleInput = 40 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := base
			l.LogQ = append([]int(nil), base.LogQ...)
			tc.mod(&l)
			if _, err := NewParams(l); err == nil {
				t.Errorf("NewParams(%+v) accepted", l)
			}
		})
	}
}

// TestKernels checks the lazy kernels against math/big on random residues.
func TestKernels(t *testing.T) {
	p := MustParams(testInsecureLogN10)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, q := range p.p.Q() {
		for _, terms := range []int{1, 9, 196, 1000} {
			t.Run(fmt.Sprintf("q=%d/terms=%d", q, terms), func(t *testing.T) {
				m := newModulus(q)
				const n = 16
				hi, lo := make([]uint64, n), make([]uint64, n)
				want := make([]*big.Int, n)
				for j := range want {
					want[j] = new(big.Int)
				}
				bq := new(big.Int).SetUint64(q)
				for k := 0; k < terms; k++ {
					c := rng.Int64N(1<<41) - 1<<40
					x := make([]uint64, n)
					for j := range x {
						x[j] = rng.Uint64N(q)
						want[j].Add(want[j], new(big.Int).Mul(big.NewInt(c), new(big.Int).SetUint64(x[j])))
					}
					mac(hi, lo, x, c, q)
				}
				add := rng.Uint64N(q)
				got := make([]uint64, n)
				m.reduceTo(got, hi, lo, add)
				for j := range got {
					w := new(big.Int).Add(want[j], new(big.Int).SetUint64(add))
					w.Mod(w, bq)
					if got[j] != w.Uint64() {
						t.Fatalf("coef %d: got %d, want %d", j, got[j], w)
					}
				}
			})
		}
		t.Run(fmt.Sprintf("q=%d/square", q), func(t *testing.T) {
			m := newModulus(q)
			const n = 8
			var acc [6][n]uint64
			w := [3][n]*big.Int{}
			for d := range w {
				for j := range w[d] {
					w[d][j] = new(big.Int)
				}
			}
			for r := 0; r < 4; r++ {
				var y0, y1 [n]uint64
				for j := 0; j < n; j++ {
					y0[j], y1[j] = q-1-rng.Uint64N(4), rng.Uint64N(q)
					a, b := new(big.Int).SetUint64(y0[j]), new(big.Int).SetUint64(y1[j])
					w[0][j].Add(w[0][j], new(big.Int).Mul(a, a))
					w[1][j].Add(w[1][j], new(big.Int).Lsh(new(big.Int).Mul(a, b), 1))
					w[2][j].Add(w[2][j], new(big.Int).Mul(b, b))
				}
				sqAcc(acc[0][:], acc[1][:], acc[2][:], acc[3][:], acc[4][:], acc[5][:], y0[:], y1[:])
			}
			bq := new(big.Int).SetUint64(q)
			for d := 0; d < 3; d++ {
				got := make([]uint64, n)
				m.reduceTo(got, acc[2*d][:], acc[2*d+1][:], 0)
				for j := range got {
					if want := new(big.Int).Mod(w[d][j], bq).Uint64(); got[j] != want {
						t.Fatalf("d%d coef %d: got %d, want %d", d, j, got[j], want)
					}
				}
			}
		})
	}
}

// TestSlotEncoderMatchesLattigo: our encoder is bit-identical to
// Encoder.Encode.
func TestSlotEncoderMatchesLattigo(t *testing.T) {
	p := MustParams(testInsecureLogN10)
	ecd := hefloat.NewEncoder(p.p)
	se := newSlotEncoder(p, ecd.ShallowCopy())
	rng := rand.New(rand.NewPCG(5, 6))
	vals := make([]float64, p.Slots()-3)
	for i := range vals {
		vals[i] = rng.Float64()*2 - 1
	}
	got := hefloat.NewPlaintext(p.p, circuitLevel)
	if err := se.encode(vals, 26, got); err != nil {
		t.Fatal(err)
	}
	want := hefloat.NewPlaintext(p.p, circuitLevel)
	want.Scale = got.Scale
	if err := ecd.Encode(vals, want); err != nil {
		t.Fatal(err)
	}
	if !got.Value.Equal(&want.Value) {
		t.Fatal("slotEncoder output differs from Lattigo Encoder.Encode")
	}
	if err := se.encode([]float64{1 << 21}, 26, got); err == nil {
		t.Error("out-of-range value accepted")
	}
}

// TestHEStandardTable checks MaxLogQP128 against the reference file
// testvectors/he/he_standard_128_ternary.csv (provenance in its README).
func TestHEStandardTable(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "testvectors", "he", "he_standard_128_ternary.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 7 {
		t.Fatalf("%d lines, want header + 6", len(lines))
	}
	for _, l := range lines[1:] {
		var logN, n, bound int
		if _, err := fmt.Sscanf(l, "%d,%d,%d", &logN, &n, &bound); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		if got, ok := MaxLogQP128(logN); !ok || got != bound || n != 1<<logN {
			t.Errorf("N=2^%d: MaxLogQP128 = %d, %v; reference %d", logN, got, ok, bound)
		}
	}
	for name, lit := range Presets {
		p := MustParams(lit)
		bound, _ := MaxLogQP128(p.LogN())
		if p.LogQP() > float64(bound) {
			t.Errorf("preset %s: log QP %.1f > %d", name, p.LogQP(), bound)
		}
	}
}

// TestKernelsDoNotAllocate: the per-block encoder and decoder kernels run
// without allocating in steady state.
func TestKernelsDoNotAllocate(t *testing.T) {
	_, _, tx, rx, ft := smallSetup(t)
	_, ds := testModel(t)
	px, err := tx.Encrypt(nil, pixels(ds, 0, 4))
	if err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(10, func() { tx.encodeBlock(tx.w[0], ft, px, 1, blockLen) }); a != 0 {
		t.Errorf("encodeBlock allocates %v times", a)
	}
	if a := testing.AllocsPerRun(10, func() { rx.fcBlock(rx.w[0], ft, 0, 0) }); a != 0 {
		t.Errorf("fcBlock allocates %v times", a)
	}
}
