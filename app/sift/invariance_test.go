package sift

import (
	"image"
	"math"
	"testing"

	"golang.org/x/image/draw"
	"golang.org/x/image/math/f64"
)

// warp resamples img with Catmull–Rom through the affine map (continuous
// coordinates, pixel centres at +0.5) dst = A·src + b into a w×h image.
func warp(img *Gray, a [4]float64, b [2]float64, w, h int) *Gray {
	dst := image.NewGray(image.Rect(0, 0, w, h))
	s2d := f64.Aff3{a[0], a[1], b[0], a[2], a[3], b[1]}
	draw.CatmullRom.Transform(dst, s2d, img.Image(), image.Rect(0, 0, img.W, img.H), draw.Src, nil)
	out, _ := FromImage(dst)
	return out
}

// affineTransform maps keypoint coordinates (pixel centres at integers).
func affineTransform(a [4]float64, b [2]float64) Transform {
	scale := math.Sqrt(math.Abs(a[0]*a[3] - a[1]*a[2]))
	return Transform{
		Map: func(x, y float64) (float64, float64) {
			u, v := x+0.5, y+0.5
			return a[0]*u + a[1]*v + b[0] - 0.5, a[2]*u + a[3]*v + b[1] - 0.5
		},
		Scale: scale,
	}
}

func rotation(theta float64, w, h int) ([4]float64, [2]float64) {
	c, s := math.Cos(theta), math.Sin(theta)
	cx, cy := float64(w)/2, float64(h)/2
	a := [4]float64{c, -s, s, c}
	return a, [2]float64{cx - (c*cx - s*cy), cy - (s*cx + c*cy)}
}

// inDisc keeps keypoints within radius r of the image centre: the region
// that stays inside the frame under any rotation about the centre.
func inDisc(kps []Keypoint, w, h int, r float64) []Keypoint {
	var out []Keypoint
	for _, k := range kps {
		if math.Hypot(k.X-float64(w-1)/2, k.Y-float64(h-1)/2) <= r {
			out = append(out, k)
		}
	}
	return out
}

// TestInvariance measures keypoint repeatability and descriptor matching of
// the detector on the default photograph under rotation, scaling and a
// brightness/contrast change, resampled with Catmull–Rom.
//
// Thresholds. Lowe (2004, Fig. 8–9 and §8) reports about 80% repeatability
// of location and scale under rotation/affine change and similar matching
// rates with image doubling; Mikolajczyk et al. (IJCV 65, 2005) report
// 40–70% for DoG/SIFT-like detectors under moderate scale change. Our
// detector has no image doubling and a binomial rather than a Gaussian
// kernel, and each rate here is a proportion over about 50–100 keypoints,
// whose binomial standard error is ≈ 5 percentage points. The thresholds are
// the rates measured at this commit (brightness 0.76/0.79, rotate90
// 0.95/0.90, rotate30 0.79/0.73, scale0.75 0.50/0.45; logged) minus three
// standard errors, and are far above chance (≤ 1% for a 2-px disc, see
// chanceRepeatability): a broken orientation, descriptor or scale
// computation drops these rates to a few percent.
func TestInvariance(t *testing.T) {
	photo, err := DefaultImage()
	if err != nil {
		t.Fatal(err)
	}
	d, _ := New(Config{})
	ref, err := d.Detect(photo)
	if err != nil {
		t.Fatal(err)
	}
	w, h := photo.W, photo.H
	const tol = 2.0 // px: resampling moves extrema by up to ~1 px (Lowe §4 refines to sub-pixel)
	// Scale tolerance: half an octave (1.5 DoG levels). Resampling adds its
	// own blur (Catmull–Rom antialiasing when shrinking), which the detector
	// cannot know, so small features shift by about a quarter octave in
	// scale (measured on scale0.75); the Fig. 2 metric keeps 1/6 octave.
	const scaleTol = 0.5
	type tc struct {
		name             string
		a                [4]float64
		b                [2]float64
		ow, oh           int
		bright           bool
		discR            float64
		minRep, minMatch float64
	}
	rotA, rotB := rotation(30*math.Pi/180, w, h)
	rot90A, rot90B := rotation(math.Pi/2, w, h)
	tests := []tc{
		{name: "brightness0.8x+30", a: [4]float64{1, 0, 0, 1}, ow: w, oh: h, bright: true, discR: 1e9, minRep: 0.62, minMatch: 0.66},
		{name: "rotate90", a: rot90A, b: rot90B, ow: w, oh: h, discR: 1e9, minRep: 0.88, minMatch: 0.80},
		{name: "rotate30", a: rotA, b: rotB, ow: w, oh: h, discR: float64(w)/2 - 12, minRep: 0.65, minMatch: 0.58},
		{name: "scale0.75", a: [4]float64{0.75, 0, 0, 0.75}, ow: w * 3 / 4, oh: h * 3 / 4, discR: 1e9, minRep: 0.34, minMatch: 0.29},
	}
	if testing.Short() {
		tests = tests[:2]
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var img *Gray
			if tt.bright {
				img = &Gray{W: w, H: h, Pix: make([]uint8, w*h)}
				for i, v := range photo.Pix {
					img.Pix[i] = uint8(min(255, math.Round(0.8*float64(v)+30)))
				}
			} else {
				img = warp(photo, tt.a, tt.b, tt.ow, tt.oh)
			}
			got, err := d.Detect(img)
			if err != nil {
				t.Fatal(err)
			}
			tr := affineTransform(tt.a, tt.b)
			r := inDisc(ref, w, h, tt.discR)
			rep, n := Repeatability(r, got, tr, tol, scaleTol, img.W, img.H, 6)
			match := MatchRate(r, got, tr, MatchRatio, tol)
			t.Logf("%s: %d reference keypoints counted, %d detected; repeatability %.2f, match rate %.2f", tt.name, n, len(got), rep, match)
			if n < 20 {
				t.Fatalf("only %d reference keypoints in the frame", n)
			}
			if rep < tt.minRep || match < tt.minMatch {
				t.Errorf("repeatability %.2f (min %.2f), match rate %.2f (min %.2f)", rep, tt.minRep, match, tt.minMatch)
			}
		})
	}
}
