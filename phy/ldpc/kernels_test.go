package ldpc

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hesemcom/hesemcom/internal/units"
)

// withKernels runs f with the vector kernels switched on or off.
func withKernels(vector bool, f func()) {
	saved := useAVX2
	useAVX2 = vector && hasVectorKernels
	defer func() { useAVX2 = saved }()
	f()
}

func randLLRs(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64() * 8)
		if rng.IntN(17) == 0 {
			v[i] = 0
		}
	}
	return v
}

// TestKernelsVectorMatchGo checks each vector lane kernel against its Go
// twin bit for bit on random data (the convention for SIMD variants).
func TestKernelsVectorMatchGo(t *testing.T) {
	if !hasVectorKernels {
		t.Skip("no vector kernels on this CPU/architecture")
	}
	rng := rand.New(rand.NewPCG(3, 3))
	for _, n := range []int{8, 16, 104, 384} {
		for k := uint32(0); k < 19; k += 6 {
			src := randLLRs(rng, n)
			r := randLLRs(rng, n)
			state := func() (k1, k2, sgn, psgn []uint32) {
				k1, k2 = make([]uint32, n), make([]uint32, n)
				sgn, psgn = make([]uint32, n), make([]uint32, n)
				for i := range k1 {
					// Keys are bit patterns of finite magnitudes (the decoder
					// clips LLRs), so stay below the infinity pattern.
					k1[i] = rng.Uint32N(0x7f000000)&^keyMask | 3
					k2[i] = max(k1[i], rng.Uint32N(0x7f000000))
					sgn[i], psgn[i] = rng.Uint32(), rng.Uint32()
				}
				return
			}
			a1, a2, as, ap := state()
			b1, b2, bs, bp := slices.Clone(a1), slices.Clone(a2), slices.Clone(as), slices.Clone(ap)
			xa, xb := slices.Clone(src), slices.Clone(src)
			withKernels(true, func() { extrinsicMin(xa, r, a1, a2, as, ap, k) })
			extrinsicMinGo(xb, r, b1, b2, bs, bp, k)
			if !bitsEqual(xa, xb) || !slices.Equal(a1, b1) || !slices.Equal(a2, b2) || !slices.Equal(as, bs) || !slices.Equal(ap, bp) {
				t.Fatalf("extrinsicMin n=%d k=%d: vector and Go kernels differ", n, k)
			}
			for _, sc := range [][2]float32{{0.75, 0}, {1, 0.5}, {1, 0}} {
				m1a, m2a := make([]float32, n), make([]float32, n)
				m1b, m2b := make([]float32, n), make([]float32, n)
				var pa, pb uint32
				withKernels(true, func() { pa = minMags(m1a, m2a, a1, a2, ap, sc[0], sc[1]) })
				pb = minMagsGo(m1b, m2b, a1, a2, ap, sc[0], sc[1])
				if pa != pb || !bitsEqual(m1a, m1b) || !bitsEqual(m2a, m2b) {
					t.Fatalf("minMags n=%d scale=%v: vector and Go kernels differ", n, sc)
				}
				ra, rb := make([]float32, n), make([]float32, n)
				ya, yb := slices.Clone(xa), slices.Clone(xa)
				withKernels(true, func() { updateMin(ya, ra, m1a, m2a, a1, as, k) })
				updateMinGo(yb, rb, m1b, m2b, a1, as, k)
				if !bitsEqual(ya, yb) || !bitsEqual(ra, rb) {
					t.Fatalf("updateMin n=%d k=%d: vector and Go kernels differ", n, k)
				}
			}
		}
	}
	for _, n := range []int{1, 7, 8, 9, 100} {
		l := randLLRs(rng, n)
		a := make([]uint32, n)
		for i := range a {
			a[i] = rng.Uint32()
		}
		b := slices.Clone(a)
		withKernels(true, func() { xorSigns(a, l) })
		xorSignsGo(b, l)
		if !slices.Equal(a, b) {
			t.Fatalf("xorSigns n=%d: vector and Go kernels differ", n)
		}
	}
}

