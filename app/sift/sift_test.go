package sift

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/hesemcom/hesemcom/app/paillier"
)

// TestScheduleSigmas checks the integer filters against Lowe's scale
// schedule σ_i = σ0·2^(i/s) (octave units) within 4%, and that each
// increment is centred (Σa = Σd/2, so the drift is a whole row).
func TestScheduleSigmas(t *testing.T) {
	geo := layout(256, 256, MaxOctaves)
	for o, g := range geo {
		for i := range Levels {
			want := Sigma0 * math.Pow(2, float64(i)/Intervals)
			if rel := math.Abs(g.Sigma[i]/want - 1); rel > 0.04 {
				t.Errorf("octave %d level %d: σ = %.3f, nominal %.3f (%.1f%%)", o, i, g.Sigma[i], want, 100*rel)
			}
		}
		if k := g.valueBits(); k > 126 {
			t.Errorf("octave %d needs %d-bit values, i128 holds 126", o, k)
		}
	}
	for i := range Levels {
		sa, sd := 0, 0
		for _, p := range passes(i) {
			sa += p.a
			sd += p.d
		}
		if sd%2 != 0 || 2*sa != sd {
			t.Errorf("increment %d not centred: Σd = %d, Σa = %d", i, sd, sa)
		}
	}
}

func TestI128(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for range 1000 {
		a := randBits(r, 110)
		b := randBits(r, 100)
		if r.IntN(2) == 0 {
			a.Neg(a)
		}
		x, y := i128FromBig(a), i128FromBig(b)
		if x.big().Cmp(a) != 0 {
			t.Fatalf("round trip %v", a)
		}
		if got := x.add(y).big(); got.Cmp(new(big.Int).Add(a, b)) != 0 {
			t.Fatalf("add %v + %v = %v", a, b, got)
		}
		if got := x.sub(y).big(); got.Cmp(new(big.Int).Sub(a, b)) != 0 {
			t.Fatalf("sub")
		}
		sh := uint(r.IntN(12))
		if got := y.shl(sh).big(); got.Cmp(new(big.Int).Lsh(b, sh)) != 0 {
			t.Fatalf("shl %d", sh)
		}
		f, _ := new(big.Float).SetInt(a).Float64()
		if got := x.float(20); math.Abs(got-math.Ldexp(f, -20)) > 1e-15*math.Abs(got) {
			t.Fatalf("float %v vs %v", got, math.Ldexp(f, -20))
		}
	}
}

// randBits returns a uniform integer in [0, 2^bits).
func randBits(r *rand.Rand, bits int) *big.Int {
	v := new(big.Int).SetUint64(r.Uint64())
	v.Lsh(v, 64).Or(v, new(big.Int).SetUint64(r.Uint64()))
	return v.Rsh(v, uint(128-bits))
}

