package sift

import (
	"math"
	"sort"
)

// Pyramid is the floating-point view of the scale space that detection and
// description work on: intensities in [0, 1] (pixel/255).
type Pyramid struct {
	Octaves []Octave
}

// Octave is one octave of a Pyramid.
type Octave struct {
	W, H  int
	Step  int                  // input pixels per octave pixel: 2^octave
	Sigma [Levels]float64      // σ of each Gaussian level, octave pixels
	L     [Levels][]float64    // Gaussian images, row-major W×H
	D     [DoGLevels][]float64 // DoG images D_i = L_{i+1} − L_i
}

// Keypoint is a SIFT keypoint in input-image coordinates.
type Keypoint struct {
	X float64 `json:"x"` // column, input pixels (pixel centres at integers)
	Y float64 `json:"y"` // row, input pixels (y grows downwards)
	// Scale is the keypoint σ in input pixels.
	Scale float64 `json:"scale"`
	// Orientation is the dominant gradient direction in radians, [0, 2π),
	// measured from +x towards +y (image coordinates).
	Orientation float64 `json:"orientation"`
	Octave      int     `json:"octave"`
	// Level is the interpolated DoG level within the octave (1 ≤ Level ≤ 3 nominal).
	Level float64 `json:"level"`
	// Response is |D(x̂)| at the interpolated extremum (intensity units).
	Response float64 `json:"response"`
	// Descriptor is the 128-D descriptor (4×4 cells × 8 orientations),
	// unit length after clamping at 0.2 (Lowe 2004, §6.1).
	Descriptor []float32 `json:"-"`
}

// pyramidFromInt converts the integer scale space to intensities in [0, 1]:
// value/2^bits/255, with the centring offset added back to the L images.
func pyramidFromInt(octs []intOctave) *Pyramid {
	p := &Pyramid{Octaves: make([]Octave, len(octs))}
	for o, oc := range octs {
		g := oc.geo
		out := &p.Octaves[o]
		out.W, out.H, out.Step, out.Sigma = g.W, g.H, 1<<o, g.Sigma
		for i := range Levels {
			out.L[i] = make([]float64, g.W*g.H)
			for y := range g.H {
				for x := range g.W {
					out.L[i][y*g.W+x] = (oc.L[i].at(y+g.Drift[i], x).float(g.Bits[i]) + pixelOffset) / 255
				}
			}
		}
		for i := range DoGLevels {
			out.D[i] = make([]float64, g.W*g.H)
			for y := range g.H {
				for x := range g.W {
					out.D[i][y*g.W+x] = oc.D[i].at(y+g.Drift[i+1], x).float(g.Bits[i+1]) / 255
				}
			}
		}
	}
	return p
}

// Pyramid builds the scale space of img (exact integer filters, see the
// package documentation).
func (d *Detector) Pyramid(img *Gray) (*Pyramid, error) {
	if img == nil || img.W <= 0 || img.H <= 0 || len(img.Pix) != img.W*img.H {
		return nil, ErrImage
	}
	n, err := d.octaves(img.W, img.H)
	if err != nil {
		return nil, err
	}
	return pyramidFromInt(integerScaleSpace(img, layout(img.W, img.H, n))), nil
}

// Detect finds the SIFT keypoints of img with orientations and descriptors,
// sorted by position.
func (d *Detector) Detect(img *Gray) ([]Keypoint, error) {
	p, err := d.Pyramid(img)
	if err != nil {
		return nil, err
	}
	return d.DetectPyramid(p), nil
}