// TestKernelsQVectorMatchGo checks the fixed-point lane kernels against
// their Go twins bit for bit, including saturation and the clipping of keys.
func TestKernelsQVectorMatchGo(t *testing.T) {
	if !hasVectorKernels {
		t.Skip("no vector kernels on this CPU/architecture")
	}
	rng := rand.New(rand.NewPCG(9, 9))
	r16 := func(n int) []int16 {
		v := make([]int16, n)
		for i := range v {
			switch rng.IntN(8) {
			case 0:
				v[i] = int16(rng.Uint32()) // anywhere, including ±32767/−32768
			case 1:
				v[i] = 0
			default:
				v[i] = int16(rng.NormFloat64() * 100)
			}
		}
		return v
	}
	for _, n := range []int{16, 112, 384} {
		for k := uint16(0); k < 19; k += 6 {
			k1, k2, sgn, psgn := make([]uint16, n), make([]uint16, n), make([]uint16, n), make([]uint16, n)
			withKernels(true, func() { initLanesQ(k1, k2, sgn, psgn) })
			b1, b2, bs, bp := make([]uint16, n), make([]uint16, n), make([]uint16, n), make([]uint16, n)
			initLanesQGo(b1, b2, bs, bp)
			if !slices.Equal(k1, b1) || !slices.Equal(k2, b2) || !slices.Equal(sgn, bs) || !slices.Equal(psgn, bp) {
				t.Fatal("initLanesQ: vector and Go kernels differ")
			}
			for _, p := range [][2]uint16{{49152, 0}, {0, 4}, {0, 0}, {65535, 3}} {
				m1a, m2a, m1b, m2b := make([]int16, n), make([]int16, n), make([]int16, n), make([]int16, n)
				for i := range k1 { // keys as a row of edges leaves them
					k1[i] = min(uint16(rng.Uint32()), 0xfffe)
					k2[i] = max(k1[i], uint16(rng.Uint32()))
					psgn[i] = uint16(rng.Uint32())
				}
				var pa, pb uint16
				withKernels(true, func() { pa = minMagsQ(m1a, m2a, k1, k2, psgn, p[0], p[1]) })
				pb = minMagsQGo(m1b, m2b, k1, k2, psgn, p[0], p[1])
				if pa != pb || !slices.Equal(m1a, m1b) || !slices.Equal(m2a, m2b) {
					t.Fatalf("minMagsQ n=%d mul=%d off=%d: vector and Go kernels differ", n, p[0], p[1])
				}
			}
		}
	}
	// The row kernels on a synthetic row: deg edges over columns of a
	// three-copy posterior array, with column lengths z below the lane
	// count (copies overlap and padding lanes spill) and above it.
	for _, z := range []int{1, 3, 11, 16, 104} {
		zp := (z + qLaneWidth - 1) / qLaneWidth * qLaneWidth
		st := 3*z + zp
		const deg, cols = 5, 7
		mk := func() *qstate {
			return &qstate{zp: zp, stride: st, l: make([]int16, cols*st), x: make([]int16, deg*zp),
				m1: make([]int16, zp), m2: make([]int16, zp), k1: make([]uint16, zp), k2: make([]uint16, zp),
				sgn: make([]uint16, zp), psgn: make([]uint16, zp)}
		}
		qa, qb := mk(), mk()
		l := r16(cols * st)
		copy(qa.l, l)
		copy(qb.l, l)
		var rd, wr []int32
		for k := range deg {
			w := (k+2)%cols*st + rng.IntN(z)
			wr, rd = append(wr, int32(w)), append(rd, int32(w+z))
		}
		ra, rb := r16(deg*zp), []int16(nil)
		rb = slices.Clone(ra)
		withKernels(true, func() {
			initLanesQ(qa.k1, qa.k2, qa.sgn, qa.psgn)
			extrinsicRowQ(qa, ra, rd)
			minMagsQ(qa.m1, qa.m2, qa.k1, qa.k2, qa.psgn, 49152, 0)
			updateRowQ(qa, z, ra, wr)
		})
		initLanesQGo(qb.k1, qb.k2, qb.sgn, qb.psgn)
		extrinsicRowQGo(qb, rb, rd)
		minMagsQGo(qb.m1, qb.m2, qb.k1, qb.k2, qb.psgn, 49152, 0)
		updateRowQGo(qb, z, rb, wr)
		if !slices.Equal(qa.l, qb.l) || !slices.Equal(ra, rb) || !slices.Equal(qa.x, qb.x) ||
			!slices.Equal(qa.k1, qb.k1) || !slices.Equal(qa.k2, qb.k2) || !slices.Equal(qa.sgn, qb.sgn) || !slices.Equal(qa.psgn, qb.psgn) {
			t.Fatalf("row kernels z=%d: vector and Go differ", z)
		}
	}
	for _, n := range []int{1, 15, 16, 17, 100} {
		l := make([]int16, n)
		a := make([]uint16, n)
		for i := range a {
			a[i], l[i] = uint16(rng.Uint32()), int16(rng.Uint32())
		}
		b := slices.Clone(a)
		withKernels(true, func() { xorSignsQ(a, l) })
		xorSignsQGo(b, l)
		if !slices.Equal(a, b) {
			t.Fatalf("xorSignsQ n=%d: vector and Go kernels differ", n)
		}
	}
}

