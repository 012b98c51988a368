package qam

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

var allSchemes = []Scheme{BPSK, PiHalfBPSK, QPSK, QAM16, QAM64, QAM256}

// readCSV returns the non-comment lines of a reference file split at commas.
func readCSV(t *testing.T, name string) [][]string {
	t.Helper()
	f, err := os.Open("../../testvectors/qam/" + name)
	if err != nil {
		t.Fatalf("reference vectors: %v", err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if s := sc.Text(); s != "" && s[0] != '#' {
			rows = append(rows, strings.Split(s, ","))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

func atof(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestConstellationsMatchTS38211 compares every point with the literal
// formulas of TS 38.211 §5.1 evaluated by testvectors/qam/gen_reference.py.
func TestConstellationsMatchTS38211(t *testing.T) {
	seen := map[Scheme]int{}
	for _, r := range readCSV(t, "ts38211_constellations.csv") {
		s, err := ParseScheme(r[0])
		if err != nil {
			t.Fatal(err)
		}
		lab, _ := strconv.Atoi(r[1])
		want := complex(atof(t, r[2]), atof(t, r[3]))
		p := MustNew(s).Points()[lab]
		if d := complex128(p) - want; math.Hypot(real(d), imag(d)) > 1e-7 {
			t.Errorf("%v label %d: got %v, want %v", s, lab, p, want)
		}
		seen[s]++
	}
	for _, s := range []Scheme{BPSK, QPSK, QAM16, QAM64, QAM256} {
		if seen[s] != 1<<s.BitsPerSymbol() {
			t.Errorf("%v: %d reference points, want %d", s, seen[s], 1<<s.BitsPerSymbol())
		}
	}
}

func TestUnitEnergyAndGray(t *testing.T) {
	for _, s := range allSchemes {
		t.Run(s.String(), func(t *testing.T) {
			c := MustNew(s)
			if e := c.Energy(); math.Abs(e-1) > 1e-6 {
				t.Errorf("average energy %v, want 1", e)
			}
			// Gray: every pair of nearest neighbours differs in exactly one bit.
			pts := c.Points()
			dmin := math.Inf(1)
			for i := range pts {
				for j := i + 1; j < len(pts); j++ {
					dmin = min(dmin, cabs(pts[i]-pts[j]))
				}
			}
			for i := range pts {
				for j := i + 1; j < len(pts); j++ {
					if cabs(pts[i]-pts[j]) < dmin*1.001 {
						if d := popcount(i ^ j); d != 1 {
							t.Errorf("neighbours %d and %d differ in %d bits", i, j, d)
						}
					}
				}
			}
		})
	}
}

func cabs(z complex64) float64 { return math.Hypot(float64(real(z)), float64(imag(z))) }

func popcount(x int) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

func randomBits(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.IntN(2))
	}
	return b
}

func TestMapDecideRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cust, err := NewCustom([]complex128{3, 1i, -2, -1i - 0.5, 1 + 1i, -1 + 1i, 2 - 2i, -2 - 2i}, true)
	if err != nil {
		t.Fatal(err)
	}
	cs := []*Constellation{cust}
	for _, s := range allSchemes {
		cs = append(cs, MustNew(s))
	}
	for _, c := range cs {
		t.Run(c.Scheme().String(), func(t *testing.T) {
			in := randomBits(r, 240*c.BitsPerSymbol())
			syms, err := c.Map(nil, in)
			if err != nil {
				t.Fatal(err)
			}
			if len(syms) != c.OutLen(len(in)) {
				t.Fatalf("Map produced %d symbols, OutLen says %d", len(syms), c.OutLen(len(in)))
			}
			out, err := c.Decide(nil, syms)
			if err != nil {
				t.Fatal(err)
			}
			llr, err := c.LLR(nil, syms, 0.01, MaxLog)
			if err != nil {
				t.Fatal(err)
			}
			for i := range in {
				if out[i] != in[i] {
					t.Fatalf("Decide bit %d: got %d, want %d", i, out[i], in[i])
				}
				if (llr[i] < 0) != (in[i] == 1) {
					t.Fatalf("LLR %d = %v has the wrong sign for bit %d", i, llr[i], in[i])
				}
			}
		})
	}
}

func TestPiHalfBPSKRotation(t *testing.T) {
	syms, err := MustNew(PiHalfBPSK).Map(nil, []byte{0, 0, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	// TS 38.211 §5.1.1: d(i) = e^{jπ(i mod 2)/2}/√2 · ((1−2b) + j(1−2b)).
	r := float32(1 / math.Sqrt2)
	want := []complex64{complex(r, r), complex(-r, r), complex(-r, -r), complex(r, -r)}
	for i := range want {
		if cabs(syms[i]-want[i]) > 1e-7 {
			t.Errorf("symbol %d: got %v, want %v", i, syms[i], want[i])
		}
	}
}

// TestLLRMatchesReference checks both demappers against brute-force LLRs of
// gen_reference.py (float32 output: relative tolerance 1e-5).
func TestLLRMatchesReference(t *testing.T) {
	rows := readCSV(t, "llr_reference.csv")
	if len(rows) < 100 {
		t.Fatalf("only %d reference rows", len(rows))
	}
	for n, r := range rows {
		s, _ := ParseScheme(r[0])
		var method LLRMethod
		if err := method.UnmarshalText([]byte(r[1])); err != nil {
			t.Fatal(err)
		}
		y := complex64(complex(atof(t, r[2]), atof(t, r[3])))
		n0 := atof(t, r[4])
		got, err := MustNew(s).LLR(nil, []complex64{y}, n0, method)
		if err != nil {
			t.Fatal(err)
		}
		for j, w := range strings.Split(r[5], ";") {
			want := atof(t, w)
			// y was rounded to complex64: allow for that perturbation too.
			tol := 1e-5*math.Abs(want) + 1e-6*(1+math.Abs(want))/math.Min(n0, 1)
			if math.Abs(float64(got[j])-want) > tol {
				t.Errorf("row %d %v %v bit %d: got %v, want %v", n+1, s, method, j, got[j], want)
			}
		}
	}
}

// TestSeparableMatchesGeneric cross-checks the per-dimension demappers of
// square QAM against the generic 2-D ones on the same points.
func TestSeparableMatchesGeneric(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, s := range []Scheme{QPSK, QAM16, QAM64, QAM256} {
		c := MustNew(s)
		pts := c.Points()
		p128 := make([]complex128, len(pts))
		for i, p := range pts {
			p128[i] = complex128(p)
		}
		g, err := NewCustom(p128, false)
		if err != nil {
			t.Fatal(err)
		}
		y := make([]complex64, 200)
		for i := range y {
			y[i] = complex(float32(r.NormFloat64()), float32(r.NormFloat64()))
		}
		for _, method := range []LLRMethod{MaxLog, Exact} {
			for _, n0 := range []float64{0.003, 0.1, 2} {
				t.Run(fmt.Sprintf("%v/%v/N0=%g", s, method, n0), func(t *testing.T) {
					a, _ := c.LLR(nil, y, n0, method)
					b, _ := g.LLR(nil, y, n0, method)
					for i := range a {
						if math.Abs(float64(a[i]-b[i])) > 1e-5*(1+math.Abs(float64(b[i]))) {
							t.Fatalf("LLR %d: separable %v, generic %v", i, a[i], b[i])
						}
					}
					ha, _ := c.Decide(nil, y)
					hb, _ := g.Decide(nil, y)
					for i := range ha {
						if ha[i] != hb[i] {
							t.Fatalf("Decide bit %d: separable %d, generic %d", i, ha[i], hb[i])
						}
					}
				})
			}
		}
	}
}

func TestLLRPerSymbolMatchesLLR(t *testing.T) {
	c := MustNew(QAM16)
	y := []complex64{0.3 - 0.9i, -1.2 + 0.1i}
	n0 := []float32{0.5, 0.05}
	got, err := c.LLRPerSymbol(nil, y, n0, Exact)
	if err != nil {
		t.Fatal(err)
	}
	for i := range y {
		want, _ := c.LLR(nil, y[i:i+1], float64(n0[i]), Exact)
		for j := range want {
			if got[4*i+j] != want[j] {
				t.Errorf("symbol %d bit %d: got %v, want %v", i, j, got[4*i+j], want[j])
			}
		}
	}
}

func TestErrors(t *testing.T) {
	c := MustNew(QAM16)
	tests := []struct {
		name string
		err  error
	}{
		{"partial symbol", func() error { _, err := c.Map(nil, make([]byte, 5)); return err }()},
		{"bad bit", func() error { _, err := c.Map(nil, []byte{0, 1, 2, 0}); return err }()},
		{"zero n0", func() error { _, err := c.LLR(nil, []complex64{1}, 0, MaxLog); return err }()},
		{"NaN n0", func() error { _, err := c.LLR(nil, []complex64{1}, math.NaN(), Exact); return err }()},
		{"Inf n0", func() error { _, err := c.LLR(nil, []complex64{1}, math.Inf(1), Exact); return err }()},
		{"bad method", func() error { _, err := c.LLR(nil, []complex64{1}, 1, 7); return err }()},
		{"per-symbol length", func() error { _, err := c.LLRPerSymbol(nil, []complex64{1}, nil, Exact); return err }()},
		{"per-symbol negative", func() error {
			_, err := c.LLRPerSymbol(nil, []complex64{1}, []float32{-1}, Exact)
			return err
		}()},
		{"custom size", func() error { _, err := NewCustom([]complex128{1, 2, 3}, true); return err }()},
		{"custom NaN", func() error { _, err := NewCustom([]complex128{1, complex(math.NaN(), 0)}, true); return err }()},
		{"custom duplicate", func() error { _, err := NewCustom([]complex128{1, 1}, true); return err }()},
		{"custom scheme via New", func() error { _, err := New(Custom); return err }()},
		{"unknown scheme", func() error { _, err := New(99); return err }()},
		{"unknown name", func() error { _, err := ParseScheme("8psk"); return err }()},
	}
	for _, tc := range tests {
		if tc.err == nil {
			t.Errorf("%s: no error", tc.name)
		} else if !strings.HasPrefix(tc.err.Error(), "qam: ") {
			t.Errorf("%s: error %q lacks the package prefix", tc.name, tc.err)
		}
	}
	if _, err := c.Map(nil, []byte{0, 1, 2, 0}); !errors.Is(err, ErrBadBit) {
		t.Errorf("bad bit error %v does not wrap ErrBadBit", err)
	}
}

func TestSchemeText(t *testing.T) {
	for _, s := range append(allSchemes, Custom) {
		b, err := s.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var got Scheme
		if err := got.UnmarshalText(b); err != nil || got != s {
			t.Errorf("%v: round trip gave %v, %v", s, got, err)
		}
	}
	for _, alias := range []string{"QAM16", "16-QAM", " 16qam "} {
		if s, err := ParseScheme(alias); err != nil || s != QAM16 {
			t.Errorf("ParseScheme(%q) = %v, %v", alias, s, err)
		}
	}
}

func TestZeroAllocs(t *testing.T) {
	for _, s := range allSchemes {
		c := MustNew(s)
		bits := randomBits(rand.New(rand.NewPCG(5, 6)), 96*c.BitsPerSymbol())
		syms, _ := c.Map(nil, bits)
		hard, _ := c.Decide(nil, syms)
		llr, _ := c.LLR(nil, syms, 0.1, Exact)
		d := c.Demapper(MaxLog, 0.1)
		if a := testing.AllocsPerRun(50, func() {
			syms, _ = c.Map(syms, bits)
			hard, _ = c.Decide(hard, syms)
			llr, _ = c.LLR(llr, syms, 0.1, Exact)
			llr, _ = d.Demap(llr, syms)
		}); a != 0 {
			t.Errorf("%v: %v allocations per run, want 0", s, a)
		}
	}
}

func TestReadPoints(t *testing.T) {
	tests := []struct {
		name, in string
		want     []complex128
		ok       bool
	}{
		{"spaces", "1 0\n-1 0\n", []complex128{1, -1}, true},
		{"comma and comments", "# qpsk\n0.7,0.7\n\n0.7\t-0.7\n-0.7 0.7\n-0.7 -0.7\n", []complex128{0.7 + 0.7i, 0.7 - 0.7i, -0.7 + 0.7i, -0.7 - 0.7i}, true},
		{"one field", "1\n", nil, false},
		{"three fields", "1 2 3\n", nil, false},
		{"not a number", "1 x\n", nil, false},
		{"empty", "# nothing\n", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadPoints(strings.NewReader(tc.in))
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("point %d: got %v, want %v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// FuzzReadPoints: arbitrary files give points or an error, never a panic, and
// whatever parses builds a constellation or is rejected with an error.
func FuzzReadPoints(f *testing.F) {
	f.Add("1 0\n-1 0\n")
	f.Add("0.7,0.7\n0.7 -0.7\n-0.7 0.7\n-0.7 -0.7\n")
	f.Add("# c\nNaN 1\nInf 0\n")
	f.Add("1e400 0\n0 0\n")
	f.Add("\x00\xff")
	f.Fuzz(func(t *testing.T, in string) {
		pts, err := ReadPoints(strings.NewReader(in))
		if err != nil {
			return
		}
		c, err := NewCustom(pts, true)
		if err != nil {
			return
		}
		syms, err := c.Map(nil, make([]byte, c.BitsPerSymbol()))
		if err != nil || len(syms) != 1 {
			t.Fatalf("Map on a valid custom constellation: %v, %v", syms, err)
		}
		if _, err := c.LLR(nil, syms, 1, Exact); err != nil {
			t.Fatal(err)
		}
	})
}
