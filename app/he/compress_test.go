package he

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tuneinsight/lattigo/v5/he/hefloat"
	"github.com/tuneinsight/lattigo/v5/ring"
)

func TestPackRoundTrip(t *testing.T) {
	p := MustParams(testInsecureLogN10)
	r := rand.New(rand.NewPCG(1, 2))
	for _, b := range []int{2, 7, 17, 32, 33, 54, 63} {
		for _, polys := range []int{2, 3} {
			c, err := NewCompressed(p, 3, 10, b, polys)
			if err != nil {
				t.Fatal(err)
			}
			for i := range c.coeffs {
				c.coeffs[i] = r.Uint64() & (1<<b - 1)
			}
			packed := c.Pack(nil)
			if len(packed) != c.PackedLen() {
				t.Fatalf("bits %d: packed %d bytes, PackedLen %d", b, len(packed), c.PackedLen())
			}
			d, _ := NewCompressed(p, 3, 10, b, polys)
			if err := d.Unpack(packed); err != nil {
				t.Fatal(err)
			}
			if !equalU64(c.coeffs, d.coeffs) {
				t.Fatalf("bits %d polys %d: unpacked coefficients differ", b, polys)
			}
			if err := d.Unpack(packed[1:]); err == nil {
				t.Fatalf("bits %d: short input accepted", b)
			}
		}
	}
	for _, bad := range [][3]int{{1, 3, 10}, {64, 3, 10}, {20, 1, 10}, {20, 3, 0}, {20, 3, 513}} {
		if _, err := NewCompressed(p, 0, bad[2], bad[0], bad[1]); err == nil {
			t.Errorf("NewCompressed(bits %d, polys %d, images %d) accepted", bad[0], bad[1], bad[2])
		}
	}
}

func FuzzUnpack(f *testing.F) {
	p := MustParams(testInsecureLogN10)
	c, _ := NewCompressed(p, 0, 1, 13, 2)
	f.Add(make([]byte, c.PackedLen()))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := c.Unpack(b); err != nil {
			return
		}
		// Whatever the bytes, coefficients stay below 2^Bits and repack to the input.
		for _, v := range c.coeffs {
			if v >= 1<<13 {
				t.Fatalf("coefficient %d ≥ 2^13", v)
			}
		}
		if got := c.Pack(nil); len(b)*8-len(c.coeffs)*13 < 8 && !bytes.Equal(trimPad(got, len(c.coeffs)*13), trimPad(b, len(c.coeffs)*13)) {
			t.Fatal("repack differs")
		}
	})
}

// trimPad clears the padding bits after the first n bits.
func trimPad(b []byte, n int) []byte {
	out := append([]byte(nil), b...)
	if r := n % 8; r != 0 {
		out[len(out)-1] &= byte(1)<<r - 1
	}
	return out
}

