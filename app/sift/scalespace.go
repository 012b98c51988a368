package sift

import (
	"errors"
	"fmt"
	"math"
)

// Scale-space constants (Lowe 2004, §3): s = 3 intervals per octave, so s+3 = 6
// Gaussian images and 5 DoG images per octave; σ0 = 1.6; the input is assumed
// to carry a blur of 0.5 (camera). Lowe doubles the input first; we do not
// (see the package documentation).
const (
	Intervals  = 3
	Levels     = Intervals + 3 // Gaussian images per octave
	DoGLevels  = Levels - 1
	Sigma0     = 1.6
	inputSigma = 0.5
	// MaxOctaves bounds the octaves so that integer values stay below 2^126
	// (three octaves reach 8+98 bits, a fourth would need 130).
	MaxOctaves = 3
	// minOctaveSide is the smallest octave side the default octave count allows.
	minOctaveSide = 32
	// pixelOffset centres 8-bit pixels on zero, so the zero padding of the
	// integer filters behaves like mid-grey padding.
	pixelOffset = 128
)

// increments are the integer blur filters between Gaussian levels: entry 0
// takes the input (σ = 0.5) to level 0, entry i takes level i−1 to level i.
// Each number d is one pass of the two-tap filter [1, 0…0, 1] with taps d
// apart, in x and in y (so 2 bits of growth per entry); a pass adds variance
// d²/4. The lists are chosen so the variances track Lowe's σ_i = 1.6·2^(i/3):
// added variance 2.5, 1.5, 2.5, 4.0, 6.0, 9.5 against the ideal 2.31, 1.50,
// 2.39, 3.79, 6.02, 9.56 (σ within 4% of nominal, see TestScheduleSigmas),
// and the taps of each entry sum to an even number so the filter is centred
// on a whole pixel. Cascades of two-tap filters are binomial-like kernels:
// exact in integers, one homomorphic multiplication per pass per pixel.
var increments = [Levels][]int{
	{1, 1, 2, 2},
	{1, 1, 2},
	{1, 1, 2, 2},
	{1, 1, 1, 2, 3},
	{1, 1, 2, 3, 3},
	{2, 3, 3, 4},
}

// pass is one two-tap filter: output(p) = input(p − a) + input(p + d − a).
type pass struct{ d, a int }

// passes returns the passes of increment i with the left offsets a chosen so
// that odd taps alternate sides and the entry as a whole is centred.
func passes(i int) []pass {
	var ps []pass
	odd := false
	for _, d := range increments[i] {
		a := d / 2
		if d%2 == 1 {
			if !odd {
				a = (d + 1) / 2
			}
			odd = !odd
		}
		ps = append(ps, pass{d, a})
	}
	return ps
}

// shiftOf is the integer centre shift Σd/2 of increment i.
func shiftOf(i int) int {
	s := 0
	for _, d := range increments[i] {
		s += d
	}
	return s / 2
}

// varianceOf is the variance Σd²/4 an increment adds (per axis).
func varianceOf(i int) float64 {
	v := 0.0
	for _, d := range increments[i] {
		v += float64(d*d) / 4
	}
	return v
}

// Config is an unchecked detector configuration; zero fields take the
// defaults documented on each field.
type Config struct {
	// Octaves is the number of octaves; 0 means as many as keep the smallest
	// octave side ≥ 32 pixels, at most MaxOctaves.
	Octaves int `json:"octaves"`
	// ContrastThreshold rejects extrema with |D(x̂)| below it (intensities in
	// [0, 1]); 0 means 0.03 (Lowe 2004, §4).
	ContrastThreshold float64 `json:"contrast_threshold"`
	// EdgeRatio is r of the edge test Tr²/Det < (r+1)²/r; 0 means 10 (Lowe §4.1).
	EdgeRatio float64 `json:"edge_ratio"`
	// Border discards extrema closer than this many octave pixels to the image
	// edge; 0 means 5 (OpenCV's SIFT_IMG_BORDER).
	Border int `json:"border"`
}

// Detector is a checked, immutable SIFT configuration, safe for concurrent use.
type Detector struct{ cfg Config }

// ErrImage reports an image SIFT cannot process.
var ErrImage = errors.New("sift: bad image")

