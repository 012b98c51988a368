package sift

import "math"

// Match is a descriptor correspondence between two keypoint sets.
type Match struct {
	A, B     int     // indices into the two sets
	Distance float64 // Euclidean descriptor distance
}

// MatchDescriptors pairs each keypoint of a with its nearest neighbour in b
// when the nearest distance is below ratio × the second nearest (Lowe 2004,
// §7.1, who uses 0.8). It is an exhaustive search: O(len(a)·len(b)·128).
func MatchDescriptors(a, b []Keypoint, ratio float64) []Match {
	var ms []Match
	for i := range a {
		best, second := math.Inf(1), math.Inf(1)
		bi := -1
		for j := range b {
			d := descDist2(a[i].Descriptor, b[j].Descriptor, second)
			if d < best {
				best, second, bi = d, best, j
			} else if d < second {
				second = d
			}
		}
		if bi >= 0 && (math.IsInf(second, 1) || math.Sqrt(best) < ratio*math.Sqrt(second)) {
			ms = append(ms, Match{A: i, B: bi, Distance: math.Sqrt(best)})
		}
	}
	return ms
}

// descDist2 is the squared distance, abandoned early once it exceeds limit.
func descDist2(a, b []float32, limit float64) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return math.Inf(1)
	}
	s := 0.0
	for i := range a {
		d := float64(a[i] - b[i])
		s += d * d
		if s > limit {
			return s
		}
	}
	return s
}

// Transform maps input-image coordinates of one image to another, with the
// factor by which it scales lengths.
type Transform struct {
	Map   func(x, y float64) (float64, float64)
	Scale float64
}

// Identity is the transform of an unchanged geometry.
var Identity = Transform{Map: func(x, y float64) (float64, float64) { return x, y }, Scale: 1}

// Repeatability is the fraction of reference keypoints (mapped by t) that
// have a test keypoint within tol pixels and with a scale within
// scaleTol octaves (|log2(σ_test/(t.Scale·σ_ref))| ≤ scaleTol). Reference
// keypoints mapped outside the w×h test frame (minus margin) are not counted.
// Orientation duplicates (same position and scale) count once.
func Repeatability(ref, test []Keypoint, t Transform, tol, scaleTol float64, w, h int, margin float64) (rate float64, counted int) {
	hit := 0
	seen := map[[3]float64]bool{}
	for _, r := range ref {
		key := [3]float64{r.X, r.Y, r.Scale}
		if seen[key] {
			continue
		}
		seen[key] = true
		x, y := t.Map(r.X, r.Y)
		if x < margin || y < margin || x > float64(w)-1-margin || y > float64(h)-1-margin {
			continue
		}
		counted++
		want := r.Scale * t.Scale
		for _, k := range test {
			if math.Hypot(k.X-x, k.Y-y) <= tol && math.Abs(math.Log2(k.Scale/want)) <= scaleTol {
				hit++
				break
			}
		}
	}
	if counted == 0 {
		return 0, 0
	}
	return float64(hit) / float64(counted), counted
}

// MatchRate is the fraction of reference keypoints whose descriptor match
// (ratio test) in test is geometrically correct: within tol pixels of the
// reference position mapped by t. Unmatched keypoints count as failures.
func MatchRate(ref, test []Keypoint, t Transform, ratio, tol float64) float64 {
	if len(ref) == 0 {
		return 0
	}
	good := 0
	for _, m := range MatchDescriptors(ref, test, ratio) {
		x, y := t.Map(ref[m.A].X, ref[m.A].Y)
		if math.Hypot(test[m.B].X-x, test[m.B].Y-y) <= tol {
			good++
		}
	}
	return float64(good) / float64(len(ref))
}