// DetectPyramid runs extrema detection, refinement, orientation assignment
// and description on a ready scale space (for example one decrypted from
// the encrypted-domain DoG).
func (d *Detector) DetectPyramid(p *Pyramid) []Keypoint {
	var kps []Keypoint
	for o := range p.Octaves {
		oc := &p.Octaves[o]
		for s := 1; s <= Intervals; s++ {
			for y := d.cfg.Border; y < oc.H-d.cfg.Border; y++ {
				for x := d.cfg.Border; x < oc.W-d.cfg.Border; x++ {
					if !d.isExtremum(oc, s, x, y) {
						continue
					}
					kp, ok := d.refine(oc, o, s, x, y)
					if !ok {
						continue
					}
					for _, ori := range orientations(oc, &kp) {
						k := kp
						k.Orientation = ori
						k.Descriptor = descriptor(oc, &k)
						kps = append(kps, k)
					}
				}
			}
		}
	}
	sort.SliceStable(kps, func(i, j int) bool {
		a, b := kps[i], kps[j]
		if a.Y != b.Y {
			return a.Y < b.Y
		}
		if a.X != b.X {
			return a.X < b.X
		}
		if a.Scale != b.Scale {
			return a.Scale < b.Scale
		}
		return a.Orientation < b.Orientation
	})
	// Refinement can move neighbouring extrema to the same point: keep one
	// (as OpenCV's KeyPointsFilter::removeDuplicated does).
	out := kps[:0]
	for i, k := range kps {
		if i > 0 {
			p := out[len(out)-1]
			if p.X == k.X && p.Y == k.Y && p.Scale == k.Scale && p.Orientation == k.Orientation {
				continue
			}
		}
		out = append(out, k)
	}
	return out
}

func (oc *Octave) dog(s, x, y int) float64 { return oc.D[s][y*oc.W+x] }

// isExtremum: |D| above half the contrast threshold (a pre-filter; the
// interpolated value is never smaller in magnitude) and strictly above or
// below all 26 neighbours in space and scale (Lowe §3.1).
func (d *Detector) isExtremum(oc *Octave, s, x, y int) bool {
	v := oc.dog(s, x, y)
	if math.Abs(v) <= 0.5*d.cfg.ContrastThreshold {
		return false
	}
	for ds := -1; ds <= 1; ds++ {
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				if ds == 0 && dy == 0 && dx == 0 {
					continue
				}
				n := oc.dog(s+ds, x+dx, y+dy)
				if (v > 0 && n >= v) || (v < 0 && n <= v) {
					return false
				}
			}
		}
	}
	return true
}

// refine fits a 3-D quadratic to D around (x, y, s) and moves to the
// neighbouring sample while an offset exceeds 0.5 (at most 5 steps), then
// applies the contrast and edge tests (Lowe §4, §4.1).
func (d *Detector) refine(oc *Octave, o, s, x, y int) (Keypoint, bool) {
	const maxSteps = 5 // as in Lowe's and OpenCV's implementations
	var off [3]float64
	var grad [3]float64
	converged := false
	for range maxSteps {
		grad = [3]float64{
			(oc.dog(s, x+1, y) - oc.dog(s, x-1, y)) / 2,
			(oc.dog(s, x, y+1) - oc.dog(s, x, y-1)) / 2,
			(oc.dog(s+1, x, y) - oc.dog(s-1, x, y)) / 2,
		}
		v2 := 2 * oc.dog(s, x, y)
		dxx := oc.dog(s, x+1, y) + oc.dog(s, x-1, y) - v2
		dyy := oc.dog(s, x, y+1) + oc.dog(s, x, y-1) - v2
		dss := oc.dog(s+1, x, y) + oc.dog(s-1, x, y) - v2
		dxy := (oc.dog(s, x+1, y+1) - oc.dog(s, x-1, y+1) - oc.dog(s, x+1, y-1) + oc.dog(s, x-1, y-1)) / 4
		dxs := (oc.dog(s+1, x+1, y) - oc.dog(s+1, x-1, y) - oc.dog(s-1, x+1, y) + oc.dog(s-1, x-1, y)) / 4
		dys := (oc.dog(s+1, x, y+1) - oc.dog(s+1, x, y-1) - oc.dog(s-1, x, y+1) + oc.dog(s-1, x, y-1)) / 4
		h := [3][3]float64{{dxx, dxy, dxs}, {dxy, dyy, dys}, {dxs, dys, dss}}
		sol, ok := solve3(h, [3]float64{-grad[0], -grad[1], -grad[2]})
		if !ok {
			return Keypoint{}, false
		}
		off = sol
		if math.Abs(off[0]) < 0.5 && math.Abs(off[1]) < 0.5 && math.Abs(off[2]) < 0.5 {
			converged = true
			break
		}
		if math.Abs(off[0]) > 1e6 || math.Abs(off[1]) > 1e6 || math.Abs(off[2]) > 1e6 {
			return Keypoint{}, false
		}
		x += int(math.Round(off[0]))
		y += int(math.Round(off[1]))
		s += int(math.Round(off[2]))
		if s < 1 || s > Intervals || x < d.cfg.Border || x >= oc.W-d.cfg.Border || y < d.cfg.Border || y >= oc.H-d.cfg.Border {
			return Keypoint{}, false
		}
	}
	if !converged {
		return Keypoint{}, false
	}
	contrast := oc.dog(s, x, y) + 0.5*(grad[0]*off[0]+grad[1]*off[1]+grad[2]*off[2])
	if math.Abs(contrast) < d.cfg.ContrastThreshold {
		return Keypoint{}, false
	}
	v2 := 2 * oc.dog(s, x, y)
	dxx := oc.dog(s, x+1, y) + oc.dog(s, x-1, y) - v2
	dyy := oc.dog(s, x, y+1) + oc.dog(s, x, y-1) - v2
	dxy := (oc.dog(s, x+1, y+1) - oc.dog(s, x-1, y+1) - oc.dog(s, x+1, y-1) + oc.dog(s, x-1, y-1)) / 4
	tr, det := dxx+dyy, dxx*dyy-dxy*dxy
	r := d.cfg.EdgeRatio
	if det <= 0 || tr*tr*r >= (r+1)*(r+1)*det {
		return Keypoint{}, false
	}
	level := float64(s) + off[2]
	ratio := oc.Sigma[s+1] / oc.Sigma[s]
	sigma := oc.Sigma[s] * math.Pow(ratio, off[2])
	step := float64(oc.Step)
	return Keypoint{
		X: (float64(x) + off[0]) * step, Y: (float64(y) + off[1]) * step,
		Scale: sigma * step, Octave: o, Level: level, Response: math.Abs(contrast),
	}, true
}

