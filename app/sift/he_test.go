package sift

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/hesemcom/hesemcom/app/paillier"
)

func testReader(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	return rand.NewChaCha8(s)
}

var (
	heKeyOnce sync.Once
	heKey     *paillier.PrivateKey
)

// testInsecureKey512 is a fixed 512-bit key: fast, and insecure by design.
func testInsecureKey512(t testing.TB) *paillier.PrivateKey {
	t.Helper()
	heKeyOnce.Do(func() {
		var err error
		if heKey, err = paillier.GenerateKey(testReader(5), paillier.TestInsecure512); err != nil {
			panic(err)
		}
	})
	return heKey
}

// crop returns the w×h window of img at (x0, y0).
func crop(img *Gray, x0, y0, w, h int) *Gray {
	out := &Gray{W: w, H: h, Pix: make([]uint8, w*h)}
	for y := range h {
		copy(out.Pix[y*w:(y+1)*w], img.Pix[(y0+y)*img.W+x0:])
	}
	return out
}

// TestEncryptedDoGExact checks that decrypting the homomorphically computed
// L_0 and DoG planes gives exactly the integers of the plaintext scale
// space, for every V row, including the rows beyond the image that the
// packing must keep free of wrap-around.
func TestEncryptedDoGExact(t *testing.T) {
	photo, err := DefaultImage()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		x0, y0, w, h  int
		octaves, work int
	}{
		{"32x32/2oct/1worker", 100, 40, 32, 32, 2, 1},
		{"30x26/2oct/3workers", 120, 30, 30, 26, 2, 3},
		{"40x40/3oct/2workers", 90, 60, 40, 40, 3, 2},
	}
	if testing.Short() {
		tests = tests[:1]
	}
	sk := testInsecureKey512(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := crop(photo, tt.x0, tt.y0, tt.w, tt.h)
			d, err := New(Config{Octaves: tt.octaves, Border: 3})
			if err != nil {
				t.Fatal(err)
			}
			geo := layout(img.W, img.H, tt.octaves)
			ref := integerScaleSpace(img, geo)
			res, err := d.EncryptedPyramid(context.Background(), sk, img, HEOptions{Workers: tt.work, Random: testReader(9)})
			if err != nil {
				t.Fatal(err)
			}
			for o := range ref {
				got := res.octs[o]
				cmp := func(name string, a, b plane) {
					t.Helper()
					if a.w != b.w {
						t.Fatalf("%s: width %d vs %d", name, a.w, b.w)
					}
					for row := range max(a.r, b.r) {
						for x := range a.w {
							if av, bv := a.at(row, x), b.at(row, x); av != bv {
								t.Fatalf("octave %d %s row %d col %d: encrypted %v, plaintext %v", o, name, row, x, av.big(), bv.big())
							}
						}
					}
				}
				cmp("L0", got.L[0], ref[o].L[0])
				for i := range DoGLevels {
					cmp("D"+string(rune('0'+i)), got.D[i], ref[o].D[i])
				}
				cmp("L5", got.L[5], ref[o].L[5])
			}
			want := d.DetectPyramid(pyramidFromInt(ref))
			gotK := d.DetectPyramid(res.Pyramid)
			if len(want) != len(gotK) {
				t.Fatalf("%d keypoints from the encrypted DoG, %d from plaintext", len(gotK), len(want))
			}
			for i := range want {
				if want[i].X != gotK[i].X || want[i].Y != gotK[i].Y || want[i].Scale != gotK[i].Scale {
					t.Fatalf("keypoint %d differs: %+v vs %+v", i, gotK[i], want[i])
				}
			}
			t.Logf("packings %+v, %d keypoints, %d decryptions", res.Stats.Packings, len(want), res.Stats.Decryptions)
		})
	}
}