func equalU64(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestCompressPrecision checks the modulus-switching noise against the
// formula of compress.go: decrypting the lifted features differs from
// decrypting the originals by real Gaussian-like noise of standard
// deviation σ_r·(Q/2^b)/Δ·√(N/2·(1 + h + ‖s²‖²)) (degree 2; degree 1 drops
// ‖s²‖²), σ_r² = 1/12, with h and ‖s²‖² computed from the secret key. The
// measured deviation over all N/2·196 slots must be within 10 % of it
// (the sample standard deviation over ≥ 10^5 values is far tighter; 10 %
// allows for the rounding of c·2^b/Q not being exactly uniform).
func TestCompressPrecision(t *testing.T) {
	p, kc, _, _, ft := smallSetup(t)
	ks, err := kc.lookup(ft.KeyID())
	if err != nil {
		t.Fatal(err)
	}
	ringQ := p.p.RingQ().AtLevel(circuitLevel)
	s := ringQ.NewPoly()
	ringQ.IMForm(ks.sk.Value.Q, s) // the secret is stored in NTT and Montgomery form
	ringQ.INTT(s, s)
	s2 := ringQ.NewPoly()
	ringQ.MulCoeffsMontgomery(ks.sk.Value.Q, ks.sk.Value.Q, s2) // NTT domain: s·s/R
	ringQ.IMForm(s2, s2)
	ringQ.INTT(s2, s2)
	h, s2norm := centredNorm(s, p.p.Q()[0]), centredNorm(s2, p.p.Q()[0])
	N := float64(p.p.N())
	t.Logf("N %v, h %v, ‖s²‖² %v, log2(Q/Δ) %.2f", N, h, s2norm, p.LogHeadroom())

	ecd := hefloat.NewEncoder(p.p)
	decode := func(ft *Tensor) [][]float64 {
		out := make([][]float64, Features)
		pt := hefloat.NewPlaintext(p.p, circuitLevel)
		for f, ct := range ft.cts {
			ks.dec.Decrypt(ct, pt)
			out[f] = make([]float64, p.Slots())
			if err := ecd.Decode(pt, out[f]); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	ref := decode(ft)
	rk, err := kc.RelinKey(ft.KeyID())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		bits  int
		relin bool
	}{{48, false}, {56, false}, {40, true}, {48, true}} {
		cfg := CompressConfig{Bits: tc.bits}
		terms := 1 + h + s2norm
		if tc.relin {
			cfg.Relinearize = rk
			terms = 1 + h
		}
		c, err := ft.Compress(nil, cfg)
		if err != nil {
			t.Fatal(err)
		}
		// Through the packed bytes, as on the air.
		d, err := NewCompressed(p, c.KeyID(), c.Images(), c.Bits(), c.Polys())
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Unpack(c.Pack(nil)); err != nil {
			t.Fatal(err)
		}
		lt, err := d.Lift(nil)
		if err != nil {
			t.Fatal(err)
		}
		got := decode(lt)
		var sq float64
		var n int
		for f := range got {
			for j := range got[f] {
				e := got[f][j] - ref[f][j]
				sq += e * e
				n++
			}
		}
		meas := math.Sqrt(sq / float64(n))
		want := math.Sqrt(1.0/12) * math.Exp2(p.LogHeadroom()+float64(p.LogScaleFeatures())-float64(tc.bits)) /
			math.Exp2(float64(p.LogScaleFeatures())) * math.Sqrt(N/2*terms)
		t.Logf("bits %d relin %v: slot noise %.3e (theory %.3e), %d polys", tc.bits, tc.relin, meas, want, c.Polys())
		if math.Abs(meas/want-1) > 0.1 {
			t.Errorf("bits %d relin %v: slot noise %.3e, theory %.3e", tc.bits, tc.relin, meas, want)
		}
	}
	if _, err := ft.Compress(nil, CompressConfig{Bits: 64}); err == nil {
		t.Error("64 bits accepted")
	}
}

// centredNorm returns Σ x_i² over the coefficients of the first residue,
// centred in (−q/2, q/2].
func centredNorm(x ring.Poly, q uint64) float64 {
	var s float64
	for _, v := range x.Coeffs[0] {
		c := float64(v)
		if v > q/2 {
			c = -float64(q - v)
		}
		s += c * c
	}
	return s
}

// TestCoefficientNoiseFormula checks issue 9's hybrid-transport formula:
// Gaussian noise of standard deviation σ (in units of the coefficient
// modulus Q) on the coefficients of (c0, c1) of a degree-1 ciphertext comes
// out of decryption as slot noise σ·√(N(1+h)/2)/Δ, and σ·√(N/2)/Δ with
// noise on c0 only. The noise enters through the compressed representation
// with F extra fractional bits (v·2^F + round(n·2^F)), so rounding adds
// σ_r = 2^-F/√12 per coefficient, negligible next to σ here.
func TestCoefficientNoiseFormula(t *testing.T) {
	p, kc, _, _, ft := smallSetup(t)
	ks, err := kc.lookup(ft.KeyID())
	if err != nil {
		t.Fatal(err)
	}
	ringQ := p.p.RingQ().AtLevel(circuitLevel)
	s := ringQ.NewPoly()
	ringQ.IMForm(ks.sk.Value.Q, s)
	ringQ.INTT(s, s)
	h := centredNorm(s, p.p.Q()[0])
	rk, err := kc.RelinKey(ft.KeyID())
	if err != nil {
		t.Fatal(err)
	}
	const bitsKept, frac = 52, 8
	c, err := ft.Compress(nil, CompressConfig{Bits: bitsKept + frac, Relinearize: rk})
	if err != nil {
		t.Fatal(err)
	}
	ecd := hefloat.NewEncoder(p.p)
	decode := func(ft *Tensor) [][]float64 {
		out := make([][]float64, Features)
		pt := hefloat.NewPlaintext(p.p, circuitLevel)
		for f, ct := range ft.cts {
			ks.dec.Decrypt(ct, pt)
			out[f] = make([]float64, p.Slots())
			if err := ecd.Decode(pt, out[f]); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	base, err := c.Lift(nil)
	if err != nil {
		t.Fatal(err)
	}
	ref := decode(base)
	N := float64(p.p.N())
	// σ = 4 units of 2^-bitsKept·Q: the coefficient noise of a hybrid
	// transport whose analog part carries the lowest bits.
	const sigmaUnits = 4.0
	r := rand.New(rand.NewPCG(5, 6))
	for _, both := range []bool{false, true} {
		d, _ := NewCompressed(p, c.KeyID(), c.Images(), c.Bits(), c.Polys())
		copy(d.coeffs, c.coeffs)
		mask := uint64(1)<<d.bits - 1
		n := p.p.N()
		for f := range Features {
			for i := range 2 {
				if i == 1 && !both {
					continue
				}
				co := d.coeffs[(f*2+i)*n : (f*2+i+1)*n]
				for j := range co {
					e := int64(math.Round(r.NormFloat64() * sigmaUnits * (1 << frac)))
					co[j] = uint64(int64(co[j])+e) & mask
				}
			}
		}
		lt, err := d.Lift(nil)
		if err != nil {
			t.Fatal(err)
		}
		got := decode(lt)
		var sq float64
		var cnt int
		for f := range got {
			for j := range got[f] {
				e := got[f][j] - ref[f][j]
				sq += e * e
				cnt++
			}
		}
		meas := math.Sqrt(sq / float64(cnt))
		terms := 1.0
		if both {
			terms += h
		}
		want := sigmaUnits * math.Exp2(p.LogHeadroom()-bitsKept) * math.Sqrt(N*terms/2)
		t.Logf("noise on c0%s: slot noise %.4e, formula %.4e", map[bool]string{true: " and c1"}[both], meas, want)
		if math.Abs(meas/want-1) > 0.05 {
			t.Errorf("both=%v: slot noise %.4e, formula σ√(N(1+h)/2)/Δ gives %.4e", both, meas, want)
		}
	}
}