// solve3 solves h·x = b by Cramer's rule; false if h is singular.
func solve3(h [3][3]float64, b [3]float64) ([3]float64, bool) {
	det := h[0][0]*(h[1][1]*h[2][2]-h[1][2]*h[2][1]) -
		h[0][1]*(h[1][0]*h[2][2]-h[1][2]*h[2][0]) +
		h[0][2]*(h[1][0]*h[2][1]-h[1][1]*h[2][0])
	if math.Abs(det) < 1e-300 || math.IsNaN(det) {
		return [3]float64{}, false
	}
	var x [3]float64
	for c := range 3 {
		m := h
		for r := range 3 {
			m[r][c] = b[r]
		}
		x[c] = (m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) -
			m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) +
			m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])) / det
	}
	return x, true
}

// levelSigma returns the Gaussian level nearest the keypoint and the
// keypoint σ in octave pixels.
func levelSigma(oc *Octave, kp *Keypoint) (int, float64) {
	li := min(max(int(math.Round(kp.Level)), 0), Levels-1)
	return li, kp.Scale / float64(oc.Step)
}

// orientations returns the dominant gradient directions at kp: a 36-bin
// histogram over a window of radius 3·1.5σ weighted by a Gaussian of 1.5σ,
// smoothed, with every peak within 80% of the maximum (Lowe §5), each
// refined by a parabola through the peak and its neighbours.
func orientations(oc *Octave, kp *Keypoint) []float64 {
	const bins = 36
	li, sigma := levelSigma(oc, kp)
	L := oc.L[li]
	sw := 1.5 * sigma
	radius := int(math.Round(3 * sw))
	cx, cy := int(math.Round(kp.X/float64(oc.Step))), int(math.Round(kp.Y/float64(oc.Step)))
	var hist [bins]float64
	for dy := -radius; dy <= radius; dy++ {
		y := cy + dy
		if y <= 0 || y >= oc.H-1 {
			continue
		}
		for dx := -radius; dx <= radius; dx++ {
			x := cx + dx
			if x <= 0 || x >= oc.W-1 {
				continue
			}
			gx := L[y*oc.W+x+1] - L[y*oc.W+x-1]
			gy := L[(y+1)*oc.W+x] - L[(y-1)*oc.W+x]
			w := math.Exp(-float64(dx*dx+dy*dy) / (2 * sw * sw))
			ang := math.Atan2(gy, gx)
			b := int(math.Round(ang/(2*math.Pi)*bins)) % bins
			if b < 0 {
				b += bins
			}
			hist[b] += w * math.Hypot(gx, gy)
		}
	}
	// Smoothing with the binomial kernel [1 4 6 4 1]/16 (OpenCV's SIFT).
	var sm [bins]float64
	for i := range bins {
		at := func(k int) float64 { return hist[(i+k+bins)%bins] }
		sm[i] = (at(-2)+at(2))/16 + (at(-1)+at(1))*4/16 + at(0)*6/16
	}
	peak := 0.0
	for _, v := range sm {
		peak = max(peak, v)
	}
	var oris []float64
	if peak <= 0 {
		return []float64{0}
	}
	for i := range bins {
		l, c, r := sm[(i+bins-1)%bins], sm[i], sm[(i+1)%bins]
		if c > l && c > r && c >= 0.8*peak {
			b := float64(i) + 0.5*(l-r)/(l-2*c+r)
			ang := b / bins * 2 * math.Pi
			ang = math.Mod(ang+2*math.Pi, 2*math.Pi)
			oris = append(oris, ang)
		}
	}
	if len(oris) == 0 {
		oris = append(oris, 0)
	}
	return oris
}