func TestQuantize(t *testing.T) {
	for _, tc := range []struct {
		in   float32
		want int16
	}{
		{0, 0}, {0.0625, 1}, {-0.0625, -1}, {0.05, 0}, {1, 8}, {-2.5, -20},
		{1e9, 32767}, {-1e9, -32767}, {float32(math.Inf(1)), 32767}, {float32(math.NaN()), 0},
	} {
		if got := quantize(tc.in); got != tc.want {
			t.Errorf("quantize(%v) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func bitsEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// TestDecoderVectorMatchesGo decodes the same noisy blocks with and without
// the vector kernels: posteriors, decisions and iteration counts must agree
// exactly.
func TestDecoderVectorMatchesGo(t *testing.T) {
	if !hasVectorKernels {
		t.Skip("no vector kernels on this CPU/architecture")
	}
	for _, cfg := range []Config{{K: 1000, E: 2000, Qm: 2}, {K: 100, E: 300}, {K: 4000, E: 6000, BaseGraph: BG1}} {
		c, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		llr := benchLLRs(c, 1.0, 4) // near the waterfall: many iterations
		for _, alg := range []Algorithm{NormalizedMinSum, OffsetMinSum, MinSum} {
			for _, float := range []bool{true, false} {
				var outs [2][]byte
				var post [2][]float32
				var postQ [2][]int16
				var stats [2]Stats
				for i, vec := range []bool{true, false} {
					withKernels(vec, func() {
						dec, err := c.NewDecoder(DecoderConfig{Algorithm: alg, MaxIterations: 12, Float: float})
						if err != nil {
							t.Fatal(err)
						}
						outs[i], _ = dec.Decode(nil, llr)
						post[i] = slices.Clone(dec.l)
						if dec.q != nil {
							postQ[i] = slices.Clone(dec.q.l)
						}
						stats[i] = dec.Stats()
					})
				}
				if fixed := postQ[0] != nil; fixed == float {
					t.Fatalf("Float=%v but fixed-point state present=%v", float, fixed)
				}
				if !slices.Equal(outs[0], outs[1]) || !bitsEqual(post[0], post[1]) || !slices.Equal(postQ[0], postQ[1]) || stats[0] != stats[1] {
					t.Errorf("%v %v float=%v: vector and Go decoders differ (stats %+v vs %+v)", c, alg, float, stats[0], stats[1])
				}
			}
		}
	}
}

// TestDecodeDoesNotAllocate checks the zero-allocation hot path (convention 17).
func TestDecodeDoesNotAllocate(t *testing.T) {
	c, err := New(Config{K: 1000, E: 2000, Qm: 2})
	if err != nil {
		t.Fatal(err)
	}
	enc, dec := c.Encoder(), c.Decoder(NormalizedMinSum, 10)
	info := randBits(rand.New(rand.NewPCG(4, 4)), 2*c.K())
	coded := make([]byte, 0, enc.OutLen(len(info)))
	out := make([]byte, 0, dec.OutLen(len(coded)))
	llr := benchLLRs(c, units.DB(2), 2)
	if a := testing.AllocsPerRun(20, func() { coded, _ = enc.Encode(coded, info) }); a != 0 {
		t.Errorf("Encode: %v allocations per call, want 0", a)
	}
	if a := testing.AllocsPerRun(20, func() { out, _ = dec.Decode(out, llr) }); a != 0 {
		t.Errorf("Decode: %v allocations per call, want 0", a)
	}
}