// New validates cfg and returns a Detector.
func New(cfg Config) (*Detector, error) {
	if cfg.Octaves < 0 || cfg.Octaves > MaxOctaves {
		return nil, fmt.Errorf("sift: octaves %d out of range [0, %d]", cfg.Octaves, MaxOctaves)
	}
	if cfg.ContrastThreshold == 0 {
		cfg.ContrastThreshold = 0.03
	}
	if cfg.EdgeRatio == 0 {
		cfg.EdgeRatio = 10
	}
	if cfg.Border == 0 {
		cfg.Border = 5
	}
	if !(cfg.ContrastThreshold > 0 && cfg.ContrastThreshold < 1) {
		return nil, fmt.Errorf("sift: contrast threshold %v out of range (0, 1)", cfg.ContrastThreshold)
	}
	if !(cfg.EdgeRatio >= 1 && cfg.EdgeRatio < 1e6) {
		return nil, fmt.Errorf("sift: edge ratio %v out of range [1, 1e6)", cfg.EdgeRatio)
	}
	if cfg.Border < 1 || cfg.Border > 64 {
		return nil, fmt.Errorf("sift: border %d out of range [1, 64]", cfg.Border)
	}
	return &Detector{cfg: cfg}, nil
}

// Config returns the configuration with defaults filled in.
func (d *Detector) Config() Config { return d.cfg }

// octaves returns the octave count for a w×h image.
func (d *Detector) octaves(w, h int) (int, error) {
	side := min(w, h)
	if side < 2*d.cfg.Border+3 {
		return 0, fmt.Errorf("%w: %dx%d is too small", ErrImage, w, h)
	}
	if d.cfg.Octaves > 0 {
		if side>>(d.cfg.Octaves-1) < 2*d.cfg.Border+3 {
			return 0, fmt.Errorf("%w: %dx%d too small for %d octaves", ErrImage, w, h, d.cfg.Octaves)
		}
		return d.cfg.Octaves, nil
	}
	n := 1
	for n < MaxOctaves && side>>n >= minOctaveSide {
		n++
	}
	return n, nil
}

// geometry describes one octave of the integer scale space in "V rows":
// the vertical filters are causal (they read rows above only, which is what
// a slot-packed ciphertext can do), so a level's true row r lives at V row
// r + Drift[level].
type geometry struct {
	W, H  int         // true size of the octave
	Drift [Levels]int // V-row offset of each Gaussian level
	Bits  [Levels]int // L_i = 2^Bits[i] · (Gaussian-filtered centred image)
	Sigma [Levels]float64
	Phase int // parity of the downsampling from the previous octave
	// Extent bounds the V rows that can hold non-zero values at any stage of
	// the octave (content spreads by d rows per vertical pass).
	Extent int
	// DownExtent is the extent of level 3 (the next octave's source).
	DownExtent int
}

// layout computes the geometry of n octaves for a w×h image.
func layout(w, h, n int) []geometry {
	geo := make([]geometry, n)
	drift, bits, ext := 0, 0, h
	variance := inputSigma * inputSigma
	phase := 0
	for o := range n {
		g := &geo[o]
		g.W, g.H, g.Phase = w, h, phase
		first := 1
		if o == 0 {
			first = 0
		}
		for i := first; i < Levels; i++ {
			drift += shiftOf(i)
			bits += 2 * len(increments[i])
			variance += varianceOf(i)
			for _, d := range increments[i] {
				ext += d
			}
			g.Drift[i], g.Bits[i], g.Sigma[i] = drift, bits, math.Sqrt(variance)
			if i == 3 {
				g.DownExtent = ext
			}
		}
		g.Extent = ext
		if o > 0 {
			g.Drift[0], g.Bits[0], g.Sigma[0] = geo[o-1].Drift[3]>>1, geo[o-1].Bits[3], geo[o-1].Sigma[3]/2
		}
		// Next octave: level 3 downsampled by 2 (Lowe §3: σ = 2σ0 image).
		phase = g.Drift[3] & 1
		drift = g.Drift[3] >> 1
		bits = g.Bits[3]
		variance = g.Sigma[3] * g.Sigma[3] / 4
		ext = (g.DownExtent - phase + 1) / 2
		w, h = (w+1)/2, (h+1)/2
	}
	return geo
}

// valueBits is the bit size of any signed value of octave o (L or D), with
// |centred pixel| ≤ 128 = 2^7 and one more bit for the DoG difference.
func (g *geometry) valueBits() int { return 7 + g.Bits[Levels-1] + 2 }