// TestCausalFilterMatchesConvolution checks, away from the borders, that
// the causal vertical passes plus the recorded drift give exactly the
// centred separable convolution with the composite binomial-like kernel.
func TestCausalFilterMatchesConvolution(t *testing.T) {
	photo, _ := DefaultImage()
	img := crop(photo, 60, 60, 64, 64)
	geo := layout(img.W, img.H, 1)
	octs := integerScaleSpace(img, geo)
	// Composite 1-D kernel of increments 0..i as (offset → weight).
	kernel := map[int]int64{0: 1}
	for i := range Levels {
		for _, p := range passes(i) {
			next := map[int]int64{}
			for off, w := range kernel {
				next[off-p.a] += w
				next[off+p.d-p.a] += w
			}
			kernel = next
		}
		radius := 0
		for off := range kernel {
			radius = max(radius, abs(off))
		}
		for y := radius; y < img.H-radius; y++ {
			for x := radius; x < img.W-radius; x++ {
				var want int64
				for oy, wy := range kernel {
					for ox, wx := range kernel {
						want += wy * wx * (int64(img.Pix[(y+oy)*img.W+x+ox]) - pixelOffset)
					}
				}
				if got := octs[0].L[i].at(y+geo[0].Drift[i], x); got != i128From(want) {
					t.Fatalf("level %d (%d,%d): %v, want %d", i, x, y, got.big(), want)
				}
			}
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// TestBlob: a Gaussian blob of standard deviation s is detected at its
// centre with σ ≈ s (the scale-normalised Laplacian of a Gaussian blob
// peaks at σ = s; the DoG approximates it, Lowe §3).
func TestBlob(t *testing.T) {
	d, _ := New(Config{})
	for _, s := range []float64{3, 5} {
		const n = 96
		img := &Gray{W: n, H: n, Pix: make([]uint8, n*n)}
		c := 47.3
		for y := range n {
			for x := range n {
				r2 := (float64(x)-c)*(float64(x)-c) + (float64(y)-c)*(float64(y)-c)
				img.Pix[y*n+x] = uint8(math.Round(40 + 180*math.Exp(-r2/(2*s*s))))
			}
		}
		kps, err := d.Detect(img)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, k := range kps {
			if math.Hypot(k.X-c, k.Y-c) < 0.5 {
				found = true
				if rel := math.Abs(k.Scale/s - 1); rel > 0.2 {
					t.Errorf("blob σ=%v detected with scale %.2f", s, k.Scale)
				}
				if len(k.Descriptor) != 128 {
					t.Errorf("descriptor length %d", len(k.Descriptor))
				}
			}
		}
		if !found {
			t.Errorf("blob σ=%v at (%.1f, %.1f) not found among %d keypoints", s, c, c, len(kps))
		}
	}
}

func TestDescriptorNormalised(t *testing.T) {
	photo, _ := DefaultImage()
	d, _ := New(Config{})
	kps, _ := d.Detect(photo)
	if len(kps) < 50 {
		t.Fatalf("only %d keypoints on the photograph", len(kps))
	}
	for _, k := range kps {
		var s float64
		for _, v := range k.Descriptor {
			if v < 0 {
				t.Fatal("negative descriptor entry")
			}
			s += float64(v) * float64(v)
		}
		if math.Abs(s-1) > 1e-4 {
			t.Fatalf("descriptor norm² %v", s)
		}
		if k.Orientation < 0 || k.Orientation >= 2*math.Pi {
			t.Fatalf("orientation %v", k.Orientation)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	bad := []Config{
		{Octaves: -1}, {Octaves: MaxOctaves + 1}, {ContrastThreshold: -0.1},
		{ContrastThreshold: 1.5}, {EdgeRatio: 0.5}, {Border: 100}, {Border: -1},
	}
	for _, c := range bad {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
	d, _ := New(Config{})
	for _, img := range []*Gray{nil, {W: 8, H: 8, Pix: make([]uint8, 64)}, {W: 40, H: 40, Pix: make([]uint8, 10)}} {
		if _, err := d.Detect(img); !errors.Is(err, ErrImage) {
			t.Errorf("Detect(bad image) err = %v", err)
		}
	}
	d3, _ := New(Config{Octaves: 3})
	if _, err := d3.Detect(&Gray{W: 40, H: 40, Pix: make([]uint8, 1600)}); !errors.Is(err, ErrImage) {
		t.Errorf("3 octaves on 40x40 accepted: %v", err)
	}
}

func TestDecode(t *testing.T) {
	rgb := image.NewRGBA(image.Rect(0, 0, 3, 2))
	rgb.Set(1, 1, color.RGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	png.Encode(&buf, rgb)
	g, err := Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	// BT.601 luma of pure red: 0.299·255 ≈ 76 (image/color.GrayModel).
	if g.W != 3 || g.H != 2 || g.At(1, 1) != 76 || g.At(0, 0) != 0 {
		t.Fatalf("decoded %+v", g)
	}
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, rgb, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	if gj, err := Decode(&jb); err != nil || gj.W != 3 || gj.H != 2 {
		t.Fatalf("JPEG input: %v", err)
	}
	for name, b := range map[string][]byte{"empty": nil, "garbage": []byte("not an image"), "truncated png": buf.Bytes()[:20]} {
		if _, err := Decode(bytes.NewReader(b)); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(defaultPhoto[:200])
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4)))
	f.Add(buf.Bytes())
	f.Add([]byte("\xff\xd8\xff\xe0garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := Decode(bytes.NewReader(b))
		if err != nil {
			return
		}
		if len(g.Pix) != g.W*g.H {
			t.Fatalf("inconsistent image %dx%d with %d pixels", g.W, g.H, len(g.Pix))
		}
		d, _ := New(Config{})
		if g.W*g.H <= 1<<14 {
			d.Detect(g) // must not panic on any decodable image
		}
	})
}

func TestPlanFits2048(t *testing.T) {
	geo := layout(256, 256, MaxOctaves)
	for o := range MaxOctaves {
		p, err := plan(geo, o, paillier.Preset2048)
		if err != nil {
			t.Fatal(err)
		}
		if p.Slots*p.SlotBits > paillier.Preset2048-2 || p.Rows%(1<<o) != 0 {
			t.Fatalf("bad packing %+v", p)
		}
	}
	if _, err := plan(geo, 2, 512); err != nil {
		t.Fatalf("512-bit key: %v", err)
	}
}

// TestRepeatabilityMetric checks the metric on hand-made keypoint sets.
func TestRepeatabilityMetric(t *testing.T) {
	ref := []Keypoint{{X: 10, Y: 10, Scale: 2}, {X: 30, Y: 30, Scale: 2}, {X: 50, Y: 50, Scale: 4}, {X: 50, Y: 50, Scale: 4, Orientation: 1}}
	test := []Keypoint{{X: 10.5, Y: 10.5, Scale: 2.1}, {X: 30, Y: 32, Scale: 2}, {X: 50, Y: 50, Scale: 8}}
	rate, n := Repeatability(ref, test, Identity, 1, RepeatScaleOctaves, 100, 100, 0)
	if n != 3 || math.Abs(rate-1.0/3) > 1e-12 {
		t.Fatalf("rate %v over %d, want 1/3 over 3", rate, n)
	}
}

// TestRenderings checks the three ciphertext renderings on a 512-bit key:
// fresh randomness gives distinct ciphertexts for equal pixels; a reused
// randomiser gives one ciphertext per grey level; the monotone randomiser
// found by the search renders grey levels in order.
func TestRenderings(t *testing.T) {
	sk := testInsecureKey512(t)
	pk := sk.Public()
	rd := testReader(77)
	m := big.NewInt(100)
	rz, _ := pk.NewRandomizers(rd, 2, 1)
	a, _ := pk.EncryptWith(m, rz[0])
	b, _ := pk.EncryptWith(m, rz[1])
	c, _ := pk.EncryptWith(m, rz[0])
	if a.Equal(b) || !a.Equal(c) {
		t.Fatal("fresh randomness must differ, reused randomness must repeat")
	}
	rm, err := monotoneRandomizer(pk, rd, 2)
	if err != nil || rm == nil {
		t.Fatalf("no monotone randomiser found: %v", err)
	}
	prev := -1
	for v := range 256 {
		ct, _ := pk.EncryptWith(big.NewInt(int64(v)), rm)
		g := int(RenderCiphertext(pk, ct))
		if g < prev {
			t.Fatalf("rendering decreases at grey level %d: %d < %d", v, g, prev)
		}
		prev = g
	}
	first, _ := pk.EncryptWith(big.NewInt(0), rm)
	if span := prev - int(RenderCiphertext(pk, first)); span < 127 {
		t.Fatalf("monotone rendering spans only %d grey levels", span)
	}
}

// TestMergePlan: every merged group fits a slot (Σ widths ≤ k − 1 for two
// or more images, ≤ k for one), every
// image appears once, and octave 0 of a 256×256 image needs 4 grids, not 6.
func TestMergePlan(t *testing.T) {
	geo := layout(256, 256, MaxOctaves)
	for o := range geo {
		p, _ := plan(geo, o, paillier.Preset2048)
		parts := []int{0, 1, 2, 3, 4}
		if o == 0 {
			parts = append(parts, -1)
		}
		bins := mergePlan(geo[o], parts, p.SlotBits)
		seen := map[int]bool{}
		for _, b := range bins {
			sum := 0
			for _, part := range b {
				if seen[part] {
					t.Fatalf("octave %d: image %d merged twice", o, part)
				}
				seen[part] = true
				sum += partWidth(geo[o], part)
			}
			limit := p.SlotBits - 1 // merged values need one spare bit
			if len(b) == 1 {
				limit = p.SlotBits
			}
			if sum > limit {
				t.Fatalf("octave %d: group %v needs %d bits, slot has %d", o, b, sum, p.SlotBits)
			}
		}
		if len(seen) != len(parts) {
			t.Fatalf("octave %d: %d of %d images placed", o, len(seen), len(parts))
		}
		if o == 0 && len(bins) != 4 {
			t.Fatalf("octave 0: %d groups %v, want 4", len(bins), bins)
		}
	}
}