// descriptor computes the 4×4×8 descriptor of kp over a rotated window of
// cells 3σ wide, with a Gaussian weight of half the window width, trilinear
// interpolation into the bins, normalisation, clamping at 0.2 and
// renormalisation (Lowe §6.1; layout as in OpenCV's calcSIFTDescriptor).
func descriptor(oc *Octave, kp *Keypoint) []float32 {
	const d, n = 4, 8
	li, sigma := levelSigma(oc, kp)
	L := oc.L[li]
	histW := 3 * sigma
	radius := int(math.Round(histW * math.Sqrt2 * (d + 1) * 0.5))
	radius = min(radius, int(math.Hypot(float64(oc.W), float64(oc.H))))
	cosT, sinT := math.Cos(kp.Orientation), math.Sin(kp.Orientation)
	px, py := kp.X/float64(oc.Step), kp.Y/float64(oc.Step)
	cx, cy := int(math.Round(px)), int(math.Round(py))
	var hist [(d + 2) * (d + 2) * (n + 2)]float64
	idx := func(r, c, o int) int { return (r*(d+2)+c)*(n+2) + o }
	for i := -radius; i <= radius; i++ {
		for j := -radius; j <= radius; j++ {
			x, y := cx+j, cy+i
			if x <= 0 || x >= oc.W-1 || y <= 0 || y >= oc.H-1 {
				continue
			}
			// Offsets from the true (sub-pixel) centre, rotated by −θ.
			ox, oy := float64(x)-px, float64(y)-py
			xr := (ox*cosT + oy*sinT) / histW
			yr := (-ox*sinT + oy*cosT) / histW
			rbin, cbin := yr+d/2-0.5, xr+d/2-0.5
			if rbin <= -1 || rbin >= d || cbin <= -1 || cbin >= d {
				continue
			}
			gx := L[y*oc.W+x+1] - L[y*oc.W+x-1]
			gy := L[(y+1)*oc.W+x] - L[(y-1)*oc.W+x]
			ang := math.Atan2(gy, gx) - kp.Orientation
			ang = math.Mod(ang+4*math.Pi, 2*math.Pi)
			obin := ang / (2 * math.Pi) * n
			w := math.Exp(-(xr*xr + yr*yr) / (2 * (d / 2.0) * (d / 2.0)))
			mag := w * math.Hypot(gx, gy)
			r0, c0, o0 := int(math.Floor(rbin)), int(math.Floor(cbin)), int(math.Floor(obin))
			fr, fc, fo := rbin-float64(r0), cbin-float64(c0), obin-float64(o0)
			o0 = ((o0 % n) + n) % n
			for a := range 2 {
				wr := mag * (1 - fr)
				if a == 1 {
					wr = mag * fr
				}
				for b := range 2 {
					wc := wr * (1 - fc)
					if b == 1 {
						wc = wr * fc
					}
					for c := range 2 {
						wo := wc * (1 - fo)
						if c == 1 {
							wo = wc * fo
						}
						hist[idx(r0+1+a, c0+1+b, (o0+c)%n)] += wo
					}
				}
			}
		}
	}
	desc := make([]float32, 0, d*d*n)
	for r := range d {
		for c := range d {
			for o := range n {
				desc = append(desc, float32(hist[idx(r+1, c+1, o)]))
			}
		}
	}
	normalise(desc)
	for i, v := range desc {
		desc[i] = min(v, 0.2) // Lowe §6.1: limit the influence of large gradients
	}
	normalise(desc)
	return desc
}

func normalise(v []float32) {
	s := 0.0
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= inv
	}
}
