package sift

// plane is an image of exact integers in V rows (see geometry): r rows of w.
type plane struct {
	w, r int
	v    []i128
}

func newPlane(w, r int) plane { return plane{w: w, r: r, v: make([]i128, w*r)} }

func (p plane) at(row, x int) i128 {
	if row < 0 || row >= p.r || x < 0 || x >= p.w {
		return i128{}
	}
	return p.v[row*p.w+x]
}

// filterX applies out(x) = in(x−a) + in(x+d−a) along rows, zero outside [0, w).
func (p plane) filterX(ps pass) plane {
	out := newPlane(p.w, p.r)
	for row := range p.r {
		for x := range p.w {
			out.v[row*p.w+x] = p.at(row, x-ps.a).add(p.at(row, x+ps.d-ps.a))
		}
	}
	return out
}

// filterY applies the causal out(v) = in(v) + in(v−d) down columns (zero
// above row 0); it equals the centred filter of filterX up to a shift of
// d − a rows, which the geometry's drift accounts for.
func (p plane) filterY(ps pass) plane {
	out := newPlane(p.w, p.r)
	for row := range p.r {
		for x := range p.w {
			out.v[row*p.w+x] = p.at(row, x).add(p.at(row-ps.d, x))
		}
	}
	return out
}

// blur applies increment i (its passes in x then y).
func (p plane) blur(i int) plane {
	for _, ps := range passes(i) {
		p = p.filterX(ps).filterY(ps)
	}
	return p
}

// dog returns next − 2^b·prev(v − δ): the DoG at the scale of next.
func dog(next, prev plane, b, delta int) plane {
	out := newPlane(next.w, next.r)
	for row := range next.r {
		for x := range next.w {
			out.v[row*next.w+x] = next.at(row, x).sub(prev.at(row-delta, x).shl(uint(b)))
		}
	}
	return out
}

// downsample keeps V rows 2j+phase and even columns.
func (p plane) downsample(phase, rows int) plane {
	w := (p.w + 1) / 2
	out := newPlane(w, rows)
	for j := range rows {
		for x := range w {
			out.v[j*w+x] = p.at(2*j+phase, 2*x)
		}
	}
	return out
}

// intOctave is one octave of the exact integer scale space.
type intOctave struct {
	geo geometry
	L   [Levels]plane
	D   [DoGLevels]plane
}

// inputPlane places the centred image in V rows [0, h) of a plane of rows rows.
func inputPlane(img *Gray, rows int) plane {
	p := newPlane(img.W, rows)
	for y := range img.H {
		for x := range img.W {
			p.v[y*img.W+x] = i128From(int64(img.Pix[y*img.W+x]) - pixelOffset)
		}
	}
	return p
}

// integerScaleSpace computes the exact integer scale space of img: the
// plaintext reference that the encrypted pipeline must reproduce bit for bit.
func integerScaleSpace(img *Gray, geo []geometry) []intOctave {
	octs := make([]intOctave, len(geo))
	var base plane
	for o := range geo {
		g := geo[o]
		oc := &octs[o]
		oc.geo = g
		if o == 0 {
			oc.L[0] = inputPlane(img, g.Extent).blur(0)
		} else {
			oc.L[0] = base
		}
		for i := 1; i < Levels; i++ {
			oc.L[i] = oc.L[i-1].blur(i)
			oc.D[i-1] = dog(oc.L[i], oc.L[i-1], 2*len(increments[i]), g.Drift[i]-g.Drift[i-1])
		}
		if o+1 < len(geo) {
			next := geo[o+1]
			base = oc.L[3].downsample(next.Phase, next.Extent)
		}
	}
	return octs
}

// reconstruct rebuilds L_1..L_5 of an octave from L_0 and the DoGs:
// L_{i+1}(v) = D_i(v) + 2^b·L_i(v − δ), exactly.
func reconstruct(oc *intOctave) {
	for i := 1; i < Levels; i++ {
		b, delta := 2*len(increments[i]), oc.geo.Drift[i]-oc.geo.Drift[i-1]
		d, prev := oc.D[i-1], oc.L[i-1]
		out := newPlane(d.w, d.r)
		for row := range d.r {
			for x := range d.w {
				out.v[row*d.w+x] = d.at(row, x).add(prev.at(row-delta, x).shl(uint(b)))
			}
		}
		oc.L[i] = out
	}
}
